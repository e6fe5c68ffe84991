//! `/v2.1/servers/{id}/os-interface`: a server's ports, attached and
//! detached while it runs (or is stopped).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use stratus_api::compute as api;
use stratus_bus_protocol::network::{PortRequest, ServerPort};
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;
use stratus_http::context::Context;

use crate::app::App;

fn view(p: &ServerPort) -> api::InterfaceAttachment {
    api::InterfaceAttachment {
        port_state: p.status.clone(),
        fixed_ips: p
            .fixed_ips
            .iter()
            .enumerate()
            .map(|(i, ip)| api::InterfaceFixedIp {
                subnet_id: p.subnet_ids.get(i).cloned().unwrap_or_default(),
                ip_address: ip.clone(),
            })
            .collect(),
        port_id: p.port_id.clone(),
        net_id: p.network_id.clone(),
        mac_addr: p.mac_address.clone(),
    }
}

fn uuid(field: &str, v: &str) -> Result<String, Error> {
    uuid::Uuid::parse_str(v)
        .map(|u| u.to_string())
        .map_err(|_| {
            Error::bad_request(format!(
                "Invalid input for field/attribute {field}. Value: {v}. {v:?} is not a 'uuid'"
            ))
        })
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-interface", operation_id = "listServerInterfaces", tag = "servers",
    params(("server_id" = String, Path)),
    responses((status = 200, description = "The server's ports", body = api::InterfaceAttachmentList),
        (status = 404, description = "No such server the caller may see")))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::InterfaceAttachmentList>, Error> {
    let ports = app.server_interfaces(&caller.0, &id).await?;
    Ok(Json(api::InterfaceAttachmentList {
        interface_attachments: ports.iter().map(view).collect(),
    }))
}

#[utoipa::path(get, path = "/v2.1/servers/{server_id}/os-interface/{port_id}", operation_id = "showServerInterface", tag = "servers",
    params(("server_id" = String, Path), ("port_id" = String, Path)),
    responses((status = 200, description = "One port", body = api::InterfaceAttachmentBody),
        (status = 404, description = "Not attached")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path((id, port_id)): Path<(String, String)>,
) -> Result<Json<api::InterfaceAttachmentBody>, Error> {
    let ports = app.server_interfaces(&caller.0, &id).await?;
    let p = ports.iter().find(|p| p.port_id == port_id).ok_or_else(|| {
        Error::not_found(format!("Port {port_id} is not attached to instance {id}."))
    })?;
    Ok(Json(api::InterfaceAttachmentBody {
        interface_attachment: view(p),
    }))
}

/// Attaches a port (`port_id`), or a new port on a network (`net_id`, with
/// at most one `fixed_ips` address); the host hot-plugs it.
#[utoipa::path(post, path = "/v2.1/servers/{server_id}/os-interface", operation_id = "attachServerInterface", tag = "servers",
    params(("server_id" = String, Path)), request_body = api::InterfaceAttachBody,
    responses((status = 200, description = "The attached port", body = api::InterfaceAttachmentBody),
        (status = 400, description = "Neither or both of port_id and net_id, a bad address, an unknown network or port"),
        (status = 404, description = "No such server"),
        (status = 409, description = "The server is busy, or the port is in use")))]
pub async fn attach(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    Path(id): Path<String>,
    Json(body): Json<api::InterfaceAttachBody>,
) -> Result<Json<api::InterfaceAttachmentBody>, Error> {
    let a = body.interface_attachment;
    let fixed_ip = match a.fixed_ips.as_deref() {
        None | Some([]) => None,
        Some([one]) => Some(one.ip_address.clone()),
        Some(_) => {
            return Err(Error::bad_request(
                "Invalid input for field/attribute fixed_ips: at most one address.",
            ));
        }
    };
    let request = match (&a.port_id, &a.net_id) {
        (Some(p), None) if fixed_ip.is_none() => PortRequest {
            port_id: Some(uuid("port_id", p)?),
            ..Default::default()
        },
        (None, Some(n)) => PortRequest {
            network_id: Some(uuid("net_id", n)?),
            fixed_ip,
            ..Default::default()
        },
        (Some(_), None) => {
            return Err(Error::bad_request(
                "fixed_ips goes with net_id: a port has its addresses.",
            ));
        }
        _ => {
            return Err(Error::bad_request("Must input one of port_id or net_id."));
        }
    };
    let port = app
        .server_interface_attach(&caller.0, &ctx, &id, request)
        .await?;
    Ok(Json(api::InterfaceAttachmentBody {
        interface_attachment: view(&port),
    }))
}

#[utoipa::path(delete, path = "/v2.1/servers/{server_id}/os-interface/{port_id}", operation_id = "detachServerInterface", tag = "servers",
    params(("server_id" = String, Path), ("port_id" = String, Path)),
    responses((status = 202, description = "Detached"),
        (status = 404, description = "Not attached"),
        (status = 409, description = "The server is busy")))]
pub async fn detach(
    State(app): State<App>,
    caller: Caller,
    Context(ctx): Context,
    Path((id, port_id)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.server_interface_detach(&caller.0, &ctx, &id, &port_id)
        .await?;
    Ok(StatusCode::ACCEPTED)
}
