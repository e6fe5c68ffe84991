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
    // The samples and, in the same statement, what is left to roll up.
    sqlx::query_scalar(
        "WITH ins AS (
           INSERT INTO samples (resource_id, metric, sampled_at, resource_type, project_id, unit,
                                kind, value, host, attributes)
           SELECT r, m, a, t, p, u, k, v, $9, x
           FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
                       $6::text[], $7::text[], $8::bigint[], $10::jsonb[])
                AS s(r, m, a, t, p, u, k, v, x)
           ON CONFLICT DO NOTHING
           RETURNING resource_id, metric, sampled_at),
         pending AS (
           INSERT INTO rollup_pending (resource_id, metric, first_at, last_at)
           SELECT resource_id, metric, min(sampled_at), max(sampled_at) FROM ins
           GROUP BY 1, 2 ORDER BY 1, 2
           ON CONFLICT (resource_id, metric) DO UPDATE
             SET first_at = least(rollup_pending.first_at, excluded.first_at),
                 last_at = greatest(rollup_pending.last_at, excluded.last_at))
         SELECT count(*) FROM ins",
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
    .fetch_one(db)
    .await
    .map(|n: i64| n.unsigned_abs())
}

/// Rolls up to `limit` pending resource-metrics: the hours their new
/// samples touch (and the hour of the sample after the last, whose increase
/// a late sample changes) are computed afresh from the samples. How many
/// were done; call in a transaction, which holds the claimed rows.
pub async fn rollup_some(tx: &mut sqlx::PgConnection, limit: i64) -> sqlx::Result<u64> {
    sqlx::query(
        "WITH p AS (
           DELETE FROM rollup_pending WHERE (resource_id, metric) IN (
             SELECT resource_id, metric FROM rollup_pending
             ORDER BY resource_id, metric LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING resource_id, metric, first_at, last_at),
         b AS (
           SELECT p.resource_id, p.metric, date_trunc('hour', p.first_at) AS lo,
                  date_trunc('hour', coalesce(
                    (SELECT min(s.sampled_at) FROM samples s
                     WHERE s.resource_id = p.resource_id AND s.metric = p.metric
                       AND s.sampled_at > p.last_at), p.last_at)) + interval '1 hour' AS hi
           FROM p),
         w AS (
           SELECT s.resource_id, s.metric, s.sampled_at, s.value, s.kind, s.project_id,
                  s.resource_type, s.unit, true AS inside
           FROM b JOIN samples s ON s.resource_id = b.resource_id AND s.metric = b.metric
                AND s.sampled_at >= b.lo AND s.sampled_at < b.hi
           UNION ALL
           SELECT q.resource_id, q.metric, q.sampled_at, q.value, q.kind, q.project_id,
                  q.resource_type, q.unit, false
           FROM b CROSS JOIN LATERAL (
             SELECT * FROM samples s
             WHERE s.resource_id = b.resource_id AND s.metric = b.metric AND s.sampled_at < b.lo
             ORDER BY s.sampled_at DESC LIMIT 1) q),
         d AS (
           SELECT *, lag(value) OVER (PARTITION BY resource_id, metric ORDER BY sampled_at) AS prev
           FROM w)
         INSERT INTO usage_hourly (resource_id, metric, hour, project_id, resource_type, unit, kind,
                                   total, maximum, samples)
         SELECT resource_id, metric, date_trunc('hour', sampled_at), min(project_id),
                min(resource_type), min(unit), min(kind),
                sum(CASE WHEN kind = 'gauge' OR prev IS NULL OR value < prev THEN value
                         ELSE value - prev END),
                max(value), count(*)
         FROM d WHERE inside GROUP BY resource_id, metric, date_trunc('hour', sampled_at)
         ON CONFLICT (resource_id, metric, hour) DO UPDATE
           SET total = excluded.total, maximum = excluded.maximum, samples = excluded.samples",
    )
    .bind(limit)
    .execute(&mut *tx)
    .await
    .map(|r| r.rows_affected())
}

/// One hour of one resource's metric.
#[derive(Clone, Debug, FromRow)]
pub struct HourRow {
    pub resource_id: String,
    pub metric: String,
    pub hour: DateTime<Utc>,
    pub project_id: String,
    pub resource_type: String,
    pub unit: String,
    pub kind: String,
    pub total: i64,
    pub maximum: i64,
    pub samples: i32,
}

/// Hourly usage in `[from, to)`, of one project or all, optionally of one
/// resource or metric; by resource, metric and hour.
pub async fn usage_hours(
    db: impl PgExecutor<'_>,
    project_id: Option<&str>,
    resource_id: Option<&str>,
    metric: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<HourRow>> {
    sqlx::query_as(
        "SELECT resource_id, metric, hour, project_id, resource_type, unit, kind, total, maximum,
                samples
         FROM usage_hourly
         WHERE ($1::text IS NULL OR project_id = $1) AND ($2::text IS NULL OR resource_id = $2)
           AND ($3::text IS NULL OR metric = $3) AND hour >= $4 AND hour < $5
         ORDER BY project_id, resource_id, metric, hour",
    )
    .bind(project_id)
    .bind(resource_id)
    .bind(metric)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
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
    pub resource_type: String,
    pub project_id: String,
    pub event: String,
    pub at: DateTime<Utc>,
    pub attributes: sqlx::types::Json<std::collections::BTreeMap<String, String>>,
}

// ---- rate cards ----

#[derive(Clone, Debug, FromRow)]
pub struct RateCardRow {
    pub id: i64,
    pub effective_from: DateTime<Utc>,
    pub currency: String,
    pub flavor_hour: sqlx::types::Json<std::collections::BTreeMap<String, i64>>,
    pub prices: sqlx::types::Json<std::collections::BTreeMap<String, i64>>,
    pub created_at: DateTime<Utc>,
}

/// Stores a rate card; `None` when one already takes effect at that time.
pub async fn rate_card_insert(
    db: impl PgExecutor<'_>,
    c: &RateCardRow,
) -> sqlx::Result<Option<RateCardRow>> {
    sqlx::query_as(
        "INSERT INTO rate_cards (effective_from, currency, flavor_hour, prices)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
         RETURNING id, effective_from, currency, flavor_hour, prices, created_at",
    )
    .bind(c.effective_from)
    .bind(&c.currency)
    .bind(&c.flavor_hour)
    .bind(&c.prices)
    .fetch_optional(db)
    .await
}

pub async fn rate_cards(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<RateCardRow>> {
    sqlx::query_as(
        "SELECT id, effective_from, currency, flavor_hour, prices, created_at
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

/// A project's invoice for a period, locked until the transaction ends.
pub async fn invoice_for(
    db: impl PgExecutor<'_>,
    project_id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Option<Invoice>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices
         WHERE project_id = $1 AND period_start = $2 AND period_end = $3 FOR UPDATE"
    )))
    .bind(project_id)
    .bind(start)
    .bind(end)
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
    pub resource_type: String,
    pub flavor: String,
    pub charge: String,
    pub quantity: i64,
    pub unit: String,
    pub rate_card: i64,
    pub line_start: DateTime<Utc>,
    pub line_end: DateTime<Utc>,
    pub millis: i64,
    pub amount: i64,
}

pub async fn invoice_lines(db: impl PgExecutor<'_>, id: uuid::Uuid) -> sqlx::Result<Vec<LineRow>> {
    sqlx::query_as(
        "SELECT seq, resource_id, resource_type, flavor, charge, quantity, unit, rate_card,
                line_start, line_end, millis, amount
         FROM invoice_lines WHERE invoice_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

/// Stores an invoice's lines in one statement.
pub async fn invoice_lines_insert(
    db: impl PgExecutor<'_>,
    id: uuid::Uuid,
    lines: &[LineRow],
) -> sqlx::Result<()> {
    let col = |f: &dyn Fn(&LineRow) -> String| lines.iter().map(f).collect::<Vec<_>>();
    let int = |f: &dyn Fn(&LineRow) -> i64| lines.iter().map(f).collect::<Vec<_>>();
    let at = |f: &dyn Fn(&LineRow) -> DateTime<Utc>| lines.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO invoice_lines (invoice_id, seq, resource_id, resource_type, flavor, charge,
                                    quantity, unit, rate_card, line_start, line_end, millis,
                                    amount)
         SELECT $1, * FROM UNNEST($2::int[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::bigint[], $8::text[], $9::bigint[], $10::timestamptz[],
                                  $11::timestamptz[], $12::bigint[], $13::bigint[])",
    )
    .bind(id)
    .bind(lines.iter().map(|l| l.seq).collect::<Vec<_>>())
    .bind(col(&|l| l.resource_id.clone()))
    .bind(col(&|l| l.resource_type.clone()))
    .bind(col(&|l| l.flavor.clone()))
    .bind(col(&|l| l.charge.clone()))
    .bind(int(&|l| l.quantity))
    .bind(col(&|l| l.unit.clone()))
    .bind(int(&|l| l.rate_card))
    .bind(at(&|l| l.line_start))
    .bind(at(&|l| l.line_end))
    .bind(int(&|l| l.millis))
    .bind(int(&|l| l.amount))
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

/// Every project's lifecycle events, or one project's; of one resource
/// type, or all.
pub async fn lifecycle_all(
    db: impl PgExecutor<'_>,
    project_id: Option<&str>,
    resource_type: Option<&str>,
) -> sqlx::Result<Vec<EventRow>> {
    lifecycle_between(db, project_id, resource_type, None, None).await
}

/// The lifecycle events of the resources that ran some time in
/// `[from, to)` (created before `to`, not deleted by `from`): what prices
/// that period, without the history of everything gone before it. No
/// bound: from the beginning, or for ever.
pub async fn lifecycle_between(
    db: impl PgExecutor<'_>,
    project_id: Option<&str>,
    resource_type: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT resource_id, resource_type, project_id, event, at, attributes
         FROM lifecycle_events
         WHERE ($1::text IS NULL OR project_id = $1) AND ($2::text IS NULL OR resource_type = $2)
           AND resource_id IN (
             SELECT resource_id FROM lifecycle_events
             WHERE ($1::text IS NULL OR project_id = $1)
               AND ($2::text IS NULL OR resource_type = $2)
             GROUP BY resource_id
             HAVING min(at) < coalesce($4, 'infinity')
                AND coalesce(max(at) FILTER (WHERE event = 'deleted'), 'infinity')
                    > coalesce($3, '-infinity'))
         ORDER BY at",
    )
    .bind(project_id)
    .bind(resource_type)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}
