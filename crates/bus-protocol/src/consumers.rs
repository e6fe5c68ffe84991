//! Every consumer on the bus by name, each bound to its topic and its
//! request enum ([`Client`]): `ComputeAgent::on(&bus, host).call(&ctx,
//! AttachVolume { .. })` cannot reach the wrong topic or carry another
//! consumer's message, and the consumer serves from the same name.

use crate::compute::{self, ComputeAgentRequest, ComputeServiceRequest};
use crate::network::{self, NetworkServiceRequest};
use crate::storage::{self, StorageAgentRequest, StorageServiceRequest};
use crate::usage::{self, MeteringServiceRequest};
use crate::{AgentKind, NetworkAgentRequest};
use std::sync::Arc;
use stratus_auth::Verifier;
use stratus_bus::{Bus, Client, Incoming, ServerHandle};

/// The compute agent of a host (topic `compute.<host>`).
pub struct ComputeAgent;

impl ComputeAgent {
    pub fn on(bus: &Bus, host: &str) -> Client<ComputeAgentRequest> {
        Client::new(bus, AgentKind::Compute.topic(host))
    }
}

/// The network agent of a host (topic `network.<host>`).
pub struct NetworkAgent;

impl NetworkAgent {
    pub fn on(bus: &Bus, host: &str) -> Client<NetworkAgentRequest> {
        Client::new(bus, AgentKind::Network.topic(host))
    }
}

/// The storage agent of a host (topic `storage.<host>`).
pub struct StorageAgent;

impl StorageAgent {
    pub fn on(bus: &Bus, host: &str) -> Client<StorageAgentRequest> {
        Client::new(bus, AgentKind::Storage.topic(host))
    }
}

/// The compute service's replicas, for its agents.
pub struct ComputeService;

impl ComputeService {
    pub fn of(bus: &Bus) -> Client<ComputeServiceRequest> {
        Client::new(bus, compute::SERVICE_TOPIC)
    }
}

/// The network service's replicas, for its agents and the compute service.
pub struct NetworkService;

impl NetworkService {
    pub fn of(bus: &Bus) -> Client<NetworkServiceRequest> {
        Client::new(bus, network::SERVICE_TOPIC)
    }
}

/// The storage service's replicas, for other services and agents.
pub struct StorageService;

impl StorageService {
    pub fn of(bus: &Bus) -> Client<StorageServiceRequest> {
        Client::new(bus, storage::SERVICE_TOPIC)
    }
}

/// The metering service's replicas, for other services.
pub struct MeteringService;

impl MeteringService {
    pub fn of(bus: &Bus) -> Client<MeteringServiceRequest> {
        Client::new(bus, usage::SERVICE_TOPIC)
    }
}

/// Applies every `identity.token.revoked` event to `verifier`'s set, in
/// this process alone (every replica of every service must see each).
pub fn follow_revocations(bus: &Bus, verifier: Arc<Verifier>) -> ServerHandle {
    bus.subscribe_transient(
        &["identity.token.revoked"],
        move |inc: Incoming<crate::Notification>| {
            let verifier = verifier.clone();
            async move {
                if let crate::Notification::TokenRevoked(event) = inc.message {
                    tracing::info!(audit_id = ?event.audit_id, user_id = ?event.user_id, project_id = ?event.project_id, "token revocation received");
                    verifier.revocations().add(event);
                }
                Ok(serde_json::Value::Null)
            }
        },
    )
}

/// Calls `on` with what `pick` takes of every event under `keys` from now
/// on (a queue of this process alone that goes with it: live views need no
/// history).
fn follow<T, F>(
    bus: &Bus,
    keys: &[&str],
    pick: fn(crate::Notification) -> Option<T>,
    on: F,
) -> ServerHandle
where
    T: Send + 'static,
    F: Fn(T) + Send + Sync + 'static,
{
    let on = Arc::new(on);
    bus.subscribe_transient(keys, move |inc: Incoming<crate::Notification>| {
        let on = on.clone();
        async move {
            if let Some(event) = pick(inc.message) {
                on(event);
            }
            Ok(serde_json::Value::Null)
        }
    })
}

/// Calls `on` with every [`crate::ResourceChanged`] announced from now on.
pub fn follow_changes<F>(bus: &Bus, on: F) -> ServerHandle
where
    F: Fn(crate::ResourceChanged) + Send + Sync + 'static,
{
    follow(
        bus,
        &["resource.changed"],
        |n| match n {
            crate::Notification::ResourceChanged(e) => Some(e),
            _ => None,
        },
        on,
    )
}

/// Calls `on` with every host's heartbeat from now on.
pub fn follow_heartbeats<F>(bus: &Bus, on: F) -> ServerHandle
where
    F: Fn(crate::HostHeartbeat) + Send + Sync + 'static,
{
    follow(
        bus,
        &["host.heartbeat"],
        |n| match n {
            crate::Notification::HostHeartbeat(b) => Some(b),
            _ => None,
        },
        on,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_consumer_has_its_topic() {
        let bus = Bus::new(stratus_bus::BusConfig::default(), "topics");
        assert_eq!(ComputeAgent::on(&bus, "h1").topic(), "compute.h1");
        assert_eq!(NetworkAgent::on(&bus, "h1").topic(), "network.h1");
        assert_eq!(StorageAgent::on(&bus, "h1").topic(), "storage.h1");
        assert_eq!(ComputeService::of(&bus).topic(), "compute-service");
        assert_eq!(NetworkService::of(&bus).topic(), "network-service");
        assert_eq!(StorageService::of(&bus).topic(), "storage-service");
        assert_eq!(MeteringService::of(&bus).topic(), "metering-service");
    }
}
