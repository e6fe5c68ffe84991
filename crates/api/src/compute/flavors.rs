//! Flavors.

use super::*;
use crate::serde_helpers::nullable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A flavor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    /// MiB.
    pub ram: i64,
    /// GiB.
    pub disk: i64,
    pub vcpus: i64,
    /// MiB, or `""` for none (a number or a string).
    pub swap: serde_json::Value,
    #[serde(rename = "OS-FLV-EXT-DATA:ephemeral")]
    pub ephemeral: i64,
    #[serde(rename = "OS-FLV-DISABLED:disabled")]
    pub disabled: bool,
    pub rxtx_factor: f64,
    #[serde(rename = "os-flavor-access:is_public")]
    pub is_public: bool,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorBody {
    pub flavor: Flavor,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorList {
    pub flavors: Vec<Flavor>,
}

/// A flavor in a list without detail.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorSummary {
    pub id: String,
    pub name: String,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorSummaryList {
    pub flavors: Vec<FlavorSummary>,
}

/// The query of the flavor lists.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlavorQuery {
    /// `true`, `false` or `none` (admins: both).
    pub is_public: Option<String>,
    #[serde(rename = "minRam")]
    #[param(rename = "minRam")]
    pub min_ram: Option<String>,
    #[serde(rename = "minDisk")]
    #[param(rename = "minDisk")]
    pub min_disk: Option<String>,
    pub limit: Option<String>,
    pub marker: Option<String>,
}

/// A new flavor (admins).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlavorCreate {
    pub name: String,
    /// Made when absent or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Option<serde_json::Value>>,
    /// MiB.
    #[schema(value_type = i64)]
    pub ram: serde_json::Value,
    #[schema(value_type = i64)]
    pub vcpus: serde_json::Value,
    /// GiB.
    #[schema(value_type = i64)]
    pub disk: serde_json::Value,
    #[serde(rename = "OS-FLV-EXT-DATA:ephemeral")]
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<serde_json::Value>,
    /// MiB.
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap: Option<serde_json::Value>,
    #[schema(value_type = Option<f64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rxtx_factor: Option<serde_json::Value>,
    #[serde(rename = "os-flavor-access:is_public")]
    #[schema(value_type = Option<bool>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlavorCreateBody {
    pub flavor: FlavorCreate,
}

/// A flavor's extra specs.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ExtraSpecs {
    pub extra_specs: BTreeMap<String, String>,
}

/// Extra specs to set: keys of letters, digits and `-_:. `; values
/// strings (numbers and booleans are taken as their text).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraSpecsSet {
    #[schema(value_type = BTreeMap<String, String>)]
    pub extra_specs: serde_json::Map<String, serde_json::Value>,
}

/// Gives or takes a project's access to a private flavor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantAccess {
    pub tenant: String,
}

/// `addTenantAccess` or `removeTenantAccess`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub enum FlavorAction {
    #[serde(rename = "addTenantAccess")]
    AddTenantAccess(TenantAccess),
    #[serde(rename = "removeTenantAccess")]
    RemoveTenantAccess(TenantAccess),
}

/// A project that may use a private flavor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorAccess {
    pub flavor_id: String,
    pub tenant_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorAccessList {
    pub flavor_access: Vec<FlavorAccess>,
}
