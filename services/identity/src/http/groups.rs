//! `/v3/groups` and membership (`/v3/groups/{id}/users/{user_id}`,
//! `/v3/users/{id}/groups`).

use super::common::{ListFilter, list_links, self_link};
use super::users::user_json;
use crate::app::App;
use crate::app::admin::Changes;
use crate::datastore::Group;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use stratus_api::identity as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

fn group_json(g: &Group, base: &str) -> api::Group {
    api::Group {
        id: g.id.clone(),
        name: g.name.clone(),
        domain_id: g.domain_id.clone(),
        description: g.description.clone(),
        links: self_link(base, &format!("/v3/groups/{}", g.id)),
    }
}

fn groups_json(groups: &[Group], base: &str, path: &str) -> Json<api::GroupList> {
    Json(api::GroupList {
        groups: groups
            .iter()
            .map(|g| group_json(g, base))
            .collect::<Vec<_>>(),
        links: list_links(base, path),
    })
}

/// Creates a group (admin).
#[utoipa::path(post, path = "/v3/groups", operation_id = "createGroup", tag = "groups", request_body = api::GroupRequest,
    responses((status = 201, description = "Created", body = api::GroupBody), (status = 409, description = "Name taken in the domain")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::GroupRequest>,
) -> Result<(StatusCode, Json<api::GroupBody>), Error> {
    let f = body.group;
    let name = f
        .name
        .ok_or_else(|| Error::bad_request("Invalid input for field 'name': it is required."))?;
    let g = app
        .group_create(
            &caller.0,
            name,
            f.domain_id,
            f.description.unwrap_or_default(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(api::GroupBody {
            group: group_json(&g, &base),
        }),
    ))
}

/// Lists groups (admins all; others their own).
#[utoipa::path(get, path = "/v3/groups", operation_id = "listGroups", tag = "groups",
    params(("name" = Option<String>, Query, description = "Filter by name"), ("domain_id" = Option<String>, Query, description = "Filter by domain")),
    responses((status = 200, description = "The groups", body = api::GroupList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(filter): Query<ListFilter>,
) -> Result<Json<api::GroupList>, Error> {
    let groups = app
        .group_list(
            &caller.0,
            filter.name.as_deref(),
            filter.domain_id.as_deref(),
        )
        .await?;
    Ok(groups_json(&groups, &base, "/v3/groups"))
}

/// Shows a group.
#[utoipa::path(get, path = "/v3/groups/{group_id}", operation_id = "showGroup", tag = "groups",
    params(("group_id" = String, Path, description = "The group")),
    responses((status = 200, description = "The group", body = api::GroupBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::GroupBody>, Error> {
    Ok(Json(api::GroupBody {
        group: group_json(&app.group_visible(&caller.0, &id).await?, &base),
    }))
}

/// Updates a group (admin).
#[utoipa::path(patch, path = "/v3/groups/{group_id}", operation_id = "updateGroup", tag = "groups", request_body = api::GroupRequest,
    params(("group_id" = String, Path, description = "The group")),
    responses((status = 200, description = "Updated", body = api::GroupBody), (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::GroupRequest>,
) -> Result<Json<api::GroupBody>, Error> {
    let f = body.group;
    let changes = Changes {
        name: f.name,
        description: f.description,
        ..Changes::default()
    };
    Ok(Json(api::GroupBody {
        group: group_json(&app.group_update(&caller.0, &id, changes).await?, &base),
    }))
}

/// Deletes a group (admin); its members' tokens are revoked.
#[utoipa::path(delete, path = "/v3/groups/{group_id}", operation_id = "deleteGroup", tag = "groups",
    params(("group_id" = String, Path, description = "The group")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.group_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists a group's users.
#[utoipa::path(get, path = "/v3/groups/{group_id}/users", operation_id = "listGroupUsers", tag = "groups",
    params(("group_id" = String, Path, description = "The group")),
    responses((status = 200, description = "The members", body = api::UserList), (status = 404, description = "Not found")))]
pub async fn users(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::UserList>, Error> {
    let users = app.group_users(&caller.0, &id).await?;
    Ok(Json(api::UserList {
        users: users
            .iter()
            .map(|u| user_json(u, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, &format!("/v3/groups/{id}/users")),
    }))
}

/// Adds a user to a group (admin).
#[utoipa::path(put, path = "/v3/groups/{group_id}/users/{user_id}", operation_id = "addGroupUser", tag = "groups",
    params(("group_id" = String, Path, description = "The group"), ("user_id" = String, Path, description = "The user")),
    responses((status = 204, description = "Added"), (status = 404, description = "Group or user not found")))]
pub async fn add_user(
    State(app): State<App>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.group_add_user(&caller.0, &id, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks membership.
#[utoipa::path(head, path = "/v3/groups/{group_id}/users/{user_id}", operation_id = "checkGroupUser", tag = "groups",
    params(("group_id" = String, Path, description = "The group"), ("user_id" = String, Path, description = "The user")),
    responses((status = 204, description = "A member"), (status = 404, description = "Not a member")))]
pub async fn has_user(
    State(app): State<App>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    if app.group_has_user(&caller.0, &id, &user).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found(format!(
            "User {user} is not a member of group {id}."
        )))
    }
}

/// Removes a user from a group (admin); the user's tokens are revoked.
#[utoipa::path(delete, path = "/v3/groups/{group_id}/users/{user_id}", operation_id = "removeGroupUser", tag = "groups",
    params(("group_id" = String, Path, description = "The group"), ("user_id" = String, Path, description = "The user")),
    responses((status = 204, description = "Removed"), (status = 404, description = "Not a member")))]
pub async fn remove_user(
    State(app): State<App>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.group_remove_user(&caller.0, &id, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists the groups a user belongs to (admins any user; others themselves).
#[utoipa::path(get, path = "/v3/users/{user_id}/groups", operation_id = "listUserGroups", tag = "groups",
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 200, description = "The groups", body = api::GroupList), (status = 404, description = "Not found")))]
pub async fn of_user(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::GroupList>, Error> {
    app.user_visible(&caller.0, &id).await?;
    let groups = app.groups_of_user(&id).await?;
    Ok(groups_json(
        &groups,
        &base,
        &format!("/v3/users/{id}/groups"),
    ))
}
