//! `/v2.0/ports`.

use super::common::{self, time};
use crate::app::App;
use crate::datastore::{FixedIp, Port};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use stratus_api::network as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

/// A port as Neutron shows it; `binding:*` only to admins (`caller`).
fn view(caller: &Caller, p: &Port, ips: &[FixedIp]) -> api::Port {
    let binding = crate::app::policy::sees_binding(&caller.0);
    api::Port {
        id: p.id.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        network_id: p.network_id.clone(),
        tenant_id: p.project_id.clone(),
        project_id: p.project_id.clone(),
        mac_address: p.mac_address.clone(),
        admin_state_up: p.admin_state_up,
        status: match p.status.as_str() {
            "ACTIVE" => api::PortStatus::Active,
            "BUILD" => api::PortStatus::Build,
            "ERROR" => api::PortStatus::Error,
            _ => api::PortStatus::Down,
        },
        device_owner: p.device_owner.clone(),
        device_id: p.device_id.clone(),
        fixed_ips: ips
            .iter()
            .filter(|i| i.port_id == p.id)
            .map(|i| api::FixedIp {
                subnet_id: i.subnet_id.clone(),
                ip_address: i.ip_address.clone(),
            })
            .collect(),
        security_groups: p.security_groups.0.clone(),
        port_security_enabled: p.port_security_enabled,
        allowed_address_pairs: p
            .allowed_address_pairs
            .0
            .iter()
            .filter_map(|pair| serde_json::from_value(pair.clone()).ok())
            .collect(),
        extra_dhcp_opts: Vec::new(),
        tags: Vec::new(),
        revision_number: p.revision_number.into(),
        created_at: time(&p.created_at),
        updated_at: time(&p.updated_at),
        binding_host_id: binding.then(|| p.binding_host_id.clone()),
        binding_vnic_type: binding.then(|| "normal".into()),
        binding_vif_type: binding.then(|| {
            if p.binding_host_id.is_empty() {
                "unbound"
            } else {
                "bridge"
            }
            .into()
        }),
        binding_vif_details: binding.then(Default::default),
        binding_profile: binding.then(Default::default),
    }
}

async fn one(app: &App, caller: &Caller, p: &Port) -> Result<api::Port, Error> {
    let ips = app.fixed_ips(std::slice::from_ref(p)).await?;
    Ok(view(caller, p, &ips))
}

/// Creates a port with addresses from its network's subnets.
#[utoipa::path(post, path = "/v2.0/ports", operation_id = "createPort", tag = "ports",
    request_body = api::PortCreateBody,
    responses((status = 201, description = "Created", body = api::PortBody), (status = 400, description = "Bad attribute"),
              (status = 404, description = "No such network"), (status = 409, description = "Address or MAC in use, or none left")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::PortCreateBody>,
) -> Result<(StatusCode, Json<api::PortBody>), Error> {
    let p = app.port_create(&caller.0, &body.port).await?;
    let port = one(&app, &caller, &p).await?;
    Ok((StatusCode::CREATED, Json(api::PortBody { port })))
}

/// Lists the ports the caller sees.
#[utoipa::path(get, path = "/v2.0/ports", operation_id = "listPorts", tag = "ports",
    params(api::ListQuery),
    responses((status = 200, description = "The ports", body = api::PortList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let ports = app.port_list(&caller.0).await?;
    let ips = app.fixed_ips(&ports).await?;
    let items: Vec<_> = ports.iter().map(|p| view(&caller, p, &ips)).collect();
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
    responses((status = 200, description = "The port", body = api::PortBody), (status = 404, description = "Not found")))]
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
#[utoipa::path(put, path = "/v2.0/ports/{port_id}", operation_id = "updatePort", tag = "ports",
    request_body = api::PortUpdateBody,
    params(("port_id" = String, Path, description = "The port")),
    responses((status = 200, description = "Updated", body = api::PortBody), (status = 404, description = "Not found"),
              (status = 409, description = "Address in use")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::PortUpdateBody>,
) -> Result<Json<api::PortBody>, Error> {
    let p = app.port_update(&caller.0, &id, &body.port).await?;
    let port = one(&app, &caller, &p).await?;
    Ok(Json(api::PortBody { port }))
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
