//! Between the network service and its agents. An agent asks the service
//! (topic [`SERVICE_TOPIC`]) for everything its host should carry with one
//! [`HostSync`] call, reporting which ports it has wired; the service answers
//! with a [`HostConfig`]. Whenever anything that shapes a data plane changes,
//! the service publishes `network.changed` and every agent syncs again.
//! Agents are level-triggered: the same config applied twice changes nothing.

use serde::{Deserialize, Serialize};

/// The topic the network service's replicas consume agent calls on.
pub(crate) const SERVICE_TOPIC: &str = "network-service";

stratus_bus::protocol! {
    /// Requests the network service handles from its agents (`Sync`) and
    /// from the compute service (the ports of servers).
    pub enum NetworkServiceRequest {
        Sync(HostSync) -> HostConfig,
        PortsBind(PortsBind) -> ServerPorts,
        PortsRelease(PortsRelease) -> ServerPorts,
    }
}

/// The bridge of a network on every host: `brq` and the network id's first
/// 11 characters (what the network agent makes, and the compute agent plugs
/// taps into).
pub fn bridge_name(network_id: &str) -> String {
    dev_name("brq", network_id)
}

/// The tap of a port: `tap` and the port id's first 11 characters.
pub fn tap_name(port_id: &str) -> String {
    dev_name("tap", port_id)
}

/// A kernel device name from a prefix and an id: at most 15 characters.
pub fn dev_name(prefix: &str, id: &str) -> String {
    let room = 15usize.saturating_sub(prefix.len()).min(11);
    let id: String = id.chars().take(room).collect();
    format!("{prefix}{id}")
}

/// One NIC a server asks for: a new port on a network (with an optional
/// fixed address), or a port the project made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRequest {
    pub network_id: Option<String>,
    pub port_id: Option<String>,
    pub fixed_ip: Option<String>,
}

/// Makes (or finds, for a retry) the ports of server `device_id` and binds
/// them to `host`, on behalf of `caller` (the user who asked for the server:
/// the network service applies that user's visibility and policy, as for its
/// own API). With no requests, the one network the project can use is
/// taken (none: no NIC; several: 409).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PortsBind {
    pub caller: stratus_auth::TokenClaims,
    pub device_id: String,
    /// `compute:<availability zone>`.
    pub device_owner: String,
    pub host: String,
    pub requests: Vec<PortRequest>,
    /// Security group names or ids for new ports (the project's `default`
    /// when empty).
    pub security_groups: Vec<String>,
    /// Only check the requests (networks and ports exist, are usable, the
    /// groups exist): nothing made or bound.
    #[serde(default)]
    pub validate_only: bool,
    /// An interface attach: make and bind `requests` beside the ports the
    /// server has, and answer with the new ones only.
    #[serde(default)]
    pub add: bool,
}

/// Unbinds the ports of server `device_id`: those the compute service made
/// (`created`) are deleted, others are left to their project, unbound.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PortsRelease {
    pub device_id: String,
    pub created: Vec<String>,
    /// An interface detach: only these of the server's ports.
    #[serde(default)]
    pub only: Option<Vec<String>>,
}

/// A server's port as the compute service keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerPort {
    pub port_id: String,
    pub device_id: String,
    pub network_id: String,
    pub network_name: String,
    pub mac_address: String,
    pub mtu: u32,
    pub fixed_ips: Vec<String>,
    /// The subnet of each of `fixed_ips`, in the same order.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Whether the network service made it for the server (deleted with it).
    pub created: bool,
    /// The port's status (`ACTIVE` once its host wired it).
    pub status: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerPorts {
    pub ports: Vec<ServerPort>,
}

/// An agent's report and question: who it is, what it can reach, and which
/// of its ports are wired (`up`) or have no device yet (`down`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostSync {
    pub host: String,
    /// The local VXLAN tunnel endpoint, if this host carries VXLAN networks.
    pub tunnel_ip: Option<String>,
    /// The physical networks this host has an interface on (flat and VLAN).
    pub physical_networks: Vec<String>,
    pub ports_up: Vec<String>,
    pub ports_down: Vec<String>,
}

/// Everything one host carries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostConfig {
    pub networks: Vec<NetworkSpec>,
    /// Ports of instances bound to this host (`binding:host_id`).
    pub ports: Vec<PortSpec>,
    /// The groups the ports above use, and the groups their rules name.
    pub security_groups: Vec<SecurityGroupSpec>,
    /// Networks whose DHCP this host serves.
    pub dhcp: Vec<DhcpSpec>,
    /// Routers this host runs.
    pub routers: Vec<RouterSpec>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    pub id: String,
    /// `flat`, `vlan` or `vxlan`.
    pub network_type: String,
    pub physical_network: Option<String>,
    pub segmentation_id: Option<u32>,
    pub mtu: u32,
    /// Tunnel endpoints of the other hosts that carry this network.
    pub peers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedIpSpec {
    pub subnet_id: String,
    pub ip_address: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressPair {
    /// An address or a CIDR.
    pub ip_address: String,
    pub mac_address: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortSpec {
    pub id: String,
    pub network_id: String,
    pub mac_address: String,
    pub fixed_ips: Vec<FixedIpSpec>,
    pub device_owner: String,
    pub admin_state_up: bool,
    pub port_security_enabled: bool,
    pub security_groups: Vec<String>,
    pub allowed_address_pairs: Vec<AddressPair>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroupSpec {
    pub id: String,
    pub stateful: bool,
    pub rules: Vec<RuleSpec>,
    /// Addresses of every port in the group, on any host (for rules that
    /// name it as their remote group).
    pub members: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub id: String,
    /// `ingress` or `egress`.
    pub direction: String,
    /// `IPv4` or `IPv6`.
    pub ethertype: String,
    /// A name (`tcp`, `udp`, `icmp`, ...) or a number; none for any.
    pub protocol: Option<String>,
    pub port_range_min: Option<u32>,
    pub port_range_max: Option<u32>,
    pub remote_ip_prefix: Option<String>,
    pub remote_group_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetSpec {
    pub id: String,
    pub ip_version: u8,
    pub cidr: String,
    pub gateway_ip: Option<String>,
    pub enable_dhcp: bool,
    pub dns_nameservers: Vec<String>,
    /// `(destination, nexthop)`.
    pub host_routes: Vec<(String, String)>,
}

/// A DHCP server for one network: its own port, the subnets and one host
/// entry per port of the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DhcpSpec {
    pub network_id: String,
    pub port: PortSpec,
    pub subnets: Vec<SubnetSpec>,
    pub hosts: Vec<DhcpHost>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DhcpHost {
    pub mac_address: String,
    pub ip_address: String,
    pub hostname: String,
}

/// A router's interface or gateway: its port and the subnet it sits on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouterPortSpec {
    pub port: PortSpec,
    pub subnets: Vec<SubnetSpec>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloatingIpSpec {
    pub floating_ip_address: String,
    pub fixed_ip_address: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouterSpec {
    pub id: String,
    pub enable_snat: bool,
    pub gateway: Option<RouterPortSpec>,
    pub interfaces: Vec<RouterPortSpec>,
    pub floating_ips: Vec<FloatingIpSpec>,
}

/// Published by the service when anything a data plane carries changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkChanged {}
