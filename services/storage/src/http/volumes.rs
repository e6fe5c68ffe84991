//! `/v3/{project_id}/volumes...` as Cinder serves it at microversion 3.0:
//! volumes (summary and detail lists, metadata, actions). Snapshots are in
//! [`super::snapshots`], types, quotas and limits in
//! [`super::volume_quotas`].

use crate::app::App;
use crate::app::attachments::AttachRequest;
use crate::app::volumes::{Changes, DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME};
use crate::datastore::volumes::{Attachment, ListFilter, Volume};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use stratus_api::volume as api;
use stratus_common::{Error, ErrorKind};
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

const DEFAULT_LIMIT: i64 = 1000;

pub(super) fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

pub(super) fn links(base: &str, project: &str, kind: &str, id: &str) -> Vec<api::Link> {
    vec![
        api::Link {
            href: format!("{base}/v3/{project}/{kind}/{id}"),
            rel: "self".into(),
        },
        api::Link {
            href: format!("{base}/{project}/{kind}/{id}"),
            rel: "bookmark".into(),
        },
    ]
}

fn attachment_view(a: &Attachment) -> api::VolumeAttachment {
    api::VolumeAttachment {
        id: a.volume_id.clone(),
        attachment_id: a.id.clone(),
        volume_id: a.volume_id.clone(),
        server_id: a.instance_uuid.clone(),
        host_name: a.host_name.clone(),
        device: a.mountpoint.clone(),
        attached_at: time(&a.attached_at),
    }
}

/// The volumes with their attachments, in one query.
async fn views(app: &App, volumes: &[Volume], base: &str) -> Result<Vec<api::Volume>, Error> {
    let ids: Vec<String> = volumes.iter().map(|v| v.id.clone()).collect();
    let attachments = app.attachments_of(&ids).await?;
    Ok(volumes
        .iter()
        .map(|v| {
            let mut view = view(v, base);
            view.attachments = attachments
                .iter()
                .filter(|a| a.volume_id == v.id)
                .map(attachment_view)
                .collect();
            view
        })
        .collect())
}

async fn one(app: &App, v: &Volume, base: &str) -> Result<api::Volume, Error> {
    Ok(views(app, std::slice::from_ref(v), base).await?.remove(0))
}

fn view(v: &Volume, base: &str) -> api::Volume {
    api::Volume {
        id: v.id.clone(),
        name: v.name.clone(),
        description: v.description.clone(),
        status: api::VolumeStatus::parse(&v.status),
        size: v.size.into(),
        availability_zone: v.availability_zone.clone(),
        bootable: if v.bootable { "true" } else { "false" }.into(),
        encrypted: false,
        multiattach: false,
        attachments: Vec::new(),
        volume_type: DEFAULT_TYPE_NAME.into(),
        snapshot_id: v.snapshot_id.clone(),
        source_volid: v.source_volid.clone(),
        metadata: v.metadata.0.clone(),
        user_id: v.user_id.clone(),
        tenant_id: v.project_id.clone(),
        host: v.host.clone(),
        created_at: time(&v.created_at),
        updated_at: time(&v.updated_at),
        replication_status: None,
        consistencygroup_id: None,
        migration_status: None,
        links: links(base, &v.project_id, "volumes", &v.id),
        volume_image_metadata: v.image_metadata.as_ref().map(|m| m.0.clone()),
    }
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

pub(super) fn parse_limit(q: &HashMap<String, String>) -> Result<i64, Error> {
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

pub(super) fn parse_filter(q: &HashMap<String, String>) -> Result<(ListFilter, bool), Error> {
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

pub(super) fn next_link(
    base: &str,
    project: &str,
    path: &str,
    last: Option<&str>,
    limit: i64,
) -> Vec<api::Link> {
    match last {
        Some(id) => vec![api::Link {
            rel: "next".into(),
            href: format!("{base}/v3/{project}/{path}?limit={limit}&marker={id}"),
        }],
        None => Vec::new(),
    }
}

/// Creates a volume (empty, or from an image, a snapshot or a volume).
#[utoipa::path(post, path = "/v3/{project_id}/volumes", operation_id = "createVolume", tag = "volumes",
    request_body = api::VolumeCreateBody,
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 202, description = "Accepted; the volume is creating", body = api::VolumeBody),
              (status = 400, description = "Bad size or source"), (status = 404, description = "Unknown type or snapshot"),
              (status = 413, description = "Over quota")))]
pub async fn volume_create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Json(body): Json<api::VolumeCreateBody>,
) -> Result<(StatusCode, Json<api::VolumeBody>), Error> {
    let v = app.volume_create(&caller.0, &project, body.volume).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(api::VolumeBody {
            volume: view(&v, &base),
        }),
    ))
}

/// One page of volumes, the last one's id if there are more, and the page size.
async fn page(
    app: &App,
    caller: &Caller,
    project: &str,
    q: &HashMap<String, String>,
) -> Result<(Vec<Volume>, Option<String>, i64), Error> {
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
    let last = more.then(|| rows.last().map(|v| v.id.clone())).flatten();
    Ok((rows, last, limit))
}

/// Lists volumes (id, name, links).
#[utoipa::path(get, path = "/v3/{project_id}/volumes", operation_id = "listVolumes", tag = "volumes",
    params(("project_id" = String, Path, description = "The project"), api::ListQuery),
    responses((status = 200, description = "The volumes", body = api::VolumeSummaryList)))]
pub async fn volume_list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<api::VolumeSummaryList>, Error> {
    let (rows, last, limit) = page(&app, &caller, &project, &q).await?;
    Ok(Json(api::VolumeSummaryList {
        volumes: rows
            .iter()
            .map(|v| api::VolumeSummary {
                id: v.id.clone(),
                name: v.name.clone(),
                links: links(&base, &v.project_id, "volumes", &v.id),
            })
            .collect(),
        volumes_links: next_link(&base, &project, "volumes", last.as_deref(), limit),
    }))
}

/// Lists volumes in detail.
#[utoipa::path(get, path = "/v3/{project_id}/volumes/detail", operation_id = "listVolumesDetail", tag = "volumes",
    params(("project_id" = String, Path, description = "The project"), api::ListQuery),
    responses((status = 200, description = "The volumes", body = api::VolumeList)))]
pub async fn volume_list_detail(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<api::VolumeList>, Error> {
    let (rows, last, limit) = page(&app, &caller, &project, &q).await?;
    Ok(Json(api::VolumeList {
        volumes: views(&app, &rows, &base).await?,
        volumes_links: next_link(&base, &project, "volumes/detail", last.as_deref(), limit),
    }))
}

/// Shows a volume.
#[utoipa::path(get, path = "/v3/{project_id}/volumes/{volume_id}", operation_id = "showVolume", tag = "volumes",
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "The volume", body = api::VolumeBody), (status = 404, description = "Not found")))]
pub async fn volume_show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((project, id)): Path<(String, String)>,
) -> Result<Json<api::VolumeBody>, Error> {
    let v = app.volume_get(&caller.0, &project, &id).await?;
    Ok(Json(api::VolumeBody {
        volume: one(&app, &v, &base).await?,
    }))
}

/// Updates a volume's name, description or metadata.
#[utoipa::path(put, path = "/v3/{project_id}/volumes/{volume_id}", operation_id = "updateVolume", tag = "volumes",
    request_body = api::VolumeUpdateBody,
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "Updated", body = api::VolumeBody), (status = 400, description = "Bad name, description or metadata"),
              (status = 404, description = "Not found")))]
pub async fn volume_update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<api::VolumeUpdateBody>,
) -> Result<Json<api::VolumeBody>, Error> {
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
    Ok(Json(api::VolumeBody {
        volume: one(&app, &v, &base).await?,
    }))
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

/// Volume actions: `os-extend`, `os-set_bootable`, `os-reset_status`,
/// `os-volume_upload_image`, and the attach flow Nova uses (`os-reserve`,
/// `os-unreserve`, `os-initialize_connection`, `os-attach`,
/// `os-begin_detaching`, `os-roll_detaching`, `os-detach`,
/// `os-terminate_connection`).
#[utoipa::path(post, path = "/v3/{project_id}/volumes/{volume_id}/action", operation_id = "volumeAction", tag = "volumes",
    request_body = api::VolumeAction,
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 202, description = "Accepted (os-volume_upload_image: the image made)", body = api::UploadedImageBody),
              (status = 200, description = "Done (os-initialize_connection: the connection info)", body = api::ConnectionInfoBody),
              (status = 400, description = "Bad action, or the volume's status does not allow it"),
              (status = 404, description = "Not found"), (status = 413, description = "Over quota")))]
pub async fn volume_action(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
    Json(action): Json<api::VolumeAction>,
) -> Result<Response, Error> {
    use api::VolumeAction as A;
    let (caller, project, id) = (&caller.0, project.as_str(), id.as_str());
    let accepted = StatusCode::ACCEPTED.into_response();
    match action {
        A::Extend(e) => {
            app.volume_extend(caller, project, id, e.new_size).await?;
            Ok(accepted)
        }
        A::SetBootable(b) => {
            app.volume_set_bootable(caller, project, id, b.bootable)
                .await?;
            Ok(StatusCode::OK.into_response())
        }
        A::ResetStatus(r) => {
            let status = serde_json::to_value(r.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            app.volume_reset_status(caller, project, id, &status)
                .await?;
            Ok(accepted)
        }
        A::Reserve(_) => app
            .volume_reserve(caller, project, id)
            .await
            .map(|()| accepted),
        A::Unreserve(_) => app
            .volume_unreserve(caller, project, id)
            .await
            .map(|()| accepted),
        A::BeginDetaching(_) => app
            .volume_begin_detaching(caller, project, id)
            .await
            .map(|()| accepted),
        A::RollDetaching(_) => app
            .volume_roll_detaching(caller, project, id)
            .await
            .map(|()| accepted),
        A::InitializeConnection(_) => {
            let (export, host) = app
                .volume_initialize_connection(caller, project, id)
                .await?;
            Ok(Json(api::ConnectionInfoBody {
                connection_info: api::ConnectionInfo {
                    driver_volume_type: export.driver_volume_type,
                    data: api::ConnectionData {
                        path: export.path,
                        format: export.format,
                        volume_id: id.to_owned(),
                        storage_host: host,
                        access_mode: "rw".into(),
                    },
                },
            })
            .into_response())
        }
        A::TerminateConnection(_) => {
            app.volume_get(caller, project, id).await?;
            Ok(accepted)
        }
        A::Attach(a) => {
            let req = AttachRequest {
                instance_uuid: a.instance_uuid,
                host_name: a.host_name,
                mountpoint: a.mountpoint,
                mode: a.mode,
            };
            app.volume_attach(caller, project, id, req).await?;
            Ok(accepted)
        }
        A::Detach(d) => {
            let attachment = d.and_then(|d| d.attachment_id);
            app.volume_detach(caller, project, id, attachment.as_deref())
                .await?;
            Ok(accepted)
        }
        A::UploadImage(req) => {
            let (v, image) = app.volume_upload_image(caller, project, id, req).await?;
            let upload = api::UploadedImage {
                id: v.id,
                status: api::VolumeStatus::parse(&v.status),
                size: v.size.into(),
                updated_at: time(&v.updated_at),
                display_description: v.description,
                volume_type: api::TypeRef {
                    name: DEFAULT_TYPE_NAME.into(),
                    id: DEFAULT_TYPE_ID.into(),
                },
                image_id: image.id,
                image_name: image.name,
                disk_format: image.disk_format,
                container_format: image.container_format,
                visibility: image.visibility,
                protected: image.protected,
            };
            Ok((
                StatusCode::ACCEPTED,
                Json(api::UploadedImageBody { upload }),
            )
                .into_response())
        }
    }
}

/// Shows a volume's metadata.
#[utoipa::path(get, path = "/v3/{project_id}/volumes/{volume_id}/metadata", operation_id = "showVolumeMetadata", tag = "volumes",
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "The metadata", body = api::MetadataBody), (status = 404, description = "Not found")))]
pub async fn metadata_show(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
) -> Result<Json<api::MetadataBody>, Error> {
    let v = app.volume_get(&caller.0, &project, &id).await?;
    Ok(Json(api::MetadataBody {
        metadata: v.metadata.0,
    }))
}

/// Adds to a volume's metadata.
#[utoipa::path(post, path = "/v3/{project_id}/volumes/{volume_id}/metadata", operation_id = "mergeVolumeMetadata", tag = "volumes",
    request_body = api::MetadataBody,
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "The metadata", body = api::MetadataBody), (status = 400, description = "Bad key or value"),
              (status = 404, description = "Not found")))]
pub async fn metadata_merge(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<api::MetadataBody>,
) -> Result<Json<api::MetadataBody>, Error> {
    let m = app
        .volume_metadata(&caller.0, &project, &id, body.metadata, false)
        .await?;
    Ok(Json(api::MetadataBody { metadata: m.0 }))
}

/// Replaces a volume's metadata.
#[utoipa::path(put, path = "/v3/{project_id}/volumes/{volume_id}/metadata", operation_id = "replaceVolumeMetadata", tag = "volumes",
    request_body = api::MetadataBody,
    params(("project_id" = String, Path, description = "The project"), ("volume_id" = String, Path, description = "The volume")),
    responses((status = 200, description = "The metadata", body = api::MetadataBody), (status = 400, description = "Bad key or value"),
              (status = 404, description = "Not found")))]
pub async fn metadata_replace(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
    Json(body): Json<api::MetadataBody>,
) -> Result<Json<api::MetadataBody>, Error> {
    let m = app
        .volume_metadata(&caller.0, &project, &id, body.metadata, true)
        .await?;
    Ok(Json(api::MetadataBody { metadata: m.0 }))
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
