//! `/v2.1/flavors`, their `os-extra_specs` and `os-flavor-access`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stratus_api::compute as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

use crate::app::App;
use crate::app::flavors::ListQuery;
use crate::datastore::Flavor;

fn links(base: &str, id: &str) -> Vec<api::Link> {
    vec![
        api::Link {
            rel: "self".into(),
            href: format!("{base}/v2.1/flavors/{id}"),
        },
        api::Link {
            rel: "bookmark".into(),
            href: format!("{base}/flavors/{id}"),
        },
    ]
}

/// A flavor as Nova shows it at 2.1 (`swap` is `""` when 0).
pub fn view(base: &str, f: &Flavor) -> api::Flavor {
    api::Flavor {
        id: f.id.clone(),
        name: f.name.clone(),
        ram: f.ram_mb.into(),
        disk: f.disk_gb.into(),
        vcpus: f.vcpus.into(),
        swap: if f.swap_mb == 0 {
            json!("")
        } else {
            json!(f.swap_mb)
        },
        ephemeral: f.ephemeral_gb.into(),
        disabled: false,
        rxtx_factor: f.rxtx_factor,
        is_public: f.is_public,
        links: links(base, &f.id),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FlavorQuery {
    is_public: Option<String>,
    #[serde(rename = "minRam")]
    min_ram: Option<String>,
    #[serde(rename = "minDisk")]
    min_disk: Option<String>,
    limit: Option<String>,
    marker: Option<String>,
}

impl From<FlavorQuery> for ListQuery {
    fn from(q: FlavorQuery) -> Self {
        ListQuery {
            is_public: q.is_public,
            min_ram: q.min_ram,
            min_disk: q.min_disk,
            limit: q.limit,
            marker: q.marker,
        }
    }
}

/// Creates a flavor (admins).
#[utoipa::path(post, path = "/v2.1/flavors", operation_id = "createFlavor", tag = "flavors", request_body = api::FlavorCreateBody,
    responses((status = 200, description = "The flavor", body = api::FlavorBody), (status = 400, description = "A bad attribute"),
        (status = 403, description = "Not an admin"), (status = 409, description = "Its id or name is taken")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::FlavorCreateBody>,
) -> Result<Json<api::FlavorBody>, Error> {
    let f = app.flavor_create(&caller.0, &body.flavor).await?;
    Ok(Json(api::FlavorBody {
        flavor: view(&base, &f),
    }))
}

/// Flavors the caller may use: id, name and links.
#[utoipa::path(get, path = "/v2.1/flavors", operation_id = "listFlavors", tag = "flavors",
    params(api::FlavorQuery),
    responses((status = 200, description = "Flavors", body = api::FlavorSummaryList), (status = 400, description = "A bad filter")))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<FlavorQuery>,
) -> Result<Json<api::FlavorSummaryList>, Error> {
    let all = app.flavor_list(&caller.0, &q.into()).await?;
    Ok(Json(api::FlavorSummaryList {
        flavors: all
            .iter()
            .map(|f| api::FlavorSummary {
                id: f.id.clone(),
                name: f.name.clone(),
                links: links(&base, &f.id),
            })
            .collect(),
    }))
}

/// Flavors the caller may use, in full.
#[utoipa::path(get, path = "/v2.1/flavors/detail", operation_id = "listFlavorsDetail", tag = "flavors",
    params(api::FlavorQuery),
    responses((status = 200, description = "Flavors", body = api::FlavorList), (status = 400, description = "A bad filter")))]
pub async fn detail(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<FlavorQuery>,
) -> Result<Json<api::FlavorList>, Error> {
    let all = app.flavor_list(&caller.0, &q.into()).await?;
    Ok(Json(api::FlavorList {
        flavors: all.iter().map(|f| view(&base, f)).collect(),
    }))
}

#[utoipa::path(get, path = "/v2.1/flavors/{flavor_id}", operation_id = "showFlavor", tag = "flavors",
    params(("flavor_id" = String, Path)),
    responses((status = 200, description = "The flavor", body = api::FlavorBody),
        (status = 404, description = "No such flavor, or a private one of others")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::FlavorBody>, Error> {
    let f = app.flavor_get(&caller.0, &id).await?;
    Ok(Json(api::FlavorBody {
        flavor: view(&base, &f),
    }))
}

/// Deletes a flavor (admins).
#[utoipa::path(delete, path = "/v2.1/flavors/{flavor_id}", operation_id = "deleteFlavor", tag = "flavors",
    params(("flavor_id" = String, Path)),
    responses((status = 202, description = "Deleted"), (status = 403, description = "Not an admin"),
        (status = 404, description = "No such flavor")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.flavor_delete(&caller.0, &id).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(get, path = "/v2.1/flavors/{flavor_id}/os-extra_specs", operation_id = "listFlavorExtraSpecs", tag = "flavors",
    params(("flavor_id" = String, Path)),
    responses((status = 200, description = "The flavor's extra specs", body = api::ExtraSpecs),
        (status = 404, description = "No such flavor")))]
pub async fn specs(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::ExtraSpecs>, Error> {
    let specs = app.extra_specs(&caller.0, &id).await?;
    Ok(Json(api::ExtraSpecs {
        extra_specs: strings(specs),
    }))
}

fn strings(specs: Map<String, Value>) -> std::collections::BTreeMap<String, String> {
    specs
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect()
}

/// Sets extra specs (admins).
#[utoipa::path(post, path = "/v2.1/flavors/{flavor_id}/os-extra_specs", operation_id = "createFlavorExtraSpecs", tag = "flavors",
    params(("flavor_id" = String, Path)), request_body = api::ExtraSpecsSet,
    responses((status = 200, description = "The specs set", body = api::ExtraSpecs), (status = 400, description = "A bad key or value"),
        (status = 403, description = "Not an admin"), (status = 404, description = "No such flavor")))]
pub async fn specs_set(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::ExtraSpecsSet>,
) -> Result<Json<api::ExtraSpecs>, Error> {
    let set = app
        .extra_specs_set(&caller.0, &id, &body.extra_specs)
        .await?;
    Ok(Json(api::ExtraSpecs {
        extra_specs: strings(set),
    }))
}

#[utoipa::path(get, path = "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", operation_id = "showFlavorExtraSpec", tag = "flavors",
    params(("flavor_id" = String, Path), ("key" = String, Path)),
    responses((status = 200, description = "The spec, under its key", body = std::collections::BTreeMap<String, String>),
        (status = 404, description = "No such flavor or key")))]
pub async fn spec(
    State(app): State<App>,
    caller: Caller,
    Path((id, key)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let specs = app.extra_specs(&caller.0, &id).await?;
    let value = specs.get(&key).ok_or_else(|| {
        Error::not_found(format!("Flavor {id} has no extra specs with key {key}."))
    })?;
    Ok(Json(json!({ key: value })))
}

/// Sets one extra spec (admins); the body names that key alone.
#[utoipa::path(put, path = "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", operation_id = "updateFlavorExtraSpec", tag = "flavors",
    params(("flavor_id" = String, Path), ("key" = String, Path)),
    request_body(content = std::collections::BTreeMap<String, String>, description = "The spec, under its key (and nothing else)"),
    responses((status = 200, description = "The spec, under its key", body = std::collections::BTreeMap<String, String>),
        (status = 400, description = "Another key, or more than one"), (status = 403, description = "Not an admin"),
        (status = 404, description = "No such flavor")))]
pub async fn spec_set(
    State(app): State<App>,
    caller: Caller,
    Path((id, key)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let Value::Object(map) = body else {
        return Err(Error::bad_request("The request body must be an object."));
    };
    if map.len() > 1 {
        return Err(Error::bad_request("Request body contains too many items"));
    }
    if !map.contains_key(&key) {
        return Err(Error::bad_request("Request body and URI mismatch"));
    }
    let set = app.extra_specs_set(&caller.0, &id, &map).await?;
    Ok(Json(Value::Object(set)))
}

#[utoipa::path(delete, path = "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", operation_id = "deleteFlavorExtraSpec", tag = "flavors",
    params(("flavor_id" = String, Path), ("key" = String, Path)),
    responses((status = 200, description = "Deleted"), (status = 403, description = "Not an admin"),
        (status = 404, description = "No such flavor or key")))]
pub async fn spec_delete(
    State(app): State<App>,
    caller: Caller,
    Path((id, key)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.extra_spec_delete(&caller.0, &id, &key).await?;
    Ok(StatusCode::OK)
}

fn access_view(id: &str, projects: &[String]) -> api::FlavorAccessList {
    api::FlavorAccessList {
        flavor_access: projects
            .iter()
            .map(|p| api::FlavorAccess {
                flavor_id: id.to_owned(),
                tenant_id: p.clone(),
            })
            .collect(),
    }
}

/// Projects that may use a private flavor (admins).
#[utoipa::path(get, path = "/v2.1/flavors/{flavor_id}/os-flavor-access", operation_id = "listFlavorAccess", tag = "flavors",
    params(("flavor_id" = String, Path)),
    responses((status = 200, description = "The access list", body = api::FlavorAccessList),
        (status = 403, description = "Not an admin"), (status = 404, description = "No such flavor")))]
pub async fn access(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::FlavorAccessList>, Error> {
    let projects = app.flavor_access(&caller.0, &id).await?;
    Ok(Json(access_view(&id, &projects)))
}

/// `addTenantAccess` or `removeTenantAccess` (admins).
#[utoipa::path(post, path = "/v2.1/flavors/{flavor_id}/action", operation_id = "flavorAction", tag = "flavors",
    params(("flavor_id" = String, Path)), request_body = api::FlavorAction,
    responses((status = 200, description = "The access list after", body = api::FlavorAccessList),
        (status = 400, description = "A bad tenant"), (status = 403, description = "Not an admin"),
        (status = 404, description = "No such flavor"), (status = 409, description = "Already has access")))]
pub async fn action(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::FlavorAction>,
) -> Result<Json<api::FlavorAccessList>, Error> {
    let tenant = |t: &api::TenantAccess| -> Result<String, Error> {
        if t.tenant.is_empty() || t.tenant.len() > 255 {
            return Err(crate::app::input::invalid(
                "tenant",
                &Value::String(t.tenant.clone()),
                "must be a string of 1 to 255 characters",
            ));
        }
        Ok(t.tenant.clone())
    };
    let projects = match &body {
        api::FlavorAction::AddTenantAccess(t) => {
            app.flavor_access_add(&caller.0, &id, &tenant(t)?).await?
        }
        api::FlavorAction::RemoveTenantAccess(t) => {
            app.flavor_access_remove(&caller.0, &id, &tenant(t)?)
                .await?
        }
    };
    Ok(Json(access_view(&id, &projects)))
}
