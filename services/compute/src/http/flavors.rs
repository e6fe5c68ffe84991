//! `/v2.1/flavors`, their `os-extra_specs` and `os-flavor-access`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

use crate::app::App;
use crate::app::flavors::ListQuery;
use crate::app::input::member;
use crate::datastore::Flavor;

fn links(base: &str, id: &str) -> Value {
    json!([
        {"rel": "self", "href": format!("{base}/v2.1/flavors/{id}")},
        {"rel": "bookmark", "href": format!("{base}/flavors/{id}")},
    ])
}

/// A flavor as Nova shows it at 2.1 (`swap` is `""` when 0).
pub fn view(base: &str, f: &Flavor) -> Value {
    json!({
        "id": f.id, "name": f.name, "ram": f.ram_mb, "disk": f.disk_gb, "vcpus": f.vcpus,
        "swap": if f.swap_mb == 0 { json!("") } else { json!(f.swap_mb) },
        "OS-FLV-EXT-DATA:ephemeral": f.ephemeral_gb,
        "OS-FLV-DISABLED:disabled": false,
        "rxtx_factor": f.rxtx_factor,
        "os-flavor-access:is_public": f.is_public,
        "links": links(base, &f.id),
    })
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
#[utoipa::path(post, path = "/v2.1/flavors", operation_id = "createFlavor", tag = "flavors", request_body = Object,
    responses((status = 200, description = "The flavor", body = Object),
        (status = 409, description = "Its id or name is taken")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let f = app
        .flavor_create(&caller.0, member(&body, "flavor")?)
        .await?;
    Ok(Json(json!({"flavor": view(&base, &f)})))
}

/// Flavors the caller may use: id, name and links.
#[utoipa::path(get, path = "/v2.1/flavors", operation_id = "listFlavors", tag = "flavors",
    responses((status = 200, description = "Flavors", body = Object)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<FlavorQuery>,
) -> Result<Json<Value>, Error> {
    let all = app.flavor_list(&caller.0, &q.into()).await?;
    let items: Vec<Value> = all
        .iter()
        .map(|f| json!({"id": f.id, "name": f.name, "links": links(&base, &f.id)}))
        .collect();
    Ok(Json(json!({"flavors": items})))
}

/// Flavors the caller may use, in full.
#[utoipa::path(get, path = "/v2.1/flavors/detail", operation_id = "listFlavorsDetail", tag = "flavors",
    responses((status = 200, description = "Flavors", body = Object)))]
pub async fn detail(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<FlavorQuery>,
) -> Result<Json<Value>, Error> {
    let all = app.flavor_list(&caller.0, &q.into()).await?;
    Ok(Json(
        json!({"flavors": all.iter().map(|f| view(&base, f)).collect::<Vec<_>>()}),
    ))
}

#[utoipa::path(get, path = "/v2.1/flavors/{flavor_id}", operation_id = "showFlavor", tag = "flavors",
    params(("flavor_id" = String, Path)),
    responses((status = 200, description = "The flavor", body = Object),
        (status = 404, description = "No such flavor, or a private one of others")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let f = app.flavor_get(&caller.0, &id).await?;
    Ok(Json(json!({"flavor": view(&base, &f)})))
}

/// Deletes a flavor (admins).
#[utoipa::path(delete, path = "/v2.1/flavors/{flavor_id}", operation_id = "deleteFlavor", tag = "flavors",
    params(("flavor_id" = String, Path)),
    responses((status = 202, description = "Deleted")))]
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
    responses((status = 200, description = "The flavor's extra specs", body = Object)))]
pub async fn specs(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let specs = app.extra_specs(&caller.0, &id).await?;
    Ok(Json(json!({"extra_specs": specs})))
}

/// Sets extra specs (admins).
#[utoipa::path(post, path = "/v2.1/flavors/{flavor_id}/os-extra_specs", operation_id = "createFlavorExtraSpecs", tag = "flavors",
    params(("flavor_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "The specs set", body = Object)))]
pub async fn specs_set(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let specs = member(&body, "extra_specs")?;
    let set = app.extra_specs_set(&caller.0, &id, specs).await?;
    Ok(Json(json!({"extra_specs": set})))
}

#[utoipa::path(get, path = "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", operation_id = "showFlavorExtraSpec", tag = "flavors",
    params(("flavor_id" = String, Path), ("key" = String, Path)),
    responses((status = 200, description = "The spec", body = Object)))]
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
    params(("flavor_id" = String, Path), ("key" = String, Path)), request_body = Object,
    responses((status = 200, description = "The spec", body = Object)))]
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
    responses((status = 200, description = "Deleted")))]
pub async fn spec_delete(
    State(app): State<App>,
    caller: Caller,
    Path((id, key)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.extra_spec_delete(&caller.0, &id, &key).await?;
    Ok(StatusCode::OK)
}

fn access_view(id: &str, projects: &[String]) -> Value {
    json!({"flavor_access": projects.iter()
        .map(|p| json!({"flavor_id": id, "tenant_id": p}))
        .collect::<Vec<_>>()})
}

/// Projects that may use a private flavor (admins).
#[utoipa::path(get, path = "/v2.1/flavors/{flavor_id}/os-flavor-access", operation_id = "listFlavorAccess", tag = "flavors",
    params(("flavor_id" = String, Path)),
    responses((status = 200, description = "The access list", body = Object)))]
pub async fn access(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let projects = app.flavor_access(&caller.0, &id).await?;
    Ok(Json(access_view(&id, &projects)))
}

/// `addTenantAccess` or `removeTenantAccess` (admins).
#[utoipa::path(post, path = "/v2.1/flavors/{flavor_id}/action", operation_id = "flavorAction", tag = "flavors",
    params(("flavor_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "The access list after", body = Object)))]
pub async fn action(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let tenant = |inner: &Map<String, Value>| -> Result<String, Error> {
        match inner.get("tenant") {
            Some(Value::String(t)) if !t.is_empty() && t.len() <= 255 => Ok(t.clone()),
            Some(other) => Err(crate::app::input::invalid(
                "tenant",
                other,
                "must be a string of 1 to 255 characters",
            )),
            None => Err(Error::bad_request(
                "Invalid input for field/attribute. 'tenant' is a required property",
            )),
        }
    };
    let projects = if body.get("addTenantAccess").is_some() {
        let t = tenant(member(&body, "addTenantAccess")?)?;
        app.flavor_access_add(&caller.0, &id, &t).await?
    } else if body.get("removeTenantAccess").is_some() {
        let t = tenant(member(&body, "removeTenantAccess")?)?;
        app.flavor_access_remove(&caller.0, &id, &t).await?
    } else {
        return Err(Error::bad_request(
            "There is no such action: the body names addTenantAccess or removeTenantAccess.",
        ));
    };
    Ok(Json(access_view(&id, &projects)))
}
