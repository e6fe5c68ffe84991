//! The metering service's queries. Every error is a `sqlx::Error`; the app
//! layer maps it.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};
use stratus_bus_protocol::usage::{SampleKind, UsageBatch};

/// Stores a batch; samples already stored are skipped. How many were new.
pub async fn insert_samples(db: impl PgExecutor<'_>, b: &UsageBatch) -> sqlx::Result<u64> {
    let n = b.samples.len();
    let (
        mut rid,
        mut metric,
        mut at,
        mut rtype,
        mut project,
        mut unit,
        mut kind,
        mut value,
        mut attrs,
    ) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for s in &b.samples {
        rid.push(s.resource_id.clone());
        metric.push(s.metric.clone());
        at.push(s.at);
        rtype.push(s.resource_type.clone());
        project.push(s.project_id.clone());
        unit.push(s.unit.clone());
        kind.push(match s.kind {
            SampleKind::Gauge => "gauge",
            SampleKind::Cumulative => "cumulative",
        });
        value.push(s.value);
        attrs.push(serde_json::to_value(&s.attributes).unwrap_or_default());
    }
    sqlx::query(
        "INSERT INTO samples (resource_id, metric, sampled_at, resource_type, project_id, unit, kind,
                              value, host, attributes)
         SELECT r, m, a, t, p, u, k, v, $9, x
         FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::bigint[], $10::jsonb[]) AS s(r, m, a, t, p, u, k, v, x)
         ON CONFLICT DO NOTHING",
    )
    .bind(&rid)
    .bind(&metric)
    .bind(&at)
    .bind(&rtype)
    .bind(&project)
    .bind(&unit)
    .bind(&kind)
    .bind(&value)
    .bind(&b.host)
    .bind(&attrs)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

#[derive(Clone, Debug, FromRow)]
pub struct Sample {
    pub resource_id: String,
    pub metric: String,
    pub sampled_at: DateTime<Utc>,
    pub resource_type: String,
    pub project_id: String,
    pub unit: String,
    pub kind: String,
    pub value: i64,
    pub host: String,
}

/// A resource's samples of `metric`, oldest first.
pub async fn samples_of(
    db: impl PgExecutor<'_>,
    resource_id: &str,
    metric: &str,
) -> sqlx::Result<Vec<Sample>> {
    sqlx::query_as(
        "SELECT resource_id, metric, sampled_at, resource_type, project_id, unit, kind, value, host
         FROM samples WHERE resource_id = $1 AND metric = $2 ORDER BY sampled_at",
    )
    .bind(resource_id)
    .bind(metric)
    .fetch_all(db)
    .await
}

/// How many samples a project has.
pub async fn sample_count(db: impl PgExecutor<'_>, project_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM samples WHERE project_id = $1")
        .bind(project_id)
        .fetch_one(db)
        .await
}

/// Stores a lifecycle event once.
pub async fn insert_lifecycle(
    db: impl PgExecutor<'_>,
    e: &stratus_bus_protocol::usage::LifecycleEvent,
) -> sqlx::Result<u64> {
    use stratus_bus_protocol::usage::Lifecycle;
    let event = match e.event {
        Lifecycle::Created => "created",
        Lifecycle::Resized => "resized",
        Lifecycle::Deleted => "deleted",
    };
    sqlx::query(
        "INSERT INTO lifecycle_events (resource_id, event, at, resource_type, project_id, attributes)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(&e.resource_id)
    .bind(event)
    .bind(e.at)
    .bind(&e.resource_type)
    .bind(&e.project_id)
    .bind(serde_json::to_value(&e.attributes).unwrap_or_default())
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

#[derive(Clone, Debug, FromRow)]
pub struct EventRow {
    pub resource_id: String,
    pub project_id: String,
    pub event: String,
    pub at: DateTime<Utc>,
    pub attributes: sqlx::types::Json<std::collections::BTreeMap<String, String>>,
}

/// A project's lifecycle events (all of them: a resource created before a
/// period still runs in it).
pub async fn lifecycle_of(
    db: impl PgExecutor<'_>,
    project_id: &str,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT resource_id, project_id, event, at, attributes FROM lifecycle_events
         WHERE project_id = $1 ORDER BY at",
    )
    .bind(project_id)
    .fetch_all(db)
    .await
}
