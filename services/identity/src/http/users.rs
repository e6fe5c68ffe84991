//! `/v3/users`: create, list, show, update (a new password or disabling
//! revokes the user's tokens), delete, and a user's own password change.

use super::common::{ListFilter, list_links, self_link};
use crate::app::App;
use crate::app::admin::Changes;
use crate::datastore::User;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use stratus_api::identity as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

pub(super) fn user_json(u: &User, base: &str) -> api::User {
    api::User {
        id: u.id.clone(),
        name: u.name.clone(),
        domain_id: u.domain_id.clone(),
        enabled: u.enabled,
        password_expires_at: None,
        options: Default::default(),
        links: self_link(base, &format!("/v3/users/{}", u.id)),
        default_project_id: u.default_project_id.clone(),
    }
}

/// Creates a user (admin).
#[utoipa::path(post, path = "/v3/users", operation_id = "createUser", tag = "users", request_body = api::UserRequest,
    responses((status = 201, description = "Created", body = api::UserBody), (status = 403, description = "Not an admin"), (status = 409, description = "Name taken in the domain")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<api::UserRequest>,
) -> Result<(StatusCode, Json<api::UserBody>), Error> {
    let f = body.user;
    let name = f
        .name
        .ok_or_else(|| Error::bad_request("Invalid input for field 'name': it is required."))?;
    let u = app
        .user_create(
            &caller.0,
            name,
            f.domain_id,
            f.password,
            f.enabled.unwrap_or(true),
            f.default_project_id.flatten(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(api::UserBody {
            user: user_json(&u, &base),
        }),
    ))
}

/// Lists users (admins all; others themselves).
#[utoipa::path(get, path = "/v3/users", operation_id = "listUsers", tag = "users",
    params(("name" = Option<String>, Query, description = "Filter by name"), ("domain_id" = Option<String>, Query, description = "Filter by domain"), ("enabled" = Option<bool>, Query, description = "Filter by state")),
    responses((status = 200, description = "The users", body = api::UserList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(filter): Query<ListFilter>,
) -> Result<Json<api::UserList>, Error> {
    let users = app
        .user_list(
            &caller.0,
            filter.name.as_deref(),
            filter.domain_id.as_deref(),
            filter.enabled()?,
        )
        .await?;
    Ok(Json(api::UserList {
        users: users
            .iter()
            .map(|u| user_json(u, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, "/v3/users"),
    }))
}

/// Shows a user (admins any; others themselves).
#[utoipa::path(get, path = "/v3/users/{user_id}", operation_id = "showUser", tag = "users",
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 200, description = "The user", body = api::UserBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<api::UserBody>, Error> {
    let u = app.user_visible(&caller.0, &id).await?;
    Ok(Json(api::UserBody {
        user: user_json(&u, &base),
    }))
}

/// Updates a user (admin).
#[utoipa::path(patch, path = "/v3/users/{user_id}", operation_id = "updateUser", tag = "users", request_body = api::UserRequest,
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 200, description = "Updated", body = api::UserBody), (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<api::UserRequest>,
) -> Result<Json<api::UserBody>, Error> {
    let f = body.user;
    if f.domain_id.is_some() {
        return Err(Error::bad_request("A user cannot move to another domain."));
    }
    let changes = Changes {
        name: f.name,
        enabled: f.enabled,
        password: f.password,
        default_project_id: f.default_project_id,
        ..Changes::default()
    };
    let u = app.user_update(&caller.0, &id, changes).await?;
    Ok(Json(api::UserBody {
        user: user_json(&u, &base),
    }))
}

/// Deletes a user (admin) and revokes its tokens.
#[utoipa::path(delete, path = "/v3/users/{user_id}", operation_id = "deleteUser", tag = "users",
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.user_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user changes its own password; its tokens are revoked.
#[utoipa::path(post, path = "/v3/users/{user_id}/password", operation_id = "changeUserPassword", tag = "users", request_body = api::PasswordChangeRequest,
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 204, description = "Changed"), (status = 401, description = "Wrong original password")))]
pub async fn change_password(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::PasswordChangeRequest>,
) -> Result<StatusCode, Error> {
    app.user_change_password(
        &caller.0,
        &id,
        body.user.original_password,
        body.user.password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
