//! Quotas.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

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
