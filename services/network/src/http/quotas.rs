//! `/v2.0/quotas/{project_id}` (and `/details`).

use crate::app::App;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use stratus_api::network as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

/// A project's limits.
#[utoipa::path(get, path = "/v2.0/quotas/{project_id}", operation_id = "showNetworkQuotas", tag = "quotas",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The limits", body = api::QuotaBody), (status = 403, description = "Another project")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<api::QuotaBody>, Error> {
    app.quota_visible(&caller.0, &project)?;
    let quota = app
        .quota_view(&project)
        .await?
        .into_iter()
        .map(|(r, limit, _)| (r.to_owned(), limit))
        .collect();
    Ok(Json(api::QuotaBody { quota }))
}

/// A project's limits with what it uses.
#[utoipa::path(get, path = "/v2.0/quotas/{project_id}/details", operation_id = "showNetworkQuotasDetail", tag = "quotas",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "Limits and use", body = api::QuotaDetailBody), (status = 403, description = "Another project")))]
pub async fn details(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<api::QuotaDetailBody>, Error> {
    app.quota_visible(&caller.0, &project)?;
    let quota = app
        .quota_view(&project)
        .await?
        .into_iter()
        .map(|(r, limit, used)| {
            (
                r.to_owned(),
                api::QuotaDetail {
                    limit,
                    used,
                    reserved: 0,
                },
            )
        })
        .collect();
    Ok(Json(api::QuotaDetailBody { quota }))
}

/// Sets a project's limits (admin).
#[utoipa::path(put, path = "/v2.0/quotas/{project_id}", operation_id = "updateNetworkQuotas", tag = "quotas",
    request_body = api::QuotaUpdateBody,
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The limits", body = api::QuotaBody), (status = 400, description = "Bad resource or value"),
              (status = 403, description = "Not an admin")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
    Json(body): Json<api::QuotaUpdateBody>,
) -> Result<Json<api::QuotaBody>, Error> {
    let mut limits = BTreeMap::new();
    for (k, v) in body.quota {
        let n = v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| {
                Error::bad_request(format!(
                    "Invalid input for {k}. Reason: '{v}' is not an integer."
                ))
                .with_type("HTTPBadRequest")
            })?;
        limits.insert(k, n);
    }
    app.quota_update(&caller.0, &project, &limits).await?;
    show(State(app), caller, Path(project)).await
}

/// Resets a project's limits to the defaults (admin).
#[utoipa::path(delete, path = "/v2.0/quotas/{project_id}", operation_id = "resetNetworkQuotas", tag = "quotas",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 204, description = "Reset"), (status = 403, description = "Not an admin")))]
pub async fn reset(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<StatusCode, Error> {
    app.quota_reset(&caller.0, &project).await?;
    Ok(StatusCode::NO_CONTENT)
}
