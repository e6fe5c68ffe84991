//! `/v3/{project_id}/snapshots...` as Cinder serves them.

use super::volumes::{links, next_link, parse_filter, parse_limit, time};
use crate::app::App;
use crate::app::volumes::Changes;
use crate::datastore::volumes::Snapshot;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use std::collections::HashMap;
use stratus_api::volume as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

fn view(s: &Snapshot, base: &str) -> api::Snapshot {
    api::Snapshot {
        id: s.id.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        status: api::VolumeStatus::parse(&s.status),
        size: s.size.into(),
        volume_id: s.volume_id.clone(),
        metadata: s.metadata.0.clone(),
        created_at: time(&s.created_at),
        updated_at: time(&s.updated_at),
        project_id: s.project_id.clone(),
        progress: if s.status == "available" {
            "100%"
        } else {
            "0%"
        }
        .into(),
        links: links(base, &s.project_id, "snapshots", &s.id),
    }
}

/// Snapshots a volume.
#[utoipa::path(post, path = "/v3/{project_id}/snapshots", operation_id = "createSnapshot", tag = "snapshots",
    request_body = api::SnapshotCreateBody,
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 202, description = "Accepted; the snapshot is creating", body = api::SnapshotBody), (status = 400, description = "Volume not available"),
              (status = 404, description = "No such volume"), (status = 413, description = "Over quota")))]
pub async fn snapshot_create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Json(body): Json<api::SnapshotCreateBody>,
) -> Result<(StatusCode, Json<api::SnapshotBody>), Error> {
    let snapshot = app
        .snapshot_create(&caller.0, &project, body.snapshot)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(api::SnapshotBody {
            snapshot: view(&snapshot, &base),
        }),
    ))
}

async fn list_snapshots(
    app: &App,
    caller: &Caller,
    base: &str,
    project: &str,
    q: &HashMap<String, String>,
    path: &str,
) -> Result<Json<api::SnapshotList>, Error> {
    let limit = parse_limit(q)?;
    let (filter, all) = parse_filter(q)?;
    let (rows, more) = app
        .snapshot_list(
            &caller.0,
            project,
            all,
            filter,
            q.get("marker").map(String::as_str),
            limit,
        )
        .await?;
    let last = more.then(|| rows.last().map(|s| s.id.as_str())).flatten();
    Ok(Json(api::SnapshotList {
        snapshots: rows.iter().map(|s| view(s, base)).collect(),
        snapshots_links: next_link(base, project, path, last, limit),
    }))
}

/// Lists snapshots.
#[utoipa::path(get, path = "/v3/{project_id}/snapshots", operation_id = "listSnapshots", tag = "snapshots",
    params(("project_id" = String, Path, description = "The project"), api::ListQuery),
    responses((status = 200, description = "The snapshots", body = api::SnapshotList)))]
pub async fn snapshot_list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<api::SnapshotList>, Error> {
    list_snapshots(&app, &caller, &base, &project, &q, "snapshots").await
}

/// Lists snapshots in detail.
#[utoipa::path(get, path = "/v3/{project_id}/snapshots/detail", operation_id = "listSnapshotsDetail", tag = "snapshots",
    params(("project_id" = String, Path, description = "The project"), api::ListQuery),
    responses((status = 200, description = "The snapshots", body = api::SnapshotList)))]
pub async fn snapshot_list_detail(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<api::SnapshotList>, Error> {
    list_snapshots(&app, &caller, &base, &project, &q, "snapshots/detail").await
}

/// Shows a snapshot.
#[utoipa::path(get, path = "/v3/{project_id}/snapshots/{snapshot_id}", operation_id = "showSnapshot", tag = "snapshots",
    params(("project_id" = String, Path, description = "The project"), ("snapshot_id" = String, Path, description = "The snapshot")),
    responses((status = 200, description = "The snapshot", body = api::SnapshotBody), (status = 404, description = "Not found")))]
pub async fn snapshot_show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((project, id)): Path<(String, String)>,
) -> Result<Json<api::SnapshotBody>, Error> {
    let s = app.snapshot_get(&caller.0, &project, &id).await?;
    Ok(Json(api::SnapshotBody {
        snapshot: view(&s, &base),
    }))
}

/// Updates a snapshot's name, description or metadata.
#[utoipa::path(put, path = "/v3/{project_id}/snapshots/{snapshot_id}", operation_id = "updateSnapshot", tag = "snapshots",
    request_body = api::SnapshotUpdateBody,
    params(("project_id" = String, Path, description = "The project"), ("snapshot_id" = String, Path, description = "The snapshot")),
    responses((status = 200, description = "Updated", body = api::SnapshotBody), (status = 400, description = "Bad name, description or metadata"),
              (status = 404, description = "Not found")))]
pub async fn snapshot_update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<api::SnapshotUpdateBody>,
) -> Result<Json<api::SnapshotBody>, Error> {
    let u = body.snapshot;
    let s = app
        .snapshot_update(
            &caller.0,
            &project,
            &id,
            Changes {
                name: u.name,
                description: u.description,
                metadata: u.metadata,
            },
        )
        .await?;
    Ok(Json(api::SnapshotBody {
        snapshot: view(&s, &base),
    }))
}

/// Deletes a snapshot.
#[utoipa::path(delete, path = "/v3/{project_id}/snapshots/{snapshot_id}", operation_id = "deleteSnapshot", tag = "snapshots",
    params(("project_id" = String, Path, description = "The project"), ("snapshot_id" = String, Path, description = "The snapshot")),
    responses((status = 202, description = "Deleting"), (status = 400, description = "Busy"), (status = 404, description = "Not found")))]
pub async fn snapshot_delete(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.snapshot_delete(&caller.0, &project, &id).await?;
    Ok(StatusCode::ACCEPTED)
}
