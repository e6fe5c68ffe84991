//! `/v2.1/os-server-groups`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use stratus_api::compute as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use crate::app::App;
use crate::datastore::ServerGroup;

fn view(g: &ServerGroup, members: &[uuid::Uuid]) -> api::ServerGroup {
    api::ServerGroup {
        id: g.id.to_string(),
        name: g.name.clone(),
        policies: vec![g.policy.clone()],
        members: members.iter().map(uuid::Uuid::to_string).collect(),
        metadata: Default::default(),
        project_id: g.project_id.clone(),
        user_id: g.user_id.clone(),
    }
}

#[utoipa::path(post, path = "/v2.1/os-server-groups", operation_id = "createServerGroup", tag = "server-groups", request_body = api::ServerGroupCreateBody,
    responses((status = 200, description = "The group", body = api::ServerGroupBody), (status = 400, description = "A bad name or policy"),
        (status = 403, description = "Over the server_groups quota")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::ServerGroupCreateBody>,
) -> Result<Json<api::ServerGroupBody>, Error> {
    let (g, members) = app.group_create(&caller.0, &body.server_group).await?;
    Ok(Json(api::ServerGroupBody {
        server_group: view(&g, &members),
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    all_projects: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

#[utoipa::path(get, path = "/v2.1/os-server-groups", operation_id = "listServerGroups", tag = "server-groups",
    params(api::ServerGroupQuery),
    responses((status = 200, description = "Groups", body = api::ServerGroupList), (status = 400, description = "A bad limit or offset")))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<api::ServerGroupList>, Error> {
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
    Ok(Json(api::ServerGroupList {
        server_groups: groups.iter().map(|(g, m)| view(g, m)).collect(),
    }))
}

#[utoipa::path(get, path = "/v2.1/os-server-groups/{group_id}", operation_id = "showServerGroup", tag = "server-groups",
    params(("group_id" = String, Path)),
    responses((status = 200, description = "The group", body = api::ServerGroupBody), (status = 404, description = "No such group")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::ServerGroupBody>, Error> {
    let (g, members) = app.group_get(&caller.0, &id).await?;
    Ok(Json(api::ServerGroupBody {
        server_group: view(&g, &members),
    }))
}

#[utoipa::path(delete, path = "/v2.1/os-server-groups/{group_id}", operation_id = "deleteServerGroup", tag = "server-groups",
    params(("group_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such group")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.group_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
