//! Usage.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The query of tenant usage.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// ISO 8601; four weeks before `end` if not given.
    pub start: Option<String>,
    /// ISO 8601; now if not given.
    pub end: Option<String>,
    /// `1` or `true` for each server's usage.
    pub detailed: Option<String>,
}

/// One server's usage in the period.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerUsage {
    pub instance_id: String,
    pub name: String,
    pub flavor: String,
    pub hours: f64,
    pub vcpus: i64,
    pub memory_mb: i64,
    pub local_gb: i64,
    pub tenant_id: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// `active` or `terminated`.
    pub state: String,
    /// Seconds.
    pub uptime: i64,
}

/// A project's usage in a period.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct TenantUsage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_vcpus_usage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_memory_mb_usage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_local_gb_usage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_usages: Option<Vec<ServerUsage>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantUsageBody {
    pub tenant_usage: TenantUsage,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantUsageList {
    pub tenant_usages: Vec<TenantUsage>,
}
