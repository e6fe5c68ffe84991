//! Quotas.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A project's limits by resource (`instances`, `cores`, `ram`,
/// `key_pairs`, `metadata_items`, `server_groups`,
/// `server_group_members`, ...); -1 is unlimited.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(flatten)]
    pub limits: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSetBody {
    pub quota_set: QuotaSet,
}

/// One resource's limit and use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaDetail {
    pub limit: i64,
    pub in_use: i64,
    pub reserved: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSetDetail {
    pub id: String,
    #[serde(flatten)]
    pub resources: BTreeMap<String, QuotaDetail>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSetDetailBody {
    pub quota_set: QuotaSetDetail,
}

/// New limits (admins), integers also as strings; `force` is accepted.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaSetUpdateBody {
    #[schema(value_type = BTreeMap<String, i64>)]
    pub quota_set: serde_json::Map<String, serde_json::Value>,
}

/// The caller's project's absolute limits and use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AbsoluteLimits {
    pub max_total_instances: i64,
    pub max_total_cores: i64,
    #[serde(rename = "maxTotalRAMSize")]
    pub max_total_ram_size: i64,
    pub max_server_meta: i64,
    pub max_personality: i64,
    pub max_personality_size: i64,
    pub max_total_keypairs: i64,
    pub max_server_groups: i64,
    pub max_server_group_members: i64,
    pub max_total_floating_ips: i64,
    pub max_security_groups: i64,
    pub max_security_group_rules: i64,
    pub total_instances_used: i64,
    pub total_cores_used: i64,
    #[serde(rename = "totalRAMUsed")]
    pub total_ram_used: i64,
    pub total_server_groups_used: i64,
    pub total_floating_ips_used: i64,
    pub total_security_groups_used: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Limits {
    pub rate: Vec<serde_json::Value>,
    pub absolute: AbsoluteLimits,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LimitsBody {
    pub limits: Limits,
}
