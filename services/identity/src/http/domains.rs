//! `/v3/domains`: create, list, show, update, delete (a domain must be
//! disabled before it is deleted).

use super::common::{ListFilter, list_links, self_link};
use crate::app::App;
use crate::app::admin::Changes;
use crate::datastore::Domain;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use stratus_api::identity as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

fn domain_json(d: &Domain, base: &str) -> api::Domain {
    api::Domain {
        id: d.id.clone(),
        name: d.name.clone(),
        description: d.description.clone(),
        enabled: d.enabled,
        tags: Vec::new(),
        options: Default::default(),
        links: self_link(base, &format!("/v3/domains/{}", d.id)),
    }
}

/// Creates a domain (admin).
#[utoipa::path(post, path = "/v3/domains", operation_id = "createDomain", tag = "domains", request_body = api::DomainRequest,
    responses((status = 201, description = "Created", body = api::DomainBody), (status = 400, description = "No name"), (status = 403, description = "Not an admin"), (status = 409, description = "Name taken")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::DomainRequest>,
) -> Result<(StatusCode, Json<api::DomainBody>), Error> {
    let f = body.domain;
    let name = f
        .name
        .ok_or_else(|| Error::bad_request("Invalid input for field 'name': it is required."))?;
    let d = app
        .domain_create(
            &caller.0,
            name,
            f.description.unwrap_or_default(),
            f.enabled.unwrap_or(true),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(api::DomainBody {
            domain: domain_json(&d, &base),
        }),
    ))
}

/// Lists domains (admins all; others their own).
#[utoipa::path(get, path = "/v3/domains", operation_id = "listDomains", tag = "domains",
    params(("name" = Option<String>, Query, description = "Filter by name"), ("enabled" = Option<bool>, Query, description = "Filter by state")),
    responses((status = 200, description = "The domains", body = api::DomainList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(filter): Query<ListFilter>,
) -> Result<Json<api::DomainList>, Error> {
    let enabled = filter.enabled()?;
    let domains = app
        .domain_list(&caller.0, filter.name.as_deref(), enabled)
        .await?;
    Ok(Json(api::DomainList {
        domains: domains
            .iter()
            .map(|d| domain_json(d, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/domains"),
    }))
}

/// Shows a domain.
#[utoipa::path(get, path = "/v3/domains/{domain_id}", operation_id = "showDomain", tag = "domains",
    params(("domain_id" = String, Path, description = "The domain")),
    responses((status = 200, description = "The domain", body = api::DomainBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::DomainBody>, Error> {
    let d = app.domain_visible(&caller.0, &id).await?;
    Ok(Json(api::DomainBody {
        domain: domain_json(&d, &base),
    }))
}

/// Updates a domain (admin); disabling it revokes its tokens.
#[utoipa::path(patch, path = "/v3/domains/{domain_id}", operation_id = "updateDomain", tag = "domains", request_body = api::DomainRequest,
    params(("domain_id" = String, Path, description = "The domain")),
    responses((status = 200, description = "Updated", body = api::DomainBody), (status = 403, description = "Not an admin"), (status = 409, description = "Name taken"), (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::DomainRequest>,
) -> Result<Json<api::DomainBody>, Error> {
    let f = body.domain;
    let changes = Changes {
        name: f.name,
        description: f.description,
        enabled: f.enabled,
        ..Changes::default()
    };
    let d = app.domain_update(&caller.0, &id, changes).await?;
    Ok(Json(api::DomainBody {
        domain: domain_json(&d, &base),
    }))
}

/// Deletes a disabled domain (admin).
#[utoipa::path(delete, path = "/v3/domains/{domain_id}", operation_id = "deleteDomain", tag = "domains",
    params(("domain_id" = String, Path, description = "The domain")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Still enabled"), (status = 404, description = "Not found")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.domain_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The domains the caller may scope to (enabled, with a role on them).
#[utoipa::path(get, path = "/v3/auth/domains", operation_id = "listAuthDomains", tag = "auth",
    responses((status = 200, description = "The caller's domains", body = api::DomainList), (status = 401, description = "Not authenticated")))]
pub async fn mine(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
) -> Result<Json<api::DomainList>, Error> {
    let domains = app.domains_of_user(&caller.0.sub).await?;
    Ok(Json(api::DomainList {
        domains: domains
            .iter()
            .map(|d| domain_json(d, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/auth/domains"),
    }))
}
