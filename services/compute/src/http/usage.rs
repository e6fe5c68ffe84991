//! `/v2.1/os-simple-tenant-usage`: instance hours per project, from the
//! metering service's lifecycle data (the same data invoices are priced
//! from), as Nova shows them (`openstack usage list`, `usage show`).

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use stratus_api::compute as api;
use stratus_bus_protocol::usage::ProjectUsage;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use super::time;
use crate::app::App;

#[derive(Debug, Default, Deserialize)]
pub struct UsageQuery {
    start: Option<String>,
    end: Option<String>,
    detailed: Option<String>,
}

/// A time of the period: what other queries take, or with a space for the
/// `T`, as Nova's tenant usage takes it.
fn parse_time(field: &str, v: &str) -> Result<chrono::DateTime<chrono::Utc>, Error> {
    crate::app::input::datetime(v)
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|d| d.and_utc())
        })
        .ok_or_else(|| {
            Error::bad_request(format!(
                "Invalid {field} time. The time format is not valid: {v}"
            ))
        })
}

impl UsageQuery {
    fn range(
        &self,
    ) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), Error> {
        let end = match &self.end {
            Some(e) => parse_time("end", e)?,
            None => chrono::Utc::now(),
        };
        let start = match &self.start {
            Some(s) => parse_time("start", s)?,
            None => end - chrono::Duration::weeks(4),
        };
        if start > end {
            return Err(Error::bad_request(
                "Invalid start time. The start time cannot occur after the end time.",
            ));
        }
        Ok((start, end))
    }
}

fn view(
    p: &ProjectUsage,
    start: &chrono::DateTime<chrono::Utc>,
    end: &chrono::DateTime<chrono::Utc>,
    detailed: bool,
) -> api::TenantUsage {
    let hours = |ms: i64| ms as f64 / 3_600_000.0;
    let (mut h, mut cpu, mut mem, mut disk) = (0.0, 0.0, 0.0, 0.0);
    let mut servers = Vec::new();
    for s in &p.servers {
        let sh = hours(s.millis);
        h += sh;
        cpu += sh * f64::from(s.vcpus);
        mem += sh * s.memory_mb as f64;
        disk += sh * s.local_gb as f64;
        servers.push(api::ServerUsage {
            instance_id: s.instance_id.clone(),
            name: s.name.clone(),
            flavor: s.flavor.clone(),
            hours: sh,
            vcpus: s.vcpus.into(),
            memory_mb: i64::try_from(s.memory_mb).unwrap_or(i64::MAX),
            local_gb: i64::try_from(s.local_gb).unwrap_or(i64::MAX),
            tenant_id: p.project_id.clone(),
            started_at: time(&s.started_at),
            ended_at: s.ended_at.as_ref().map(time),
            state: if s.ended_at.is_some() {
                "terminated"
            } else {
                "active"
            }
            .into(),
            uptime: s.millis / 1000,
        });
    }
    api::TenantUsage {
        tenant_id: Some(p.project_id.clone()),
        total_hours: Some(h),
        total_vcpus_usage: Some(cpu),
        total_memory_mb_usage: Some(mem),
        total_local_gb_usage: Some(disk),
        start: Some(time(start)),
        stop: Some(time(end)),
        server_usages: detailed.then_some(servers),
    }
}

/// Every project's usage in the period (admins).
#[utoipa::path(get, path = "/v2.1/os-simple-tenant-usage", operation_id = "listTenantUsages", tag = "usage",
    params(api::UsageQuery),
    responses((status = 200, description = "Usage per project", body = api::TenantUsageList), (status = 400, description = "A bad time"),
        (status = 403, description = "Not an admin")))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<UsageQuery>,
) -> Result<Json<api::TenantUsageList>, Error> {
    crate::app::admin(&caller.0, "os-simple-tenant-usage:list")?;
    let (start, end) = q.range()?;
    let detailed = q
        .detailed
        .as_deref()
        .is_some_and(|d| d == "1" || d.eq_ignore_ascii_case("true"));
    let all = app.tenant_usage(start, end, None).await?;
    Ok(Json(api::TenantUsageList {
        tenant_usages: all
            .iter()
            .map(|p| view(p, &start, &end, detailed))
            .collect(),
    }))
}

/// One project's usage in the period, with its servers (its members and
/// admins).
#[utoipa::path(get, path = "/v2.1/os-simple-tenant-usage/{tenant_id}", operation_id = "showTenantUsage", tag = "usage",
    params(("tenant_id" = String, Path), api::UsageQuery),
    responses((status = 200, description = "The project's usage ({} when it has none)", body = api::TenantUsageBody),
        (status = 400, description = "A bad time"), (status = 403, description = "Another project")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(project): Path<String>,
    Query(q): Query<UsageQuery>,
) -> Result<Json<api::TenantUsageBody>, Error> {
    if !caller.is_admin() && caller.project_id() != Some(project.as_str()) {
        return Err(Error::forbidden(
            "Policy doesn't allow os_compute_api:os-simple-tenant-usage:show to be performed.",
        ));
    }
    let (start, end) = q.range()?;
    let all = app.tenant_usage(start, end, Some(project.clone())).await?;
    let tenant_usage = match all.first() {
        Some(p) => view(p, &start, &end, true),
        None => api::TenantUsage::default(),
    };
    Ok(Json(api::TenantUsageBody { tenant_usage }))
}
