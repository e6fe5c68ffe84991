//! The Neutron v2.0 subset served by `stratus-network`: networks, subnets,
//! ports, security groups and rules, routers, floating IPs, quotas.
//!
//! Views are what the API renders (`{"network": Network}`); `*Create` and
//! `*Update` are what it accepts, refusing unknown attributes by name as
//! Neutron does.

use crate::serde_helpers::{loose_bool, loose_int, nullable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub use crate::Link;

/// The query every Neutron list takes besides attribute filters (any
/// attribute of the view, repeated for "any of").
///
/// Neutron's `fields=<attribute>` (on lists and single resources) is
/// served too, for the clients that send it; the answer then holds only
/// those attributes, so it is left out of the documents, whose views have
/// every attribute.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size; a `<collection>_links` `next` link follows a full page.
    pub limit: Option<u32>,
    /// The id of the last item of the previous page.
    pub marker: Option<String>,
}

// ---------------------------------------------------------------- networks

/// A network.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tenant_id: String,
    pub project_id: String,
    pub admin_state_up: bool,
    /// Always `ACTIVE`.
    pub status: String,
    /// The ids of its subnets.
    pub subnets: Vec<String>,
    pub shared: bool,
    #[serde(rename = "router:external")]
    pub router_external: bool,
    pub mtu: i64,
    pub port_security_enabled: bool,
    pub availability_zone_hints: Vec<String>,
    pub availability_zones: Vec<String>,
    pub ipv4_address_scope: Option<String>,
    pub ipv6_address_scope: Option<String>,
    pub tags: Vec<String>,
    pub is_default: bool,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Admins only: `vxlan`, `vlan` or `flat`.
    #[serde(
        rename = "provider:network_type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub provider_network_type: Option<String>,
    /// Admins only.
    #[serde(
        rename = "provider:physical_network",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub provider_physical_network: Option<Option<String>>,
    /// Admins only.
    #[serde(
        rename = "provider:segmentation_id",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub provider_segmentation_id: Option<Option<i64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NetworkBody {
    pub network: Network,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NetworkList {
    pub networks: Vec<Network>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks_links: Option<Vec<Link>>,
}

/// What a network is created with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkCreate {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub admin_state_up: Option<bool>,
    /// Admins only.
    #[serde(default, deserialize_with = "loose_bool")]
    pub shared: Option<bool>,
    /// Admins only.
    #[serde(rename = "router:external", default, deserialize_with = "loose_bool")]
    pub router_external: Option<bool>,
    /// Admins only: `vxlan`, `vlan` or `flat`.
    #[serde(rename = "provider:network_type")]
    pub network_type: Option<String>,
    /// Admins only.
    #[serde(rename = "provider:physical_network")]
    pub physical_network: Option<String>,
    /// Admins only.
    #[serde(
        rename = "provider:segmentation_id",
        default,
        deserialize_with = "loose_int"
    )]
    pub segmentation_id: Option<i64>,
    #[serde(default, deserialize_with = "loose_int")]
    pub mtu: Option<i64>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub port_security_enabled: Option<bool>,
    /// Admins only, for another project.
    pub project_id: Option<String>,
    /// The same as `project_id`.
    pub tenant_id: Option<String>,
    pub availability_zone_hints: Option<Vec<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkCreateBody {
    pub network: NetworkCreate,
}

/// What a network's update may change. Provider attributes are refused
/// after creation.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub admin_state_up: Option<bool>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub shared: Option<bool>,
    #[serde(rename = "router:external", default, deserialize_with = "loose_bool")]
    pub router_external: Option<bool>,
    #[serde(default, deserialize_with = "loose_int")]
    pub mtu: Option<i64>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub port_security_enabled: Option<bool>,
    /// Refused: set at creation only.
    #[serde(rename = "provider:network_type")]
    pub network_type: Option<serde_json::Value>,
    /// Refused: set at creation only.
    #[serde(rename = "provider:physical_network")]
    pub physical_network: Option<serde_json::Value>,
    /// Refused: set at creation only.
    #[serde(rename = "provider:segmentation_id")]
    pub segmentation_id: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkUpdateBody {
    pub network: NetworkUpdate,
}

/// An API extension.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Extension {
    pub alias: String,
    pub name: String,
    pub description: String,
    pub updated: String,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ExtensionBody {
    pub extension: Extension,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ExtensionList {
    pub extensions: Vec<Extension>,
}

// ----------------------------------------------------------------- subnets

/// A range of addresses handed out on a subnet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationPool {
    pub start: String,
    pub end: String,
}

/// A route pushed to instances by DHCP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostRoute {
    pub destination: String,
    pub nexthop: String,
}

/// A subnet.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Subnet {
    pub id: String,
    pub name: String,
    pub description: String,
    pub network_id: String,
    pub tenant_id: String,
    pub project_id: String,
    /// 4 or 6.
    pub ip_version: i64,
    pub cidr: String,
    pub gateway_ip: Option<String>,
    pub enable_dhcp: bool,
    pub allocation_pools: Vec<AllocationPool>,
    pub dns_nameservers: Vec<String>,
    pub host_routes: Vec<HostRoute>,
    pub ipv6_ra_mode: Option<String>,
    pub ipv6_address_mode: Option<String>,
    pub subnetpool_id: Option<String>,
    pub service_types: Vec<String>,
    pub tags: Vec<String>,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SubnetBody {
    pub subnet: Subnet,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SubnetList {
    pub subnets: Vec<Subnet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnets_links: Option<Vec<Link>>,
}

/// What a subnet is created with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetCreate {
    pub network_id: String,
    /// 4 or 6.
    #[serde(default, deserialize_with = "loose_int")]
    pub ip_version: Option<i64>,
    pub cidr: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// The gateway; `null` for none; absent for the first address.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub gateway_ip: Option<Option<String>>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub enable_dhcp: Option<bool>,
    pub allocation_pools: Option<Vec<AllocationPool>>,
    pub dns_nameservers: Option<Vec<String>>,
    pub host_routes: Option<Vec<HostRoute>>,
    /// `slaac`, `dhcpv6-stateful` or `dhcpv6-stateless`.
    pub ipv6_ra_mode: Option<String>,
    /// `slaac`, `dhcpv6-stateful` or `dhcpv6-stateless`.
    pub ipv6_address_mode: Option<String>,
    pub project_id: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetCreateBody {
    pub subnet: SubnetCreate,
}

/// What a subnet's update may change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `null` removes the gateway.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub gateway_ip: Option<Option<String>>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub enable_dhcp: Option<bool>,
    pub dns_nameservers: Option<Vec<String>>,
    pub host_routes: Option<Vec<HostRoute>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetUpdateBody {
    pub subnet: SubnetUpdate,
}

// ------------------------------------------------------------------- ports

/// A port's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum PortStatus {
    Active,
    Down,
    Build,
    Error,
}

/// An address of a port on one of its network's subnets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FixedIp {
    pub subnet_id: String,
    pub ip_address: String,
}

/// A fixed address asked for: a subnet, an address, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedIpRequest {
    pub subnet_id: Option<String>,
    pub ip_address: Option<String>,
}

/// Another address (and MAC) a port may send from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressPair {
    /// An address or a CIDR.
    pub ip_address: String,
    /// The port's own MAC when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
}

/// A port.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Port {
    pub id: String,
    pub name: String,
    pub description: String,
    pub network_id: String,
    pub tenant_id: String,
    pub project_id: String,
    pub mac_address: String,
    pub admin_state_up: bool,
    pub status: PortStatus,
    /// Who uses it: `compute:<zone>`, `network:dhcp`,
    /// `network:router_interface`, `network:router_gateway`,
    /// `network:floatingip`, or anything else for users' own ports.
    pub device_owner: String,
    pub device_id: String,
    pub fixed_ips: Vec<FixedIp>,
    pub security_groups: Vec<String>,
    pub port_security_enabled: bool,
    pub allowed_address_pairs: Vec<AddressPair>,
    pub extra_dhcp_opts: Vec<serde_json::Value>,
    pub tags: Vec<String>,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Admins only: the host the port is bound to.
    #[serde(
        rename = "binding:host_id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub binding_host_id: Option<String>,
    /// Admins only: `normal`.
    #[serde(
        rename = "binding:vnic_type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub binding_vnic_type: Option<String>,
    /// Admins only: `unbound` or `bridge`.
    #[serde(
        rename = "binding:vif_type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub binding_vif_type: Option<String>,
    /// Admins only.
    #[serde(
        rename = "binding:vif_details",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub binding_vif_details: Option<BTreeMap<String, serde_json::Value>>,
    /// Admins only.
    #[serde(
        rename = "binding:profile",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub binding_profile: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PortBody {
    pub port: Port,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PortList {
    pub ports: Vec<Port>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports_links: Option<Vec<Link>>,
}

/// What a port is created with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortCreate {
    pub network_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub admin_state_up: Option<bool>,
    /// The network's owner or an admin only.
    pub mac_address: Option<String>,
    pub fixed_ips: Option<Vec<FixedIpRequest>>,
    /// `network:*` and `compute:*` are reserved to admins and services.
    pub device_owner: Option<String>,
    pub device_id: Option<String>,
    /// Admins only.
    #[serde(rename = "binding:host_id")]
    pub binding_host_id: Option<String>,
    /// Admins only; only `normal`.
    #[serde(rename = "binding:vnic_type")]
    pub binding_vnic_type: Option<String>,
    /// Admins only.
    #[serde(rename = "binding:profile")]
    pub binding_profile: Option<BTreeMap<String, serde_json::Value>>,
    pub security_groups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub port_security_enabled: Option<bool>,
    pub allowed_address_pairs: Option<Vec<AddressPair>>,
    pub project_id: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortCreateBody {
    pub port: PortCreate,
}

/// What a port's update may change (`fixed_ips` replaces its addresses).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub admin_state_up: Option<bool>,
    pub fixed_ips: Option<Vec<FixedIpRequest>>,
    pub device_owner: Option<String>,
    pub device_id: Option<String>,
    #[serde(rename = "binding:host_id")]
    pub binding_host_id: Option<String>,
    #[serde(rename = "binding:vnic_type")]
    pub binding_vnic_type: Option<String>,
    #[serde(rename = "binding:profile")]
    pub binding_profile: Option<BTreeMap<String, serde_json::Value>>,
    pub security_groups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub port_security_enabled: Option<bool>,
    pub allowed_address_pairs: Option<Vec<AddressPair>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortUpdateBody {
    pub port: PortUpdate,
}

// --------------------------------------------------------- security groups

/// Which way a rule lets traffic in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

/// A rule's address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Ethertype {
    IPv4,
    IPv6,
}

/// A security group rule.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupRule {
    pub id: String,
    pub security_group_id: String,
    pub tenant_id: String,
    pub project_id: String,
    pub direction: Direction,
    pub ethertype: Ethertype,
    /// A name (`tcp`, `udp`, `icmp`, `ipv6-icmp`, ...), a number 0-255, or
    /// `null` for any.
    pub protocol: Option<String>,
    pub port_range_min: Option<i64>,
    pub port_range_max: Option<i64>,
    pub remote_ip_prefix: Option<String>,
    pub remote_group_id: Option<String>,
    pub remote_address_group_id: Option<String>,
    pub normalized_cidr: Option<String>,
    pub description: String,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupRuleBody {
    pub security_group_rule: SecurityGroupRule,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupRuleList {
    pub security_group_rules: Vec<SecurityGroupRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_rules_links: Option<Vec<Link>>,
}

/// What a rule is created with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRuleCreate {
    pub security_group_id: String,
    pub direction: Direction,
    /// `IPv4` when absent.
    pub ethertype: Option<Ethertype>,
    /// A name, a number 0-255 (also as a JSON number), or `null` for any.
    #[schema(value_type = Option<String>)]
    pub protocol: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "loose_int")]
    pub port_range_min: Option<i64>,
    #[serde(default, deserialize_with = "loose_int")]
    pub port_range_max: Option<i64>,
    pub remote_ip_prefix: Option<String>,
    pub remote_group_id: Option<String>,
    pub description: Option<String>,
    pub project_id: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRuleCreateBody {
    pub security_group_rule: SecurityGroupRuleCreate,
}

/// A security group with its rules.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tenant_id: String,
    pub project_id: String,
    pub stateful: bool,
    pub shared: bool,
    pub tags: Vec<String>,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
    pub security_group_rules: Vec<SecurityGroupRule>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupBody {
    pub security_group: SecurityGroup,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupList {
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups_links: Option<Vec<Link>>,
}

/// What a security group is created with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupCreate {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub stateful: Option<bool>,
    pub project_id: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupCreateBody {
    pub security_group: SecurityGroupCreate,
}

/// What a security group's update may change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupUpdateBody {
    pub security_group: SecurityGroupUpdate,
}

// ------------------------------------------------------ routers and FIPs

/// A router's external gateway as shown.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ExternalGatewayInfo {
    pub network_id: String,
    pub enable_snat: bool,
    pub external_fixed_ips: Vec<FixedIp>,
}

/// A router.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Router {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tenant_id: String,
    pub project_id: String,
    pub admin_state_up: bool,
    /// Always `ACTIVE`.
    pub status: String,
    pub external_gateway_info: Option<ExternalGatewayInfo>,
    pub routes: Vec<HostRoute>,
    pub distributed: bool,
    pub ha: bool,
    pub availability_zone_hints: Vec<String>,
    pub availability_zones: Vec<String>,
    pub tags: Vec<String>,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RouterBody {
    pub router: Router,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RouterList {
    pub routers: Vec<Router>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routers_links: Option<Vec<Link>>,
}

/// A router's external gateway as asked for; `{}` (no `network_id`) is
/// none.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalGatewayRequest {
    /// The external network.
    pub network_id: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub enable_snat: Option<bool>,
}

/// What a router is created with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouterCreate {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub admin_state_up: Option<bool>,
    pub external_gateway_info: Option<ExternalGatewayRequest>,
    pub project_id: Option<String>,
    pub tenant_id: Option<String>,
    pub availability_zone_hints: Option<Vec<String>>,
    /// Accepted as Neutron's clients send it; Stratus routers are
    /// centralized, so `true` is refused.
    #[serde(default, deserialize_with = "loose_bool")]
    pub distributed: Option<bool>,
    /// Accepted as Neutron's clients send it; `true` is refused.
    #[serde(default, deserialize_with = "loose_bool")]
    pub ha: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouterCreateBody {
    pub router: RouterCreate,
}

/// What a router's update may change; `external_gateway_info: null` (or
/// `{}`) removes the gateway.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouterUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub admin_state_up: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ExternalGatewayRequest>)]
    pub external_gateway_info: Option<Option<ExternalGatewayRequest>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouterUpdateBody {
    pub router: RouterUpdate,
}

/// Which interface to add or remove: a subnet (the router takes its
/// gateway address) or a port.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouterInterfaceRequest {
    pub subnet_id: Option<String>,
    pub port_id: Option<String>,
}

/// A router interface added or removed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RouterInterface {
    /// The router.
    pub id: String,
    pub tenant_id: String,
    pub project_id: String,
    pub port_id: String,
    pub subnet_id: String,
    pub subnet_ids: Vec<String>,
    pub network_id: String,
}

/// A floating IP's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum FloatingIpStatus {
    Active,
    Down,
    Error,
}

/// A floating IP.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FloatingIp {
    pub id: String,
    pub tenant_id: String,
    pub project_id: String,
    pub floating_network_id: String,
    pub floating_ip_address: String,
    pub port_id: Option<String>,
    pub fixed_ip_address: Option<String>,
    pub router_id: Option<String>,
    pub status: FloatingIpStatus,
    pub description: String,
    pub tags: Vec<String>,
    pub port_details: Option<serde_json::Value>,
    pub dns_domain: String,
    pub dns_name: String,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FloatingIpBody {
    pub floatingip: FloatingIp,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FloatingIpList {
    pub floatingips: Vec<FloatingIp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floatingips_links: Option<Vec<Link>>,
}

/// What a floating IP is allocated with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloatingIpCreate {
    pub floating_network_id: String,
    pub floating_ip_address: Option<String>,
    pub subnet_id: Option<String>,
    pub port_id: Option<String>,
    pub fixed_ip_address: Option<String>,
    pub description: Option<String>,
    pub project_id: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloatingIpCreateBody {
    pub floatingip: FloatingIpCreate,
}

/// Associates (`port_id`) or disassociates (`port_id: null`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloatingIpUpdate {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub port_id: Option<Option<String>>,
    pub fixed_ip_address: Option<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloatingIpUpdateBody {
    pub floatingip: FloatingIpUpdate,
}

// ------------------------------------------------------------------ quotas

/// A project's limits by resource (`network`, `subnet`, `port`, `router`,
/// `floatingip`, `security_group`, `security_group_rule`); -1 is unlimited.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaBody {
    pub quota: BTreeMap<String, i64>,
}

/// One resource's limit and use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaDetail {
    pub limit: i64,
    pub used: i64,
    pub reserved: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaDetailBody {
    pub quota: BTreeMap<String, QuotaDetail>,
}

/// New limits by resource (integers, also as strings).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaUpdateBody {
    #[schema(value_type = BTreeMap<String, i64>)]
    pub quota: BTreeMap<String, serde_json::Value>,
}
