//! Subnets.

use super::*;
use crate::serde_helpers::{loose_bool, loose_int, nullable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_version: Option<i64>,
    pub cidr: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The gateway; `null` for none; absent for the first address.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_ip: Option<Option<String>>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_dhcp: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_pools: Option<Vec<AllocationPool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_nameservers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_routes: Option<Vec<HostRoute>>,
    /// `slaac`, `dhcpv6-stateful` or `dhcpv6-stateless`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_ra_mode: Option<String>,
    /// `slaac`, `dhcpv6-stateful` or `dhcpv6-stateless`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_address_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `null` removes the gateway.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_ip: Option<Option<String>>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_dhcp: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_nameservers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_routes: Option<Vec<HostRoute>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetUpdateBody {
    pub subnet: SubnetUpdate,
}
