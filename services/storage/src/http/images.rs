//! `/v2/images` as Glance serves it: images, their data, tags, members and
//! the deactivate/reactivate actions.

use crate::app::App;
use crate::app::images::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::datastore::images::{Image, ListFilter, Member};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use stratus_api::image as api;
use stratus_common::{Error, ErrorKind};
use stratus_http::Json;
use stratus_http::auth::Caller;

fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn view(i: &Image) -> api::Image {
    api::Image {
        id: i.id.clone(),
        name: i.name.clone(),
        status: api::ImageStatus::parse(&i.status),
        visibility: api::Visibility::parse(&i.visibility),
        protected: i.protected,
        os_hidden: i.os_hidden,
        owner: i.owner.clone(),
        checksum: i.checksum.clone(),
        os_hash_algo: i.os_hash_algo.clone(),
        os_hash_value: i.os_hash_value.clone(),
        size: i.size,
        virtual_size: i.virtual_size,
        min_ram: i.min_ram.into(),
        min_disk: i.min_disk.into(),
        disk_format: i.disk_format.clone(),
        container_format: i.container_format.clone(),
        tags: i.tags.clone(),
        created_at: time(&i.created_at),
        updated_at: time(&i.updated_at),
        self_link: format!("/v2/images/{}", i.id),
        file: format!("/v2/images/{}/file", i.id),
        schema: "/v2/schemas/image".into(),
        properties: i.properties.0.clone(),
    }
}

fn member_view(m: &Member) -> api::Member {
    api::Member {
        image_id: m.image_id.clone(),
        member_id: m.member.clone(),
        status: api::MemberStatus::parse(&m.status),
        created_at: time(&m.created_at),
        updated_at: time(&m.updated_at),
        schema: "/v2/schemas/member".into(),
    }
}

/// Creates an image record (`queued` until its data arrives).
#[utoipa::path(post, path = "/v2/images", operation_id = "createImage", tag = "images",
    request_body = api::ImageCreate,
    responses((status = 201, description = "Created", body = api::Image), (status = 400, description = "Bad attribute"),
              (status = 403, description = "Read-only attribute, or public without admin"), (status = 409, description = "Id taken")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::ImageCreate>,
) -> Result<Response, Error> {
    let image = app.image_create(&caller.0, &body).await?;
    let mut response = (StatusCode::CREATED, Json(view(&image))).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/v2/images/{}", image.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

fn parse_bool(key: &str, v: &str) -> Result<bool, Error> {
    match v {
        "true" | "True" | "1" => Ok(true),
        "false" | "False" | "0" => Ok(false),
        _ => Err(Error::bad_request(format!(
            "Invalid value for '{key}': {v:?} is not a boolean"
        ))),
    }
}

/// Lists the images the caller may see, newest first, with Glance's filters
/// (`name`, `status`, `visibility`, `owner`, `tag` (repeatable), `id=in:a,b`,
/// `disk_format`, `container_format`, `os_hidden`, `member_status`, any
/// property) and `limit`/`marker` pagination with a `next` link.
#[utoipa::path(get, path = "/v2/images", operation_id = "listImages", tag = "images",
    params(api::ListQuery),
    responses((status = 200, description = "The images", body = api::ImageList), (status = 400, description = "Bad filter or marker")))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<api::ImageList>, Error> {
    let mut filter = ListFilter::default();
    let mut limit = DEFAULT_LIMIT;
    let mut marker = None;
    let mut passthrough = Vec::new();
    for (key, value) in &query {
        match key.as_str() {
            "limit" => {
                limit = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| {
                        Error::bad_request(format!("Invalid value for 'limit': {value:?}"))
                    })?
                    .min(MAX_LIMIT);
                continue;
            }
            "marker" => {
                marker = Some(value.clone());
                continue;
            }
            "sort_key" | "sort_dir" | "sort" => {
                let default = matches!(
                    (key.as_str(), value.as_str()),
                    ("sort_key", "created_at") | ("sort_dir", "desc") | ("sort", "created_at:desc")
                );
                if !default {
                    return Err(Error::bad_request(format!(
                        "Invalid value for '{key}': only created_at, descending, is supported"
                    )));
                }
            }
            "name" => filter.name = Some(value.clone()),
            "status" => filter.status = Some(value.clone()),
            "visibility" => {
                if !["public", "private", "shared", "community", "all"].contains(&value.as_str()) {
                    return Err(Error::bad_request(format!(
                        "Invalid value for 'visibility': {value:?}"
                    )));
                }
                filter.visibility = Some(value.clone());
            }
            "owner" => filter.owner = Some(value.clone()),
            "tag" => filter.tags.push(value.clone()),
            "id" => {
                let ids = value.strip_prefix("in:").unwrap_or(value);
                filter.ids = Some(
                    ids.split(',')
                        .map(|s| s.trim().trim_matches('"').to_owned())
                        .collect(),
                );
            }
            "disk_format" => filter.disk_format = Some(value.clone()),
            "container_format" => filter.container_format = Some(value.clone()),
            "os_hidden" => filter.os_hidden = Some(parse_bool(key, value)?),
            "member_status" => {
                if !["pending", "accepted", "rejected", "all"].contains(&value.as_str()) {
                    return Err(Error::bad_request(format!(
                        "Invalid value for 'member_status': {value:?}"
                    )));
                }
                filter.member_status = Some(value.clone());
            }
            _ => {
                filter.properties.insert(key.clone(), value.clone());
            }
        }
        passthrough.push((key.clone(), value.clone()));
    }
    let (images, more) = app
        .image_list(&caller.0, &filter, marker.as_deref(), limit)
        .await?;
    let mut body = api::ImageList {
        images: images.iter().map(view).collect(),
        first: "/v2/images".into(),
        schema: "/v2/schemas/images".into(),
        next: None,
    };
    if more && let Some(last) = images.last() {
        let mut q = url_query(&passthrough);
        q.push_str(&format!(
            "{}marker={}&limit={limit}",
            if q.is_empty() { "" } else { "&" },
            last.id
        ));
        body.next = Some(format!("/v2/images?{q}"));
    }
    Ok(Json(body))
}

fn url_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Shows an image.
#[utoipa::path(get, path = "/v2/images/{image_id}", operation_id = "showImage", tag = "images",
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 200, description = "The image", body = api::Image), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::Image>, Error> {
    Ok(Json(view(&app.image_get(&caller.0, &id).await?)))
}

pub const PATCH_MEDIA_TYPES: &[&str] = &[
    "application/openstack-images-v2.1-json-patch",
    "application/openstack-images-v2.0-json-patch",
];

/// Updates an image with Glance's JSON patch media type.
#[utoipa::path(patch, path = "/v2/images/{image_id}", operation_id = "updateImage", tag = "images",
    request_body(content = Vec<api::PatchOp>, content_type = "application/openstack-images-v2.1-json-patch"),
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 200, description = "Updated", body = api::Image), (status = 400, description = "Bad patch"),
              (status = 403, description = "Read-only attribute or not the owner"), (status = 404, description = "Not found"),
              (status = 409, description = "Replacing or removing a missing property"), (status = 415, description = "Not the JSON-patch media type")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<api::Image>, Error> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !PATCH_MEDIA_TYPES
        .iter()
        .any(|t| content_type.starts_with(t))
    {
        return Err(Error::new(
            ErrorKind::UnsupportedMediaType,
            format!(
                "Content-Type {content_type:?} is not {}",
                PATCH_MEDIA_TYPES[0]
            ),
        ));
    }
    let ops: Vec<api::PatchOp> = stratus_http::json::decode(&body).map_err(|e| {
        Error::bad_request(format!(
            "The body is not a JSON patch (a list of operations): {}",
            e.message
        ))
    })?;
    Ok(Json(view(&app.image_patch(&caller.0, &id, &ops).await?)))
}

/// Deletes an image and its data.
#[utoipa::path(delete, path = "/v2/images/{image_id}", operation_id = "deleteImage", tag = "images",
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Protected, or not the owner"),
              (status = 404, description = "Not found")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.image_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Uploads the image's data (`application/octet-stream`), streamed to a
/// storage host.
#[utoipa::path(put, path = "/v2/images/{image_id}/file", operation_id = "uploadImageData", tag = "images",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 204, description = "Stored; the image is active"), (status = 400, description = "Interrupted, wrong format or hash"),
              (status = 409, description = "Not queued"), (status = 413, description = "Larger than the image size cap"),
              (status = 415, description = "Not application/octet-stream")))]
pub async fn upload(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, Error> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/octet-stream") {
        return Err(Error::new(
            ErrorKind::UnsupportedMediaType,
            format!("Content-Type {content_type:?} is not application/octet-stream"),
        ));
    }
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    app.image_upload(&caller.0, &id, length, body.into_data_stream())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Downloads the image's data; 204 when it has none yet.
#[utoipa::path(get, path = "/v2/images/{image_id}/file", operation_id = "downloadImageData", tag = "images",
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 200, description = "The data", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 204, description = "No data yet"), (status = 403, description = "Deactivated"), (status = 404, description = "Not found")))]
pub async fn download(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (image, stream) = app.image_download(&caller.0, &id).await?;
    let Some(stream) = stream else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Some(size) = image.size {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    if let Some(md5) = image
        .checksum
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert("content-md5", md5);
    }
    Ok(response)
}

/// Deactivates an image (admin): its data cannot be downloaded.
#[utoipa::path(post, path = "/v2/images/{image_id}/actions/deactivate", operation_id = "deactivateImage", tag = "images",
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 204, description = "Deactivated"), (status = 403, description = "Not an admin, or not active")))]
pub async fn deactivate(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.image_set_active(&caller.0, &id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reactivates a deactivated image (admin).
#[utoipa::path(post, path = "/v2/images/{image_id}/actions/reactivate", operation_id = "reactivateImage", tag = "images",
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 204, description = "Reactivated"), (status = 403, description = "Not an admin, or not deactivated")))]
pub async fn reactivate(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.image_set_active(&caller.0, &id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a tag.
#[utoipa::path(put, path = "/v2/images/{image_id}/tags/{tag}", operation_id = "addImageTag", tag = "images",
    params(("image_id" = String, Path, description = "The image"), ("tag" = String, Path, description = "The tag")),
    responses((status = 204, description = "Tagged"), (status = 404, description = "Not found")))]
pub async fn tag_add(
    State(app): State<App>,
    caller: Caller,
    Path((id, tag)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.image_tag(&caller.0, &id, &tag, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a tag.
#[utoipa::path(delete, path = "/v2/images/{image_id}/tags/{tag}", operation_id = "deleteImageTag", tag = "images",
    params(("image_id" = String, Path, description = "The image"), ("tag" = String, Path, description = "The tag")),
    responses((status = 204, description = "Untagged"), (status = 404, description = "No such image or tag")))]
pub async fn tag_remove(
    State(app): State<App>,
    caller: Caller,
    Path((id, tag)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.image_tag(&caller.0, &id, &tag, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists a shared image's members (the owner sees all; a member itself).
#[utoipa::path(get, path = "/v2/images/{image_id}/members", operation_id = "listImageMembers", tag = "members",
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 200, description = "The members", body = api::MemberList), (status = 403, description = "Not a shared image"),
              (status = 404, description = "Not found")))]
pub async fn members(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::MemberList>, Error> {
    let members = app.member_list(&caller.0, &id).await?;
    Ok(Json(api::MemberList {
        members: members.iter().map(member_view).collect(),
        schema: "/v2/schemas/members".into(),
    }))
}

/// Shares an image with a project (the owner; `shared` images only).
#[utoipa::path(post, path = "/v2/images/{image_id}/members", operation_id = "createImageMember", tag = "members",
    request_body = api::MemberCreate,
    params(("image_id" = String, Path, description = "The image")),
    responses((status = 200, description = "The member", body = api::Member), (status = 403, description = "Not the owner, or not shared"),
              (status = 404, description = "Not found"), (status = 409, description = "Already a member")))]
pub async fn member_add(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::MemberCreate>,
) -> Result<Json<api::Member>, Error> {
    Ok(Json(member_view(
        &app.member_add(&caller.0, &id, &body.member).await?,
    )))
}

/// Shows a member.
#[utoipa::path(get, path = "/v2/images/{image_id}/members/{member_id}", operation_id = "showImageMember", tag = "members",
    params(("image_id" = String, Path, description = "The image"), ("member_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The member", body = api::Member), (status = 404, description = "Not a member")))]
pub async fn member_show(
    State(app): State<App>,
    caller: Caller,
    Path((id, member)): Path<(String, String)>,
) -> Result<Json<api::Member>, Error> {
    Ok(Json(member_view(
        &app.member_get(&caller.0, &id, &member).await?,
    )))
}

/// The member accepts or rejects the image.
#[utoipa::path(put, path = "/v2/images/{image_id}/members/{member_id}", operation_id = "updateImageMember", tag = "members",
    request_body = api::MemberUpdate,
    params(("image_id" = String, Path, description = "The image"), ("member_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The member", body = api::Member), (status = 403, description = "Not the member"),
              (status = 404, description = "Not a member")))]
pub async fn member_update(
    State(app): State<App>,
    caller: Caller,
    Path((id, member)): Path<(String, String)>,
    Json(body): Json<api::MemberUpdate>,
) -> Result<Json<api::Member>, Error> {
    let status = match body.status {
        api::MemberStatus::Pending => "pending",
        api::MemberStatus::Accepted => "accepted",
        api::MemberStatus::Rejected => "rejected",
    };
    Ok(Json(member_view(
        &app.member_set_status(&caller.0, &id, &member, status)
            .await?,
    )))
}

/// Stops sharing an image with a project (the owner).
#[utoipa::path(delete, path = "/v2/images/{image_id}/members/{member_id}", operation_id = "deleteImageMember", tag = "members",
    params(("image_id" = String, Path, description = "The image"), ("member_id" = String, Path, description = "The project")),
    responses((status = 204, description = "Removed"), (status = 404, description = "Not a member")))]
pub async fn member_delete(
    State(app): State<App>,
    caller: Caller,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.member_delete(&caller.0, &id, &member).await?;
    Ok(StatusCode::NO_CONTENT)
}
