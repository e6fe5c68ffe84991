//! `/v2.0/routers` (with `add_router_interface` / `remove_router_interface`)
//! and `/v2.0/floatingips`.

use super::common::{self, time};
use crate::app::App;
use crate::app::routers::InterfaceInfo;
use crate::datastore::{FloatingIp, Router};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

async fn router_json(app: &App, r: &Router) -> Result<Value, Error> {
    let gateway = match &r.gateway_network_id {
        Some(net) => {
            let ports =
                crate::datastore::router_ports(&app.pool, &r.id, crate::app::routers::GATEWAY)
                    .await
                    .map_err(|e| Error::internal(&e))?;
            let ips = app.fixed_ips(&ports).await?;
            json!({"network_id": net, "enable_snat": r.enable_snat,
                   "external_fixed_ips": ips.iter().map(|i| json!({"subnet_id": i.subnet_id, "ip_address": i.ip_address})).collect::<Vec<_>>()})
        }
        None => Value::Null,
    };
    Ok(json!({
        "id": r.id, "name": r.name, "description": r.description, "tenant_id": r.project_id,
        "project_id": r.project_id, "admin_state_up": r.admin_state_up, "status": "ACTIVE",
        "external_gateway_info": gateway, "routes": [], "distributed": false, "ha": false,
        "availability_zone_hints": [], "availability_zones": ["nova"], "tags": [],
        "revision_number": r.revision_number, "created_at": time(&r.created_at), "updated_at": time(&r.updated_at),
    }))
}

fn interface_json(i: &InterfaceInfo) -> Value {
    json!({"id": i.router_id, "tenant_id": i.project_id, "project_id": i.project_id, "port_id": i.port_id,
           "subnet_id": i.subnet_id, "subnet_ids": [i.subnet_id], "network_id": i.network_id})
}

fn fip_json(f: &FloatingIp) -> Value {
    json!({
        "id": f.id, "tenant_id": f.project_id, "project_id": f.project_id, "floating_network_id": f.floating_network_id,
        "floating_ip_address": f.floating_ip_address, "port_id": f.port_id, "fixed_ip_address": f.fixed_ip_address,
        "router_id": f.router_id, "status": if f.port_id.is_some() { "ACTIVE" } else { "DOWN" },
        "description": f.description, "tags": [], "port_details": null, "dns_domain": "", "dns_name": "",
        "revision_number": f.revision_number, "created_at": time(&f.created_at), "updated_at": time(&f.updated_at),
    })
}

#[derive(Deserialize)]
pub struct RouterBody {
    router: Map<String, Value>,
}

#[derive(Deserialize)]
pub struct FipBody {
    floatingip: Map<String, Value>,
}

/// Creates a router, with an external gateway if asked.
#[utoipa::path(post, path = "/v2.0/routers", operation_id = "createRouter", tag = "routers", request_body = Object,
    responses((status = 201, description = "Created", body = Object), (status = 400, description = "Bad gateway")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<RouterBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let r = app.router_create(&caller.0, &body.router).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"router": router_json(&app, &r).await?})),
    ))
}

/// Lists the caller's routers.
#[utoipa::path(get, path = "/v2.0/routers", operation_id = "listRouters", tag = "routers",
    responses((status = 200, description = "The routers", body = Object)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let mut items = Vec::new();
    for r in app.router_list(&caller.0).await? {
        items.push(router_json(&app, &r).await?);
    }
    Ok(Json(common::list(
        "routers",
        items,
        &query,
        &format!("{base}/v2.0/routers"),
    )?))
}

/// Shows a router.
#[utoipa::path(get, path = "/v2.0/routers/{router_id}", operation_id = "showRouter", tag = "routers",
    params(("router_id" = String, Path, description = "The router")),
    responses((status = 200, description = "The router", body = Object), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let r = app.router_get(&caller.0, &id).await?;
    Ok(Json(json!({"router": router_json(&app, &r).await?})))
}

/// Updates a router (name, state, external gateway).
#[utoipa::path(put, path = "/v2.0/routers/{router_id}", operation_id = "updateRouter", tag = "routers", request_body = Object,
    params(("router_id" = String, Path, description = "The router")),
    responses((status = 200, description = "Updated", body = Object), (status = 409, description = "Gateway needed by floating IPs")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<RouterBody>,
) -> Result<Json<Value>, Error> {
    let r = app.router_update(&caller.0, &id, &body.router).await?;
    Ok(Json(json!({"router": router_json(&app, &r).await?})))
}

/// Deletes a router without interfaces.
#[utoipa::path(delete, path = "/v2.0/routers/{router_id}", operation_id = "deleteRouter", tag = "routers",
    params(("router_id" = String, Path, description = "The router")),
    responses((status = 204, description = "Deleted"), (status = 409, description = "Still has interfaces")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.router_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds an interface on a subnet (a port with the subnet's gateway address).
#[utoipa::path(put, path = "/v2.0/routers/{router_id}/add_router_interface", operation_id = "addRouterInterface", tag = "routers", request_body = Object,
    params(("router_id" = String, Path, description = "The router")),
    responses((status = 200, description = "The interface", body = Object), (status = 400, description = "No gateway, or already attached")))]
pub async fn add_interface(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Json<Value>, Error> {
    Ok(Json(interface_json(
        &app.router_add_interface(&caller.0, &id, &body).await?,
    )))
}

/// Removes an interface.
#[utoipa::path(put, path = "/v2.0/routers/{router_id}/remove_router_interface", operation_id = "removeRouterInterface", tag = "routers", request_body = Object,
    params(("router_id" = String, Path, description = "The router")),
    responses((status = 200, description = "The removed interface", body = Object), (status = 404, description = "No such interface"),
              (status = 409, description = "Needed by floating IPs")))]
pub async fn remove_interface(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Json<Value>, Error> {
    Ok(Json(interface_json(
        &app.router_remove_interface(&caller.0, &id, &body).await?,
    )))
}

/// Allocates a floating IP, associated with a port if asked.
#[utoipa::path(post, path = "/v2.0/floatingips", operation_id = "createFloatingIp", tag = "floatingips", request_body = Object,
    responses((status = 201, description = "Created", body = Object), (status = 404, description = "Port unreachable from the external network"),
              (status = 409, description = "No address left")))]
pub async fn fip_create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<FipBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let f = app.fip_create(&caller.0, &body.floatingip).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"floatingip": fip_json(&f)})),
    ))
}

/// Lists the caller's floating IPs.
#[utoipa::path(get, path = "/v2.0/floatingips", operation_id = "listFloatingIps", tag = "floatingips",
    responses((status = 200, description = "The floating IPs", body = Object)))]
pub async fn fip_list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let items = app
        .fip_list(&caller.0)
        .await?
        .iter()
        .map(fip_json)
        .collect();
    Ok(Json(common::list(
        "floatingips",
        items,
        &query,
        &format!("{base}/v2.0/floatingips"),
    )?))
}

/// Shows a floating IP.
#[utoipa::path(get, path = "/v2.0/floatingips/{floatingip_id}", operation_id = "showFloatingIp", tag = "floatingips",
    params(("floatingip_id" = String, Path, description = "The floating IP")),
    responses((status = 200, description = "The floating IP", body = Object), (status = 404, description = "Not found")))]
pub async fn fip_show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    Ok(Json(
        json!({"floatingip": fip_json(&app.fip_get(&caller.0, &id).await?)}),
    ))
}

/// Associates (`port_id`) or disassociates (`null`) a floating IP.
#[utoipa::path(put, path = "/v2.0/floatingips/{floatingip_id}", operation_id = "updateFloatingIp", tag = "floatingips", request_body = Object,
    params(("floatingip_id" = String, Path, description = "The floating IP")),
    responses((status = 200, description = "Updated", body = Object), (status = 404, description = "Port unreachable")))]
pub async fn fip_update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<FipBody>,
) -> Result<Json<Value>, Error> {
    Ok(Json(
        json!({"floatingip": fip_json(&app.fip_update(&caller.0, &id, &body.floatingip).await?)}),
    ))
}

/// Releases a floating IP.
#[utoipa::path(delete, path = "/v2.0/floatingips/{floatingip_id}", operation_id = "deleteFloatingIp", tag = "floatingips",
    params(("floatingip_id" = String, Path, description = "The floating IP")),
    responses((status = 204, description = "Released"), (status = 404, description = "Not found")))]
pub async fn fip_delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.fip_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
