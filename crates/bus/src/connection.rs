//! The one AMQP connection a process shares, remade with backoff whenever it
//! is lost, and the topology (exchanges, queues, bindings) every channel
//! declares before use.

use crate::{BusConfig, BusError, QueueType};
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Connector {
    config: BusConfig,
    name: String,
    shutdown: CancellationToken,
    current: Mutex<Option<Arc<Connection>>>,
}

impl Connector {
    pub fn new(config: BusConfig, name: &str, shutdown: CancellationToken) -> Self {
        Self {
            config,
            name: name.to_owned(),
            shutdown,
            current: Mutex::new(None),
        }
    }

    /// A live connection: the current one, or a new one made with backoff
    /// (only one caller connects at a time; the others wait for its result).
    pub async fn get(&self) -> Result<Arc<Connection>, BusError> {
        let mut current = self.current.lock().await;
        if let Some(conn) = current.as_ref()
            && conn.status().connected()
        {
            return Ok(conn.clone());
        }
        let mut backoff = Backoff::new(self.config.max_backoff());
        loop {
            if self.shutdown.is_cancelled() {
                return Err(BusError::Closed);
            }
            let props = ConnectionProperties::default()
                .with_connection_name(LongString::from(self.name.as_str()));
            match tokio::time::timeout(
                CONNECT_TIMEOUT,
                Connection::connect(&self.config.url, props),
            )
            .await
            {
                Ok(Ok(conn)) => {
                    tracing::info!(name = %self.name, "connected to the message bus");
                    let conn = Arc::new(conn);
                    *current = Some(conn.clone());
                    return Ok(conn);
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "cannot connect to the message bus; retrying")
                }
                Err(_) => tracing::warn!("connecting to the message bus timed out; retrying"),
            }
            tokio::select! {
                _ = self.shutdown.cancelled() => return Err(BusError::Closed),
                _ = tokio::time::sleep(backoff.next_delay()) => {}
            }
        }
    }

    pub fn is_connected(&self) -> bool {
        self.current
            .try_lock()
            .map(|c| c.as_ref().is_some_and(|c| c.status().connected()))
            .unwrap_or(false)
    }

    pub async fn close(&self) {
        if let Some(conn) = self.current.lock().await.take() {
            let _ = conn.close(200, ShortString::from("shutdown")).await;
        }
    }

    pub fn config(&self) -> &BusConfig {
        &self.config
    }

    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }
}

/// Exponential backoff with jitter, 100 ms up to a ceiling.
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(max: Duration) -> Self {
        Self {
            next: Duration::from_millis(100),
            max,
        }
    }

    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        let jitter = rand::rng().random_range(0.5..1.0);
        base.mul_f64(jitter)
    }

    pub fn reset(&mut self) {
        self.next = Duration::from_millis(100);
    }
}

fn declare_args(config: &BusConfig) -> FieldTable {
    let mut args = FieldTable::default();
    if config.queue_type == QueueType::Quorum {
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
    }
    if let Some(ms) = config.expire_idle_ms {
        args.insert("x-expires".into(), AMQPValue::LongUInt(ms));
    }
    args
}

/// Declares both exchanges (idempotent).
pub(crate) async fn declare_exchanges(ch: &Channel, config: &BusConfig) -> lapin::Result<()> {
    let options = ExchangeDeclareOptions {
        durable: true,
        auto_delete: config.expire_idle_ms.is_some(),
        ..Default::default()
    };
    ch.exchange_declare(
        config.rpc_exchange().into(),
        ExchangeKind::Direct,
        options,
        FieldTable::default(),
    )
    .await?;
    ch.exchange_declare(
        config.events_exchange().into(),
        ExchangeKind::Topic,
        options,
        FieldTable::default(),
    )
    .await
}

/// Declares the durable queue of `topic` bound to the RPC exchange, and
/// returns its name. Publishers declare it too, so a cast sent before any
/// consumer ever ran is queued rather than dropped as unroutable.
pub(crate) async fn declare_topic_queue(
    ch: &Channel,
    config: &BusConfig,
    topic: &str,
) -> lapin::Result<String> {
    let queue = config.topic_queue(topic);
    declare_bound_queue(ch, config, &queue, &config.rpc_exchange(), &[topic]).await?;
    Ok(queue)
}

pub(crate) async fn declare_bound_queue(
    ch: &Channel,
    config: &BusConfig,
    queue: &str,
    exchange: &str,
    keys: &[&str],
) -> lapin::Result<()> {
    let options = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    ch.queue_declare(queue.into(), options, declare_args(config))
        .await?;
    for key in keys {
        ch.queue_bind(
            queue.into(),
            exchange.into(),
            (*key).into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    }
    Ok(())
}
