//! Consumers: a supervised loop per queue that (re)connects, declares its
//! topology, consumes with a bounded prefetch, runs the handler, replies to
//! calls and acknowledges only after the handler has finished.

use crate::connection::{Backoff, declare_bound_queue, declare_exchanges, declare_topic_queue};
use crate::dedup::Dedup;
use crate::envelope::{Incoming, RawEnvelope, ReplyBody, ReplyEnvelope, from_unix_ms};
use crate::{Bus, BusConfig, HandlerResult};
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, BasicRejectOptions,
};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Channel};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use stratus_common::{Error, ErrorKind};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

/// How many handled message ids a consumer remembers for deduplication.
const DEDUP_CAPACITY: usize = 100_000;
/// Pause before a message whose handler failed transiently goes back to the queue.
const REQUEUE_DELAY: Duration = Duration::from_millis(500);

/// Handles one decoded message. Implemented by any
/// `Fn(Incoming<M>) -> impl Future<Output = HandlerResult>`.
pub trait Handler<M>: Send + Sync + 'static {
    fn handle(&self, incoming: Incoming<M>) -> impl Future<Output = HandlerResult> + Send;
}

impl<M, F, Fut> Handler<M> for F
where
    M: Send + 'static,
    F: Fn(Incoming<M>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send,
{
    fn handle(&self, incoming: Incoming<M>) -> impl Future<Output = HandlerResult> + Send {
        self(incoming)
    }
}

/// A running consumer. Dropping it leaves the consumer running until the bus
/// shuts down; [`ServerHandle::stop`] stops it gracefully.
pub struct ServerHandle {
    token: CancellationToken,
    consuming: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// Waits until the consumer is registered with the broker (again, after a
    /// reconnect), at most `timeout`. Returns whether it is.
    pub async fn wait_consuming(&self, timeout: Duration) -> bool {
        let mut rx = self.consuming.clone();
        tokio::time::timeout(timeout, rx.wait_for(|c| *c))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Stops consuming, lets in-flight handlers finish and acknowledge, then
    /// closes the consumer's channel.
    pub async fn stop(self) {
        self.token.cancel();
        let _ = self.task.await;
    }
}

#[derive(Clone)]
enum Source {
    Topic(String),
    Events {
        queue: String,
        bindings: Vec<String>,
    },
    /// A queue of this process alone (exclusive, deleted with its connection).
    TransientEvents {
        bindings: Vec<String>,
    },
}

impl Source {
    async fn declare(&self, ch: &Channel, config: &BusConfig) -> lapin::Result<String> {
        declare_exchanges(ch, config).await?;
        match self {
            Source::Topic(topic) => declare_topic_queue(ch, config, topic).await,
            Source::Events { queue, bindings } => {
                let keys: Vec<&str> = bindings.iter().map(String::as_str).collect();
                declare_bound_queue(ch, config, queue, &config.events_exchange(), &keys).await?;
                Ok(queue.clone())
            }
            Source::TransientEvents { bindings } => {
                let options = lapin::options::QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                };
                let queue = ch
                    .queue_declare("".into(), options, FieldTable::default())
                    .await?;
                for key in bindings {
                    ch.queue_bind(
                        queue.name().clone(),
                        config.events_exchange().into(),
                        key.as_str().into(),
                        lapin::options::QueueBindOptions::default(),
                        FieldTable::default(),
                    )
                    .await?;
                }
                Ok(queue.name().to_string())
            }
        }
    }
}

pub(crate) fn spawn_rpc_server<M, H>(bus: &Bus, topic: &str, handler: H) -> ServerHandle
where
    M: DeserializeOwned + Send + 'static,
    H: Handler<M>,
{
    spawn(bus, Source::Topic(topic.to_owned()), handler)
}

pub(crate) fn spawn_event_subscriber<M, H>(
    bus: &Bus,
    subscriber: &str,
    bindings: &[&str],
    handler: H,
) -> ServerHandle
where
    M: DeserializeOwned + Send + 'static,
    H: Handler<M>,
{
    let source = Source::Events {
        queue: bus.config().subscriber_queue(subscriber),
        bindings: bindings.iter().map(|b| (*b).to_owned()).collect(),
    };
    spawn(bus, source, handler)
}

pub(crate) fn spawn_transient_subscriber<M, H>(
    bus: &Bus,
    bindings: &[&str],
    handler: H,
) -> ServerHandle
where
    M: DeserializeOwned + Send + 'static,
    H: Handler<M>,
{
    let source = Source::TransientEvents {
        bindings: bindings.iter().map(|b| (*b).to_owned()).collect(),
    };
    spawn(bus, source, handler)
}

fn spawn<M, H>(bus: &Bus, source: Source, handler: H) -> ServerHandle
where
    M: DeserializeOwned + Send + 'static,
    H: Handler<M>,
{
    let token = bus.inner.shutdown.child_token();
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(consume_loop(
        bus.clone(),
        source,
        Arc::new(handler),
        token.clone(),
        tx,
    ));
    ServerHandle {
        token,
        consuming: rx,
        task,
    }
}

async fn consume_loop<M, H>(
    bus: Bus,
    source: Source,
    handler: Arc<H>,
    token: CancellationToken,
    consuming: watch::Sender<bool>,
) where
    M: DeserializeOwned + Send + 'static,
    H: Handler<M>,
{
    let config = bus.config().clone();
    let dedup = Arc::new(Dedup::new(DEDUP_CAPACITY));
    let tracker = TaskTracker::new();
    let mut backoff = Backoff::new(config.max_backoff());
    let mut last_channel: Option<Channel> = None;

    while !token.is_cancelled() {
        let conn = tokio::select! {
            _ = token.cancelled() => break,
            conn = bus.inner.connector.get() => match conn { Ok(c) => c, Err(_) => break },
        };
        let setup = async {
            let ch = conn.create_channel().await?;
            ch.basic_qos(config.prefetch, BasicQosOptions::default())
                .await?;
            let queue = source.declare(&ch, &config).await?;
            let consumer = ch
                .basic_consume(
                    queue.as_str().into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            Ok::<_, lapin::Error>((ch, queue, consumer))
        };
        match setup.await {
            Ok((ch, queue, mut consumer)) => {
                tracing::debug!(%queue, "consuming");
                backoff.reset();
                consuming.send_replace(true);
                loop {
                    tokio::select! {
                        _ = token.cancelled() => {
                            let _ = ch.basic_cancel(consumer.tag(), BasicCancelOptions::default()).await;
                            break;
                        }
                        next = consumer.next() => match next {
                            Some(Ok(delivery)) => {
                                let job = handle_delivery(delivery, ch.clone(), handler.clone(), dedup.clone());
                                tracker.spawn(job);
                            }
                            Some(Err(e)) => {
                                tracing::warn!(error = %e, %queue, "consumer lost; reconnecting");
                                break;
                            }
                            None => {
                                tracing::warn!(%queue, "consumer cancelled; reconnecting");
                                break;
                            }
                        }
                    }
                }
                consuming.send_replace(false);
                last_channel = Some(ch);
            }
            Err(e) => tracing::warn!(error = %e, "cannot start consumer; retrying"),
        }
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
    tracker.close();
    tracker.wait().await;
    if let Some(ch) = last_channel
        && ch.status().connected()
    {
        let _ = ch.close(200, "consumer stopped".into()).await;
    }
}

async fn handle_delivery<M, H>(delivery: Delivery, ch: Channel, handler: Arc<H>, dedup: Arc<Dedup>)
where
    M: DeserializeOwned + Send + 'static,
    H: Handler<M>,
{
    let reply_to = delivery
        .properties
        .reply_to()
        .as_ref()
        .map(|r| r.to_string());
    let raw: RawEnvelope = match serde_json::from_slice(&delivery.data) {
        Ok(raw) => raw,
        Err(e) => {
            tracing::warn!(error = %e, "dropping a message that is not a bus envelope");
            let _ = delivery.reject(BasicRejectOptions { requeue: false }).await;
            return;
        }
    };
    let id = raw.id;
    let name = raw.name();
    let span = tracing::info_span!("bus", request_id = %raw.context.request_id, method = %name, msg_id = %id);

    async {
        if dedup.seen(&id) {
            tracing::debug!("duplicate delivery of a handled message; acknowledging");
            let _ = delivery.ack(BasicAckOptions::default()).await;
            return;
        }
        if reply_to.is_some() && raw.expired() {
            tracing::debug!("call past its deadline; dropping");
            let _ = delivery.ack(BasicAckOptions::default()).await;
            return;
        }
        let deadline = raw.deadline.map(from_unix_ms);
        let context = raw.context;
        let message: Result<M, _> = serde_json::from_value(serde_json::Value::Object(raw.body));
        let result = match message {
            Ok(message) => {
                let incoming = Incoming {
                    id,
                    context,
                    message,
                    redelivered: delivery.redelivered,
                    deadline,
                };
                handler.handle(incoming).await
            }
            Err(e) => {
                tracing::warn!(error = %e, "message does not fit this consumer");
                Err(Error::bad_request(format!("cannot handle {name}: {e}")))
            }
        };

        if let Some(reply_to) = reply_to {
            send_reply(&ch, &reply_to, id, &result).await;
        } else if let Err(e) = &result {
            if matches!(e.kind, ErrorKind::ServiceUnavailable | ErrorKind::Timeout) {
                tracing::warn!(error = %e, "handler failed transiently; requeueing");
                tokio::time::sleep(REQUEUE_DELAY).await;
                let _ = delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        multiple: false,
                    })
                    .await;
                return;
            }
            tracing::warn!(error = %e, "handler failed; message dropped");
        }
        dedup.mark(id);
        if let Err(e) = delivery.ack(BasicAckOptions::default()).await {
            tracing::warn!(error = %e, "could not acknowledge; the broker will redeliver");
        }
    }
    .instrument(span)
    .await;
}

async fn send_reply(ch: &Channel, reply_to: &str, id: uuid::Uuid, result: &HandlerResult) {
    let body = match result {
        Ok(v) => ReplyBody::Ok(v.clone()),
        Err(e) => ReplyBody::Error(e.clone()),
    };
    let Ok(payload) = serde_json::to_vec(&ReplyEnvelope { id, body }) else {
        return;
    };
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_correlation_id(ShortString::from(id.to_string()));
    let sent = ch
        .basic_publish(
            "".into(),
            reply_to.into(),
            BasicPublishOptions::default(),
            &payload,
            props,
        )
        .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not send a reply");
    }
}
