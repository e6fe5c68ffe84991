//! `/v2.0/ports`.

use super::common::{self, time};
use crate::app::App;
use crate::datastore::{FixedIp, Port};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

/// A port as Neutron shows it; `binding:*` only to admins (`caller`).
fn port_json(caller: &Caller, p: &Port, ips: &[FixedIp]) -> Value {
    let mut v = json!({
        "id": p.id, "name": p.name, "description": p.description, "network_id": p.network_id,
        "tenant_id": p.project_id, "project_id": p.project_id, "mac_address": p.mac_address,
        "admin_state_up": p.admin_state_up, "status": p.status, "device_owner": p.device_owner,
        "device_id": p.device_id, "binding:host_id": p.binding_host_id, "binding:vnic_type": "normal",
        "binding:vif_type": if p.binding_host_id.is_empty() { "unbound" } else { "bridge" },
        "binding:vif_details": {}, "binding:profile": {},
        "fixed_ips": ips.iter().filter(|i| i.port_id == p.id)
            .map(|i| json!({"subnet_id": i.subnet_id, "ip_address": i.ip_address})).collect::<Vec<_>>(),
        "security_groups": p.security_groups.0, "port_security_enabled": p.port_security_enabled,
        "allowed_address_pairs": p.allowed_address_pairs.0, "extra_dhcp_opts": [], "tags": [],
        "revision_number": p.revision_number, "created_at": time(&p.created_at), "updated_at": time(&p.updated_at),
    });
    if !crate::app::policy::sees_binding(&caller.0)
        && let Some(fields) = v.as_object_mut()
    {
        fields.retain(|k, _| !k.starts_with("binding:"));
    }
    v
}

async fn one(app: &App, caller: &Caller, p: &Port) -> Result<Value, Error> {
    let ips = app.fixed_ips(std::slice::from_ref(p)).await?;
    Ok(port_json(caller, p, &ips))
}

#[derive(Deserialize)]
pub struct PortBody {
    port: Map<String, Value>,
}

/// Creates a port with addresses from its network's subnets.
#[utoipa::path(post, path = "/v2.0/ports", operation_id = "createPort", tag = "ports", request_body = Object,
    responses((status = 201, description = "Created", body = Object), (status = 400, description = "Bad attribute"),
              (status = 404, description = "No such network"), (status = 409, description = "Address or MAC in use, or none left")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<PortBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let p = app.port_create(&caller.0, &body.port).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"port": one(&app, &caller, &p).await?})),
    ))
}

/// Lists the ports the caller sees.
#[utoipa::path(get, path = "/v2.0/ports", operation_id = "listPorts", tag = "ports",
    responses((status = 200, description = "The ports", body = Object)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let ports = app.port_list(&caller.0).await?;
    let ips = app.fixed_ips(&ports).await?;
    let items = ports.iter().map(|p| port_json(&caller, p, &ips)).collect();
    Ok(Json(common::list(
        "ports",
        items,
        &query,
        &format!("{base}/v2.0/ports"),
    )?))
}

/// Shows a port.
#[utoipa::path(get, path = "/v2.0/ports/{port_id}", operation_id = "showPort", tag = "ports",
    params(("port_id" = String, Path, description = "The port")),
    responses((status = 200, description = "The port", body = Object), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let p = app.port_get(&caller.0, &id).await?;
    Ok(Json(
        json!({"port": common::trim(one(&app, &caller, &p).await?, &query)}),
    ))
}

/// Updates a port (replacing its addresses when `fixed_ips` is given).
#[utoipa::path(put, path = "/v2.0/ports/{port_id}", operation_id = "updatePort", tag = "ports", request_body = Object,
    params(("port_id" = String, Path, description = "The port")),
    responses((status = 200, description = "Updated", body = Object), (status = 404, description = "Not found"),
              (status = 409, description = "Address in use")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<PortBody>,
) -> Result<Json<Value>, Error> {
    let p = app.port_update(&caller.0, &id, &body.port).await?;
    Ok(Json(json!({"port": one(&app, &caller, &p).await?})))
}

/// Deletes a port and releases its addresses.
#[utoipa::path(delete, path = "/v2.0/ports/{port_id}", operation_id = "deletePort", tag = "ports",
    params(("port_id" = String, Path, description = "The port")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.port_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
