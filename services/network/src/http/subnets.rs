//! `/v2.0/subnets`.

use super::common::{self, time};
use crate::app::App;
use crate::datastore::Subnet;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use stratus_api::network as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

/// A subnet as Neutron shows it.
pub fn view(s: &Subnet) -> api::Subnet {
    api::Subnet {
        id: s.id.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        network_id: s.network_id.clone(),
        tenant_id: s.project_id.clone(),
        project_id: s.project_id.clone(),
        ip_version: s.ip_version.into(),
        cidr: s.cidr.clone(),
        gateway_ip: s.gateway_ip.clone(),
        enable_dhcp: s.enable_dhcp,
        allocation_pools: s
            .allocation_pools
            .0
            .iter()
            .map(|p| api::AllocationPool {
                start: p.start.clone(),
                end: p.end.clone(),
            })
            .collect(),
        dns_nameservers: s.dns_nameservers.0.clone(),
        host_routes: s
            .host_routes
            .0
            .iter()
            .filter_map(|r| serde_json::from_value(r.clone()).ok())
            .collect(),
        ipv6_ra_mode: s.ipv6_ra_mode.clone(),
        ipv6_address_mode: s.ipv6_address_mode.clone(),
        subnetpool_id: None,
        service_types: Vec::new(),
        tags: Vec::new(),
        revision_number: s.revision_number.into(),
        created_at: time(&s.created_at),
        updated_at: time(&s.updated_at),
    }
}

/// Creates a subnet on a network the caller owns.
#[utoipa::path(post, path = "/v2.0/subnets", operation_id = "createSubnet", tag = "subnets",
    request_body = api::SubnetCreateBody,
    responses((status = 201, description = "Created", body = api::SubnetBody), (status = 400, description = "Bad or overlapping CIDR, pools or addresses"),
              (status = 404, description = "No such network"), (status = 409, description = "Gateway inside a pool")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::SubnetCreateBody>,
) -> Result<(StatusCode, Json<api::SubnetBody>), Error> {
    let s = app.subnet_create(&caller.0, &body.subnet).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::SubnetBody { subnet: view(&s) }),
    ))
}

/// Lists the subnets of the networks the caller sees.
#[utoipa::path(get, path = "/v2.0/subnets", operation_id = "listSubnets", tag = "subnets",
    params(api::ListQuery),
    responses((status = 200, description = "The subnets", body = api::SubnetList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let items = app
        .subnet_list(&caller.0)
        .await?
        .iter()
        .map(view)
        .collect::<Vec<_>>();
    Ok(Json(common::list(
        "subnets",
        items,
        &query,
        &format!("{base}/v2.0/subnets"),
    )?))
}

/// Shows a subnet.
#[utoipa::path(get, path = "/v2.0/subnets/{subnet_id}", operation_id = "showSubnet", tag = "subnets",
    params(("subnet_id" = String, Path, description = "The subnet")),
    responses((status = 200, description = "The subnet", body = api::SubnetBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let s = app.subnet_get(&caller.0, &id).await?;
    Ok(Json(json!({"subnet": common::trim(view(&s), &query)})))
}

/// Updates a subnet's name, description, gateway, DHCP, DNS servers or routes.
#[utoipa::path(put, path = "/v2.0/subnets/{subnet_id}", operation_id = "updateSubnet", tag = "subnets",
    request_body = api::SubnetUpdateBody,
    params(("subnet_id" = String, Path, description = "The subnet")),
    responses((status = 200, description = "Updated", body = api::SubnetBody), (status = 400, description = "Bad attribute"),
              (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::SubnetUpdateBody>,
) -> Result<Json<api::SubnetBody>, Error> {
    let s = app.subnet_update(&caller.0, &id, &body.subnet).await?;
    Ok(Json(api::SubnetBody { subnet: view(&s) }))
}

/// Deletes a subnet without allocated addresses.
#[utoipa::path(delete, path = "/v2.0/subnets/{subnet_id}", operation_id = "deleteSubnet", tag = "subnets",
    params(("subnet_id" = String, Path, description = "The subnet")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found"),
              (status = 409, description = "Addresses in use")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.subnet_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
