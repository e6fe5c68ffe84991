//! Publishing with publisher confirms on one shared channel, retried across
//! reconnects until confirmed or the publish timeout passes.

use crate::connection::{Backoff, Connector, declare_exchanges, declare_topic_queue};
use crate::envelope::{Envelope, unix_ms};
use crate::{BusConfig, BusError, Event, Message};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::ShortString;
use lapin::{BasicProperties, Channel};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use stratus_common::RequestContext;
use tokio::sync::Mutex;
use uuid::Uuid;

/// How long one attempt waits for the broker's confirm before trying again.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Publisher {
    connector: Arc<Connector>,
    config: BusConfig,
    current: Mutex<Option<Arc<PublishChannel>>>,
}

/// A confirm-mode channel and the topic queues already declared on it.
pub(crate) struct PublishChannel {
    pub channel: Channel,
    declared: std::sync::Mutex<HashSet<String>>,
}

/// One message ready to go out.
pub(crate) struct Outgoing<'a> {
    pub exchange: String,
    pub routing_key: &'a str,
    pub payload: Vec<u8>,
    pub properties: BasicProperties,
    /// Declare the topic's durable queue first (casts).
    pub ensure_topic_queue: bool,
    /// Wait for the broker's confirm (casts and events; not calls, whose reply
    /// is their confirmation).
    pub confirm: bool,
}

impl Publisher {
    pub fn new(connector: Arc<Connector>, config: BusConfig) -> Self {
        Self {
            connector,
            config,
            current: Mutex::new(None),
        }
    }

    pub async fn cast<M: Message>(
        &self,
        topic: &str,
        ctx: &RequestContext,
        message: &M,
    ) -> Result<Uuid, BusError> {
        let id = Uuid::new_v4();
        let payload = encode(id, message, ctx, None)?;
        let out = Outgoing {
            exchange: self.config.rpc_exchange(),
            routing_key: topic,
            payload,
            properties: properties(id, true),
            ensure_topic_queue: true,
            confirm: true,
        };
        self.publish(out, Instant::now() + self.config.publish_timeout())
            .await?;
        Ok(id)
    }

    pub async fn notify<E: Event>(
        &self,
        ctx: &RequestContext,
        event: &E,
    ) -> Result<Uuid, BusError> {
        let id = Uuid::new_v4();
        let payload = encode(id, event, ctx, None)?;
        let out = Outgoing {
            exchange: self.config.events_exchange(),
            routing_key: event.event_type(),
            payload,
            properties: properties(id, true),
            ensure_topic_queue: false,
            confirm: true,
        };
        self.publish(out, Instant::now() + self.config.publish_timeout())
            .await?;
        Ok(id)
    }

    /// Publishes `out`, retrying on a fresh channel (and connection) until the
    /// broker confirms or `deadline` passes. A retry may deliver the message
    /// twice; consumers drop the duplicate by its id.
    pub async fn publish(&self, out: Outgoing<'_>, deadline: Instant) -> Result<(), BusError> {
        let mut backoff = Backoff::new(self.config.max_backoff());
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let attempt =
                tokio::time::timeout(remaining.min(CONFIRM_TIMEOUT), self.attempt(&out)).await;
            let error = match attempt {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => e,
                Err(_) => "no confirm from the broker in time".to_owned(),
            };
            if self.connector.shutdown_token().is_cancelled() {
                return Err(BusError::Closed);
            }
            if Instant::now() >= deadline {
                return Err(BusError::Unavailable(error));
            }
            tracing::warn!(%error, routing_key = out.routing_key, "publish failed; retrying");
            self.invalidate().await;
            let pause = backoff
                .next_delay()
                .min(deadline.saturating_duration_since(Instant::now()));
            tokio::time::sleep(pause).await;
        }
    }

    async fn attempt(&self, out: &Outgoing<'_>) -> Result<(), String> {
        let pc = self.channel().await.map_err(|e| e.to_string())?;
        if out.ensure_topic_queue {
            pc.ensure_topic_queue(&self.config, out.routing_key)
                .await
                .map_err(|e| e.to_string())?;
        }
        let confirm = pc
            .channel
            .basic_publish(
                ShortString::from(out.exchange.as_str()),
                ShortString::from(out.routing_key),
                BasicPublishOptions::default(),
                &out.payload,
                out.properties.clone(),
            )
            .await
            .map_err(|e| e.to_string())?;
        if !out.confirm {
            return Ok(());
        }
        let confirmation = confirm.await.map_err(|e| e.to_string())?;
        if confirmation.is_nack() {
            return Err("broker refused the message (nack)".into());
        }
        Ok(())
    }

    /// The shared confirm-mode channel, opened (with the exchanges declared) if
    /// there is none or the last one died.
    pub async fn channel(&self) -> Result<Arc<PublishChannel>, BusError> {
        let mut current = self.current.lock().await;
        if let Some(pc) = current.as_ref()
            && pc.channel.status().connected()
        {
            return Ok(pc.clone());
        }
        let conn = self.connector.get().await?;
        let unavailable = |e: lapin::Error| BusError::Unavailable(e.to_string());
        let channel = conn.create_channel().await.map_err(unavailable)?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(unavailable)?;
        declare_exchanges(&channel, &self.config)
            .await
            .map_err(unavailable)?;
        let pc = Arc::new(PublishChannel {
            channel,
            declared: std::sync::Mutex::new(HashSet::new()),
        });
        *current = Some(pc.clone());
        Ok(pc)
    }

    async fn invalidate(&self) {
        let mut current = self.current.lock().await;
        if let Some(pc) = current.take()
            && pc.channel.status().connected()
        {
            let _ = pc.channel.close(200, "retry".into()).await;
        }
    }
}

impl PublishChannel {
    async fn ensure_topic_queue(&self, config: &BusConfig, topic: &str) -> lapin::Result<()> {
        if self.declared.lock().is_ok_and(|d| d.contains(topic)) {
            return Ok(());
        }
        declare_topic_queue(&self.channel, config, topic).await?;
        if let Ok(mut d) = self.declared.lock() {
            d.insert(topic.to_owned());
        }
        Ok(())
    }
}

pub(crate) fn encode<M: serde::Serialize>(
    id: Uuid,
    body: &M,
    context: &RequestContext,
    deadline: Option<std::time::SystemTime>,
) -> Result<Vec<u8>, BusError> {
    serde_json::to_vec(&Envelope {
        id,
        body,
        context,
        deadline: deadline.map(unix_ms),
    })
    .map_err(BusError::Encode)
}

/// Message properties: JSON, the id as `message_id`, persistent if durable.
pub(crate) fn properties(id: Uuid, persistent: bool) -> BasicProperties {
    BasicProperties::default()
        .with_content_type("application/json".into())
        .with_message_id(id.to_string().into())
        .with_delivery_mode(if persistent { 2 } else { 1 })
}
