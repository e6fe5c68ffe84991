//! `/v2.1/os-quota-sets/{project_id}` and `/v2.1/limits`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use crate::app::App;
use crate::app::input::member;

fn set_view(limits: &std::collections::BTreeMap<String, i32>, id: Option<&str>) -> Value {
    let mut m: Map<String, Value> = limits.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    if let Some(id) = id {
        m.insert("id".into(), json!(id));
    }
    Value::Object(m)
}

#[utoipa::path(get, path = "/v2.1/os-quota-sets/{project_id}", operation_id = "showComputeQuotas", tag = "quotas",
    params(("project_id" = String, Path)),
    responses((status = 200, description = "The project's limits", body = Object)))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<Value>, Error> {
    let limits = app.quota_show(&caller.0, &project).await?;
    Ok(Json(
        json!({"quota_set": set_view(&limits, Some(&project))}),
    ))
}

#[utoipa::path(get, path = "/v2.1/os-quota-sets/{project_id}/detail", operation_id = "showComputeQuotasDetail", tag = "quotas",
    params(("project_id" = String, Path)),
    responses((status = 200, description = "Limits, use and reservations", body = Object)))]
pub async fn detail(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<Value>, Error> {
    let limits = app.quota_show(&caller.0, &project).await?;
    let used = app.usage_of(&caller.0, &project).await?;
    let mut m: Map<String, Value> = limits
        .iter()
        .map(|(k, v)| {
            let in_use = used.get(k.as_str()).copied().unwrap_or(0);
            (
                k.clone(),
                json!({"limit": v, "in_use": in_use, "reserved": 0}),
            )
        })
        .collect();
    m.insert("id".into(), json!(project));
    Ok(Json(json!({ "quota_set": m })))
}

#[utoipa::path(get, path = "/v2.1/os-quota-sets/{project_id}/defaults", operation_id = "showComputeQuotaDefaults", tag = "quotas",
    params(("project_id" = String, Path)),
    responses((status = 200, description = "The default limits", body = Object)))]
pub async fn defaults(
    State(app): State<App>,
    _caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<Value>, Error> {
    let limits = app.default_limits();
    Ok(Json(
        json!({"quota_set": set_view(&limits, Some(&project))}),
    ))
}

/// Sets a project's limits (admins); `-1` is unlimited.
#[utoipa::path(put, path = "/v2.1/os-quota-sets/{project_id}", operation_id = "updateComputeQuotas", tag = "quotas",
    params(("project_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "The limits after", body = Object)))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let limits = app
        .quota_update(&caller.0, &project, member(&body, "quota_set")?)
        .await?;
    Ok(Json(json!({"quota_set": set_view(&limits, None)})))
}

/// Puts a project back on the defaults (admins).
#[utoipa::path(delete, path = "/v2.1/os-quota-sets/{project_id}", operation_id = "resetComputeQuotas", tag = "quotas",
    params(("project_id" = String, Path)),
    responses((status = 202, description = "Reset")))]
pub async fn reset(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<StatusCode, Error> {
    app.quota_reset(&caller.0, &project).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The caller's project's limits and use.
#[utoipa::path(get, path = "/v2.1/limits", operation_id = "showComputeLimits", tag = "quotas",
    responses((status = 200, description = "Absolute limits", body = Object)))]
pub async fn limits(State(app): State<App>, caller: Caller) -> Result<Json<Value>, Error> {
    let project = caller
        .0
        .project_id()
        .ok_or_else(|| Error::forbidden("A project-scoped token is required."))?
        .to_owned();
    let l = app.limits_of(&project).await?;
    let used = app.usage_of(&caller.0, &project).await?;
    let get = |k: &str| l.get(k).copied().unwrap_or(-1);
    let use_of = |k: &str| used.get(k).copied().unwrap_or(0);
    Ok(Json(json!({"limits": {"rate": [], "absolute": {
        "maxTotalInstances": get("instances"),
        "maxTotalCores": get("cores"),
        "maxTotalRAMSize": get("ram"),
        "maxServerMeta": get("metadata_items"),
        "maxPersonality": get("injected_files"),
        "maxPersonalitySize": get("injected_file_content_bytes"),
        "maxTotalKeypairs": get("key_pairs"),
        "maxServerGroups": get("server_groups"),
        "maxServerGroupMembers": get("server_group_members"),
        "maxTotalFloatingIps": get("floating_ips"),
        "maxSecurityGroups": get("security_groups"),
        "maxSecurityGroupRules": get("security_group_rules"),
        "totalInstancesUsed": use_of("instances"),
        "totalCoresUsed": use_of("cores"),
        "totalRAMUsed": use_of("ram"),
        "totalServerGroupsUsed": use_of("server_groups"),
        "totalFloatingIpsUsed": 0,
        "totalSecurityGroupsUsed": 0,
    }}})))
}
