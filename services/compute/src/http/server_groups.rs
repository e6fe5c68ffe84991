//! `/v2.1/os-server-groups`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use crate::app::App;
use crate::datastore::ServerGroup;

fn view(g: &ServerGroup, members: &[uuid::Uuid]) -> Value {
    json!({"id": g.id, "name": g.name, "policies": [g.policy], "members": members,
        "metadata": {}, "project_id": g.project_id, "user_id": g.user_id})
}

#[utoipa::path(post, path = "/v2.1/os-server-groups", operation_id = "createServerGroup", tag = "server-groups", request_body = Object,
    responses((status = 200, description = "The group", body = Object),
        (status = 403, description = "Over the server_groups quota")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let (g, members) = app.group_create(&caller.0, &body).await?;
    Ok(Json(json!({"server_group": view(&g, &members)})))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    all_projects: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

#[utoipa::path(get, path = "/v2.1/os-server-groups", operation_id = "listServerGroups", tag = "server-groups",
    responses((status = 200, description = "Groups", body = Object)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, Error> {
    let number = |field: &str, v: &Option<String>, default: i64| -> Result<i64, Error> {
        match v {
            None => Ok(default),
            Some(s) => s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                Error::bad_request(format!(
                    "Invalid input for query parameters {field}. Value: {s}."
                ))
            }),
        }
    };
    let all = q.all_projects.as_deref().is_some_and(|v| {
        !matches!(
            v.to_ascii_lowercase().as_str(),
            "0" | "false" | "no" | "off"
        )
    });
    let groups = app
        .group_list(
            &caller.0,
            all,
            number("offset", &q.offset, 0)?,
            number("limit", &q.limit, 1000)?,
        )
        .await?;
    Ok(Json(
        json!({"server_groups": groups.iter().map(|(g, m)| view(g, m)).collect::<Vec<_>>()}),
    ))
}

#[utoipa::path(get, path = "/v2.1/os-server-groups/{group_id}", operation_id = "showServerGroup", tag = "server-groups",
    params(("group_id" = String, Path)),
    responses((status = 200, description = "The group", body = Object)))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let (g, members) = app.group_get(&caller.0, &id).await?;
    Ok(Json(json!({"server_group": view(&g, &members)})))
}

#[utoipa::path(delete, path = "/v2.1/os-server-groups/{group_id}", operation_id = "deleteServerGroup", tag = "server-groups",
    params(("group_id" = String, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.group_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
