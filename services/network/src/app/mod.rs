//! The network service's logic between the thin HTTP handlers and the
//! datastore: networks and segments, subnets and IPAM, ports, security
//! groups, routers and floating IPs, quotas, and the agents' syncs.

pub mod hosts;
pub mod input;
pub mod ipam;
pub mod networks;
pub mod policy;
pub mod ports;
pub mod quotas;
pub mod routers;
pub mod security_groups;
pub mod servers;
pub mod subnets;
pub mod usage;

use serde::{Deserialize, Serialize};
use stratus_bus::Bus;
use stratus_db::PgPool;

/// The `[network]` section of the service's configuration: which segments
/// exist (as Neutron's ML2 type drivers are configured).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// The type of the networks projects create: `vxlan` or `vlan`.
    pub tenant_network_type: String,
    /// VNIs projects' VXLAN networks get, as `"lo:hi"`.
    pub vxlan_ranges: Vec<String>,
    /// VLAN ids per physical network, as `"physnet:lo:hi"` (or just
    /// `"physnet"`: admins may use any id on it, none is allocated).
    pub vlan_ranges: Vec<String>,
    /// Physical networks that may carry one flat network each.
    pub flat_networks: Vec<String>,
    /// The MTU of the physical networks; VXLAN networks get 50 bytes less.
    pub physical_mtu: i32,
    /// Per-project defaults by resource (`network`, `port`, ...), over
    /// Neutron's own.
    pub quotas: quotas::QuotaDefaults,
    /// An agent that has not synced for this long is down: the DHCP and
    /// routers it served go to the next agent that syncs, in seconds.
    pub agent_down_s: u32,
    /// How often every floating IP and router held is sampled for
    /// metering, in seconds.
    pub sample_interval_s: u32,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            tenant_network_type: "vxlan".into(),
            vxlan_ranges: vec!["1:65535".into()],
            vlan_ranges: vec!["physnet1:100:199".into()],
            flat_networks: vec!["physnet1".into()],
            physical_mtu: 1500,
            quotas: quotas::QuotaDefaults::default(),
            agent_down_s: 75,
            sample_interval_s: 60,
        }
    }
}

/// How the service configuration nests it: `[network]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkSection {
    pub network: NetworkConfig,
}

/// Everything the handlers need.
#[derive(Clone)]
pub struct App {
    pub pool: PgPool,
    pub bus: Bus,
    pub config: NetworkConfig,
    /// Metering's lifecycle events, written with the changes they report.
    pub outbox: stratus_outbox::Outbox,
}

impl App {
    pub fn new(pool: PgPool, bus: Bus, config: NetworkConfig) -> Self {
        Self {
            outbox: stratus_outbox::Outbox::new(pool.clone(), bus.clone()),
            pool,
            bus,
            config,
        }
    }
}
