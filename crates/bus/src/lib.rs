//! The Stratus message bus: AMQP 0-9-1 on RabbitMQ through `lapin`, as
//! `shared/DESIGN.md` lays out.
//!
//! - [`Bus::call`]: request/response with a deadline, published to the direct
//!   exchange `<prefix>.rpc` with the topic as routing key and the caller's
//!   exclusive reply queue in `reply_to`. Past its deadline a call fails with
//!   [`BusError::Timeout`]; it never hangs.
//! - [`Bus::cast`]: fire-and-forget that is not lost: durable queue, persistent
//!   message, publisher confirm, retried across reconnects; the consumer acks
//!   only after its handler has finished.
//! - [`Bus::notify`]: events on the topic exchange `<prefix>.events`.
//! - [`Bus::serve`] and [`Bus::subscribe`]: consumers that survive broker
//!   restarts and drop duplicate deliveries of a message id they already handled.
//!
//! Messages are typed: each consumer has one serde enum declared with
//! [`protocol!`], each event stream one declared with [`events!`]; a
//! [`Client`] binds a consumer's enum to its topic.

mod client;
mod config;
mod connection;
mod dedup;
mod envelope;
mod error;
mod message;
mod publisher;
mod rpc;
mod server;

pub use client::Client;
pub use config::{BusConfig, QueueType};
pub use envelope::Incoming;
pub use error::BusError;
pub use message::{Call, Event, HandlerResult, Message};
pub use server::{Handler, ServerHandle};

use connection::Connector;
use publisher::Publisher;
use rpc::ReplyRouter;
use std::sync::Arc;
use stratus_common::RequestContext;
use tokio_util::sync::CancellationToken;

/// A process's handle on the bus. Cheap to clone; every clone shares one AMQP
/// connection, one publisher channel and one reply queue.
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    config: BusConfig,
    connector: Arc<Connector>,
    publisher: Publisher,
    replies: ReplyRouter,
    shutdown: CancellationToken,
}

impl Bus {
    /// Creates the handle. The connection is made on first use and remade
    /// whenever it is lost, so this never fails for want of a broker.
    pub fn new(config: BusConfig, name: &str) -> Self {
        let shutdown = CancellationToken::new();
        let connector = Arc::new(Connector::new(config.clone(), name, shutdown.clone()));
        let publisher = Publisher::new(connector.clone(), config.clone());
        let replies = ReplyRouter::new(connector.clone(), shutdown.clone());
        Self {
            inner: Arc::new(Inner {
                config,
                connector,
                publisher,
                replies,
                shutdown,
            }),
        }
    }

    pub fn config(&self) -> &BusConfig {
        &self.inner.config
    }

    /// Connects now (with backoff) and returns once connected, for processes
    /// that want to fail early at start-up. Gives up after `timeout`.
    pub async fn wait_connected(&self, timeout: std::time::Duration) -> Result<(), BusError> {
        tokio::time::timeout(timeout, self.inner.connector.get())
            .await
            .map_err(|_| BusError::Unavailable("no connection to the broker".into()))?
            .map(|_| ())
    }

    /// Whether the shared connection is up right now (for health checks).
    pub fn is_connected(&self) -> bool {
        self.inner.connector.is_connected()
    }

    /// Sends `request` to the consumer of `topic` and waits for its reply, at
    /// most the configured call timeout.
    pub async fn call<C: Call>(
        &self,
        topic: &str,
        ctx: &RequestContext,
        request: C,
    ) -> Result<C::Reply, BusError> {
        self.call_with_timeout(topic, ctx, request, self.inner.config.call_timeout())
            .await
    }

    /// [`Bus::call`] with an explicit deadline.
    pub async fn call_with_timeout<C: Call>(
        &self,
        topic: &str,
        ctx: &RequestContext,
        request: C,
        timeout: std::time::Duration,
    ) -> Result<C::Reply, BusError> {
        rpc::call::<C>(self, topic, ctx, request.into_message(), timeout).await
    }

    /// Queues `message` for the consumer of `topic`, durably. Returns the
    /// message id once the broker has confirmed it, retrying across reconnects
    /// for at most the configured cast timeout.
    pub async fn cast<M: Message>(
        &self,
        topic: &str,
        ctx: &RequestContext,
        message: impl Into<M>,
    ) -> Result<uuid::Uuid, BusError> {
        self.inner.publisher.cast(topic, ctx, &message.into()).await
    }

    /// Publishes `event` on the events exchange, confirmed and persistent.
    pub async fn notify<E: Event>(
        &self,
        ctx: &RequestContext,
        event: impl Into<E>,
    ) -> Result<uuid::Uuid, BusError> {
        self.inner.publisher.notify(ctx, &event.into()).await
    }

    /// Consumes `topic` (calls and casts) with `handler` until the returned
    /// handle is stopped or the bus shuts down.
    pub fn serve<M: Message, H: Handler<M>>(&self, topic: &str, handler: H) -> ServerHandle {
        server::spawn_rpc_server(self, topic, handler)
    }

    /// Consumes events whose routing keys match `bindings` (AMQP topic
    /// patterns, `host.*`) from the durable queue named after `subscriber`.
    pub fn subscribe<E: Event, H: Handler<E>>(
        &self,
        subscriber: &str,
        bindings: &[&str],
        handler: H,
    ) -> ServerHandle {
        server::spawn_event_subscriber(self, subscriber, bindings, handler)
    }

    /// Like [`Bus::subscribe`], but with a queue of this process alone that
    /// disappears with it: for state every replica must see (revocations).
    /// Events published while the process is away are not kept for it.
    pub fn subscribe_transient<E: Event, H: Handler<E>>(
        &self,
        bindings: &[&str],
        handler: H,
    ) -> ServerHandle {
        server::spawn_transient_subscriber(self, bindings, handler)
    }

    /// Stops every consumer of this bus, then closes the connection.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
        self.inner.connector.close().await;
    }
}
