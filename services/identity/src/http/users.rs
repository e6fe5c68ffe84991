//! `/v3/users`: create, list, show, update (a new password or disabling
//! revokes the user's tokens), delete, and a user's own password change.

use super::common::{ListFilter, list_links, self_link};
use crate::app::App;
use crate::app::admin::Changes;
use crate::datastore::User;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

pub(super) fn user_json(u: &User, base: &str) -> Value {
    let mut v = json!({
        "id": u.id, "name": u.name, "domain_id": u.domain_id, "enabled": u.enabled,
        "password_expires_at": null, "options": {},
        "links": self_link(base, &format!("/v3/users/{}", u.id)),
    });
    if let Some(p) = &u.default_project_id {
        v["default_project_id"] = json!(p);
    }
    v
}

#[derive(Deserialize)]
pub struct UserBody {
    user: UserFields,
}

#[derive(Deserialize, Default)]
struct UserFields {
    name: Option<String>,
    domain_id: Option<String>,
    password: Option<String>,
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "super::common::double_option")]
    default_project_id: Option<Option<String>>,
}

/// Creates a user (admin).
#[utoipa::path(post, path = "/v3/users", operation_id = "createUser", tag = "users", request_body = Object,
    responses((status = 201, description = "Created", body = Object), (status = 403, description = "Not an admin"), (status = 409, description = "Name taken in the domain")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Json(body): Json<UserBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
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
        Json(json!({"user": user_json(&u, &base)})),
    ))
}

/// Lists users (admins all; others themselves).
#[utoipa::path(get, path = "/v3/users", operation_id = "listUsers", tag = "users",
    params(("name" = Option<String>, Query, description = "Filter by name"), ("domain_id" = Option<String>, Query, description = "Filter by domain"), ("enabled" = Option<bool>, Query, description = "Filter by state")),
    responses((status = 200, description = "The users", body = Object)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(filter): Query<ListFilter>,
) -> Result<Json<Value>, Error> {
    let users = app
        .user_list(
            &caller.0,
            filter.name.as_deref(),
            filter.domain_id.as_deref(),
            filter.enabled()?,
        )
        .await?;
    Ok(Json(json!({
        "users": users.iter().map(|u| user_json(u, &base)).collect::<Vec<_>>(),
        "links": list_links(&base, "/v3/users"),
    })))
}

/// Shows a user (admins any; others themselves).
#[utoipa::path(get, path = "/v3/users/{user_id}", operation_id = "showUser", tag = "users",
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 200, description = "The user", body = Object), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let u = app.user_visible(&caller.0, &id).await?;
    Ok(Json(json!({"user": user_json(&u, &base)})))
}

/// Updates a user (admin).
#[utoipa::path(patch, path = "/v3/users/{user_id}", operation_id = "updateUser", tag = "users", request_body = Object,
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 200, description = "Updated", body = Object), (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Json(body): Json<UserBody>,
) -> Result<Json<Value>, Error> {
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
    Ok(Json(json!({"user": user_json(&u, &base)})))
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

#[derive(Deserialize)]
pub struct PasswordBody {
    user: PasswordFields,
}

#[derive(Deserialize)]
struct PasswordFields {
    password: String,
    original_password: String,
}

/// A user changes its own password; its tokens are revoked.
#[utoipa::path(post, path = "/v3/users/{user_id}/password", operation_id = "changeUserPassword", tag = "users", request_body = Object,
    params(("user_id" = String, Path, description = "The user")),
    responses((status = 204, description = "Changed"), (status = 401, description = "Wrong original password")))]
pub async fn change_password(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<PasswordBody>,
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
