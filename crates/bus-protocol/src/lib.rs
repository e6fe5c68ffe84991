//! The typed messages of the Stratus bus, shared by senders and consumers so
//! neither depends on the other's crate.
//!
//! Each consumer has one request enum (declared with `stratus_bus::protocol!`)
//! and a topic: per host for agents (`compute.<host>`, `network.<host>`,
//! `storage.<host>`), one per service. [`consumers`] names them, each bound
//! to its topic and enum; nothing else pairs a topic with a message.
//! Events share one enum, [`Notification`], whose variants are the routing
//! keys on the events exchange.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of agent, one per data-plane role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentKind {
    Compute,
    Network,
    Storage,
}

impl AgentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentKind::Compute => "compute",
            AgentKind::Network => "network",
            AgentKind::Storage => "storage",
        }
    }

    /// The topic the agent of this kind on `host` consumes.
    pub fn topic(self, host: &str) -> String {
        format!("{}.{host}", self.as_str())
    }
}

/// Asks an agent whether it is alive and what it is.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Ping {}

/// An agent's answer to [`Ping`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pong {
    pub host: String,
    pub kind: AgentKind,
    pub version: String,
    /// The network namespace the agent does its data-plane work in, if any.
    pub netns: Option<String>,
}

/// The network agent's requests. `Ping` is shared, so each agent's enum wraps
/// its own type for it to keep replies typed per consumer.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NetworkPing {}

stratus_bus::protocol! {
    /// Requests the network agent handles (topic `network.<host>`).
    pub enum NetworkAgentRequest {
        Ping(NetworkPing) -> Pong,
    }
}

pub mod compute;
pub mod consumers;
pub use compute::ComputeAgentRequest;
pub use consumers::{
    ComputeAgent, ComputeService, MeteringService, NetworkAgent, NetworkService, StorageAgent,
    StorageService, follow_changes, follow_heartbeats, follow_revocations,
};

pub mod storage;
pub mod usage;
pub use storage::{StorageAgentRequest, StoragePing};

pub mod network;
pub use network::NetworkServiceRequest;

/// Published by every agent on an interval; services mark a host down when
/// its heartbeats stop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostHeartbeat {
    pub host: String,
    pub kind: AgentKind,
    pub version: String,
    pub at: DateTime<Utc>,
    /// Seconds until the next heartbeat is due.
    pub interval_s: u32,
}

pub use stratus_auth::RevocationEvent;

/// Something an API changed: published after every successful write (by
/// the shared HTTP layer) and when a service records a state change of its
/// own (a server built, a volume attached). It names what changed, not how:
/// readers (the web console's live view) read the resource again through
/// the API, which applies its policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceChanged {
    /// The API: `compute`, `network`, `image`, `volume`, `identity`, `metering`.
    pub service: String,
    /// The collection, as in the API's paths: `servers`, `networks`, `volumes`, ...
    pub kind: String,
    /// The resource, when the path names it (not on a create).
    #[serde(default)]
    pub id: Option<String>,
    /// The project the change belongs to: the resource's, or the caller's.
    /// `None` for cloud-wide things (flavors, hosts, identity's catalog).
    #[serde(default)]
    pub project_id: Option<String>,
    pub at: DateTime<Utc>,
    /// What was done: `create`, `update`, `delete`, the sub-resource a
    /// `POST` names (`action`, `add_router_interface`, ...), or `state`
    /// when a service records a resource's new state on its own.
    #[serde(default)]
    pub action: Option<String>,
    /// Who did it (the caller's user name), for an API write.
    #[serde(default)]
    pub user_name: Option<String>,
}

impl ResourceChanged {
    /// A service's own record of a resource's new state (a build finished, a
    /// volume became available), not an API write: with the resource's own
    /// project, so its project's viewers hear of it whoever caused it.
    pub fn state(service: &str, kind: &str, id: &str, project_id: &str) -> Self {
        Self {
            service: service.to_owned(),
            kind: kind.to_owned(),
            id: Some(id.to_owned()),
            project_id: Some(project_id.to_owned()),
            at: Utc::now(),
            action: Some("state".into()),
            user_name: None,
        }
    }
}

stratus_bus::events! {
    /// Every event on the events exchange; the string is the routing key.
    pub enum Notification {
        "host.heartbeat" => HostHeartbeat(HostHeartbeat),
        /// Tokens matching this event are revoked (identity publishes; every
        /// process that validates tokens applies it).
        "identity.token.revoked" => TokenRevoked(RevocationEvent),
        /// A storage host's free and total bytes (with each heartbeat).
        "storage.capacity" => StorageCapacity(storage::StorageCapacity),
        /// A volume or snapshot operation finished (or failed) on a storage host.
        "storage.volume.result" => VolumeResult(storage::VolumeEvent),
        /// A volume was copied into an image (or failed to be).
        "storage.image.uploaded" => ImageFromVolume(storage::ImageFromVolume),
        /// Something a network data plane carries changed: agents sync.
        "network.changed" => NetworkChanged(network::NetworkChanged),
        /// What resources used, from an agent (a batch per host and interval).
        "usage.sample" => UsageSample(usage::UsageBatch),
        /// A resource began, changed size or ended (billable time's bounds).
        "usage.lifecycle" => UsageLifecycle(usage::LifecycleEvent),
        /// A compute host's inventory (with each heartbeat).
        "compute.inventory" => ComputeInventory(compute::HostInventory),
        /// An instance operation finished (or failed) on a compute host.
        "compute.instance.result" => InstanceResult(compute::InstanceEvent),
        /// An API's resource changed (see [`ResourceChanged`]).
        "resource.changed" => ResourceChanged(ResourceChanged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stratus_bus::Event;

    #[test]
    fn requests_serialize_as_method_and_args() {
        let v = serde_json::to_value(ComputeAgentRequest::Ping(Ping {})).expect("serialize");
        assert_eq!(v, serde_json::json!({"method": "ping", "args": {}}));
    }

    #[test]
    fn events_name_their_routing_key() {
        let e = Notification::HostHeartbeat(HostHeartbeat {
            host: "h".into(),
            kind: AgentKind::Network,
            version: "0".into(),
            at: Utc::now(),
            interval_s: 10,
        });
        assert_eq!(e.event_type(), "host.heartbeat");
        let v = serde_json::to_value(&e).expect("serialize");
        assert_eq!(v["event_type"], "host.heartbeat");
        assert_eq!(v["payload"]["kind"], "network");
        assert_eq!(AgentKind::Storage.topic("h1"), "storage.h1");
    }
}
