//! `/v2.1/os-quota-sets/{project_id}` and `/v2.1/limits`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use stratus_api::compute as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use crate::app::App;

fn set_view(limits: &std::collections::BTreeMap<String, i32>, id: Option<&str>) -> api::QuotaSet {
    api::QuotaSet {
        id: id.map(str::to_owned),
        limits: limits
            .iter()
            .map(|(k, v)| (k.clone(), i64::from(*v)))
            .collect(),
    }
}

#[utoipa::path(get, path = "/v2.1/os-quota-sets/{project_id}", operation_id = "showComputeQuotas", tag = "quotas",
    params(("project_id" = String, Path)),
    responses((status = 200, description = "The project's limits", body = api::QuotaSetBody), (status = 403, description = "Another project")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<api::QuotaSetBody>, Error> {
    let limits = app.quota_show(&caller.0, &project).await?;
    Ok(Json(api::QuotaSetBody {
        quota_set: set_view(&limits, Some(&project)),
    }))
}

#[utoipa::path(get, path = "/v2.1/os-quota-sets/{project_id}/detail", operation_id = "showComputeQuotasDetail", tag = "quotas",
    params(("project_id" = String, Path)),
    responses((status = 200, description = "Limits, use and reservations", body = api::QuotaSetDetailBody), (status = 403, description = "Another project")))]
pub async fn detail(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<api::QuotaSetDetailBody>, Error> {
    let limits = app.quota_show(&caller.0, &project).await?;
    let used = app.usage_of(&caller.0, &project).await?;
    let resources = limits
        .iter()
        .map(|(k, v)| {
            let in_use = used.get(k.as_str()).copied().unwrap_or(0);
            (
                k.clone(),
                api::QuotaDetail {
                    limit: i64::from(*v),
                    in_use,
                    reserved: 0,
                },
            )
        })
        .collect();
    Ok(Json(api::QuotaSetDetailBody {
        quota_set: api::QuotaSetDetail {
            id: project,
            resources,
        },
    }))
}

#[utoipa::path(get, path = "/v2.1/os-quota-sets/{project_id}/defaults", operation_id = "showComputeQuotaDefaults", tag = "quotas",
    params(("project_id" = String, Path)),
    responses((status = 200, description = "The default limits", body = api::QuotaSetBody)))]
pub async fn defaults(
    State(app): State<App>,
    _caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<api::QuotaSetBody>, Error> {
    let limits = app.default_limits();
    Ok(Json(api::QuotaSetBody {
        quota_set: set_view(&limits, Some(&project)),
    }))
}

/// Sets a project's limits (admins); `-1` is unlimited.
#[utoipa::path(put, path = "/v2.1/os-quota-sets/{project_id}", operation_id = "updateComputeQuotas", tag = "quotas",
    params(("project_id" = String, Path)), request_body = api::QuotaSetUpdateBody,
    responses((status = 200, description = "The limits after", body = api::QuotaSetBody), (status = 400, description = "A bad resource or value"),
        (status = 403, description = "Not an admin")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
    Json(body): Json<api::QuotaSetUpdateBody>,
) -> Result<Json<api::QuotaSetBody>, Error> {
    let limits = app
        .quota_update(&caller.0, &project, &body.quota_set)
        .await?;
    Ok(Json(api::QuotaSetBody {
        quota_set: set_view(&limits, None),
    }))
}

/// Puts a project back on the defaults (admins).
#[utoipa::path(delete, path = "/v2.1/os-quota-sets/{project_id}", operation_id = "resetComputeQuotas", tag = "quotas",
    params(("project_id" = String, Path)),
    responses((status = 202, description = "Reset"), (status = 403, description = "Not an admin")))]
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
    responses((status = 200, description = "Absolute limits", body = api::LimitsBody), (status = 403, description = "No project scope")))]
pub async fn limits(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<api::LimitsBody>, Error> {
    let project = caller
        .0
        .project_id()
        .ok_or_else(|| Error::forbidden("A project-scoped token is required."))?
        .to_owned();
    let l = app.limits_of(&project).await?;
    let used = app.usage_of(&caller.0, &project).await?;
    let get = |k: &str| l.get(k).copied().unwrap_or(-1);
    let use_of = |k: &str| used.get(k).copied().unwrap_or(0);
    Ok(Json(api::LimitsBody {
        limits: api::Limits {
            rate: Vec::new(),
            absolute: api::AbsoluteLimits {
                max_total_instances: get("instances").into(),
                max_total_cores: get("cores").into(),
                max_total_ram_size: get("ram").into(),
                max_server_meta: get("metadata_items").into(),
                max_personality: get("injected_files").into(),
                max_personality_size: get("injected_file_content_bytes").into(),
                max_total_keypairs: get("key_pairs").into(),
                max_server_groups: get("server_groups").into(),
                max_server_group_members: get("server_group_members").into(),
                max_total_floating_ips: get("floating_ips").into(),
                max_security_groups: get("security_groups").into(),
                max_security_group_rules: get("security_group_rules").into(),
                total_instances_used: use_of("instances"),
                total_cores_used: use_of("cores"),
                total_ram_used: use_of("ram"),
                total_server_groups_used: use_of("server_groups"),
                total_floating_ips_used: 0,
                total_security_groups_used: 0,
            },
        },
    }))
}
