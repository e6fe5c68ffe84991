//! `/v3/{project_id}/...` as Cinder serves it at microversion 3.0: volumes
//! (summary and detail lists, metadata, actions), snapshots, the default
//! volume type, quotas and limits.

use crate::app::App;
use crate::app::attachments::AttachRequest;
use crate::app::volumes::{
    Changes, DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME, NewSnapshot, NewVolume, UploadImage,
};
use crate::datastore::volumes::{Attachment, ListFilter, Snapshot, Volume};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use stratus_common::{Error, ErrorKind};
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

const DEFAULT_LIMIT: i64 = 1000;

fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

fn links(base: &str, project: &str, kind: &str, id: &str) -> Value {
    json!([
        {"href": format!("{base}/v3/{project}/{kind}/{id}"), "rel": "self"},
        {"href": format!("{base}/{project}/{kind}/{id}"), "rel": "bookmark"},
    ])
}

fn attachment_json(a: &Attachment) -> Value {
    json!({"id": a.volume_id, "attachment_id": a.id, "volume_id": a.volume_id, "server_id": a.instance_uuid,
           "host_name": a.host_name, "device": a.mountpoint, "attached_at": time(&a.attached_at)})
}

/// The volumes with their attachments, in one query.
async fn volumes_json(app: &App, volumes: &[Volume], base: &str) -> Result<Vec<Value>, Error> {
    let ids: Vec<String> = volumes.iter().map(|v| v.id.clone()).collect();
    let attachments = crate::datastore::volumes::attachments_of(&app.pool, &ids)
        .await
        .map_err(|e| Error::internal(&e))?;
    Ok(volumes
        .iter()
        .map(|v| {
            let mut j = volume_json(v, base);
            j["attachments"] = json!(
                attachments
                    .iter()
                    .filter(|a| a.volume_id == v.id)
                    .map(attachment_json)
                    .collect::<Vec<_>>()
            );
            j
        })
        .collect())
}

async fn one_volume_json(app: &App, v: &Volume, base: &str) -> Result<Value, Error> {
    Ok(volumes_json(app, std::slice::from_ref(v), base)
        .await?
        .remove(0))
}

fn volume_json(v: &Volume, base: &str) -> Value {
    let mut j = json!({
        "id": v.id, "name": v.name, "description": v.description, "status": v.status, "size": v.size,
        "availability_zone": v.availability_zone, "bootable": if v.bootable { "true" } else { "false" },
        "encrypted": false, "multiattach": false, "attachments": [], "volume_type": DEFAULT_TYPE_NAME,
        "snapshot_id": v.snapshot_id, "source_volid": v.source_volid, "metadata": v.metadata.0,
        "user_id": v.user_id, "os-vol-tenant-attr:tenant_id": v.project_id,
        "os-vol-host-attr:host": v.host, "created_at": time(&v.created_at), "updated_at": time(&v.updated_at),
        "replication_status": null, "consistencygroup_id": null, "migration_status": null,
        "links": links(base, &v.project_id, "volumes", &v.id),
    });
    if let Some(m) = &v.image_metadata {
        j["volume_image_metadata"] = json!(m.0);
    }
    j
}

fn snapshot_json(s: &Snapshot, base: &str) -> Value {
    json!({
        "id": s.id, "name": s.name, "description": s.description, "status": s.status, "size": s.size,
        "volume_id": s.volume_id, "metadata": s.metadata.0, "created_at": time(&s.created_at),
        "updated_at": time(&s.updated_at), "os-extended-snapshot-attributes:project_id": s.project_id,
        "os-extended-snapshot-attributes:progress": if s.status == "available" { "100%" } else { "0%" },
        "links": links(base, &s.project_id, "snapshots", &s.id),
    })
}

/// Cinder's microversion header: 3.0 is the only version; `latest` means
/// it; anything above is a 406. Every response says which one it speaks.
pub async fn microversion(req: Request, next: Next) -> Response {
    let asked = req
        .headers()
        .get("openstack-api-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("volume"))
        .map(|v| v.trim().to_owned());
    if let Some(v) = asked
        && v != "latest"
        && v != "3.0"
    {
        let ok = v.parse::<f64>().is_ok_and(|n| (3.0..=3.0).contains(&n));
        if !ok {
            let error = Error::new(
                ErrorKind::BadRequest,
                format!(
                    "Version {v} is not supported by the API. Minimum is 3.0 and maximum is 3.0."
                ),
            );
            let mut response = error.into_response();
            *response.status_mut() = StatusCode::NOT_ACCEPTABLE;
            return with_version(response);
        }
    }
    with_version(next.run(req).await)
}

fn with_version(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        "openstack-api-version",
        HeaderValue::from_static("volume 3.0"),
    );
    headers.insert("vary", HeaderValue::from_static("OpenStack-API-Version"));
    response
}

fn parse_limit(q: &HashMap<String, String>) -> Result<i64, Error> {
    match q.get("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| n.min(DEFAULT_LIMIT))
            .ok_or_else(|| Error::bad_request(format!("Invalid input for field 'limit': {v:?}"))),
    }
}

fn parse_filter(q: &HashMap<String, String>) -> Result<(ListFilter, bool), Error> {
    for key in ["sort", "sort_key", "sort_dir"] {
        if let Some(v) = q.get(key)
            && !matches!(v.as_str(), "created_at" | "desc" | "created_at:desc")
        {
            return Err(Error::bad_request(format!(
                "Invalid input for field '{key}': only created_at, descending, is supported"
            )));
        }
    }
    let metadata = match q.get("metadata") {
        None => BTreeMap::new(),
        Some(m) => serde_json::from_str(m)
            .or_else(|_| serde_json::from_str(&m.replace('\'', "\"")))
            .map_err(|_| {
                Error::bad_request(format!(
                    "Invalid input for field 'metadata': {m:?} is not a JSON object of strings"
                ))
            })?,
    };
    let all_tenants = q
        .get("all_tenants")
        .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "True" | ""));
    Ok((
        ListFilter {
            project_id: if all_tenants {
                q.get("project_id").cloned()
            } else {
                None
            },
            name: q.get("name").cloned(),
            status: q.get("status").cloned(),
            volume_id: q.get("volume_id").cloned(),
            metadata,
        },
        all_tenants,
    ))
}

fn next_link(base: &str, project: &str, path: &str, last: Option<&str>, limit: i64) -> Value {
    match last {
        Some(id) => {
            json!([{"rel": "next", "href": format!("{base}/v3/{project}/{path}?limit={limit}&marker={id}")}])
        }
        None => json!([]),
    }
}

#[derive(Deserialize)]
pub struct VolumeBody {
    volume: NewVolume,
}

/// Creates a volume (empty, or from an image, a snapshot or a volume).
#[utoipa::path(post, path = "/v3/{project_id}/volumes", operation_id = "createVolume", tag = "volumes", request_body = Object,
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 202, description = "Accepted; the volume is creating", body = Object),
              (status = 400, description = "Bad size or source"), (status = 404, description = "Unknown type or snapshot"),
              (status = 413, description = "Over quota")))]
pub async fn volume_create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Json(body): Json<VolumeBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let v = app.volume_create(&caller.0, &project, body.volume).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"volume": volume_json(&v, &base)})),
    ))
}

async fn list_volumes(
    app: &App,
    caller: &Caller,
    base: &str,
    project: &str,
    q: &HashMap<String, String>,
    detail: bool,
) -> Result<Json<Value>, Error> {
    let limit = parse_limit(q)?;
    let (filter, all) = parse_filter(q)?;
    let (rows, more) = app
        .volume_list(
            &caller.0,
            project,
            all,
            filter,
            q.get("marker").map(String::as_str),
            limit,
        )
        .await?;
    let items: Vec<Value> = if detail {
        volumes_json(app, &rows, base).await?
    } else {
        rows.iter()
            .map(|v| json!({"id": v.id, "name": v.name, "links": links(base, &v.project_id, "volumes", &v.id)}))
            .collect()
    };
    let path = if detail { "volumes/detail" } else { "volumes" };
    let last = more.then(|| rows.last().map(|v| v.id.as_str())).flatten();
    Ok(Json(
        json!({"volumes": items, "volumes_links": next_link(base, project, path, last, limit)}),
    ))
}

/// Lists volumes (id, name, links).
#[utoipa::path(get, path = "/v3/{project_id}/volumes", operation_id = "listVolumes", tag = "volumes",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The volumes", body = Object)))]
pub async fn volume_list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    list_volumes(&app, &caller, &base, &project, &q, false).await
}

/// Lists volumes in detail.
#[utoipa::path(get, path = "/v3/{project_id}/volumes/detail", operation_id = "listVolumesDetail", tag = "volumes",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The volumes", body = Object)))]
pub async fn volume_list_detail(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    list_volumes(&app, &caller, &base, &project, &q, true).await
}

/// Shows a volume.
#[utoipa::path(get, path = "/v3/{project_id}/volumes/{volume_id}", operation_id = "showVolume", tag = "volumes",
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "The volume", body = Object), (status = 404, description = "Not found")))]
pub async fn volume_show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((project, id)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let v = app.volume_get(&caller.0, &project, &id).await?;
    Ok(Json(
        json!({"volume": one_volume_json(&app, &v, &base).await?}),
    ))
}

#[derive(Deserialize)]
pub struct VolumeUpdateBody {
    volume: VolumeUpdate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VolumeUpdate {
    name: Option<String>,
    description: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    display_name: Option<String>,
    display_description: Option<String>,
}

/// Updates a volume's name, description or metadata.
#[utoipa::path(put, path = "/v3/{project_id}/volumes/{volume_id}", operation_id = "updateVolume", tag = "volumes", request_body = Object,
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "Updated", body = Object), (status = 404, description = "Not found")))]
pub async fn volume_update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<VolumeUpdateBody>,
) -> Result<Json<Value>, Error> {
    let u = body.volume;
    let v = app
        .volume_update(
            &caller.0,
            &project,
            &id,
            Changes {
                name: u.name.or(u.display_name),
                description: u.description.or(u.display_description),
                metadata: u.metadata,
            },
        )
        .await?;
    Ok(Json(
        json!({"volume": one_volume_json(&app, &v, &base).await?}),
    ))
}

/// Deletes a volume (available or in error, without snapshots).
#[utoipa::path(delete, path = "/v3/{project_id}/volumes/{volume_id}", operation_id = "deleteVolume", tag = "volumes",
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 202, description = "Deleting"), (status = 400, description = "In use, busy or has snapshots"),
              (status = 404, description = "Not found")))]
pub async fn volume_delete(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.volume_delete(&caller.0, &project, &id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Volume actions: `os-extend`, `os-set_bootable`, `os-reset_status`, and
/// the attach flow Nova uses (`os-reserve`, `os-unreserve`,
/// `os-initialize_connection`, `os-attach`, `os-begin_detaching`,
/// `os-roll_detaching`, `os-detach`, `os-terminate_connection`).
#[utoipa::path(post, path = "/v3/{project_id}/volumes/{volume_id}/action", operation_id = "volumeAction", tag = "volumes", request_body = Object,
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 202, description = "Accepted"), (status = 200, description = "Done (os-initialize_connection: the connection info)", body = Object),
              (status = 400, description = "Bad action, or the volume's status does not allow it"), (status = 413, description = "Over quota")))]
pub async fn volume_action(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response, Error> {
    let (name, args) = match body.iter().next() {
        Some((k, v)) if body.len() == 1 => (k.as_str(), v),
        _ => return Err(Error::bad_request("The body must name exactly one action.")),
    };
    let field = |key: &str| {
        args.get(key).ok_or_else(|| {
            Error::bad_request(format!("Invalid input for field '{key}': it is required."))
        })
    };
    let text = |key: &str| -> Result<Option<String>, Error> {
        match args.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(Error::bad_request(format!(
                "Invalid input for field '{key}': {other} is not a string."
            ))),
        }
    };
    let (caller, project, id) = (&caller.0, project.as_str(), id.as_str());
    let accepted = StatusCode::ACCEPTED.into_response();
    match name {
        "os-extend" => {
            let size = field("new_size")?;
            let n = size
                .as_i64()
                .or_else(|| size.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| {
                    Error::bad_request(format!(
                        "Invalid input for field 'new_size': {size} is not an integer."
                    ))
                })?;
            app.volume_extend(caller, project, id, n).await?;
            Ok(accepted)
        }
        "os-set_bootable" => {
            let b = field("bootable")?;
            let b = b
                .as_bool()
                .or_else(|| b.as_str().and_then(|s| s.to_lowercase().parse().ok()))
                .ok_or_else(|| {
                    Error::bad_request(format!(
                        "Invalid input for field 'bootable': {b} is not a boolean."
                    ))
                })?;
            app.volume_set_bootable(caller, project, id, b).await?;
            Ok(StatusCode::OK.into_response())
        }
        "os-reset_status" => {
            let s = text("status")?.ok_or_else(|| {
                Error::bad_request("Invalid input for field 'status': it is required.")
            })?;
            app.volume_reset_status(caller, project, id, &s).await?;
            Ok(accepted)
        }
        "os-reserve" => app
            .volume_reserve(caller, project, id)
            .await
            .map(|()| accepted),
        "os-unreserve" => app
            .volume_unreserve(caller, project, id)
            .await
            .map(|()| accepted),
        "os-begin_detaching" => app
            .volume_begin_detaching(caller, project, id)
            .await
            .map(|()| accepted),
        "os-roll_detaching" => app
            .volume_roll_detaching(caller, project, id)
            .await
            .map(|()| accepted),
        "os-initialize_connection" => {
            field("connector")?;
            let (export, host) = app
                .volume_initialize_connection(caller, project, id)
                .await?;
            Ok(Json(json!({"connection_info": {
                "driver_volume_type": export.driver_volume_type,
                "data": {"path": export.path, "format": export.format, "volume_id": id,
                         "storage_host": host, "access_mode": "rw"},
            }}))
            .into_response())
        }
        "os-terminate_connection" => {
            app.volume_get(caller, project, id).await?;
            Ok(accepted)
        }
        "os-attach" => {
            let req = AttachRequest {
                instance_uuid: text("instance_uuid")?,
                host_name: text("host_name")?,
                mountpoint: text("mountpoint")?,
                mode: text("mode")?,
            };
            app.volume_attach(caller, project, id, req).await?;
            Ok(accepted)
        }
        "os-detach" => {
            let attachment = text("attachment_id")?;
            app.volume_detach(caller, project, id, attachment.as_deref())
                .await?;
            Ok(accepted)
        }
        "os-volume_upload_image" => {
            let req: UploadImage = serde_json::from_value(args.clone()).map_err(|e| {
                Error::bad_request(format!("Invalid input for os-volume_upload_image: {e}"))
            })?;
            let (v, image) = app.volume_upload_image(caller, project, id, req).await?;
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({"os-volume_upload_image": {
                    "id": v.id, "status": v.status, "size": v.size, "updated_at": time(&v.updated_at),
                    "display_description": v.description, "volume_type": {"name": DEFAULT_TYPE_NAME, "id": DEFAULT_TYPE_ID},
                    "image_id": image.id, "image_name": image.name, "disk_format": image.disk_format,
                    "container_format": image.container_format, "visibility": image.visibility,
                    "protected": image.protected,
                }})),
            )
                .into_response())
        }
        other => Err(Error::bad_request(format!(
            "There is no such action: {other}"
        ))),
    }
}

#[derive(Deserialize)]
pub struct MetadataBody {
    metadata: BTreeMap<String, String>,
}

/// Shows a volume's metadata.
#[utoipa::path(get, path = "/v3/{project_id}/volumes/{volume_id}/metadata", operation_id = "showVolumeMetadata", tag = "volumes",
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "The metadata", body = Object)))]
pub async fn metadata_show(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let v = app.volume_get(&caller.0, &project, &id).await?;
    Ok(Json(json!({"metadata": v.metadata.0})))
}

/// Adds to (POST) or replaces (PUT) a volume's metadata.
#[utoipa::path(post, path = "/v3/{project_id}/volumes/{volume_id}/metadata", operation_id = "mergeVolumeMetadata", tag = "volumes", request_body = Object,
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "The metadata", body = Object)))]
pub async fn metadata_merge(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<MetadataBody>,
) -> Result<Json<Value>, Error> {
    let m = app
        .volume_metadata(&caller.0, &project, &id, body.metadata, false)
        .await?;
    Ok(Json(json!({"metadata": m.0})))
}

/// Replaces a volume's metadata.
#[utoipa::path(put, path = "/v3/{project_id}/volumes/{volume_id}/metadata", operation_id = "replaceVolumeMetadata", tag = "volumes", request_body = Object,
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "The metadata", body = Object)))]
pub async fn metadata_replace(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<MetadataBody>,
) -> Result<Json<Value>, Error> {
    let m = app
        .volume_metadata(&caller.0, &project, &id, body.metadata, true)
        .await?;
    Ok(Json(json!({"metadata": m.0})))
}

/// Removes one metadata key.
#[utoipa::path(delete, path = "/v3/{project_id}/volumes/{volume_id}/metadata/{key}", operation_id = "deleteVolumeMetadata", tag = "volumes",
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume"),
           ("key" = String, Path, description = "The key")),
    responses((status = 200, description = "Removed"), (status = 404, description = "No such key")))]
pub async fn metadata_delete(
    State(app): State<App>,
    caller: Caller,
    Path((project, id, key)): Path<(String, String, String)>,
) -> Result<StatusCode, Error> {
    app.volume_metadata_delete(&caller.0, &project, &id, &key)
        .await?;
    Ok(StatusCode::OK)
}

// ---- snapshots ----

#[derive(Deserialize)]
pub struct SnapshotBody {
    snapshot: NewSnapshot,
}

/// Snapshots a volume.
#[utoipa::path(post, path = "/v3/{project_id}/snapshots", operation_id = "createSnapshot", tag = "snapshots", request_body = Object,
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 202, description = "Accepted; the snapshot is creating", body = Object), (status = 400, description = "Volume not available"),
              (status = 404, description = "No such volume"), (status = 413, description = "Over quota")))]
pub async fn snapshot_create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Json(body): Json<SnapshotBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let snapshot = app
        .snapshot_create(&caller.0, &project, body.snapshot)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"snapshot": snapshot_json(&snapshot, &base)})),
    ))
}

async fn list_snapshots(
    app: &App,
    caller: &Caller,
    base: &str,
    project: &str,
    q: &HashMap<String, String>,
    path: &str,
) -> Result<Json<Value>, Error> {
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
    Ok(Json(json!({
        "snapshots": rows.iter().map(|s| snapshot_json(s, base)).collect::<Vec<_>>(),
        "snapshots_links": next_link(base, project, path, last, limit),
    })))
}

/// Lists snapshots.
#[utoipa::path(get, path = "/v3/{project_id}/snapshots", operation_id = "listSnapshots", tag = "snapshots",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The snapshots", body = Object)))]
pub async fn snapshot_list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    list_snapshots(&app, &caller, &base, &project, &q, "snapshots").await
}

/// Lists snapshots in detail.
#[utoipa::path(get, path = "/v3/{project_id}/snapshots/detail", operation_id = "listSnapshotsDetail", tag = "snapshots",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The snapshots", body = Object)))]
pub async fn snapshot_list_detail(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    list_snapshots(&app, &caller, &base, &project, &q, "snapshots/detail").await
}

/// Shows a snapshot.
#[utoipa::path(get, path = "/v3/{project_id}/snapshots/{snapshot_id}", operation_id = "showSnapshot", tag = "snapshots",
    params(("project_id" = String, Path, description = "The project"), ("snapshot_id" = String, Path, description = "The snapshot")),
    responses((status = 200, description = "The snapshot", body = Object), (status = 404, description = "Not found")))]
pub async fn snapshot_show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((project, id)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let s = app.snapshot_get(&caller.0, &project, &id).await?;
    Ok(Json(json!({"snapshot": snapshot_json(&s, &base)})))
}

#[derive(Deserialize)]
pub struct SnapshotUpdateBody {
    snapshot: SnapshotUpdate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotUpdate {
    name: Option<String>,
    description: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

/// Updates a snapshot's name, description or metadata.
#[utoipa::path(put, path = "/v3/{project_id}/snapshots/{snapshot_id}", operation_id = "updateSnapshot", tag = "snapshots", request_body = Object,
    params(("project_id" = String, Path, description = "The project"), ("snapshot_id" = String, Path, description = "The snapshot")),
    responses((status = 200, description = "Updated", body = Object), (status = 404, description = "Not found")))]
pub async fn snapshot_update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<SnapshotUpdateBody>,
) -> Result<Json<Value>, Error> {
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
    Ok(Json(json!({"snapshot": snapshot_json(&s, &base)})))
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

// ---- types, quotas, limits ----

fn default_type() -> Value {
    json!({"id": DEFAULT_TYPE_ID, "name": DEFAULT_TYPE_NAME, "description": "Default Volume Type",
           "is_public": true, "os-volume-type-access:is_public": true, "extra_specs": {}, "qos_specs_id": null})
}

/// Lists volume types (the default one).
#[utoipa::path(get, path = "/v3/{project_id}/types", operation_id = "listVolumeTypes", tag = "types",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The types", body = Object)))]
pub async fn type_list(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<Value>, Error> {
    app.project_scope(&caller.0, &project)?;
    Ok(Json(json!({"volume_types": [default_type()]})))
}

/// Shows a volume type (`default` names the default one).
#[utoipa::path(get, path = "/v3/{project_id}/types/{type_id}", operation_id = "showVolumeType", tag = "types",
    params(("project_id" = String, Path, description = "The project"), ("type_id" = String, Path, description = "The type, or default")),
    responses((status = 200, description = "The type", body = Object), (status = 404, description = "Not found")))]
pub async fn type_show(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    app.project_scope(&caller.0, &project)?;
    if ["default", DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME].contains(&id.as_str()) {
        Ok(Json(json!({"volume_type": default_type()})))
    } else {
        Err(Error::not_found(format!(
            "Volume type {id} could not be found."
        )))
    }
}

async fn quota_set_json(app: &App, target: &str, usage: bool) -> Result<Value, Error> {
    let mut set = json!({"id": target, "backups": 0, "backup_gigabytes": 0, "groups": 0, "per_volume_gigabytes": -1});
    for (resource, limit, used) in app.quota_view(target).await? {
        set[resource] = if usage {
            json!({"limit": limit, "in_use": used, "reserved": 0, "allocated": 0})
        } else {
            json!(limit)
        };
    }
    Ok(set)
}

/// Shows a project's quotas (its own, or any for admins); `?usage=true`
/// adds what is in use.
#[utoipa::path(get, path = "/v3/{project_id}/os-quota-sets/{target}", operation_id = "showVolumeQuotas", tag = "quotas",
    params(("project_id" = String, Path, description = "The project"), ("target" = String, Path, description = "The project whose quotas")),
    responses((status = 200, description = "The quota set", body = Object), (status = 403, description = "Another project")))]
pub async fn quota_show(
    State(app): State<App>,
    caller: Caller,
    Path((project, target)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    app.project_scope(&caller.0, &project)?;
    if !caller.0.is_admin() && target != project {
        return Err(Error::forbidden(
            "Only administrators may see other projects' quotas.",
        ));
    }
    let usage = q
        .get("usage")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok(Json(
        json!({"quota_set": quota_set_json(&app, &target, usage).await?}),
    ))
}

#[derive(Deserialize)]
pub struct QuotaBody {
    quota_set: BTreeMap<String, Value>,
}

/// Sets a project's quotas (admin).
#[utoipa::path(put, path = "/v3/{project_id}/os-quota-sets/{target}", operation_id = "updateVolumeQuotas", tag = "quotas", request_body = Object,
    params(("project_id" = String, Path, description = "The project"), ("target" = String, Path, description = "The project whose quotas")),
    responses((status = 200, description = "The quota set", body = Object), (status = 400, description = "Bad key or value"),
              (status = 403, description = "Not an admin")))]
pub async fn quota_update(
    State(app): State<App>,
    caller: Caller,
    Path((project, target)): Path<(String, String)>,
    Json(body): Json<QuotaBody>,
) -> Result<Json<Value>, Error> {
    app.project_scope(&caller.0, &project)?;
    let mut limits = BTreeMap::new();
    for (k, v) in body.quota_set {
        if k == "tenant_id" || k == "id" {
            continue;
        }
        let n = v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| {
                Error::bad_request(format!(
                    "Invalid input for field '{k}': {v} is not an integer."
                ))
            })?;
        limits.insert(k, n);
    }
    app.quota_update(&caller.0, &target, &limits).await?;
    Ok(Json(
        json!({"quota_set": quota_set_json(&app, &target, false).await?}),
    ))
}

/// The caller's project's absolute limits and usage.
#[utoipa::path(get, path = "/v3/{project_id}/limits", operation_id = "showVolumeLimits", tag = "quotas",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The limits", body = Object)))]
pub async fn limits(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<Value>, Error> {
    app.project_scope(&caller.0, &project)?;
    let view = app.quota_view(&project).await?;
    let get = |r: &str| {
        view.iter()
            .find(|(k, _, _)| *k == r)
            .map_or((0, 0), |(_, l, u)| (*l, *u))
    };
    let (vl, vu) = get("volumes");
    let (gl, gu) = get("gigabytes");
    let (sl, su) = get("snapshots");
    Ok(Json(json!({"limits": {"rate": [], "absolute": {
        "maxTotalVolumes": vl, "totalVolumesUsed": vu,
        "maxTotalVolumeGigabytes": gl, "totalGigabytesUsed": gu,
        "maxTotalSnapshots": sl, "totalSnapshotsUsed": su,
        "maxTotalBackups": 0, "totalBackupsUsed": 0, "maxTotalBackupGigabytes": 0, "totalBackupGigabytesUsed": 0,
    }}})))
}
