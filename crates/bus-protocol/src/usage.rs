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

impl LifecycleEvent {
    /// An event stamped now (to the millisecond).
    pub fn now(
        resource_type: &str,
        resource_id: &str,
        project_id: &str,
        event: Lifecycle,
        attributes: BTreeMap<String, String>,
    ) -> Self {
        Self {
            resource_id: resource_id.to_owned(),
            resource_type: resource_type.to_owned(),
            project_id: project_id.to_owned(),
            event,
            at: to_millis(Utc::now()),
            attributes,
        }
    }
}

/// A time cut to the millisecond, as samples and events carry it.
pub fn to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// `t` cut down to a multiple of `every`: services that sample what they
/// hold stamp it so, so two replicas sampling the same interval send the
/// same samples (stored once).
pub fn interval_start(t: DateTime<Utc>, every: std::time::Duration) -> DateTime<Utc> {
    let step = i64::try_from(every.as_millis()).unwrap_or(i64::MAX).max(1);
    let ms = t.timestamp_millis();
    DateTime::from_timestamp_millis(ms - ms.rem_euclid(step)).unwrap_or(t)
}

/// A gauge sample of something held (`value` of `unit`).
pub fn held(
    resource_type: &str,
    resource_id: &str,
    project_id: &str,
    metric: &str,
    unit: &str,
    value: i64,
    at: DateTime<Utc>,
) -> UsageSample {
    UsageSample {
        resource_id: resource_id.to_owned(),
        resource_type: resource_type.to_owned(),
        project_id: project_id.to_owned(),
        metric: metric.to_owned(),
        unit: unit.to_owned(),
        kind: SampleKind::Gauge,
        value,
        at,
        attributes: BTreeMap::new(),
    }
}

/// Publishes samples as `usage.sample` batches of at most 1,000.
pub async fn publish_samples(
    bus: &stratus_bus::Bus,
    host: &str,
    samples: &[UsageSample],
) -> Result<(), stratus_bus::BusError> {
    for chunk in samples.chunks(1000) {
        let batch = UsageBatch {
            host: host.to_owned(),
            samples: chunk.to_vec(),
        };
        bus.notify::<crate::Notification>(
            &stratus_common::RequestContext::system(),
            crate::Notification::UsageSample(batch),
        )
        .await?;
    }
    Ok(())
}

/// The metering service's own topic, for other services.
pub(crate) const SERVICE_TOPIC: &str = "metering-service";

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
