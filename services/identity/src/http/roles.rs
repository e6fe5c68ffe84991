//! `/v3/roles`, the grants under `/v3/{projects,domains}/{id}/{users,groups}/{id}/roles/{role_id}`,
//! and `/v3/role_assignments`.

use super::common::{list_links, self_link};
use crate::app::App;
use crate::app::roles::{Grant, is_immutable};
use crate::datastore::{AssignmentFilter, AssignmentRow, RoleRow};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use stratus_api::identity as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

fn role_json(r: &RoleRow, base: &str) -> api::Role {
    let mut options = std::collections::BTreeMap::new();
    if is_immutable(r) {
        options.insert("immutable".to_owned(), json!(true));
    }
    api::Role {
        id: r.id.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        domain_id: None,
        options,
        links: self_link(base, &format!("/v3/roles/{}", r.id)),
    }
}

#[derive(Deserialize, Default)]
pub struct RoleFilter {
    name: Option<String>,
}

/// Lists roles.
#[utoipa::path(get, path = "/v3/roles", operation_id = "listRoles", tag = "roles",
    params(("name" = Option<String>, Query, description = "Filter by name")),
    responses((status = 200, description = "The roles", body = api::RoleList)))]
pub async fn list(
    State(app): State<App>,
    _caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(f): Query<RoleFilter>,
) -> Result<Json<api::RoleList>, Error> {
    let roles = app.role_list(f.name.as_deref()).await?;
    Ok(Json(api::RoleList {
        roles: roles
            .iter()
            .map(|r| role_json(r, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/roles"),
    }))
}

/// Creates a role (admin).
#[utoipa::path(post, path = "/v3/roles", operation_id = "createRole", tag = "roles", request_body = api::RoleRequest,
    responses((status = 201, description = "Created", body = api::RoleBody), (status = 409, description = "Name taken")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::RoleRequest>,
) -> Result<(StatusCode, Json<api::RoleBody>), Error> {
    let name = body
        .role
        .name
        .ok_or_else(|| Error::bad_request("Invalid input for field 'name': it is required."))?;
    let role = app
        .role_create(&caller.0, name, body.role.description.unwrap_or_default())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(api::RoleBody {
            role: role_json(&role, &base),
        }),
    ))
}

/// Shows a role.
#[utoipa::path(get, path = "/v3/roles/{role_id}", operation_id = "showRole", tag = "roles",
    params(("role_id" = String, Path, description = "The role")),
    responses((status = 200, description = "The role", body = api::RoleBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    _caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::RoleBody>, Error> {
    Ok(Json(api::RoleBody {
        role: role_json(&app.role_get(&id).await?, &base),
    }))
}

/// Renames or redescribes a role (admin; the default roles are immutable).
#[utoipa::path(patch, path = "/v3/roles/{role_id}", operation_id = "updateRole", tag = "roles", request_body = api::RoleRequest,
    params(("role_id" = String, Path, description = "The role")),
    responses((status = 200, description = "Updated", body = api::RoleBody), (status = 403, description = "A default role"),
              (status = 404, description = "Not found"), (status = 409, description = "Name taken")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::RoleRequest>,
) -> Result<Json<api::RoleBody>, Error> {
    let role = app
        .role_update(&caller.0, &id, body.role.name, body.role.description)
        .await?;
    Ok(Json(api::RoleBody {
        role: role_json(&role, &base),
    }))
}

/// Deletes a role and its assignments (admin), revoking the tokens that carry it.
#[utoipa::path(delete, path = "/v3/roles/{role_id}", operation_id = "deleteRole", tag = "roles",
    params(("role_id" = String, Path, description = "The role")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.role_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The grant a path names: `/v3/<projects|domains>/{t}/<users|groups>/{a}/roles/{r}`.
fn grant_of<'a>(uri: &'a str, ids: &'a (String, String, String)) -> Result<Grant<'a>, Error> {
    let mut parts = uri.trim_start_matches('/').split('/');
    let (target_type, actor_type) = match (parts.nth(1), parts.nth(1)) {
        (Some("projects"), Some("users")) => ("project", "user"),
        (Some("projects"), Some("groups")) => ("project", "group"),
        (Some("domains"), Some("users")) => ("domain", "user"),
        (Some("domains"), Some("groups")) => ("domain", "group"),
        _ => return Err(Error::not_found("The resource could not be found.")),
    };
    Ok(Grant {
        actor_type,
        actor_id: &ids.1,
        target_type,
        target_id: &ids.0,
        role_id: &ids.2,
    })
}

/// Grants a role to a user or group on a project or domain (admin).
#[utoipa::path(put, path = "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", operation_id = "grantProjectUserRole", tag = "roles",
    params(("project_id" = String, Path, description = "The project"), ("user_id" = String, Path, description = "The user"), ("role_id" = String, Path, description = "The role")),
    responses((status = 204, description = "Granted"), (status = 404, description = "Project, user or role not found")))]
pub async fn grant(
    State(app): State<App>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    Path(ids): Path<(String, String, String)>,
) -> Result<StatusCode, Error> {
    app.grant(&caller.0, grant_of(uri.path(), &ids)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a grant.
#[utoipa::path(head, path = "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", operation_id = "checkProjectUserRole", tag = "roles",
    params(("project_id" = String, Path, description = "The project"), ("user_id" = String, Path, description = "The user"), ("role_id" = String, Path, description = "The role")),
    responses((status = 204, description = "Granted"), (status = 404, description = "Not granted")))]
pub async fn check(
    State(app): State<App>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    Path(ids): Path<(String, String, String)>,
) -> Result<StatusCode, Error> {
    if app
        .grant_exists(&caller.0, grant_of(uri.path(), &ids)?)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found("Could not find the role assignment."))
    }
}

/// Removes a grant (admin) and revokes the tokens it had scoped.
#[utoipa::path(delete, path = "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", operation_id = "revokeProjectUserRole", tag = "roles",
    params(("project_id" = String, Path, description = "The project"), ("user_id" = String, Path, description = "The user"), ("role_id" = String, Path, description = "The role")),
    responses((status = 204, description = "Removed"), (status = 404, description = "Not granted")))]
pub async fn ungrant(
    State(app): State<App>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    Path(ids): Path<(String, String, String)>,
) -> Result<StatusCode, Error> {
    app.ungrant(&caller.0, grant_of(uri.path(), &ids)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn flag(q: &HashMap<String, String>, key: &str) -> Result<bool, Error> {
    match q.get(key).map(String::as_str) {
        None => Ok(false),
        // Keystone treats a bare `?effective` as true.
        Some("" | "1" | "true" | "True" | "TRUE" | "yes") => Ok(true),
        Some("0" | "false" | "False" | "FALSE" | "no") => Ok(false),
        Some(other) => Err(Error::bad_request(format!(
            "Invalid value for '{key}': {other:?}"
        ))),
    }
}

fn assignment_json(a: &AssignmentRow, names: bool, base: &str) -> api::RoleAssignment {
    let with_names = |id: &str, name: &Option<String>, domain: Option<api::AssignmentDomain>| {
        api::AssignmentRef {
            id: Some(id.to_owned()),
            name: names.then(|| name.clone()).flatten(),
            domain: domain.filter(|_| names),
        }
    };
    let domain = |id: &Option<String>, name: &Option<String>| api::AssignmentDomain {
        id: id.clone(),
        name: name.clone(),
    };
    let actor = with_names(
        &a.actor_id,
        &a.actor_name,
        Some(domain(&a.actor_domain_id, &a.actor_domain_name)),
    );
    let target = with_names(
        &a.target_id,
        &a.target_name,
        (a.target_type == "project").then(|| domain(&a.target_domain_id, &a.target_domain_name)),
    );
    let role = with_names(&a.role_id, &Some(a.role_name.clone()), None);
    let kinds = if a.target_type == "project" {
        "projects"
    } else {
        "domains"
    };
    let is_user = a.actor_type == "user";
    let actors = if is_user { "users" } else { "groups" };
    api::RoleAssignment {
        role,
        scope: [(a.target_type.clone(), target)].into(),
        links: [(
            "assignment".to_owned(),
            format!(
                "{base}/v3/{kinds}/{}/{actors}/{}/roles/{}",
                a.target_id, a.actor_id, a.role_id
            ),
        )]
        .into(),
        user: is_user.then(|| actor.clone()),
        group: (!is_user).then_some(actor),
    }
}

/// Lists role assignments, with Keystone's filters (`user.id`, `group.id`,
/// `role.id`, `scope.project.id`, `scope.domain.id`, `effective`,
/// `include_names`). Non-admins see their own.
#[utoipa::path(get, path = "/v3/role_assignments", operation_id = "listRoleAssignments", tag = "roles",
    responses((status = 200, description = "The assignments", body = api::RoleAssignmentList)))]
pub async fn assignments(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<api::RoleAssignmentList>, Error> {
    let filter = AssignmentFilter {
        user_id: q.get("user.id").map(String::as_str),
        group_id: q.get("group.id").map(String::as_str),
        role_id: q.get("role.id").map(String::as_str),
        project_id: q.get("scope.project.id").map(String::as_str),
        domain_id: q.get("scope.domain.id").map(String::as_str),
        effective: flag(&q, "effective")?,
    };
    let names = flag(&q, "include_names")?;
    let rows = app.assignment_list(&caller.0, filter).await?;
    Ok(Json(api::RoleAssignmentList {
        role_assignments: rows
            .iter()
            .map(|a| assignment_json(a, names, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/role_assignments"),
    }))
}
