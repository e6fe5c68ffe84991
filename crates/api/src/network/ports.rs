//! Ports.

use super::*;
use crate::serde_helpers::loose_bool;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A port's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum PortStatus {
    Active,
    Down,
    Build,
    Error,
}

/// A DHCP option of a port (Neutron's `extra_dhcp_opt` extension).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExtraDhcpOpt {
    pub opt_name: String,
    pub opt_value: String,
    pub ip_version: u8,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// DHCP options for this port (none are set by Stratus).
    pub extra_dhcp_opts: Vec<ExtraDhcpOpt>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_state_up: Option<bool>,
    /// The network's owner or an admin only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_ips: Option<Vec<FixedIpRequest>>,
    /// `network:*` and `compute:*` are reserved to admins and services.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Admins only.
    #[serde(rename = "binding:host_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_host_id: Option<String>,
    /// Admins only; only `normal`.
    #[serde(rename = "binding:vnic_type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_vnic_type: Option<String>,
    /// Admins only.
    #[serde(rename = "binding:profile")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_profile: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_security_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_address_pairs: Option<Vec<AddressPair>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_state_up: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_ips: Option<Vec<FixedIpRequest>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(rename = "binding:host_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_host_id: Option<String>,
    #[serde(rename = "binding:vnic_type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_vnic_type: Option<String>,
    #[serde(rename = "binding:profile")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_profile: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_security_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_address_pairs: Option<Vec<AddressPair>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortUpdateBody {
    pub port: PortUpdate,
}
