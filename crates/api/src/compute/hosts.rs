//! Hosts.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A compute host in a list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorSummary {
    pub id: i64,
    pub hypervisor_hostname: String,
    /// `up` or `down`.
    pub state: String,
    /// `enabled` or `disabled`.
    pub status: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorSummaryList {
    pub hypervisors: Vec<HypervisorSummary>,
}

/// The service of a hypervisor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorService {
    pub host: String,
    pub id: i64,
    pub disabled_reason: Option<String>,
}

/// A compute host with its capacity and use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Hypervisor {
    pub id: i64,
    pub hypervisor_hostname: String,
    pub state: String,
    pub status: String,
    pub vcpus: i64,
    pub memory_mb: i64,
    pub local_gb: i64,
    pub vcpus_used: i64,
    pub memory_mb_used: i64,
    pub local_gb_used: i64,
    pub free_ram_mb: i64,
    pub free_disk_gb: i64,
    pub disk_available_least: i64,
    pub current_workload: i64,
    pub running_vms: i64,
    pub hypervisor_type: String,
    pub hypervisor_version: i64,
    pub host_ip: String,
    pub cpu_info: String,
    pub service: HypervisorService,
    /// Instances of this cloud on the host that no server owns: left alone
    /// by the agent, for the operator to judge.
    #[serde(rename = "stratus:unknown_instances")]
    pub unknown_instances: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorBody {
    pub hypervisor: Hypervisor,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorList {
    pub hypervisors: Vec<Hypervisor>,
}

/// Totals over every compute host.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorStatistics {
    pub count: i64,
    pub vcpus: i64,
    pub memory_mb: i64,
    pub local_gb: i64,
    pub vcpus_used: i64,
    pub memory_mb_used: i64,
    pub local_gb_used: i64,
    pub free_ram_mb: i64,
    pub free_disk_gb: i64,
    pub disk_available_least: i64,
    pub current_workload: i64,
    pub running_vms: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorStatisticsBody {
    pub hypervisor_statistics: HypervisorStatistics,
}

/// A compute service (one per host).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Service {
    pub id: i64,
    pub binary: String,
    pub host: String,
    pub zone: String,
    pub status: String,
    pub state: String,
    pub updated_at: String,
    pub disabled_reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceList {
    pub services: Vec<Service>,
}

/// Enables or disables a host's service (`PUT /os-services/{enable|disable|disable-log-reason}`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceUpdate {
    pub host: String,
    pub binary: String,
    pub disabled_reason: Option<String>,
}

/// A service as changed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceChanged {
    pub host: String,
    pub binary: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceChangedBody {
    pub service: ServiceChanged,
}

/// Whether a zone (or a host's service in it) is available.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ZoneState {
    pub available: bool,
}

/// A service of a host in a zone (detail).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ZoneService {
    pub available: bool,
    pub active: bool,
    pub updated_at: String,
}

/// An availability zone.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityZone {
    #[serde(rename = "zoneName")]
    pub zone_name: String,
    #[serde(rename = "zoneState")]
    pub zone_state: ZoneState,
    /// With detail: each host's services.
    pub hosts: Option<BTreeMap<String, BTreeMap<String, ZoneService>>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityZoneList {
    #[serde(rename = "availabilityZoneInfo")]
    pub availability_zone_info: Vec<AvailabilityZone>,
}
