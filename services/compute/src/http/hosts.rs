//! `/v2.1/os-hypervisors`, `/v2.1/os-services` and
//! `/v2.1/os-availability-zone`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
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

fn summary(app: &App, n: &Node) -> Value {
    json!({"id": n.id, "hypervisor_hostname": n.host, "state": state(app, n), "status": status(n)})
}

fn detail_view(app: &App, n: &Node) -> Value {
    let mut v = summary(app, n);
    let extra = json!({
        "vcpus": n.vcpus, "memory_mb": n.memory_mb, "local_gb": n.disk_gb,
        "vcpus_used": n.vcpus_used, "memory_mb_used": n.memory_mb_used,
        "local_gb_used": n.disk_gb_used, "free_ram_mb": n.memory_mb - n.memory_mb_used,
        "free_disk_gb": n.disk_gb - n.disk_gb_used, "disk_available_least": n.disk_gb - n.disk_gb_used,
        "current_workload": 0, "running_vms": n.running_vms,
        "hypervisor_type": n.hypervisor_type, "hypervisor_version": n.hypervisor_version,
        "host_ip": n.host_ip, "cpu_info": "{}",
        "service": {"host": n.host, "id": n.id, "disabled_reason": n.disabled_reason},
        // Instances of this cloud on the host that no server owns and none
        // was deleted: left alone by the agent, for the operator to judge.
        "stratus:unknown_instances": n.unknown_instances.0,
    });
    if let (Some(v), Value::Object(e)) = (v.as_object_mut(), extra) {
        v.extend(e);
    }
    v
}

/// Compute hosts: id, name, state and status (admins).
#[utoipa::path(get, path = "/v2.1/os-hypervisors", operation_id = "listHypervisors", tag = "hosts",
    responses((status = 200, description = "Hypervisors", body = Object)))]
pub async fn hypervisors(State(app): State<App>, caller: Caller) -> Result<Json<Value>, Error> {
    let all = app.hypervisors(&caller.0).await?;
    Ok(Json(
        json!({"hypervisors": all.iter().map(|n| summary(&app, n)).collect::<Vec<_>>()}),
    ))
}

/// Compute hosts with their capacity and use (admins).
#[utoipa::path(get, path = "/v2.1/os-hypervisors/detail", operation_id = "listHypervisorsDetail", tag = "hosts",
    responses((status = 200, description = "Hypervisors", body = Object)))]
pub async fn hypervisors_detail(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Value>, Error> {
    let all = app.hypervisors(&caller.0).await?;
    Ok(Json(
        json!({"hypervisors": all.iter().map(|n| detail_view(&app, n)).collect::<Vec<_>>()}),
    ))
}

/// Totals over every compute host (admins).
#[utoipa::path(get, path = "/v2.1/os-hypervisors/statistics", operation_id = "showHypervisorStatistics", tag = "hosts",
    responses((status = 200, description = "Totals", body = Object)))]
pub async fn statistics(State(app): State<App>, caller: Caller) -> Result<Json<Value>, Error> {
    let all = app.hypervisors(&caller.0).await?;
    let sum = |f: &dyn Fn(&Node) -> i64| all.iter().map(f).sum::<i64>();
    Ok(Json(json!({"hypervisor_statistics": {
        "count": all.len(),
        "vcpus": sum(&|n| i64::from(n.vcpus)),
        "memory_mb": sum(&|n| n.memory_mb),
        "local_gb": sum(&|n| n.disk_gb),
        "vcpus_used": sum(&|n| i64::from(n.vcpus_used)),
        "memory_mb_used": sum(&|n| n.memory_mb_used),
        "local_gb_used": sum(&|n| n.disk_gb_used),
        "free_ram_mb": sum(&|n| n.memory_mb - n.memory_mb_used),
        "free_disk_gb": sum(&|n| n.disk_gb - n.disk_gb_used),
        "disk_available_least": sum(&|n| n.disk_gb - n.disk_gb_used),
        "current_workload": 0,
        "running_vms": sum(&|n| i64::from(n.running_vms)),
    }})))
}

#[utoipa::path(get, path = "/v2.1/os-hypervisors/{hypervisor_id}", operation_id = "showHypervisor", tag = "hosts",
    params(("hypervisor_id" = String, Path)),
    responses((status = 200, description = "The hypervisor", body = Object)))]
pub async fn hypervisor(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let n = app.hypervisor(&caller.0, &id).await?;
    Ok(Json(json!({"hypervisor": detail_view(&app, &n)})))
}

fn service_view(app: &App, n: &Node) -> Value {
    json!({"id": n.id, "binary": BINARY, "host": n.host, "zone": n.availability_zone,
        "status": status(n), "state": state(app, n), "updated_at": time(&n.last_seen),
        "disabled_reason": n.disabled_reason})
}

/// Compute services, one per host (admins).
#[utoipa::path(get, path = "/v2.1/os-services", operation_id = "listComputeServices", tag = "hosts",
    responses((status = 200, description = "Services", body = Object)))]
pub async fn services(State(app): State<App>, caller: Caller) -> Result<Json<Value>, Error> {
    let all = app.services(&caller.0).await?;
    Ok(Json(
        json!({"services": all.iter().map(|n| service_view(&app, n)).collect::<Vec<_>>()}),
    ))
}

/// `enable`, `disable` or `disable-log-reason` a host's service (admins).
#[utoipa::path(put, path = "/v2.1/os-services/{action}", operation_id = "updateComputeService", tag = "hosts",
    params(("action" = String, Path)), request_body = Object,
    responses((status = 200, description = "The service", body = Object)))]
pub async fn service_update(
    State(app): State<App>,
    caller: Caller,
    Path(action): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let map = body
        .as_object()
        .ok_or_else(|| Error::bad_request("The request body must be an object."))?;
    let host = name("host", crate::app::input::required(map, "host")?, 255)?;
    let binary = name("binary", crate::app::input::required(map, "binary")?, 255)?;
    let (disabled, reason) = match action.as_str() {
        "enable" => (false, None),
        "disable" => (true, None),
        "disable-log-reason" => {
            let reason = name(
                "disabled_reason",
                crate::app::input::required(map, "disabled_reason")?,
                255,
            )?;
            (true, Some(reason))
        }
        other => return Err(Error::not_found(format!("Unknown action {other}"))),
    };
    let n = app
        .service_set(&caller.0, &host, &binary, disabled, reason.as_deref())
        .await?;
    let mut v = json!({"host": n.host, "binary": BINARY, "status": status(&n)});
    if let Some(r) = &n.disabled_reason {
        v["disabled_reason"] = json!(r);
    }
    Ok(Json(json!({ "service": v })))
}

#[utoipa::path(delete, path = "/v2.1/os-services/{service_id}", operation_id = "deleteComputeService", tag = "hosts",
    params(("service_id" = String, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn service_delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.service_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn zones_view(app: &App, all: &[Node], detail: bool) -> Value {
    let mut zones: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    for n in all {
        zones.entry(&n.availability_zone).or_default().push(n);
    }
    let info: Vec<Value> = zones
        .iter()
        .map(|(zone, nodes)| {
            let available = nodes.iter().any(|n| !n.disabled && app.node_up(n));
            let hosts = if detail {
                let h: serde_json::Map<String, Value> = nodes
                    .iter()
                    .map(|n| {
                        (
                            n.host.clone(),
                            json!({BINARY: {"available": app.node_up(n), "active": !n.disabled,
                                "updated_at": time(&n.last_seen)}}),
                        )
                    })
                    .collect();
                Value::Object(h)
            } else {
                Value::Null
            };
            json!({"zoneName": zone, "zoneState": {"available": available}, "hosts": hosts})
        })
        .collect();
    json!({ "availabilityZoneInfo": info })
}

/// Zones that have compute hosts.
#[utoipa::path(get, path = "/v2.1/os-availability-zone", operation_id = "listAvailabilityZones", tag = "hosts",
    responses((status = 200, description = "Zones", body = Object)))]
pub async fn zones(State(app): State<App>, caller: Caller) -> Result<Json<Value>, Error> {
    let all = app.zones(&caller.0, false).await?;
    Ok(Json(zones_view(&app, &all, false)))
}

/// Zones with their hosts and services (admins).
#[utoipa::path(get, path = "/v2.1/os-availability-zone/detail", operation_id = "listAvailabilityZonesDetail", tag = "hosts",
    responses((status = 200, description = "Zones", body = Object)))]
pub async fn zones_detail(State(app): State<App>, caller: Caller) -> Result<Json<Value>, Error> {
    let all = app.zones(&caller.0, true).await?;
    Ok(Json(zones_view(&app, &all, true)))
}
