//! `/v2.1/servers`: create, list, show, update, delete, actions and
//! `os-instance-actions`.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::context::Context;
use stratus_http::{BaseUrl, Json};

use super::time;
use crate::app::App;
use crate::app::input::{check_known, int, invalid};
use crate::app::servers::{ListQuery, host_id, parse_create, status};
use crate::datastore::servers::{Action, ActionEvent, Server};

fn links(base: &str, id: &str) -> Value {
    json!([
        {"rel": "self", "href": format!("{base}/v2.1/servers/{id}")},
        {"rel": "bookmark", "href": format!("{base}/servers/{id}")},
    ])
}

/// `addresses`: the server's fixed addresses by network name.
fn addresses(s: &Server) -> Value {
    let mut by_net: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in &s.ports.0 {
        let list = by_net
            .entry(if p.network_name.is_empty() {
                p.network_id.clone()
            } else {
                p.network_name.clone()
            })
            .or_default();
        for ip in &p.fixed_ips {
            let version = if ip.contains(':') { 6 } else { 4 };
            list.push(json!({
                "version": version, "addr": ip,
                "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": p.mac_address,
            }));
        }
    }
    json!(by_net)
}

/// A server as Nova 2.1 shows it in `show` and `detail`.
pub fn view(base: &str, s: &Server, admin: bool) -> Value {
    let id = s.id.to_string();
    let image = if s.image_id.is_empty() {
        json!("")
    } else {
        json!({"id": s.image_id, "links": [{"rel": "bookmark", "href": format!("{base}/images/{}", s.image_id)}]})
    };
    let flavor = &s.flavor.0;
    let mut v = json!({
        "id": id, "name": s.name, "status": status(&s.vm_state, s.task_state.as_deref()),
        "tenant_id": s.project_id, "user_id": s.user_id, "metadata": s.metadata.0,
        "hostId": host_id(&s.project_id, s.host.as_deref()),
        "image": image,
        "flavor": {"id": flavor.id, "links": [{"rel": "bookmark", "href": format!("{base}/flavors/{}", flavor.id)}]},
        "created": super::iso(&s.created_at),
        "updated": super::iso(&s.updated_at),
        "addresses": addresses(s),
        "accessIPv4": s.access_ipv4, "accessIPv6": s.access_ipv6,
        "links": links(base, &id),
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 0,
        "OS-EXT-AZ:availability_zone": s.availability_zone.clone().unwrap_or_default(),
        "config_drive": if s.config_drive { "True" } else { "" },
        "key_name": s.key_name,
        "OS-SRV-USG:launched_at": s.launched_at.as_ref().map(time),
        "OS-SRV-USG:terminated_at": null,
        "OS-EXT-STS:task_state": s.task_state,
        "OS-EXT-STS:vm_state": s.vm_state,
        "OS-EXT-STS:power_state": s.power_state,
        "os-extended-volumes:volumes_attached": s.block_devices.0.iter()
            .map(|b| json!({"id": b.volume_id})).collect::<Vec<_>>(),
        "security_groups": s.security_groups.0.iter().map(|g| json!({"name": g})).collect::<Vec<_>>(),
    });
    if admin {
        v["OS-EXT-SRV-ATTR:host"] = json!(s.host);
        v["OS-EXT-SRV-ATTR:hypervisor_hostname"] = json!(s.host);
        v["OS-EXT-SRV-ATTR:instance_name"] = json!(format!("instance-{:08x}", s.seq));
    }
    if let Some(f) = &s.fault
        && s.vm_state == "error"
    {
        v["fault"] = f.0.clone();
    }
    v
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
#[utoipa::path(post, path = "/v2.1/servers", operation_id = "createServer", tag = "servers", request_body = Object,
    responses((status = 202, description = "The first server, building", body = Object),
        (status = 400, description = "Unknown image, flavor, network, key or bad input"),
        (status = 403, description = "Over quota")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    BaseUrl(base): BaseUrl,
    Json(body): Json<Value>,
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
            Json(json!({"reservation_id": first.reservation_id})),
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
    let body = json!({"server": {
        "id": id, "links": links(&base, &id), "OS-DCF:diskConfig": "MANUAL",
        "security_groups": first.security_groups.0.iter().map(|g| json!({"name": g})).collect::<Vec<_>>(),
        "adminPass": password,
    }});
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

fn next_link(base: &str, path: &str, servers: &[Server], limit: Option<&str>) -> Option<Value> {
    let limit: usize = limit?.parse().ok()?;
    if limit == 0 || servers.len() < limit {
        return None;
    }
    let last = servers.last()?;
    Some(json!([{"rel": "next",
        "href": format!("{base}/v2.1/{path}?limit={limit}&marker={}", last.id)}]))
}

/// The servers a listing finds, each shown by `show`, with the link to the
/// next page when the page is full.
async fn listing(
    app: &App,
    caller: &Caller,
    q: ServerQuery,
    base: &str,
    path: &str,
    show: impl Fn(&Server) -> Value,
) -> Result<Json<Value>, Error> {
    refuse_deleted(&q)?;
    let limit = q.limit.clone();
    let all = app.server_list(&caller.0, &q.into_query()).await?;
    let mut v = json!({"servers": all.iter().map(show).collect::<Vec<_>>()});
    if let Some(next) = next_link(base, path, &all, limit.as_deref()) {
        v["servers_links"] = next;
    }
    Ok(Json(v))
}

/// The caller's servers (all projects' for admins with `all_tenants`):
/// id, name and links, newest first.
#[utoipa::path(get, path = "/v2.1/servers", operation_id = "listServers", tag = "servers",
    responses((status = 200, description = "Servers", body = Object)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<ServerQuery>,
) -> Result<Json<Value>, Error> {
    listing(&app, &caller, q, &base, "servers", |s| {
        let id = s.id.to_string();
        json!({"id": id, "name": s.name, "links": links(&base, &id)})
    })
    .await
}

/// [`list`] with every server's details.
#[utoipa::path(get, path = "/v2.1/servers/detail", operation_id = "listServersDetail", tag = "servers",
    responses((status = 200, description = "Servers in detail", body = Object)))]
pub async fn detail(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<ServerQuery>,
) -> Result<Json<Value>, Error> {
    let admin = caller.is_admin();
    listing(&app, &caller, q, &base, "servers/detail", |s| {
        view(&base, s, admin)
    })
    .await
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}", operation_id = "showServer", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 200, description = "The server", body = Object),
        (status = 404, description = "No such server the caller may see")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let s = app.server_get(&caller.0, &id).await?;
    Ok(Json(json!({"server": view(&base, &s, caller.is_admin())})))
}

/// Renames a server or sets its access addresses.
#[utoipa::path(put, path = "/v2.1/servers/{server_id}", operation_id = "updateServer", tag = "servers",
    params(("server_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "The server", body = Object)))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let s = app.server_update(&caller.0, &id, &body).await?;
    Ok(Json(json!({"server": view(&base, &s, caller.is_admin())})))
}

/// Deletes a server: it goes once its host removed the instance.
#[utoipa::path(delete, path = "/v2.1/servers/{server_id}", operation_id = "deleteServer", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 204, description = "Deleting")))]
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
    params(("server_id" = String, Path)), request_body = Object,
    responses((status = 202, description = "Accepted"),
        (status = 200, description = "Console output", body = Object),
        (status = 409, description = "The server's state does not allow it")))]
pub async fn action(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Response, Error> {
    let Value::Object(m) = &body else {
        return Err(Error::bad_request("The action body must be an object."));
    };
    let Some((name, args)) = m.iter().next().filter(|_| m.len() == 1) else {
        return Err(Error::bad_request(
            "Exactly one action is expected in the body.",
        ));
    };
    let c = &caller.0;
    match name.as_str() {
        "os-stop" => app.server_stop(c, &ctx, &id).await?,
        "os-start" => app.server_start(c, &ctx, &id).await?,
        "reboot" => {
            let a = object(name, args)?;
            check_known(a, &["type"])?;
            let hard = match a.get("type").and_then(Value::as_str) {
                Some(t) if t.eq_ignore_ascii_case("HARD") => true,
                Some(t) if t.eq_ignore_ascii_case("SOFT") => false,
                _ => {
                    return Err(invalid(
                        "type",
                        a.get("type").unwrap_or(&Value::Null),
                        "must be one of 'SOFT', 'HARD'",
                    ));
                }
            };
            app.server_reboot(c, &ctx, &id, hard).await?;
        }
        "os-getConsoleOutput" => {
            let a = object(name, args)?;
            check_known(a, &["length"])?;
            let lines = match a.get("length") {
                None | Some(Value::Null) => None,
                Some(v) => {
                    let n = int("length", v, -1)?;
                    u32::try_from(n).ok()
                }
            };
            let output = app.server_console(c, &id, lines).await?;
            return Ok(Json(json!({"output": output})).into_response());
        }
        "rebuild" => {
            let a = object(name, args)?;
            let s = app.server_rebuild(c, &ctx, &id, a).await?;
            let mut v = view(&base, &s, caller.is_admin());
            v["status"] = json!("REBUILD");
            return Ok((StatusCode::ACCEPTED, Json(json!({"server": v}))).into_response());
        }
        "resize" => {
            let a = object(name, args)?;
            app.server_resize(c, &ctx, &id, a).await?;
        }
        "confirmResize" => {
            app.server_confirm_resize(c, &ctx, &id).await?;
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        "revertResize" => app.server_revert_resize(c, &ctx, &id).await?,
        "createImage" => {
            let a = object(name, args)?;
            let image = app.server_create_image(c, &ctx, &id, a).await?;
            let mut headers = HeaderMap::new();
            if let Ok(loc) = HeaderValue::from_str(&format!("{base}/images/{image}")) {
                headers.insert(header::LOCATION, loc);
            }
            return Ok((
                StatusCode::ACCEPTED,
                headers,
                Json(json!({"image_id": image})),
            )
                .into_response());
        }
        other => {
            return Err(Error::bad_request(format!(
                "There is no such action: {other}"
            )));
        }
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

fn object<'a>(name: &str, v: &'a Value) -> Result<&'a Map<String, Value>, Error> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match v {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(EMPTY.get_or_init(Map::new)),
        other => Err(invalid(
            name,
            other,
            format!("{other} is not of type 'object'"),
        )),
    }
}

fn action_view(a: &Action) -> Value {
    json!({
        "action": a.action, "instance_uuid": a.server_id, "request_id": a.request_id,
        "user_id": a.user_id, "project_id": a.project_id,
        "start_time": time(&a.start_time), "message": a.message,
    })
}

fn event_view(e: &ActionEvent) -> Value {
    json!({
        "event": e.event, "start_time": time(&e.start_time),
        "finish_time": e.finish_time.as_ref().map(time), "result": e.result,
        "traceback": e.traceback,
    })
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-instance-actions", operation_id = "listServerActions", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 200, description = "What was done to the server", body = Object)))]
pub async fn actions(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let all = app.server_actions(&caller.0, &id).await?;
    Ok(Json(
        json!({"instanceActions": all.iter().map(action_view).collect::<Vec<_>>()}),
    ))
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-instance-actions/{request_id}", operation_id = "showServerAction", tag = "servers",
    params(("server_id" = String, Path), ("request_id" = String, Path)),
    responses((status = 200, description = "One action with its events", body = Object)))]
pub async fn action_show(
    State(app): State<App>,
    caller: Caller,
    Path((id, request_id)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let (a, events) = app.server_action(&caller.0, &id, &request_id).await?;
    let mut v = action_view(&a);
    // Nova shows events' tracebacks to admins only.
    let admin = caller.is_admin();
    v["events"] = json!(
        events
            .iter()
            .map(|e| {
                let mut ev = event_view(e);
                if !admin {
                    ev.as_object_mut().map(|o| o.remove("traceback"));
                }
                ev
            })
            .collect::<Vec<_>>()
    );
    Ok(Json(json!({"instanceAction": v})))
}

fn attachment_view(server: &str, b: &crate::datastore::servers::BlockDevice) -> Value {
    json!({"id": b.volume_id, "serverId": server, "volumeId": b.volume_id, "device": b.device})
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-volume_attachments", operation_id = "listServerVolumeAttachments", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 200, description = "The server's volumes", body = Object)))]
pub async fn volumes(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let (s, bds) = app.server_volumes(&caller.0, &id).await?;
    let sid = s.id.to_string();
    Ok(Json(
        json!({"volumeAttachments": bds.iter().map(|b| attachment_view(&sid, b)).collect::<Vec<_>>()}),
    ))
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", operation_id = "showServerVolumeAttachment", tag = "servers",
    params(("server_id" = String, Path), ("volume_id" = String, Path)),
    responses((status = 200, description = "One attachment", body = Object),
        (status = 404, description = "Not attached")))]
pub async fn volume(
    State(app): State<App>,
    caller: Caller,
    Path((id, volume_id)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let (s, bds) = app.server_volumes(&caller.0, &id).await?;
    let b = bds
        .iter()
        .find(|b| b.volume_id == volume_id)
        .ok_or_else(|| Error::not_found(format!("volume_id not found: {volume_id}")))?;
    Ok(Json(
        json!({"volumeAttachment": attachment_view(&s.id.to_string(), b)}),
    ))
}

/// Attaches a volume of the storage service (`{"volumeAttachment":
/// {"volumeId": ...}}`); the host hot-plugs it.
#[utoipa::path(post, path = "/v2.1/servers/{server_id}/os-volume_attachments", operation_id = "attachServerVolume", tag = "servers",
    params(("server_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "The attachment", body = Object),
        (status = 400, description = "The volume is not available"),
        (status = 404, description = "No such server or volume")))]
pub async fn volume_attach(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let a = crate::app::input::member(&body, "volumeAttachment")?;
    check_known(a, &["volumeId", "device", "tag", "delete_on_termination"])?;
    let vid = a.get("volumeId").ok_or_else(|| {
        Error::bad_request(
            "Invalid input for field/attribute volumeAttachment. 'volumeId' is a required property",
        )
    })?;
    let volume_id = vid
        .as_str()
        .filter(|v| uuid::Uuid::parse_str(v).is_ok())
        .ok_or_else(|| invalid("volumeId", vid, format!("{vid} is not a 'uuid'")))?;
    let (s, b) = app
        .server_volume_attach(&caller.0, &ctx, &id, volume_id)
        .await?;
    Ok(Json(
        json!({"volumeAttachment": attachment_view(&s.id.to_string(), &b)}),
    ))
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
