//! `/v3/{project_id}/types`, `/os-quota-sets/{target}` and `/limits` as
//! Cinder serves them.

use crate::app::App;
use crate::app::volumes::{DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME};
use axum::extract::{Path, Query, State};
use std::collections::{BTreeMap, HashMap};
use stratus_api::volume as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

fn default_type() -> api::VolumeType {
    api::VolumeType {
        id: DEFAULT_TYPE_ID.into(),
        name: DEFAULT_TYPE_NAME.into(),
        description: "Default Volume Type".into(),
        is_public: true,
        access_is_public: true,
        extra_specs: BTreeMap::new(),
        qos_specs_id: None,
    }
}

/// Lists volume types (the default one).
#[utoipa::path(get, path = "/v3/{project_id}/types", operation_id = "listVolumeTypes", tag = "types",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The types", body = api::VolumeTypeList), (status = 403, description = "Another project")))]
pub async fn type_list(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<api::VolumeTypeList>, Error> {
    app.project_scope(&caller.0, &project)?;
    Ok(Json(api::VolumeTypeList {
        volume_types: vec![default_type()],
    }))
}

/// Shows a volume type (`default` names the default one).
#[utoipa::path(get, path = "/v3/{project_id}/types/{type_id}", operation_id = "showVolumeType", tag = "types",
    params(("project_id" = String, Path, description = "The project"), ("type_id" = String, Path, description = "The type, or default")),
    responses((status = 200, description = "The type", body = api::VolumeTypeBody), (status = 404, description = "Not found")))]
pub async fn type_show(
    State(app): State<App>,
    caller: Caller,
    Path((project, id)): Path<(String, String)>,
) -> Result<Json<api::VolumeTypeBody>, Error> {
    app.project_scope(&caller.0, &project)?;
    if ["default", DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME].contains(&id.as_str()) {
        Ok(Json(api::VolumeTypeBody {
            volume_type: default_type(),
        }))
    } else {
        Err(Error::not_found(format!(
            "Volume type {id} could not be found."
        )))
    }
}

async fn quota_set(app: &App, target: &str, usage: bool) -> Result<api::QuotaSet, Error> {
    let mut resources: BTreeMap<String, api::QuotaValue> = [
        ("backups", 0),
        ("backup_gigabytes", 0),
        ("groups", 0),
        ("per_volume_gigabytes", -1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), api::QuotaValue::Limit(v)))
    .collect();
    for (resource, limit, used) in app.quota_view(target).await? {
        let value = if usage {
            api::QuotaValue::Usage(api::QuotaUsage {
                limit,
                in_use: used,
                reserved: 0,
                allocated: 0,
            })
        } else {
            api::QuotaValue::Limit(limit)
        };
        resources.insert(resource.to_owned(), value);
    }
    Ok(api::QuotaSet {
        id: target.to_owned(),
        resources,
    })
}

/// Shows a project's quotas (its own, or any for admins); `?usage=true`
/// adds what is in use.
#[utoipa::path(get, path = "/v3/{project_id}/os-quota-sets/{target}", operation_id = "showVolumeQuotas", tag = "quotas",
    params(("project_id" = String, Path, description = "The project"), ("target" = String, Path, description = "The project whose quotas"),
           api::QuotaQuery),
    responses((status = 200, description = "The quota set", body = api::QuotaSetBody), (status = 403, description = "Another project")))]
pub async fn quota_show(
    State(app): State<App>,
    caller: Caller,
    Path((project, target)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<api::QuotaSetBody>, Error> {
    app.project_scope(&caller.0, &project)?;
    if !caller.0.is_admin() && target != project {
        return Err(Error::forbidden(
            "Only administrators may see other projects' quotas.",
        ));
    }
    let usage = q
        .get("usage")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok(Json(api::QuotaSetBody {
        quota_set: quota_set(&app, &target, usage).await?,
    }))
}

/// Sets a project's quotas (admin).
#[utoipa::path(put, path = "/v3/{project_id}/os-quota-sets/{target}", operation_id = "updateVolumeQuotas", tag = "quotas",
    request_body = api::QuotaSetUpdateBody,
    params(("project_id" = String, Path, description = "The project"), ("target" = String, Path, description = "The project whose quotas")),
    responses((status = 200, description = "The quota set", body = api::QuotaSetBody), (status = 400, description = "Bad key or value"),
              (status = 403, description = "Not an admin")))]
pub async fn quota_update(
    State(app): State<App>,
    caller: Caller,
    Path((project, target)): Path<(String, String)>,
    Json(body): Json<api::QuotaSetUpdateBody>,
) -> Result<Json<api::QuotaSetBody>, Error> {
    app.project_scope(&caller.0, &project)?;
    let mut limits = BTreeMap::new();
    for (k, v) in body.quota_set {
        if k == "tenant_id" || k == "id" {
            continue;
        }
        let n = v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| {
                Error::bad_request(format!(
                    "Invalid input for field/attribute {k}. Reason: {v} is not an integer."
                ))
            })?;
        limits.insert(k, n);
    }
    app.quota_update(&caller.0, &target, &limits).await?;
    Ok(Json(api::QuotaSetBody {
        quota_set: quota_set(&app, &target, false).await?,
    }))
}

/// Resets a project's quotas to the defaults (admin), as Cinder's
/// `DELETE` does.
#[utoipa::path(delete, path = "/v3/{project_id}/os-quota-sets/{target}", operation_id = "resetVolumeQuotas", tag = "quotas",
    params(("project_id" = String, Path, description = "The project"), ("target" = String, Path, description = "The project whose quotas")),
    responses((status = 200, description = "Reset"), (status = 403, description = "Not an admin")))]
pub async fn quota_reset(
    State(app): State<App>,
    caller: Caller,
    Path((project, target)): Path<(String, String)>,
) -> Result<axum::http::StatusCode, Error> {
    app.project_scope(&caller.0, &project)?;
    app.quota_reset(&caller.0, &target).await?;
    Ok(axum::http::StatusCode::OK)
}

/// The caller's project's absolute limits and usage.
#[utoipa::path(get, path = "/v3/{project_id}/limits", operation_id = "showVolumeLimits", tag = "quotas",
    params(("project_id" = String, Path, description = "The project")),
    responses((status = 200, description = "The limits", body = api::LimitsBody), (status = 403, description = "Another project")))]
pub async fn limits(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
) -> Result<Json<api::LimitsBody>, Error> {
    app.project_scope(&caller.0, &project)?;
    let view = app.quota_view(&project).await?;
    let get = |r: &str| {
        view.iter()
            .find(|(k, _, _)| *k == r)
            .map_or((0, 0), |(_, l, u)| (*l, *u))
    };
    let (vl, vu) = get("volumes");
    let (gl, gu) = get("gigabytes");
    let (sl, su) = get("snapshots");
    Ok(Json(api::LimitsBody {
        limits: api::Limits {
            rate: Vec::new(),
            absolute: api::AbsoluteLimits {
                max_total_volumes: vl,
                total_volumes_used: vu,
                max_total_volume_gigabytes: gl,
                total_gigabytes_used: gu,
                max_total_snapshots: sl,
                total_snapshots_used: su,
                max_total_backups: 0,
                total_backups_used: 0,
                max_total_backup_gigabytes: 0,
                total_backup_gigabytes_used: 0,
            },
        },
    }))
}
