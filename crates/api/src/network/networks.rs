//! Networks.

use super::*;
use crate::serde_helpers::{loose_bool, loose_int, nullable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_state_up: Option<bool>,
    /// Admins only.
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
    /// Admins only.
    #[serde(rename = "router:external", default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router_external: Option<bool>,
    /// Admins only: `vxlan`, `vlan` or `flat`.
    #[serde(rename = "provider:network_type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_type: Option<String>,
    /// Admins only.
    #[serde(rename = "provider:physical_network")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_network: Option<String>,
    /// Admins only.
    #[serde(
        rename = "provider:segmentation_id",
        default,
        deserialize_with = "loose_int"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segmentation_id: Option<i64>,
    #[serde(default, deserialize_with = "loose_int")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<i64>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_security_enabled: Option<bool>,
    /// Admins only, for another project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// The same as `project_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_state_up: Option<bool>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
    #[serde(rename = "router:external", default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router_external: Option<bool>,
    #[serde(default, deserialize_with = "loose_int")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<i64>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_security_enabled: Option<bool>,
    /// Refused: set at creation only.
    #[serde(rename = "provider:network_type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_type: Option<serde_json::Value>,
    /// Refused: set at creation only.
    #[serde(rename = "provider:physical_network")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_network: Option<serde_json::Value>,
    /// Refused: set at creation only.
    #[serde(rename = "provider:segmentation_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
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
