//! `/v2.0/routers` (with `add_router_interface` / `remove_router_interface`)
//! and `/v2.0/floatingips`.

use super::common::{self, time};
use crate::app::App;
use crate::app::routers::InterfaceInfo;
use crate::datastore::{FloatingIp, Router};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::Value;
use stratus_api::network as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

async fn router_view(app: &App, r: &Router) -> Result<api::Router, Error> {
    let external_gateway_info = match &r.gateway_network_id {
        Some(net) => {
            let ips = app.router_gateway_ips(&r.id).await?;
            Some(api::ExternalGatewayInfo {
                network_id: net.clone(),
                enable_snat: r.enable_snat,
                external_fixed_ips: ips
                    .iter()
                    .map(|i| api::FixedIp {
                        subnet_id: i.subnet_id.clone(),
                        ip_address: i.ip_address.clone(),
                    })
                    .collect(),
            })
        }
        None => None,
    };
    Ok(api::Router {
        id: r.id.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        tenant_id: r.project_id.clone(),
        project_id: r.project_id.clone(),
        admin_state_up: r.admin_state_up,
        status: "ACTIVE".into(),
        external_gateway_info,
        routes: Vec::new(),
        distributed: false,
        ha: false,
        availability_zone_hints: Vec::new(),
        availability_zones: vec!["nova".into()],
        tags: Vec::new(),
        revision_number: r.revision_number.into(),
        created_at: time(&r.created_at),
        updated_at: time(&r.updated_at),
    })
}

fn interface_view(i: &InterfaceInfo) -> api::RouterInterface {
    api::RouterInterface {
        id: i.router_id.clone(),
        tenant_id: i.project_id.clone(),
        project_id: i.project_id.clone(),
        port_id: i.port_id.clone(),
        subnet_id: i.subnet_id.clone(),
        subnet_ids: vec![i.subnet_id.clone()],
        network_id: i.network_id.clone(),
    }
}

fn fip_view(f: &FloatingIp) -> api::FloatingIp {
    api::FloatingIp {
        id: f.id.clone(),
        tenant_id: f.project_id.clone(),
        project_id: f.project_id.clone(),
        floating_network_id: f.floating_network_id.clone(),
        floating_ip_address: f.floating_ip_address.clone(),
        port_id: f.port_id.clone(),
        fixed_ip_address: f.fixed_ip_address.clone(),
        router_id: f.router_id.clone(),
        status: if f.port_id.is_some() {
            api::FloatingIpStatus::Active
        } else {
            api::FloatingIpStatus::Down
        },
        description: f.description.clone(),
        tags: Vec::new(),
        port_details: None,
        dns_domain: String::new(),
        dns_name: String::new(),
        revision_number: f.revision_number.into(),
        created_at: time(&f.created_at),
        updated_at: time(&f.updated_at),
    }
}

/// Creates a router, with an external gateway if asked.
#[utoipa::path(post, path = "/v2.0/routers", operation_id = "createRouter", tag = "routers",
    request_body = api::RouterCreateBody,
    responses((status = 201, description = "Created", body = api::RouterBody), (status = 400, description = "Bad gateway")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::RouterCreateBody>,
) -> Result<(StatusCode, Json<api::RouterBody>), Error> {
    let r = app.router_create(&caller.0, &body.router).await?;
    let router = router_view(&app, &r).await?;
    Ok((StatusCode::CREATED, Json(api::RouterBody { router })))
}

/// Lists the caller's routers.
#[utoipa::path(get, path = "/v2.0/routers", operation_id = "listRouters", tag = "routers",
    params(api::ListQuery),
    responses((status = 200, description = "The routers", body = api::RouterList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let mut items = Vec::new();
    for r in app.router_list(&caller.0).await? {
        items.push(router_view(&app, &r).await?);
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
    responses((status = 200, description = "The router", body = api::RouterBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::RouterBody>, Error> {
    let r = app.router_get(&caller.0, &id).await?;
    let router = router_view(&app, &r).await?;
    Ok(Json(api::RouterBody { router }))
}

/// Updates a router (name, state, external gateway).
#[utoipa::path(put, path = "/v2.0/routers/{router_id}", operation_id = "updateRouter", tag = "routers",
    request_body = api::RouterUpdateBody,
    params(("router_id" = String, Path, description = "The router")),
    responses((status = 200, description = "Updated", body = api::RouterBody), (status = 404, description = "Not found"),
              (status = 409, description = "Gateway needed by floating IPs")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::RouterUpdateBody>,
) -> Result<Json<api::RouterBody>, Error> {
    let r = app.router_update(&caller.0, &id, &body.router).await?;
    let router = router_view(&app, &r).await?;
    Ok(Json(api::RouterBody { router }))
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
#[utoipa::path(put, path = "/v2.0/routers/{router_id}/add_router_interface", operation_id = "addRouterInterface", tag = "routers",
    request_body = api::RouterInterfaceRequest,
    params(("router_id" = String, Path, description = "The router")),
    responses((status = 200, description = "The interface", body = api::RouterInterface), (status = 400, description = "No gateway, or already attached"),
              (status = 404, description = "No such router or subnet")))]
pub async fn add_interface(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::RouterInterfaceRequest>,
) -> Result<Json<api::RouterInterface>, Error> {
    Ok(Json(interface_view(
        &app.router_add_interface(&caller.0, &id, &body).await?,
    )))
}

/// Removes an interface.
#[utoipa::path(put, path = "/v2.0/routers/{router_id}/remove_router_interface", operation_id = "removeRouterInterface", tag = "routers",
    request_body = api::RouterInterfaceRequest,
    params(("router_id" = String, Path, description = "The router")),
    responses((status = 200, description = "The removed interface", body = api::RouterInterface), (status = 400, description = "Neither subnet nor port"),
              (status = 404, description = "No such interface"), (status = 409, description = "Needed by floating IPs")))]
pub async fn remove_interface(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::RouterInterfaceRequest>,
) -> Result<Json<api::RouterInterface>, Error> {
    Ok(Json(interface_view(
        &app.router_remove_interface(&caller.0, &id, &body).await?,
    )))
}

/// Allocates a floating IP, associated with a port if asked.
#[utoipa::path(post, path = "/v2.0/floatingips", operation_id = "createFloatingIp", tag = "floatingips",
    request_body = api::FloatingIpCreateBody,
    responses((status = 201, description = "Created", body = api::FloatingIpBody), (status = 400, description = "Bad attribute"), (status = 404, description = "Port unreachable from the external network"),
              (status = 409, description = "No address left")))]
pub async fn fip_create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::FloatingIpCreateBody>,
) -> Result<(StatusCode, Json<api::FloatingIpBody>), Error> {
    let f = app.fip_create(&caller.0, &body.floatingip).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::FloatingIpBody {
            floatingip: fip_view(&f),
        }),
    ))
}

/// Lists the caller's floating IPs.
#[utoipa::path(get, path = "/v2.0/floatingips", operation_id = "listFloatingIps", tag = "floatingips",
    params(api::ListQuery),
    responses((status = 200, description = "The floating IPs", body = api::FloatingIpList)))]
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
        .map(fip_view)
        .collect::<Vec<_>>();
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
    responses((status = 200, description = "The floating IP", body = api::FloatingIpBody), (status = 404, description = "Not found")))]
pub async fn fip_show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::FloatingIpBody>, Error> {
    let f = app.fip_get(&caller.0, &id).await?;
    Ok(Json(api::FloatingIpBody {
        floatingip: fip_view(&f),
    }))
}

/// Associates (`port_id`) or disassociates (`null`) a floating IP.
#[utoipa::path(put, path = "/v2.0/floatingips/{floatingip_id}", operation_id = "updateFloatingIp", tag = "floatingips",
    request_body = api::FloatingIpUpdateBody,
    params(("floatingip_id" = String, Path, description = "The floating IP")),
    responses((status = 200, description = "Updated", body = api::FloatingIpBody), (status = 404, description = "Port unreachable"),
              (status = 409, description = "The fixed address has a floating IP")))]
pub async fn fip_update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::FloatingIpUpdateBody>,
) -> Result<Json<api::FloatingIpBody>, Error> {
    let f = app.fip_update(&caller.0, &id, &body.floatingip).await?;
    Ok(Json(api::FloatingIpBody {
        floatingip: fip_view(&f),
    }))
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
