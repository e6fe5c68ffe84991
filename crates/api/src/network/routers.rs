//! Routers and FIPs.

use super::*;
use crate::serde_helpers::{loose_bool, nullable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_id: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_snat: Option<bool>,
}

/// What a router is created with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouterCreate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_state_up: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_gateway_info: Option<ExternalGatewayRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone_hints: Option<Vec<String>>,
    /// Accepted as Neutron's clients send it; Stratus routers are
    /// centralized, so `true` is refused.
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distributed: Option<bool>,
    /// Accepted as Neutron's clients send it; `true` is refused.
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_state_up: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ExternalGatewayRequest>)]
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// The associated port, summarised (Neutron's `fip-port-details`).
    pub port_details: Option<PortDetails>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floating_ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_id: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloatingIpUpdateBody {
    pub floatingip: FloatingIpUpdate,
}

/// The port a floating IP is associated with, as the floating IP shows it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PortDetails {
    pub name: String,
    pub network_id: String,
    pub mac_address: String,
    pub admin_state_up: bool,
    pub status: PortStatus,
    pub device_id: String,
    pub device_owner: String,
}
