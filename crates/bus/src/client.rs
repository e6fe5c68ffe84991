//! A typed handle on one consumer: its topic and its request enum bound
//! together, so a request can be sent only where it is understood and no
//! caller pairs topic strings with messages by hand. `stratus-bus-protocol`
//! names each consumer (`ComputeAgent::on(&bus, host)`,
//! `StorageService::of(&bus)`).

use crate::{Bus, BusError, Call, Handler, Message, ServerHandle};
use std::marker::PhantomData;
use std::time::Duration;
use stratus_common::RequestContext;

/// The consumer of `topic`, which understands `M`.
pub struct Client<M: Message> {
    bus: Bus,
    topic: String,
    message: PhantomData<fn() -> M>,
}

impl<M: Message> Clone for Client<M> {
    fn clone(&self) -> Self {
        Self {
            bus: self.bus.clone(),
            topic: self.topic.clone(),
            message: PhantomData,
        }
    }
}

impl<M: Message> std::fmt::Debug for Client<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("topic", &self.topic)
            .finish()
    }
}

impl<M: Message> Client<M> {
    /// The consumer of `topic`. Only `stratus-bus-protocol`'s consumer
    /// names should need this.
    pub fn new(bus: &Bus, topic: impl Into<String>) -> Self {
        Self {
            bus: bus.clone(),
            topic: topic.into(),
            message: PhantomData,
        }
    }

    /// The topic the consumer listens on.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Sends `request` and waits for its reply (see [`Bus::call`]).
    pub async fn call<C: Call<Message = M>>(
        &self,
        ctx: &RequestContext,
        request: C,
    ) -> Result<C::Reply, BusError> {
        self.bus.call(&self.topic, ctx, request).await
    }

    /// [`Client::call`] with an explicit deadline.
    pub async fn call_with_timeout<C: Call<Message = M>>(
        &self,
        ctx: &RequestContext,
        request: C,
        timeout: Duration,
    ) -> Result<C::Reply, BusError> {
        self.bus
            .call_with_timeout(&self.topic, ctx, request, timeout)
            .await
    }

    /// Queues `message` durably (see [`Bus::cast`]).
    pub async fn cast(
        &self,
        ctx: &RequestContext,
        message: impl Into<M>,
    ) -> Result<uuid::Uuid, BusError> {
        self.bus.cast::<M>(&self.topic, ctx, message).await
    }

    /// Consumes the topic with `handler` (the consumer's side).
    pub fn serve<H: Handler<M>>(&self, handler: H) -> ServerHandle {
        self.bus.serve(&self.topic, handler)
    }
}
