//! Calls: the caller's exclusive reply queue, the table of calls waiting for a
//! reply, and the deadline that bounds every call.

use crate::connection::{Backoff, Connector};
use crate::envelope::{ReplyBody, ReplyEnvelope};
use crate::publisher::{Outgoing, encode, properties};
use crate::{Bus, BusError, Call, Message};
use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use stratus_common::RequestContext;
use tokio::sync::{OnceCell, oneshot, watch};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

type Pending = Arc<Mutex<HashMap<Uuid, oneshot::Sender<Vec<u8>>>>>;

pub(crate) struct ReplyRouter {
    connector: Arc<Connector>,
    shutdown: CancellationToken,
    pending: Pending,
    /// Name of the live reply queue; `None` while reconnecting.
    queue: OnceCell<watch::Receiver<Option<String>>>,
}

impl ReplyRouter {
    pub fn new(connector: Arc<Connector>, shutdown: CancellationToken) -> Self {
        Self {
            connector,
            shutdown,
            pending: Arc::default(),
            queue: OnceCell::new(),
        }
    }

    /// The reply queue's name, starting its listener on first use; waits
    /// while it is being remade after a reconnect.
    async fn queue_name(&self, deadline: Instant) -> Option<String> {
        let mut rx = self
            .queue
            .get_or_init(|| async {
                let (tx, rx) = watch::channel(None);
                tokio::spawn(listen(
                    self.connector.clone(),
                    self.shutdown.clone(),
                    self.pending.clone(),
                    tx,
                ));
                rx
            })
            .await
            .clone();
        let wait = rx.wait_for(Option::is_some);
        match tokio::time::timeout_at(deadline.into(), wait).await {
            Ok(Ok(name)) => name.clone(),
            _ => None,
        }
    }
}

/// Consumes the exclusive reply queue, remaking it after every reconnect,
/// and hands each reply to the call waiting for its correlation id.
async fn listen(
    connector: Arc<Connector>,
    shutdown: CancellationToken,
    pending: Pending,
    name: watch::Sender<Option<String>>,
) {
    let mut backoff = Backoff::new(connector.config().max_backoff());
    loop {
        let Ok(conn) = connector.get().await else {
            return;
        };
        let setup = async {
            let ch = conn.create_channel().await?;
            let options = QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            };
            let queue = ch
                .queue_declare("".into(), options, FieldTable::default())
                .await?;
            let consume = BasicConsumeOptions {
                no_ack: true,
                exclusive: true,
                ..Default::default()
            };
            let consumer = ch
                .basic_consume(
                    queue.name().clone(),
                    "".into(),
                    consume,
                    FieldTable::default(),
                )
                .await?;
            Ok::<_, lapin::Error>((ch, queue.name().to_string(), consumer))
        };
        match setup.await {
            Ok((_ch, queue, mut consumer)) => {
                backoff.reset();
                name.send_replace(Some(queue));
                loop {
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        next = consumer.next() => match next {
                            Some(Ok(delivery)) => {
                                let id = delivery
                                    .properties
                                    .correlation_id()
                                    .as_ref()
                                    .and_then(|c| Uuid::parse_str(c.as_str()).ok());
                                let waiter = id.and_then(|id| pending.lock().ok()?.remove(&id));
                                match waiter {
                                    Some(tx) => { let _ = tx.send(delivery.data); }
                                    None => tracing::debug!(?id, "reply for a call nobody waits for"),
                                }
                            }
                            Some(Err(e)) => { tracing::warn!(error = %e, "reply queue lost"); break; }
                            None => break,
                        }
                    }
                }
                name.send_replace(None);
            }
            Err(e) => tracing::warn!(error = %e, "cannot set up the reply queue"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
}

/// Removes a call's entry from the pending table however the call ends.
struct PendingGuard<'a> {
    pending: &'a Pending,
    id: Uuid,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut p) = self.pending.lock() {
            p.remove(&self.id);
        }
    }
}

pub(crate) async fn call<C: Call>(
    bus: &Bus,
    topic: &str,
    ctx: &RequestContext,
    message: C::Message,
    timeout: Duration,
) -> Result<C::Reply, BusError> {
    let started = Instant::now();
    let deadline = started + timeout;
    let timed_out = |message: &C::Message| BusError::Timeout {
        topic: topic.to_owned(),
        method: method_name(message),
        after: started.elapsed(),
    };
    let inner = &bus.inner;
    let Some(reply_to) = inner.replies.queue_name(deadline).await else {
        return Err(timed_out(&message));
    };

    let id = Uuid::new_v4();
    let (tx, rx) = oneshot::channel();
    inner
        .replies
        .pending
        .lock()
        .map_err(|_| BusError::Closed)?
        .insert(id, tx);
    let _guard = PendingGuard {
        pending: &inner.replies.pending,
        id,
    };

    let payload = encode(id, &message, ctx, Some(SystemTime::now() + timeout))?;
    let ttl_ms = deadline
        .saturating_duration_since(Instant::now())
        .as_millis()
        .max(1);
    let out = Outgoing {
        exchange: inner.config.rpc_exchange(),
        routing_key: topic,
        payload,
        properties: properties(id, false)
            .with_reply_to(reply_to.into())
            .with_correlation_id(id.to_string().into())
            .with_expiration(ttl_ms.to_string().into()),
        ensure_topic_queue: false,
        confirm: false,
    };
    match inner.publisher.publish(out, deadline).await {
        Ok(()) => {}
        Err(BusError::Unavailable(_)) => return Err(timed_out(&message)),
        Err(e) => return Err(e),
    }

    let data = match tokio::time::timeout_at(deadline.into(), rx).await {
        Ok(Ok(data)) => data,
        _ => return Err(timed_out(&message)),
    };
    let reply: ReplyEnvelope = serde_json::from_slice(&data).map_err(BusError::Decode)?;
    match reply.body {
        ReplyBody::Ok(value) => serde_json::from_value(value).map_err(BusError::Decode),
        ReplyBody::Error(e) => Err(BusError::Remote(e)),
    }
}

fn method_name<M: Message>(message: &M) -> String {
    serde_json::to_value(message)
        .ok()
        .and_then(|v| v.get("method").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}
