//! `/v3/regions`, `/v3/services` and `/v3/endpoints`: the catalog as admins
//! manage it.

use super::common::{list_links, self_link};
use crate::app::App;
use crate::app::catalog::{EndpointChanges, RegionChanges, ServiceChanges};
use crate::datastore::{Endpoint, EndpointFilter, Region, Service};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use stratus_api::identity as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

fn region_json(r: &Region, base: &str) -> api::Region {
    api::Region {
        id: r.id.clone(),
        description: r.description.clone(),
        parent_region_id: r.parent_region_id.clone(),
        links: self_link(base, &format!("/v3/regions/{}", r.id)),
    }
}

fn service_json(s: &Service, base: &str) -> api::Service {
    api::Service {
        id: s.id.clone(),
        service_type: s.service_type.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        enabled: s.enabled,
        links: self_link(base, &format!("/v3/services/{}", s.id)),
    }
}

fn endpoint_json(e: &Endpoint, base: &str) -> api::Endpoint {
    api::Endpoint {
        id: e.id.clone(),
        service_id: e.service_id.clone(),
        interface: e.interface.clone(),
        url: e.url.clone(),
        region_id: e.region_id.clone(),
        region: e.region_id.clone(),
        enabled: e.enabled,
        links: self_link(base, &format!("/v3/endpoints/{}", e.id)),
    }
}

// ---- regions ----

fn region_changes(f: api::RegionFields) -> (Option<String>, RegionChanges) {
    (
        f.id,
        RegionChanges {
            description: f.description,
            parent_region_id: f.parent_region_id,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct RegionFilter {
    parent_region_id: Option<String>,
}

/// Lists regions.
#[utoipa::path(get, path = "/v3/regions", operation_id = "listRegions", tag = "catalog",
    params(("parent_region_id" = Option<String>, Query, description = "Filter by parent")),
    responses((status = 200, description = "The regions", body = api::RegionList)))]
pub async fn region_list(
    State(app): State<App>,
    _caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(f): Query<RegionFilter>,
) -> Result<Json<api::RegionList>, Error> {
    let regions = app.region_list(f.parent_region_id.as_deref()).await?;
    Ok(Json(api::RegionList {
        regions: regions
            .iter()
            .map(|r| region_json(r, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/regions"),
    }))
}

/// Creates a region (admin); the body may name its id.
#[utoipa::path(post, path = "/v3/regions", operation_id = "createRegion", tag = "catalog", request_body = api::RegionRequest,
    responses((status = 201, description = "Created", body = api::RegionBody), (status = 400, description = "Bad parent or id"),
              (status = 409, description = "Id taken")))]
pub async fn region_create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::RegionRequest>,
) -> Result<(StatusCode, Json<api::RegionBody>), Error> {
    let (id, changes) = region_changes(body.region);
    let region = app.region_create(&caller.0, id, changes).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::RegionBody {
            region: region_json(&region, &base),
        }),
    ))
}

/// Creates a region with the id in the path (admin).
#[utoipa::path(put, path = "/v3/regions/{region_id}", operation_id = "createRegionWithId", tag = "catalog", request_body = api::RegionRequest,
    params(("region_id" = String, Path, description = "The region")),
    responses((status = 201, description = "Created", body = api::RegionBody), (status = 400, description = "Ids disagree or bad parent"),
              (status = 409, description = "Id taken")))]
pub async fn region_put(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::RegionRequest>,
) -> Result<(StatusCode, Json<api::RegionBody>), Error> {
    let (body_id, changes) = region_changes(body.region);
    if body_id.as_ref().is_some_and(|b| *b != id) {
        return Err(Error::bad_request(
            "Invalid input for field 'id': the region id in the body differs from the one in the URL.",
        ));
    }
    let region = app.region_create(&caller.0, Some(id), changes).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::RegionBody {
            region: region_json(&region, &base),
        }),
    ))
}

/// Shows a region.
#[utoipa::path(get, path = "/v3/regions/{region_id}", operation_id = "showRegion", tag = "catalog",
    params(("region_id" = String, Path, description = "The region")),
    responses((status = 200, description = "The region", body = api::RegionBody), (status = 404, description = "Not found")))]
pub async fn region_show(
    State(app): State<App>,
    _caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::RegionBody>, Error> {
    Ok(Json(api::RegionBody {
        region: region_json(&app.region_get(&id).await?, &base),
    }))
}

/// Updates a region's description or parent (admin).
#[utoipa::path(patch, path = "/v3/regions/{region_id}", operation_id = "updateRegion", tag = "catalog", request_body = api::RegionRequest,
    params(("region_id" = String, Path, description = "The region")),
    responses((status = 200, description = "Updated", body = api::RegionBody), (status = 400, description = "Bad parent"),
              (status = 404, description = "Not found")))]
pub async fn region_update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::RegionRequest>,
) -> Result<Json<api::RegionBody>, Error> {
    let (body_id, changes) = region_changes(body.region);
    if body_id.is_some_and(|b| b != id) {
        return Err(Error::bad_request(
            "Invalid input for field 'id': a region's id cannot change.",
        ));
    }
    let region = app.region_update(&caller.0, &id, changes).await?;
    Ok(Json(api::RegionBody {
        region: region_json(&region, &base),
    }))
}

/// Deletes a region without children or endpoints (admin).
#[utoipa::path(delete, path = "/v3/regions/{region_id}", operation_id = "deleteRegion", tag = "catalog",
    params(("region_id" = String, Path, description = "The region")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found"),
              (status = 409, description = "Has child regions or endpoints")))]
pub async fn region_delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.region_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- services ----

impl From<api::ServiceFields> for ServiceChanges {
    fn from(f: api::ServiceFields) -> Self {
        Self {
            service_type: f.service_type,
            name: f.name,
            description: f.description,
            enabled: f.enabled,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ServiceFilter {
    #[serde(rename = "type")]
    service_type: Option<String>,
    name: Option<String>,
}

/// Lists services (admin).
#[utoipa::path(get, path = "/v3/services", operation_id = "listCatalogServices", tag = "catalog",
    params(("type" = Option<String>, Query, description = "Filter by type"), ("name" = Option<String>, Query, description = "Filter by name")),
    responses((status = 200, description = "The services", body = api::ServiceList), (status = 403, description = "Not an admin")))]
pub async fn service_list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(f): Query<ServiceFilter>,
) -> Result<Json<api::ServiceList>, Error> {
    let services = app
        .service_list(&caller.0, f.service_type.as_deref(), f.name.as_deref())
        .await?;
    Ok(Json(api::ServiceList {
        services: services
            .iter()
            .map(|s| service_json(s, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/services"),
    }))
}

/// Creates a service (admin).
#[utoipa::path(post, path = "/v3/services", operation_id = "createCatalogService", tag = "catalog", request_body = api::ServiceRequest,
    responses((status = 201, description = "Created", body = api::ServiceBody), (status = 400, description = "No type")))]
pub async fn service_create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::ServiceRequest>,
) -> Result<(StatusCode, Json<api::ServiceBody>), Error> {
    let service = app.service_create(&caller.0, body.service.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::ServiceBody {
            service: service_json(&service, &base),
        }),
    ))
}

/// Shows a service (admin).
#[utoipa::path(get, path = "/v3/services/{service_id}", operation_id = "showCatalogService", tag = "catalog",
    params(("service_id" = String, Path, description = "The service")),
    responses((status = 200, description = "The service", body = api::ServiceBody), (status = 404, description = "Not found")))]
pub async fn service_show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::ServiceBody>, Error> {
    Ok(Json(api::ServiceBody {
        service: service_json(&app.service_get(&caller.0, &id).await?, &base),
    }))
}

/// Updates a service (admin); a disabled service leaves the catalog.
#[utoipa::path(patch, path = "/v3/services/{service_id}", operation_id = "updateCatalogService", tag = "catalog", request_body = api::ServiceRequest,
    params(("service_id" = String, Path, description = "The service")),
    responses((status = 200, description = "Updated", body = api::ServiceBody), (status = 404, description = "Not found")))]
pub async fn service_update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::ServiceRequest>,
) -> Result<Json<api::ServiceBody>, Error> {
    let service = app
        .service_update(&caller.0, &id, body.service.into())
        .await?;
    Ok(Json(api::ServiceBody {
        service: service_json(&service, &base),
    }))
}

/// Deletes a service and its endpoints (admin).
#[utoipa::path(delete, path = "/v3/services/{service_id}", operation_id = "deleteCatalogService", tag = "catalog",
    params(("service_id" = String, Path, description = "The service")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn service_delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.service_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- endpoints ----

impl From<api::EndpointFields> for EndpointChanges {
    fn from(f: api::EndpointFields) -> Self {
        Self {
            service_id: f.service_id,
            interface: f.interface,
            url: f.url,
            region_id: f.region_id.or(f.region),
            enabled: f.enabled,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct EndpointQuery {
    interface: Option<String>,
    service_id: Option<String>,
    region_id: Option<String>,
}

/// Lists endpoints (admin).
#[utoipa::path(get, path = "/v3/endpoints", operation_id = "listEndpoints", tag = "catalog",
    params(("interface" = Option<String>, Query, description = "public, internal or admin"),
           ("service_id" = Option<String>, Query, description = "Filter by service"),
           ("region_id" = Option<String>, Query, description = "Filter by region")),
    responses((status = 200, description = "The endpoints", body = api::EndpointList), (status = 403, description = "Not an admin")))]
pub async fn endpoint_list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<EndpointQuery>,
) -> Result<Json<api::EndpointList>, Error> {
    let filter = EndpointFilter {
        interface: q.interface.as_deref(),
        service_id: q.service_id.as_deref(),
        region_id: q.region_id.as_deref(),
    };
    let endpoints = app.endpoint_list(&caller.0, filter).await?;
    Ok(Json(api::EndpointList {
        endpoints: endpoints
            .iter()
            .map(|e| endpoint_json(e, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/endpoints"),
    }))
}

/// Creates an endpoint (admin).
#[utoipa::path(post, path = "/v3/endpoints", operation_id = "createEndpoint", tag = "catalog", request_body = api::EndpointRequest,
    responses((status = 201, description = "Created", body = api::EndpointBody),
              (status = 400, description = "Bad interface or URL, unknown service or region")))]
pub async fn endpoint_create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::EndpointRequest>,
) -> Result<(StatusCode, Json<api::EndpointBody>), Error> {
    let endpoint = app.endpoint_create(&caller.0, body.endpoint.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::EndpointBody {
            endpoint: endpoint_json(&endpoint, &base),
        }),
    ))
}

/// Shows an endpoint (admin).
#[utoipa::path(get, path = "/v3/endpoints/{endpoint_id}", operation_id = "showEndpoint", tag = "catalog",
    params(("endpoint_id" = String, Path, description = "The endpoint")),
    responses((status = 200, description = "The endpoint", body = api::EndpointBody), (status = 404, description = "Not found")))]
pub async fn endpoint_show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::EndpointBody>, Error> {
    Ok(Json(api::EndpointBody {
        endpoint: endpoint_json(&app.endpoint_get(&caller.0, &id).await?, &base),
    }))
}

/// Updates an endpoint (admin).
#[utoipa::path(patch, path = "/v3/endpoints/{endpoint_id}", operation_id = "updateEndpoint", tag = "catalog", request_body = api::EndpointRequest,
    params(("endpoint_id" = String, Path, description = "The endpoint")),
    responses((status = 200, description = "Updated", body = api::EndpointBody), (status = 400, description = "Bad field"),
              (status = 404, description = "Not found")))]
pub async fn endpoint_update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::EndpointRequest>,
) -> Result<Json<api::EndpointBody>, Error> {
    let endpoint = app
        .endpoint_update(&caller.0, &id, body.endpoint.into())
        .await?;
    Ok(Json(api::EndpointBody {
        endpoint: endpoint_json(&endpoint, &base),
    }))
}

/// Deletes an endpoint (admin).
#[utoipa::path(delete, path = "/v3/endpoints/{endpoint_id}", operation_id = "deleteEndpoint", tag = "catalog",
    params(("endpoint_id" = String, Path, description = "The endpoint")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn endpoint_delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.endpoint_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
