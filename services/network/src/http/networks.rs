//! `/v2.0/networks` and `/v2.0/extensions`.

use super::common::{self, time};
use crate::app::App;
use crate::datastore::Network;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use stratus_api::network as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

/// Networks as Neutron shows them, each with its subnets' ids.
async fn views(app: &App, networks: &[Network], admin: bool) -> Result<Vec<api::Network>, Error> {
    let ids: Vec<String> = networks.iter().map(|n| n.id.clone()).collect();
    let subnets = app.subnets_of(&ids).await?;
    Ok(networks
        .iter()
        .map(|n| {
            let mut v = view(n, admin);
            v.subnets = subnets
                .iter()
                .filter(|s| s.network_id == n.id)
                .map(|s| s.id.clone())
                .collect();
            v
        })
        .collect())
}

/// A network as Neutron shows it; provider attributes to admins only.
pub fn view(n: &Network, admin: bool) -> api::Network {
    api::Network {
        id: n.id.clone(),
        name: n.name.clone(),
        description: n.description.clone(),
        tenant_id: n.project_id.clone(),
        project_id: n.project_id.clone(),
        admin_state_up: n.admin_state_up,
        status: "ACTIVE".into(),
        subnets: Vec::new(),
        shared: n.shared,
        router_external: n.external,
        mtu: n.mtu.into(),
        port_security_enabled: n.port_security_enabled,
        availability_zone_hints: Vec::new(),
        availability_zones: vec!["nova".into()],
        ipv4_address_scope: None,
        ipv6_address_scope: None,
        tags: Vec::new(),
        is_default: false,
        revision_number: n.revision_number.into(),
        created_at: time(&n.created_at),
        updated_at: time(&n.updated_at),
        provider_network_type: admin.then(|| n.network_type.clone()),
        provider_physical_network: admin.then(|| n.physical_network.clone()),
        provider_segmentation_id: admin.then(|| n.segmentation_id.map(i64::from)),
    }
}

/// Creates a network.
#[utoipa::path(post, path = "/v2.0/networks", operation_id = "createNetwork", tag = "networks",
    request_body = api::NetworkCreateBody,
    responses((status = 201, description = "Created", body = api::NetworkBody), (status = 400, description = "Bad attribute"),
              (status = 403, description = "Provider, shared or external attributes without admin"),
              (status = 409, description = "Segment in use")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::NetworkCreateBody>,
) -> Result<(StatusCode, Json<api::NetworkBody>), Error> {
    let n = app.network_create(&caller.0, &body.network).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::NetworkBody {
            network: view(&n, caller.is_admin()),
        }),
    ))
}

/// Lists the networks the caller may see, with filters on any attribute,
/// `fields=` and `limit`/`marker`.
#[utoipa::path(get, path = "/v2.0/networks", operation_id = "listNetworks", tag = "networks",
    params(api::ListQuery),
    responses((status = 200, description = "The networks", body = api::NetworkList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let admin = caller.is_admin();
    let items = views(&app, &app.network_list(&caller.0).await?, admin).await?;
    Ok(Json(common::list(
        "networks",
        items,
        &query,
        &format!("{base}/v2.0/networks"),
    )?))
}

/// Shows a network.
#[utoipa::path(get, path = "/v2.0/networks/{network_id}", operation_id = "showNetwork", tag = "networks",
    params(("network_id" = String, Path, description = "The network")),
    responses((status = 200, description = "The network", body = api::NetworkBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let n = app.network_get(&caller.0, &id).await?;
    let v = views(&app, std::slice::from_ref(&n), caller.is_admin())
        .await?
        .remove(0);
    Ok(Json(json!({"network": common::trim(v, &query)})))
}

/// Updates a network.
#[utoipa::path(put, path = "/v2.0/networks/{network_id}", operation_id = "updateNetwork", tag = "networks",
    request_body = api::NetworkUpdateBody,
    params(("network_id" = String, Path, description = "The network")),
    responses((status = 200, description = "Updated", body = api::NetworkBody), (status = 400, description = "Bad attribute"),
              (status = 403, description = "Not the owner"), (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::NetworkUpdateBody>,
) -> Result<Json<api::NetworkBody>, Error> {
    let n = app.network_update(&caller.0, &id, &body.network).await?;
    let network = views(&app, std::slice::from_ref(&n), caller.is_admin())
        .await?
        .remove(0);
    Ok(Json(api::NetworkBody { network }))
}

/// Deletes a network.
#[utoipa::path(delete, path = "/v2.0/networks/{network_id}", operation_id = "deleteNetwork", tag = "networks",
    params(("network_id" = String, Path, description = "The network")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Not the owner"),
              (status = 404, description = "Not found"), (status = 409, description = "Ports still on it")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.network_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The API extensions served: (alias, name, description).
pub const EXTENSIONS: &[(&str, &str, &str)] = &[
    (
        "provider",
        "Provider Network",
        "Expose mapping of virtual networks to physical networks",
    ),
    (
        "external-net",
        "Neutron external network",
        "Adds external network attribute to network resource.",
    ),
    (
        "network-mtu",
        "Network MTU",
        "Provides MTU attribute for a network resource.",
    ),
    ("port-security", "Port Security", "Provides port security"),
    (
        "quotas",
        "Quota management support",
        "Expose functions for quotas management per project",
    ),
    (
        "quota_details",
        "Quota details management support",
        "Expose functions for quotas usage statistics per project",
    ),
    (
        "router",
        "Neutron L3 Router",
        "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.",
    ),
    (
        "ext-gw-mode",
        "Neutron L3 Configurable external gateway mode",
        "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway",
    ),
    (
        "security-group",
        "security-group",
        "The security groups extension.",
    ),
    (
        "project-id",
        "project_id field enabled",
        "Extension that indicates that project_id field is enabled.",
    ),
    (
        "standard-attr-description",
        "standard-attr-description",
        "Extension to add descriptions to standard attributes",
    ),
    (
        "standard-attr-revisions",
        "Resource revision numbers",
        "This extension will display the revision number of neutron resources.",
    ),
    (
        "standard-attr-timestamp",
        "Resource timestamps",
        "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.",
    ),
];

fn extension_view(alias: &str, name: &str, description: &str) -> api::Extension {
    api::Extension {
        alias: alias.into(),
        name: name.into(),
        description: description.into(),
        updated: "2013-01-20T00:00:00-00:00".into(),
        links: Vec::new(),
    }
}

/// Lists the API extensions served.
#[utoipa::path(get, path = "/v2.0/extensions", operation_id = "listExtensions", tag = "extensions",
    responses((status = 200, description = "The extensions", body = api::ExtensionList)))]
pub async fn extensions(_caller: Caller) -> Json<api::ExtensionList> {
    Json(api::ExtensionList {
        extensions: EXTENSIONS
            .iter()
            .map(|(a, n, d)| extension_view(a, n, d))
            .collect(),
    })
}

/// Shows one extension; 404 for those not served.
#[utoipa::path(get, path = "/v2.0/extensions/{alias}", operation_id = "showExtension", tag = "extensions",
    params(("alias" = String, Path, description = "The extension's alias")),
    responses((status = 200, description = "The extension", body = api::ExtensionBody), (status = 404, description = "Not served")))]
pub async fn extension(
    _caller: Caller,
    Path(alias): Path<String>,
) -> Result<Json<api::ExtensionBody>, Error> {
    EXTENSIONS
        .iter()
        .find(|(a, _, _)| *a == alias)
        .map(|(a, n, d)| {
            Json(api::ExtensionBody {
                extension: extension_view(a, n, d),
            })
        })
        .ok_or_else(|| {
            Error::not_found(format!("Extension with alias {alias} does not exist"))
                .with_type("ExtensionNotFound")
        })
}
