//! `/v2.1/servers`: create, list, show, update, delete, actions and
//! `os-instance-actions`.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use stratus_api::compute as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::context::Context;
use stratus_http::{BaseUrl, Json};

use super::time;
use crate::app::App;
use crate::app::input::int;
use crate::app::servers::{ListQuery, host_id, parse_create, status};
use crate::datastore::servers::{Action, ActionEvent, Server};

fn links(base: &str, id: &str) -> Vec<api::Link> {
    vec![
        api::Link {
            rel: "self".into(),
            href: format!("{base}/v2.1/servers/{id}"),
        },
        api::Link {
            rel: "bookmark".into(),
            href: format!("{base}/servers/{id}"),
        },
    ]
}

fn bookmark(base: &str, kind: &str, id: &str) -> api::Reference {
    api::Reference {
        id: id.to_owned(),
        links: vec![api::Link {
            rel: "bookmark".into(),
            href: format!("{base}/{kind}/{id}"),
        }],
    }
}

/// `addresses`: the server's fixed addresses by network name.
fn addresses(s: &Server) -> BTreeMap<String, Vec<api::Address>> {
    let mut by_net: BTreeMap<String, Vec<api::Address>> = BTreeMap::new();
    for p in &s.ports.0 {
        let list = by_net
            .entry(if p.network_name.is_empty() {
                p.network_id.clone()
            } else {
                p.network_name.clone()
            })
            .or_default();
        for ip in &p.fixed_ips {
            list.push(api::Address {
                version: if ip.contains(':') { 6 } else { 4 },
                addr: ip.clone(),
                kind: "fixed".into(),
                mac_addr: p.mac_address.clone(),
            });
        }
    }
    by_net
}

fn group_names(names: &[String]) -> Vec<api::GroupName> {
    names
        .iter()
        .map(|g| api::GroupName { name: g.clone() })
        .collect()
}

/// A server as Nova 2.1 shows it in `show` and `detail`.
pub fn view(base: &str, s: &Server, admin: bool) -> api::Server {
    let id = s.id.to_string();
    let image = if s.image_id.is_empty() {
        api::ImageField::None(String::new())
    } else {
        api::ImageField::Image(bookmark(base, "images", &s.image_id))
    };
    api::Server {
        name: s.name.clone(),
        status: api::ServerStatus::parse(status(&s.vm_state, s.task_state.as_deref())),
        tenant_id: s.project_id.clone(),
        user_id: s.user_id.clone(),
        metadata: s.metadata.0.clone(),
        host_id: host_id(&s.project_id, s.host.as_deref()),
        image,
        flavor: bookmark(base, "flavors", &s.flavor.0.id),
        created: super::iso(&s.created_at),
        updated: super::iso(&s.updated_at),
        addresses: addresses(s),
        access_ipv4: s.access_ipv4.clone(),
        access_ipv6: s.access_ipv6.clone(),
        links: links(base, &id),
        disk_config: "MANUAL".into(),
        progress: 0,
        availability_zone: s.availability_zone.clone().unwrap_or_default(),
        config_drive: if s.config_drive { "True" } else { "" }.into(),
        key_name: s.key_name.clone(),
        launched_at: s.launched_at.as_ref().map(time),
        terminated_at: None,
        task_state: s.task_state.as_deref().and_then(api::TaskState::parse),
        vm_state: api::VmState::parse(&s.vm_state),
        power_state: s.power_state.into(),
        volumes_attached: s
            .block_devices
            .0
            .iter()
            .map(|b| api::AttachedVolume {
                id: b.volume_id.clone(),
            })
            .collect(),
        security_groups: group_names(&s.security_groups.0),
        host: admin.then(|| s.host.clone()),
        hypervisor_hostname: admin.then(|| s.host.clone()),
        instance_name: admin.then(|| format!("instance-{:08x}", s.seq)),
        fault: s
            .fault
            .as_ref()
            .filter(|_| s.vm_state == "error")
            .and_then(|f| serde_json::from_value(f.0.clone()).ok()),
        id,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ServerQuery {
    all_tenants: Option<String>,
    project_id: Option<String>,
    tenant_id: Option<String>,
    name: Option<String>,
    status: Option<String>,
    host: Option<String>,
    image: Option<String>,
    flavor: Option<String>,
    reservation_id: Option<String>,
    availability_zone: Option<String>,
    #[serde(rename = "changes-since")]
    changes_since: Option<String>,
    ip: Option<String>,
    marker: Option<String>,
    limit: Option<String>,
    deleted: Option<String>,
}

impl ServerQuery {
    fn into_query(self) -> ListQuery {
        let all = self.all_tenants.as_deref().is_some_and(|a| {
            !matches!(
                a.to_ascii_lowercase().as_str(),
                "0" | "false" | "no" | "off"
            )
        });
        ListQuery {
            all_tenants: all,
            project_id: self.project_id.or(self.tenant_id),
            name: self.name,
            status: self.status,
            host: self.host,
            image: self.image,
            flavor: self.flavor,
            reservation_id: self.reservation_id,
            availability_zone: self.availability_zone,
            changes_since: self.changes_since,
            ip: self.ip,
            marker: self.marker,
            limit: self.limit,
        }
    }
}

/// Creates servers (`min_count` to `max_count` of them); they build in
/// the background.
#[utoipa::path(post, path = "/v2.1/servers", operation_id = "createServer", tag = "servers",
    request_body = api::ServerCreateBody,
    responses((status = 202, description = "The first server, building (or the reservation)", body = api::ServerCreateResponse),
        (status = 400, description = "Unknown image, flavor, network, key or bad input"),
        (status = 403, description = "Over quota")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::ServerCreateBody>,
) -> Result<Response, Error> {
    let req = parse_create(&body)?;
    let reservation = req.return_reservation_id;
    let made = app.server_create(&caller.0, &ctx, req).await?;
    let Some(first) = made.first() else {
        return Err(Error::bad_request("No servers were made."));
    };
    if reservation {
        return Ok((
            StatusCode::ACCEPTED,
            Json(api::ServerCreateResponse::Reservation {
                reservation_id: first.reservation_id.clone(),
            }),
        )
            .into_response());
    }
    let id = first.id.to_string();
    let password: String = {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..12)
            .map(|_| {
                let chars = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
                chars[rng.random_range(0..chars.len())] as char
            })
            .collect()
    };
    let mut headers = HeaderMap::new();
    if let Ok(loc) = HeaderValue::from_str(&format!("{base}/v2.1/servers/{id}")) {
        headers.insert(header::LOCATION, loc);
    }
    let body = api::ServerCreateResponse::Server {
        server: api::ServerCreated {
            links: links(&base, &id),
            disk_config: "MANUAL".into(),
            security_groups: group_names(&first.security_groups.0),
            admin_pass: password,
            id,
        },
    };
    Ok((StatusCode::ACCEPTED, headers, Json(body)).into_response())
}

fn refuse_deleted(q: &ServerQuery) -> Result<(), Error> {
    if q.deleted
        .as_deref()
        .is_some_and(|d| matches!(d.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
    {
        // Deleted servers are gone here, not soft-deleted.
        return Err(Error::bad_request(
            "Listing deleted servers is not supported.",
        ));
    }
    Ok(())
}

fn next_link(
    base: &str,
    path: &str,
    servers: &[Server],
    limit: Option<&str>,
) -> Option<Vec<api::Link>> {
    let limit: usize = limit?.parse().ok()?;
    if limit == 0 || servers.len() < limit {
        return None;
    }
    let last = servers.last()?;
    Some(vec![api::Link {
        rel: "next".into(),
        href: format!("{base}/v2.1/{path}?limit={limit}&marker={}", last.id),
    }])
}

/// The servers a listing finds and the link to the next page when the
/// page is full.
async fn listing(
    app: &App,
    caller: &Caller,
    q: ServerQuery,
    base: &str,
    path: &str,
) -> Result<(Vec<Server>, Option<Vec<api::Link>>), Error> {
    refuse_deleted(&q)?;
    let limit = q.limit.clone();
    let all = app.server_list(&caller.0, &q.into_query()).await?;
    let next = next_link(base, path, &all, limit.as_deref());
    Ok((all, next))
}

/// The caller's servers (all projects' for admins with `all_tenants`):
/// id, name and links, newest first.
#[utoipa::path(get, path = "/v2.1/servers", operation_id = "listServers", tag = "servers",
    params(api::ServerQuery),
    responses((status = 200, description = "Servers", body = api::ServerSummaryList), (status = 400, description = "A bad filter")))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<ServerQuery>,
) -> Result<Json<api::ServerSummaryList>, Error> {
    let (all, servers_links) = listing(&app, &caller, q, &base, "servers").await?;
    Ok(Json(api::ServerSummaryList {
        servers: all
            .iter()
            .map(|s| {
                let id = s.id.to_string();
                api::ServerSummary {
                    name: s.name.clone(),
                    links: links(&base, &id),
                    id,
                }
            })
            .collect(),
        servers_links,
    }))
}

/// [`list`] with every server's details.
#[utoipa::path(get, path = "/v2.1/servers/detail", operation_id = "listServersDetail", tag = "servers",
    params(api::ServerQuery),
    responses((status = 200, description = "Servers in detail", body = api::ServerList), (status = 400, description = "A bad filter")))]
pub async fn detail(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<ServerQuery>,
) -> Result<Json<api::ServerList>, Error> {
    let admin = caller.is_admin();
    let (all, servers_links) = listing(&app, &caller, q, &base, "servers/detail").await?;
    Ok(Json(api::ServerList {
        servers: all.iter().map(|s| view(&base, s, admin)).collect(),
        servers_links,
    }))
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}", operation_id = "showServer", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 200, description = "The server", body = api::ServerBody),
        (status = 404, description = "No such server the caller may see")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::ServerBody>, Error> {
    let s = app.server_get(&caller.0, &id).await?;
    Ok(Json(api::ServerBody {
        server: view(&base, &s, caller.is_admin()),
    }))
}

/// Renames a server or sets its access addresses.
#[utoipa::path(put, path = "/v2.1/servers/{server_id}", operation_id = "updateServer", tag = "servers",
    params(("server_id" = String, Path)), request_body = api::ServerUpdateBody,
    responses((status = 200, description = "The server", body = api::ServerBody), (status = 400, description = "A bad name or address"),
        (status = 404, description = "No such server the caller may see")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::ServerUpdateBody>,
) -> Result<Json<api::ServerBody>, Error> {
    let s = app.server_update(&caller.0, &id, &body.server).await?;
    Ok(Json(api::ServerBody {
        server: view(&base, &s, caller.is_admin()),
    }))
}

/// Deletes a server: it goes once its host removed the instance.
#[utoipa::path(delete, path = "/v2.1/servers/{server_id}", operation_id = "deleteServer", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 204, description = "Deleting"), (status = 404, description = "No such server the caller may see"),
        (status = 409, description = "The server's state does not allow it")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.server_delete(&caller.0, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One action per request: `os-stop`, `os-start`, `reboot`,
/// `os-getConsoleOutput`, `rebuild`, `resize`, `confirmResize`,
/// `revertResize`, `createImage`.
#[utoipa::path(post, path = "/v2.1/servers/{server_id}/action", operation_id = "serverAction", tag = "servers",
    params(("server_id" = String, Path)), request_body = api::ServerAction,
    responses((status = 202, description = "Accepted (rebuild: the server; createImage: the image)", body = api::ServerBody),
        (status = 200, description = "Console output", body = api::ConsoleOutput),
        (status = 204, description = "Resize confirmed"),
        (status = 400, description = "A bad argument"), (status = 404, description = "No such server the caller may see"),
        (status = 409, description = "The server's state does not allow it")))]
pub async fn action(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(action): Json<api::ServerAction>,
) -> Result<Response, Error> {
    use api::ServerAction as A;
    let c = &caller.0;
    match action {
        A::Stop(_) => app.server_stop(c, &ctx, &id).await?,
        A::Start(_) => app.server_start(c, &ctx, &id).await?,
        A::Reboot(r) => {
            let hard = if r.kind.eq_ignore_ascii_case("HARD") {
                true
            } else if r.kind.eq_ignore_ascii_case("SOFT") {
                false
            } else {
                return Err(Error::bad_request(format!(
                    "Invalid input for field/attribute type. Value: {}. must be one of 'SOFT', 'HARD'",
                    r.kind
                )));
            };
            app.server_reboot(c, &ctx, &id, hard).await?;
        }
        A::ConsoleOutput(a) => {
            let lines = match a.and_then(|a| a.length) {
                None | Some(serde_json::Value::Null) => None,
                Some(v) => u32::try_from(int("length", &v, -1)?).ok(),
            };
            let output = app.server_console(c, &id, lines).await?;
            // A read, though a POST: no change to announce.
            let mut resp = Json(api::ConsoleOutput { output }).into_response();
            resp.extensions_mut()
                .insert(stratus_http::changes::ReadOnly);
            return Ok(resp);
        }
        A::Rebuild(a) => {
            let s = app.server_rebuild(c, &ctx, &id, &a).await?;
            let mut server = view(&base, &s, caller.is_admin());
            server.status = api::ServerStatus::Rebuild;
            return Ok((StatusCode::ACCEPTED, Json(api::ServerBody { server })).into_response());
        }
        A::Resize(a) => app.server_resize(c, &ctx, &id, &a).await?,
        A::ConfirmResize(_) => {
            app.server_confirm_resize(c, &ctx, &id).await?;
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        A::RevertResize(_) => app.server_revert_resize(c, &ctx, &id).await?,
        A::CreateImage(a) => {
            let image = app.server_create_image(c, &ctx, &id, &a).await?;
            let mut headers = HeaderMap::new();
            if let Ok(loc) = HeaderValue::from_str(&format!("{base}/images/{image}")) {
                headers.insert(header::LOCATION, loc);
            }
            return Ok((
                StatusCode::ACCEPTED,
                headers,
                Json(api::ImageCreated { image_id: image }),
            )
                .into_response());
        }
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

fn action_view(a: &Action) -> api::InstanceAction {
    api::InstanceAction {
        action: a.action.clone(),
        instance_uuid: a.server_id.to_string(),
        request_id: a.request_id.clone(),
        user_id: a.user_id.clone(),
        project_id: a.project_id.clone(),
        start_time: time(&a.start_time),
        message: a.message.clone(),
        events: None,
    }
}

fn event_view(e: &ActionEvent, admin: bool) -> api::InstanceActionEvent {
    api::InstanceActionEvent {
        event: e.event.clone(),
        start_time: time(&e.start_time),
        finish_time: e.finish_time.as_ref().map(time),
        result: e.result.clone(),
        // Nova shows events' tracebacks to admins only.
        traceback: if admin { e.traceback.clone() } else { None },
    }
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-instance-actions", operation_id = "listServerActions", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 200, description = "What was done to the server", body = api::InstanceActionList),
        (status = 404, description = "No such server the caller may see")))]
pub async fn actions(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::InstanceActionList>, Error> {
    let all = app.server_actions(&caller.0, &id).await?;
    Ok(Json(api::InstanceActionList {
        instance_actions: all.iter().map(action_view).collect(),
    }))
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-instance-actions/{request_id}", operation_id = "showServerAction", tag = "servers",
    params(("server_id" = String, Path), ("request_id" = String, Path)),
    responses((status = 200, description = "One action with its events", body = api::InstanceActionBody),
        (status = 404, description = "No such server or action")))]
pub async fn action_show(
    State(app): State<App>,
    caller: Caller,
    Path((id, request_id)): Path<(String, String)>,
) -> Result<Json<api::InstanceActionBody>, Error> {
    let (a, events) = app.server_action(&caller.0, &id, &request_id).await?;
    let admin = caller.is_admin();
    let mut instance_action = action_view(&a);
    instance_action.events = Some(events.iter().map(|e| event_view(e, admin)).collect());
    Ok(Json(api::InstanceActionBody { instance_action }))
}

fn attachment_view(
    server: &str,
    b: &crate::datastore::servers::BlockDevice,
) -> api::VolumeAttachment {
    api::VolumeAttachment {
        id: b.volume_id.clone(),
        server_id: server.to_owned(),
        volume_id: b.volume_id.clone(),
        device: b.device.clone(),
    }
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-volume_attachments", operation_id = "listServerVolumeAttachments", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 200, description = "The server's volumes", body = api::VolumeAttachmentList),
        (status = 404, description = "No such server the caller may see")))]
pub async fn volumes(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::VolumeAttachmentList>, Error> {
    let (s, bds) = app.server_volumes(&caller.0, &id).await?;
    let sid = s.id.to_string();
    Ok(Json(api::VolumeAttachmentList {
        volume_attachments: bds.iter().map(|b| attachment_view(&sid, b)).collect(),
    }))
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", operation_id = "showServerVolumeAttachment", tag = "servers",
    params(("server_id" = String, Path), ("volume_id" = String, Path)),
    responses((status = 200, description = "One attachment", body = api::VolumeAttachmentBody),
        (status = 404, description = "Not attached")))]
pub async fn volume(
    State(app): State<App>,
    caller: Caller,
    Path((id, volume_id)): Path<(String, String)>,
) -> Result<Json<api::VolumeAttachmentBody>, Error> {
    let (s, bds) = app.server_volumes(&caller.0, &id).await?;
    let b = bds
        .iter()
        .find(|b| b.volume_id == volume_id)
        .ok_or_else(|| Error::not_found(format!("volume_id not found: {volume_id}")))?;
    Ok(Json(api::VolumeAttachmentBody {
        volume_attachment: attachment_view(&s.id.to_string(), b),
    }))
}

/// Attaches a volume of the storage service (`{"volumeAttachment":
/// {"volumeId": ...}}`); the host hot-plugs it.
#[utoipa::path(post, path = "/v2.1/servers/{server_id}/os-volume_attachments", operation_id = "attachServerVolume", tag = "servers",
    params(("server_id" = String, Path)), request_body = api::VolumeAttachBody,
    responses((status = 200, description = "The attachment", body = api::VolumeAttachmentBody),
        (status = 400, description = "The volume is not available"),
        (status = 404, description = "No such server or volume")))]
pub async fn volume_attach(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    Path(id): Path<String>,
    Json(body): Json<api::VolumeAttachBody>,
) -> Result<Json<api::VolumeAttachmentBody>, Error> {
    let vid = &body.volume_attachment.volume_id;
    let volume_id = uuid::Uuid::parse_str(vid)
        .map_err(|_| {
            Error::bad_request(format!(
                "Invalid input for field/attribute volumeId. Value: {vid}. {vid} is not a 'uuid'"
            ))
        })?
        .to_string();
    let (s, b) = app
        .server_volume_attach(&caller.0, &ctx, &id, &volume_id)
        .await?;
    Ok(Json(api::VolumeAttachmentBody {
        volume_attachment: attachment_view(&s.id.to_string(), &b),
    }))
}

#[utoipa::path(delete, path = "/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", operation_id = "detachServerVolume", tag = "servers",
    params(("server_id" = String, Path), ("volume_id" = String, Path)),
    responses((status = 202, description = "Detached"),
        (status = 400, description = "The root volume cannot be detached")))]
pub async fn volume_detach(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    Path((id, volume_id)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.server_volume_detach(&caller.0, &ctx, &id, &volume_id)
        .await?;
    Ok(StatusCode::ACCEPTED)
}
