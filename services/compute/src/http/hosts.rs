//! `/v2.1/os-hypervisors`, `/v2.1/os-services` and
//! `/v2.1/os-availability-zone`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::Value;
use stratus_api::compute as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use super::time;
use crate::app::App;
use crate::app::hosts::BINARY;
use crate::app::input::name;
use crate::datastore::hosts::Node;

fn state(app: &App, n: &Node) -> &'static str {
    if app.node_up(n) { "up" } else { "down" }
}

fn status(n: &Node) -> &'static str {
    if n.disabled { "disabled" } else { "enabled" }
}

fn summary(app: &App, n: &Node) -> api::HypervisorSummary {
    api::HypervisorSummary {
        id: n.id,
        hypervisor_hostname: n.host.clone(),
        state: state(app, n).into(),
        status: status(n).into(),
    }
}

fn detail_view(app: &App, n: &Node) -> api::Hypervisor {
    api::Hypervisor {
        id: n.id,
        hypervisor_hostname: n.host.clone(),
        state: state(app, n).into(),
        status: status(n).into(),
        vcpus: n.vcpus.into(),
        memory_mb: n.memory_mb,
        local_gb: n.disk_gb,
        vcpus_used: n.vcpus_used.into(),
        memory_mb_used: n.memory_mb_used,
        local_gb_used: n.disk_gb_used,
        free_ram_mb: n.memory_mb - n.memory_mb_used,
        free_disk_gb: n.disk_gb - n.disk_gb_used,
        disk_available_least: n.disk_gb - n.disk_gb_used,
        current_workload: 0,
        running_vms: n.running_vms.into(),
        hypervisor_type: n.hypervisor_type.clone(),
        hypervisor_version: n.hypervisor_version,
        host_ip: n.host_ip.clone(),
        cpu_info: "{}".into(),
        service: api::HypervisorService {
            host: n.host.clone(),
            id: n.id,
            disabled_reason: n.disabled_reason.clone(),
        },
        // Instances of this cloud on the host that no server owns and none
        // was deleted: left alone by the agent, for the operator to judge.
        unknown_instances: n.unknown_instances.0.clone(),
    }
}

/// Compute hosts: id, name, state and status (admins).
#[utoipa::path(get, path = "/v2.1/os-hypervisors", operation_id = "listHypervisors", tag = "hosts",
    responses((status = 200, description = "Hypervisors", body = api::HypervisorSummaryList), (status = 403, description = "Not an admin")))]
pub async fn hypervisors(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<api::HypervisorSummaryList>, Error> {
    let all = app.hypervisors(&caller.0).await?;
    Ok(Json(api::HypervisorSummaryList {
        hypervisors: all.iter().map(|n| summary(&app, n)).collect(),
    }))
}

/// Compute hosts with their capacity and use (admins).
#[utoipa::path(get, path = "/v2.1/os-hypervisors/detail", operation_id = "listHypervisorsDetail", tag = "hosts",
    responses((status = 200, description = "Hypervisors", body = api::HypervisorList), (status = 403, description = "Not an admin")))]
pub async fn hypervisors_detail(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<api::HypervisorList>, Error> {
    let all = app.hypervisors(&caller.0).await?;
    Ok(Json(api::HypervisorList {
        hypervisors: all.iter().map(|n| detail_view(&app, n)).collect(),
    }))
}

/// Totals over every compute host (admins).
#[utoipa::path(get, path = "/v2.1/os-hypervisors/statistics", operation_id = "showHypervisorStatistics", tag = "hosts",
    responses((status = 200, description = "Totals", body = api::HypervisorStatisticsBody), (status = 403, description = "Not an admin")))]
pub async fn statistics(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<api::HypervisorStatisticsBody>, Error> {
    let all = app.hypervisors(&caller.0).await?;
    let sum = |f: &dyn Fn(&Node) -> i64| all.iter().map(f).sum::<i64>();
    Ok(Json(api::HypervisorStatisticsBody {
        hypervisor_statistics: api::HypervisorStatistics {
            count: i64::try_from(all.len()).unwrap_or(i64::MAX),
            vcpus: sum(&|n| i64::from(n.vcpus)),
            memory_mb: sum(&|n| n.memory_mb),
            local_gb: sum(&|n| n.disk_gb),
            vcpus_used: sum(&|n| i64::from(n.vcpus_used)),
            memory_mb_used: sum(&|n| n.memory_mb_used),
            local_gb_used: sum(&|n| n.disk_gb_used),
            free_ram_mb: sum(&|n| n.memory_mb - n.memory_mb_used),
            free_disk_gb: sum(&|n| n.disk_gb - n.disk_gb_used),
            disk_available_least: sum(&|n| n.disk_gb - n.disk_gb_used),
            current_workload: 0,
            running_vms: sum(&|n| i64::from(n.running_vms)),
        },
    }))
}

#[utoipa::path(get, path = "/v2.1/os-hypervisors/{hypervisor_id}", operation_id = "showHypervisor", tag = "hosts",
    params(("hypervisor_id" = String, Path)),
    responses((status = 200, description = "The hypervisor", body = api::HypervisorBody), (status = 403, description = "Not an admin"),
        (status = 404, description = "No such hypervisor")))]
pub async fn hypervisor(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::HypervisorBody>, Error> {
    let n = app.hypervisor(&caller.0, &id).await?;
    Ok(Json(api::HypervisorBody {
        hypervisor: detail_view(&app, &n),
    }))
}

fn service_view(app: &App, n: &Node) -> api::Service {
    api::Service {
        id: n.id,
        binary: BINARY.into(),
        host: n.host.clone(),
        zone: n.availability_zone.clone(),
        status: status(n).into(),
        state: state(app, n).into(),
        updated_at: time(&n.last_seen),
        disabled_reason: n.disabled_reason.clone(),
    }
}

/// Compute services, one per host (admins).
#[utoipa::path(get, path = "/v2.1/os-services", operation_id = "listComputeServices", tag = "hosts",
    responses((status = 200, description = "Services", body = api::ServiceList), (status = 403, description = "Not an admin")))]
pub async fn services(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<api::ServiceList>, Error> {
    let all = app.services(&caller.0).await?;
    Ok(Json(api::ServiceList {
        services: all.iter().map(|n| service_view(&app, n)).collect(),
    }))
}

/// `enable`, `disable` or `disable-log-reason` a host's service (admins).
#[utoipa::path(put, path = "/v2.1/os-services/{action}", operation_id = "updateComputeService", tag = "hosts",
    params(("action" = String, Path, description = "enable, disable or disable-log-reason")), request_body = api::ServiceUpdate,
    responses((status = 200, description = "The service", body = api::ServiceChangedBody), (status = 400, description = "A bad host or reason"),
        (status = 403, description = "Not an admin"), (status = 404, description = "No such host or action")))]
pub async fn service_update(
    State(app): State<App>,
    caller: Caller,
    Path(action): Path<String>,
    Json(body): Json<api::ServiceUpdate>,
) -> Result<Json<api::ServiceChangedBody>, Error> {
    let text = |v: &str| Value::String(v.to_owned());
    let host = name("host", &text(&body.host), 255)?;
    let binary = name("binary", &text(&body.binary), 255)?;
    let (disabled, reason) = match action.as_str() {
        "enable" => (false, None),
        "disable" => (true, None),
        "disable-log-reason" => {
            let given = body.disabled_reason.as_deref().ok_or_else(|| {
                Error::bad_request(
                    "Invalid input for field/attribute. 'disabled_reason' is a required property",
                )
            })?;
            (true, Some(name("disabled_reason", &text(given), 255)?))
        }
        other => return Err(Error::not_found(format!("Unknown action {other}"))),
    };
    let n = app
        .service_set(&caller.0, &host, &binary, disabled, reason.as_deref())
        .await?;
    Ok(Json(api::ServiceChangedBody {
        service: api::ServiceChanged {
            status: status(&n).into(),
            host: n.host,
            binary: BINARY.into(),
            disabled_reason: n.disabled_reason,
        },
    }))
}

#[utoipa::path(delete, path = "/v2.1/os-services/{service_id}", operation_id = "deleteComputeService", tag = "hosts",
    params(("service_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Not an admin"),
        (status = 404, description = "No such service")))]
pub async fn service_delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.service_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn zones_view(app: &App, all: &[Node], detail: bool) -> api::AvailabilityZoneList {
    let mut zones: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    for n in all {
        zones.entry(&n.availability_zone).or_default().push(n);
    }
    let availability_zone_info = zones
        .iter()
        .map(|(zone, nodes)| {
            let available = nodes.iter().any(|n| !n.disabled && app.node_up(n));
            let hosts = detail.then(|| {
                nodes
                    .iter()
                    .map(|n| {
                        let service = api::ZoneService {
                            available: app.node_up(n),
                            active: !n.disabled,
                            updated_at: time(&n.last_seen),
                        };
                        (
                            n.host.clone(),
                            BTreeMap::from([(BINARY.to_owned(), service)]),
                        )
                    })
                    .collect()
            });
            api::AvailabilityZone {
                zone_name: (*zone).to_owned(),
                zone_state: api::ZoneState { available },
                hosts,
            }
        })
        .collect();
    api::AvailabilityZoneList {
        availability_zone_info,
    }
}

/// Zones that have compute hosts.
#[utoipa::path(get, path = "/v2.1/os-availability-zone", operation_id = "listAvailabilityZones", tag = "hosts",
    responses((status = 200, description = "Zones", body = api::AvailabilityZoneList)))]
pub async fn zones(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<api::AvailabilityZoneList>, Error> {
    let all = app.zones(&caller.0, false).await?;
    Ok(Json(zones_view(&app, &all, false)))
}

/// Zones with their hosts and services (admins).
#[utoipa::path(get, path = "/v2.1/os-availability-zone/detail", operation_id = "listAvailabilityZonesDetail", tag = "hosts",
    responses((status = 200, description = "Zones", body = api::AvailabilityZoneList), (status = 403, description = "Not an admin")))]
pub async fn zones_detail(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<api::AvailabilityZoneList>, Error> {
    let all = app.zones(&caller.0, true).await?;
    Ok(Json(zones_view(&app, &all, true)))
}
