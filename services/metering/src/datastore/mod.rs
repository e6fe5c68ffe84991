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

// ---- rate cards ----

#[derive(Clone, Debug, FromRow)]
pub struct RateCardRow {
    pub id: i64,
    pub effective_from: DateTime<Utc>,
    pub currency: String,
    pub flavor_hour: sqlx::types::Json<std::collections::BTreeMap<String, i64>>,
    pub vcpu_hour: i64,
    pub ram_gb_hour: i64,
    pub created_at: DateTime<Utc>,
}

/// Stores a rate card; `None` when one already takes effect at that time.
pub async fn rate_card_insert(
    db: impl PgExecutor<'_>,
    c: &RateCardRow,
) -> sqlx::Result<Option<RateCardRow>> {
    sqlx::query_as(
        "INSERT INTO rate_cards (effective_from, currency, flavor_hour, vcpu_hour, ram_gb_hour)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
         RETURNING id, effective_from, currency, flavor_hour, vcpu_hour, ram_gb_hour, created_at",
    )
    .bind(c.effective_from)
    .bind(&c.currency)
    .bind(&c.flavor_hour)
    .bind(c.vcpu_hour)
    .bind(c.ram_gb_hour)
    .fetch_optional(db)
    .await
}

pub async fn rate_cards(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<RateCardRow>> {
    sqlx::query_as(
        "SELECT id, effective_from, currency, flavor_hour, vcpu_hour, ram_gb_hour, created_at
         FROM rate_cards ORDER BY effective_from",
    )
    .fetch_all(db)
    .await
}

// ---- invoices ----

#[derive(Clone, Debug, FromRow)]
pub struct Invoice {
    pub id: uuid::Uuid,
    pub project_id: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub status: String,
    pub currency: Option<String>,
    pub total: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

const INVOICE_COLUMNS: &str =
    "id, project_id, period_start, period_end, status, currency, total, created_at, closed_at";

pub async fn invoice_insert(db: impl PgExecutor<'_>, i: &Invoice) -> sqlx::Result<Option<Invoice>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO invoices (id, project_id, period_start, period_end)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING {INVOICE_COLUMNS}"
    )))
    .bind(i.id)
    .bind(&i.project_id)
    .bind(i.period_start)
    .bind(i.period_end)
    .fetch_optional(db)
    .await
}

pub async fn invoice_get(db: impl PgExecutor<'_>, id: uuid::Uuid) -> sqlx::Result<Option<Invoice>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The invoice, locked until the transaction ends.
pub async fn invoice_lock(
    db: impl PgExecutor<'_>,
    id: uuid::Uuid,
) -> sqlx::Result<Option<Invoice>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn invoices(
    db: impl PgExecutor<'_>,
    project: Option<&str>,
) -> sqlx::Result<Vec<Invoice>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE $1::text IS NULL OR project_id = $1
         ORDER BY period_start DESC, project_id"
    )))
    .bind(project)
    .fetch_all(db)
    .await
}

#[derive(Clone, Debug, FromRow)]
pub struct LineRow {
    pub seq: i32,
    pub resource_id: String,
    pub flavor: String,
    pub rate_card: i64,
    pub line_start: DateTime<Utc>,
    pub line_end: DateTime<Utc>,
    pub millis: i64,
    pub amount: i64,
}

pub async fn invoice_lines(db: impl PgExecutor<'_>, id: uuid::Uuid) -> sqlx::Result<Vec<LineRow>> {
    sqlx::query_as(
        "SELECT seq, resource_id, flavor, rate_card, line_start, line_end, millis, amount
         FROM invoice_lines WHERE invoice_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

pub async fn invoice_line_insert(
    db: impl PgExecutor<'_>,
    id: uuid::Uuid,
    l: &LineRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO invoice_lines (invoice_id, seq, resource_id, flavor, rate_card, line_start,
                                    line_end, millis, amount)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(l.seq)
    .bind(&l.resource_id)
    .bind(&l.flavor)
    .bind(l.rate_card)
    .bind(l.line_start)
    .bind(l.line_end)
    .bind(l.millis)
    .bind(l.amount)
    .execute(db)
    .await
    .map(|_| ())
}

/// Closes a draft with its currency and total; false if it was not a draft.
pub async fn invoice_close(
    db: impl PgExecutor<'_>,
    id: uuid::Uuid,
    currency: Option<&str>,
    total: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invoices SET status = 'closed', currency = $2, total = $3, closed_at = now()
         WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(currency)
    .bind(total)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Every project's lifecycle events, or one project's.
pub async fn lifecycle_all(
    db: impl PgExecutor<'_>,
    project_id: Option<&str>,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT resource_id, project_id, event, at, attributes FROM lifecycle_events
         WHERE $1::text IS NULL OR project_id = $1 ORDER BY at",
    )
    .bind(project_id)
    .fetch_all(db)
    .await
}
