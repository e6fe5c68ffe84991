//! Usage samples for metering: agents publish what each resource they run
//! used, as `usage.sample` events (a batch per host and interval). A sample
//! is identified by its resource, metric and time, so one delivered twice
//! is the same sample.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a sample's value reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleKind {
    /// A level at that time (vCPUs, memory, GB held).
    Gauge,
    /// A counter since the resource started (CPU time, bytes).
    Cumulative,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSample {
    pub resource_id: String,
    /// `instance`, `volume`, `snapshot`, `image`, `floating_ip`, `router`.
    pub resource_type: String,
    pub project_id: String,
    /// `vcpus`, `memory`, `cpu.time`, `disk.read.bytes`, ...
    pub metric: String,
    /// `vcpu`, `MiB`, `ns`, `B`, `GiB`.
    pub unit: String,
    pub kind: SampleKind,
    pub value: i64,
    /// When it was read (millisecond precision).
    pub at: DateTime<Utc>,
    /// Whatever prices it (an instance's flavor).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// One host's samples of one interval, published as `usage.sample`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageBatch {
    pub host: String,
    pub samples: Vec<UsageSample>,
}

/// What happened to a resource, for the bounds of its billable time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// It began to run (an instance's first ACTIVE).
    Created,
    /// Its size changed (a confirmed resize): billed by the new one from now.
    Resized,
    /// It is gone.
    Deleted,
}

/// Published as `usage.lifecycle` by the service that owns the resource.
/// An event is its resource, kind and time: one delivered twice counts once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    pub resource_id: String,
    pub resource_type: String,
    pub project_id: String,
    pub event: Lifecycle,
    /// Millisecond precision.
    pub at: DateTime<Utc>,
    /// What prices it from now: an instance's `flavor`, `vcpus`, `ram_mb`.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// The metering service's own topic, for other services.
pub const SERVICE_TOPIC: &str = "metering-service";

/// Usage of instances in `[start, end)` per project (one project, or all),
/// from the lifecycle events: what Nova's `os-simple-tenant-usage` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TenantUsage {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub project_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TenantUsages {
    pub tenants: Vec<ProjectUsage>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectUsage {
    pub project_id: String,
    pub servers: Vec<ServerUsage>,
}

/// One instance's stretch in the period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerUsage {
    pub instance_id: String,
    pub name: String,
    pub flavor: String,
    pub vcpus: u32,
    pub memory_mb: u64,
    pub local_gb: u64,
    /// Billable milliseconds in the period.
    pub millis: i64,
    pub started_at: DateTime<Utc>,
    /// When it was deleted, if it was.
    pub ended_at: Option<DateTime<Utc>>,
}

stratus_bus::protocol! {
    /// Requests the metering service answers for other services (topic
    /// [`SERVICE_TOPIC`]).
    pub enum MeteringServiceRequest {
        TenantUsage(TenantUsage) -> TenantUsages,
    }
}
