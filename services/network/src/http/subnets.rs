//! `/v2.0/subnets`.

use super::common::{self, time};
use crate::app::App;
use crate::datastore::Subnet;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

pub fn subnet_json(s: &Subnet) -> Value {
    json!({
        "id": s.id, "name": s.name, "description": s.description, "network_id": s.network_id,
        "tenant_id": s.project_id, "project_id": s.project_id, "ip_version": s.ip_version, "cidr": s.cidr,
        "gateway_ip": s.gateway_ip, "enable_dhcp": s.enable_dhcp, "allocation_pools": s.allocation_pools.0,
        "dns_nameservers": s.dns_nameservers.0, "host_routes": s.host_routes.0,
        "ipv6_ra_mode": s.ipv6_ra_mode, "ipv6_address_mode": s.ipv6_address_mode, "subnetpool_id": null,
        "service_types": [], "tags": [], "revision_number": s.revision_number,
        "created_at": time(&s.created_at), "updated_at": time(&s.updated_at),
    })
}

#[derive(Deserialize)]
pub struct SubnetBody {
    subnet: Map<String, Value>,
}

/// Creates a subnet on a network the caller owns.
#[utoipa::path(post, path = "/v2.0/subnets", operation_id = "createSubnet", tag = "subnets", request_body = Object,
    responses((status = 201, description = "Created", body = Object), (status = 400, description = "Bad or overlapping CIDR, pools or addresses"),
              (status = 404, description = "No such network"), (status = 409, description = "Gateway inside a pool")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<SubnetBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let s = app.subnet_create(&caller.0, &body.subnet).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"subnet": subnet_json(&s)})),
    ))
}

/// Lists the subnets of the networks the caller sees.
#[utoipa::path(get, path = "/v2.0/subnets", operation_id = "listSubnets", tag = "subnets",
    responses((status = 200, description = "The subnets", body = Object)))]
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
        .map(subnet_json)
        .collect();
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
    responses((status = 200, description = "The subnet", body = Object), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let s = app.subnet_get(&caller.0, &id).await?;
    Ok(Json(
        json!({"subnet": common::trim(subnet_json(&s), &query)}),
    ))
}

/// Updates a subnet's name, description, gateway, DHCP, DNS servers or routes.
#[utoipa::path(put, path = "/v2.0/subnets/{subnet_id}", operation_id = "updateSubnet", tag = "subnets", request_body = Object,
    params(("subnet_id" = String, Path, description = "The subnet")),
    responses((status = 200, description = "Updated", body = Object), (status = 400, description = "Bad attribute"),
              (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<SubnetBody>,
) -> Result<Json<Value>, Error> {
    let s = app.subnet_update(&caller.0, &id, &body.subnet).await?;
    Ok(Json(json!({"subnet": subnet_json(&s)})))
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
