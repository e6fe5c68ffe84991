//! `/v3/projects`: create, list, show, update (disabling revokes the
//! project's tokens), delete.

use super::common::{ListFilter, list_links, self_link};
use crate::app::App;
use crate::app::admin::Changes;
use crate::datastore::Project;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use stratus_api::identity as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

pub fn project_json(p: &Project, base: &str) -> api::Project {
    api::Project {
        id: p.id.clone(),
        name: p.name.clone(),
        domain_id: p.domain_id.clone(),
        description: p.description.clone(),
        enabled: p.enabled,
        parent_id: p.parent_id.clone().unwrap_or_else(|| p.domain_id.clone()),
        is_domain: false,
        tags: Vec::new(),
        options: Default::default(),
        links: self_link(base, &format!("/v3/projects/{}", p.id)),
    }
}

/// Creates a project (admin).
#[utoipa::path(post, path = "/v3/projects", operation_id = "createProject", tag = "projects", request_body = api::ProjectRequest,
    responses((status = 201, description = "Created", body = api::ProjectBody), (status = 403, description = "Not an admin"), (status = 409, description = "Name taken in the domain")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::ProjectRequest>,
) -> Result<(StatusCode, Json<api::ProjectBody>), Error> {
    let f = body.project;
    if f.is_domain {
        return Err(Error::bad_request(
            "Projects acting as domains are not supported; create a domain.",
        ));
    }
    let name = f
        .name
        .ok_or_else(|| Error::bad_request("Invalid input for field 'name': it is required."))?;
    // Keystone clients send the domain as parent of a top-level project.
    let parent_id = f.parent_id.filter(|p| Some(p) != f.domain_id.as_ref());
    let p = app
        .project_create(
            &caller.0,
            name,
            f.domain_id,
            f.description.unwrap_or_default(),
            f.enabled.unwrap_or(true),
            parent_id,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(api::ProjectBody {
            project: project_json(&p, &base),
        }),
    ))
}

/// Lists projects (admins all; others those they hold a role on).
#[utoipa::path(get, path = "/v3/projects", operation_id = "listProjects", tag = "projects",
    params(("name" = Option<String>, Query, description = "Filter by name"), ("domain_id" = Option<String>, Query, description = "Filter by domain"), ("enabled" = Option<bool>, Query, description = "Filter by state")),
    responses((status = 200, description = "The projects", body = api::ProjectList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(filter): Query<ListFilter>,
) -> Result<Json<api::ProjectList>, Error> {
    let projects = app
        .project_list(
            &caller.0,
            filter.name.as_deref(),
            filter.domain_id.as_deref(),
            filter.enabled()?,
        )
        .await?;
    Ok(Json(api::ProjectList {
        projects: projects
            .iter()
            .map(|p| project_json(p, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/projects"),
    }))
}

/// Shows a project.
#[utoipa::path(get, path = "/v3/projects/{project_id}", operation_id = "showProject", tag = "projects",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The project", body = api::ProjectBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::ProjectBody>, Error> {
    let p = app.project_visible(&caller.0, &id).await?;
    Ok(Json(api::ProjectBody {
        project: project_json(&p, &base),
    }))
}

/// Updates a project (admin).
#[utoipa::path(patch, path = "/v3/projects/{project_id}", operation_id = "updateProject", tag = "projects", request_body = api::ProjectRequest,
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "Updated", body = api::ProjectBody), (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::ProjectRequest>,
) -> Result<Json<api::ProjectBody>, Error> {
    let f = body.project;
    if f.domain_id.is_some() {
        return Err(Error::bad_request(
            "A project cannot move to another domain.",
        ));
    }
    let changes = Changes {
        name: f.name,
        description: f.description,
        enabled: f.enabled,
        ..Changes::default()
    };
    let p = app.project_update(&caller.0, &id, changes).await?;
    Ok(Json(api::ProjectBody {
        project: project_json(&p, &base),
    }))
}

/// Deletes a project (admin) and revokes its tokens.
#[utoipa::path(delete, path = "/v3/projects/{project_id}", operation_id = "deleteProject", tag = "projects",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.project_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The projects the caller may scope to (enabled, with a role on them).
#[utoipa::path(get, path = "/v3/auth/projects", operation_id = "listAuthProjects", tag = "auth",
    responses((status = 200, description = "The caller's projects", body = api::ProjectList), (status = 401, description = "Not authenticated")))]
pub async fn mine(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
) -> Result<Json<api::ProjectList>, Error> {
    let projects = app.projects_of_user(&caller.0.sub, Some(true)).await?;
    Ok(Json(api::ProjectList {
        projects: projects
            .iter()
            .map(|p| project_json(p, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/auth/projects"),
    }))
}

/// The projects a user holds a role on (admins any user; others themselves).
#[utoipa::path(get, path = "/v3/users/{user_id}/projects", operation_id = "listUserProjects", tag = "projects",
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 200, description = "The user's projects", body = api::ProjectList), (status = 404, description = "Not found")))]
pub async fn of_user(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::ProjectList>, Error> {
    app.user_visible(&caller.0, &id).await?;
    let projects = app.projects_of_user(&id, None).await?;
    Ok(Json(api::ProjectList {
        projects: projects
            .iter()
            .map(|p| project_json(p, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, &format!("/v3/users/{id}/projects")),
    }))
}
