//! `/v2.1/servers/{id}/metadata`: a server's metadata as Nova serves it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use stratus_api::compute as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use crate::app::App;
use crate::app::server_metadata::MetadataWrite;

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/metadata", operation_id = "listServerMetadata", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 200, description = "The metadata", body = api::ServerMetadata),
        (status = 404, description = "No such server the caller may see")))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::ServerMetadata>, Error> {
    let metadata = app.server_metadata(&caller.0, &id).await?;
    Ok(Json(api::ServerMetadata { metadata }))
}

#[utoipa::path(put, path = "/v2.1/servers/{server_id}/metadata", operation_id = "replaceServerMetadata", tag = "servers",
    params(("server_id" = String, Path)), request_body = api::ServerMetadata,
    responses((status = 200, description = "The metadata now", body = api::ServerMetadata),
        (status = 400, description = "A bad key or value"), (status = 403, description = "Over the metadata_items quota"),
        (status = 404, description = "No such server")))]
pub async fn replace(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::ServerMetadata>,
) -> Result<Json<api::ServerMetadata>, Error> {
    let metadata = app
        .server_metadata_write(&caller.0, &id, MetadataWrite::Replace(body.metadata))
        .await?;
    Ok(Json(api::ServerMetadata { metadata }))
}

#[utoipa::path(post, path = "/v2.1/servers/{server_id}/metadata", operation_id = "updateServerMetadata", tag = "servers",
    params(("server_id" = String, Path)), request_body = api::ServerMetadata,
    responses((status = 200, description = "The metadata now", body = api::ServerMetadata),
        (status = 400, description = "A bad key or value"), (status = 403, description = "Over the metadata_items quota"),
        (status = 404, description = "No such server")))]
pub async fn merge(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::ServerMetadata>,
) -> Result<Json<api::ServerMetadata>, Error> {
    let metadata = app
        .server_metadata_write(&caller.0, &id, MetadataWrite::Merge(body.metadata))
        .await?;
    Ok(Json(api::ServerMetadata { metadata }))
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/metadata/{key}", operation_id = "showServerMetadataItem", tag = "servers",
    params(("server_id" = String, Path), ("key" = String, Path)),
    responses((status = 200, description = "The item", body = api::ServerMetaItem),
        (status = 404, description = "No such server or item")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path((id, key)): Path<(String, String)>,
) -> Result<Json<api::ServerMetaItem>, Error> {
    let metadata = app.server_metadata(&caller.0, &id).await?;
    let value = metadata
        .get(&key)
        .ok_or_else(|| Error::not_found(format!("Metadata item was not found: {key}")))?;
    Ok(Json(api::ServerMetaItem {
        meta: BTreeMap::from([(key, value.clone())]),
    }))
}

#[utoipa::path(put, path = "/v2.1/servers/{server_id}/metadata/{key}", operation_id = "setServerMetadataItem", tag = "servers",
    params(("server_id" = String, Path), ("key" = String, Path)), request_body = api::ServerMetaItem,
    responses((status = 200, description = "The item", body = api::ServerMetaItem),
        (status = 400, description = "Not one item, or not the key of the URL"),
        (status = 403, description = "Over the metadata_items quota"), (status = 404, description = "No such server")))]
pub async fn set(
    State(app): State<App>,
    caller: Caller,
    Path((id, key)): Path<(String, String)>,
    Json(body): Json<api::ServerMetaItem>,
) -> Result<Json<api::ServerMetaItem>, Error> {
    let mut items = body.meta.into_iter();
    let (k, v) = match (items.next(), items.next()) {
        (Some(one), None) => one,
        _ => return Err(Error::bad_request("Request body contains too many items")),
    };
    if k != key {
        return Err(Error::bad_request("Request body and URI mismatch"));
    }
    app.server_metadata_write(
        &caller.0,
        &id,
        MetadataWrite::Merge(BTreeMap::from([(k.clone(), v.clone())])),
    )
    .await?;
    Ok(Json(api::ServerMetaItem {
        meta: BTreeMap::from([(k, v)]),
    }))
}

#[utoipa::path(delete, path = "/v2.1/servers/{server_id}/metadata/{key}", operation_id = "deleteServerMetadataItem", tag = "servers",
    params(("server_id" = String, Path), ("key" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such server or item")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path((id, key)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.server_metadata_write(&caller.0, &id, MetadataWrite::Delete(key))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
