//! `/v1/usage`: hourly usage per resource and metric.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use stratus_api::metering as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use crate::app::App;
use crate::app::usage::UsageQuery;

/// A 400 naming the first parameter not in `known`.
fn known_only(params: &BTreeMap<String, String>, known: &[&str]) -> Result<(), Error> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(Error::bad_request(format!(
            "Unknown query parameter {k:?}."
        ))),
        None => Ok(()),
    }
}

fn time(key: &str, v: Option<&String>) -> Result<Option<DateTime<Utc>>, Error> {
    v.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                Error::bad_request(format!("Invalid {key}: {s:?} is not an RFC 3339 time"))
            })
    })
    .transpose()
}

/// Hourly usage: for a cumulative metric (CPU time, bytes) `value` is the
/// increase in the hour, for a gauge (vCPUs, GiB held) the largest reading;
/// `sum`, `maximum` and `samples` as rolled up. Members and readers see
/// their own project; admins any (all when `project_id` is not given).
#[utoipa::path(get, path = "/v1/usage", operation_id = "listUsageHours", tag = "usage",
    params(stratus_api::metering::UsageQuery),
    responses((status = 200, description = "Hours of usage", body = api::UsageList),
        (status = 400, description = "A bad time, an unknown parameter or too wide a query"),
        (status = 403, description = "Another project's usage")))]
pub async fn hours(
    State(app): State<App>,
    caller: Caller,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<api::UsageList>, Error> {
    known_only(
        &params,
        &["project_id", "resource_id", "metric", "start", "end"],
    )?;
    let q = UsageQuery {
        project_id: params.get("project_id").cloned(),
        resource_id: params.get("resource_id").cloned(),
        metric: params.get("metric").cloned(),
        start: time("start", params.get("start"))?,
        end: time("end", params.get("end"))?,
    };
    let rows = app.usage_hours(&caller.0, &q).await?;
    let usage: Vec<api::UsageHour> = rows
        .iter()
        .map(|h| {
            let value = if h.kind == "cumulative" {
                h.total
            } else {
                h.maximum
            };
            api::UsageHour {
                project_id: h.project_id.clone(),
                resource_id: h.resource_id.clone(),
                resource_type: h.resource_type.clone(),
                metric: h.metric.clone(),
                unit: h.unit.clone(),
                kind: if h.kind == "cumulative" {
                    api::MetricKind::Cumulative
                } else {
                    api::MetricKind::Gauge
                },
                hour: h.hour.to_rfc3339(),
                value,
                sum: h.total,
                maximum: h.maximum,
                samples: h.samples.into(),
            }
        })
        .collect();
    Ok(Json(api::UsageList { usage }))
}

/// Costs so far: what was used in a period (this month until now by
/// default) priced by the rate cards as an invoice would be, by UTC day and
/// resource type. Members and readers see their own project; admins any
/// (all when `project_id` is not given).
#[utoipa::path(get, path = "/v1/costs", operation_id = "listCosts", tag = "usage",
    params(stratus_api::metering::CostQuery),
    responses((status = 200, description = "The period's costs by day", body = api::CostsBody),
        (status = 400, description = "A bad time, an unknown parameter or too long a period"),
        (status = 403, description = "Another project's costs")))]
pub async fn costs(
    State(app): State<App>,
    caller: Caller,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<api::CostsBody>, Error> {
    known_only(&params, &["project_id", "start", "end"])?;
    let c = app
        .costs(
            &caller.0,
            params.get("project_id").map(String::as_str),
            time("start", params.get("start"))?,
            time("end", params.get("end"))?,
        )
        .await?;
    let mut by_type = BTreeMap::new();
    for d in &c.days {
        for (k, v) in &d.by_type {
            *by_type.entry(k.clone()).or_insert(0) += v;
        }
    }
    Ok(Json(api::CostsBody {
        costs: api::Costs {
            currency: c.currency,
            start: c.start.to_rfc3339(),
            end: c.end.to_rfc3339(),
            total: c.days.iter().map(|d| d.total()).sum(),
            by_type,
            days: c
                .days
                .iter()
                .map(|d| api::CostDay {
                    day: d.start.format("%Y-%m-%d").to_string(),
                    total: d.total(),
                    by_type: d.by_type.clone(),
                })
                .collect(),
        },
    }))
}
