//! Volumes, snapshots and quota overrides.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor, Postgres, QueryBuilder};
use std::collections::BTreeMap;

pub type Metadata = Json<BTreeMap<String, String>>;

#[derive(Clone, Debug, FromRow)]
pub struct Volume {
    pub id: String,
    pub project_id: String,
    pub user_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub size: i32,
    pub status: String,
    pub host: Option<String>,
    pub availability_zone: String,
    pub image_id: Option<String>,
    pub snapshot_id: Option<String>,
    pub source_volid: Option<String>,
    pub bootable: bool,
    pub metadata: Metadata,
    pub image_metadata: Option<Metadata>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const VOLUME_COLUMNS: &str = "id, project_id, user_id, name, description, size, status, host, \
    availability_zone, image_id, snapshot_id, source_volid, bootable, metadata, image_metadata, error, \
    created_at, updated_at";

#[derive(Clone, Debug, FromRow)]
pub struct Snapshot {
    pub id: String,
    pub project_id: String,
    pub user_id: String,
    pub volume_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub size: i32,
    pub status: String,
    pub host: String,
    pub metadata: Metadata,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SNAPSHOT_COLUMNS: &str = "id, project_id, user_id, volume_id, name, description, size, status, \
    host, metadata, error, created_at, updated_at";

pub async fn volume_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Volume>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {VOLUME_COLUMNS} FROM volumes WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn volume_insert(db: impl PgExecutor<'_>, v: &Volume) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO volumes (id, project_id, user_id, name, description, size, status, host,
                              availability_zone, image_id, snapshot_id, source_volid, bootable,
                              metadata, image_metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&v.id)
    .bind(&v.project_id)
    .bind(&v.user_id)
    .bind(&v.name)
    .bind(&v.description)
    .bind(v.size)
    .bind(&v.status)
    .bind(&v.host)
    .bind(&v.availability_zone)
    .bind(&v.image_id)
    .bind(&v.snapshot_id)
    .bind(&v.source_volid)
    .bind(v.bootable)
    .bind(&v.metadata)
    .bind(&v.image_metadata)
    .execute(db)
    .await
    .map(|_| ())
}

/// Writes what a user may change: name, description, metadata, bootable.
pub async fn volume_update(db: impl PgExecutor<'_>, v: &Volume) -> sqlx::Result<Option<Volume>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE volumes SET name = $2, description = $3, metadata = $4, bootable = $5, updated_at = now()
         WHERE id = $1 RETURNING {VOLUME_COLUMNS}"
    )))
    .bind(&v.id)
    .bind(&v.name)
    .bind(&v.description)
    .bind(&v.metadata)
    .bind(v.bootable)
    .fetch_optional(db)
    .await
}

/// Moves a volume from one of `from` to `to`; `None` if it was in none.
pub async fn volume_transition(
    db: impl PgExecutor<'_>,
    id: &str,
    from: &[&str],
    to: &str,
) -> sqlx::Result<Option<Volume>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE volumes SET status = $3, updated_at = now() WHERE id = $1 AND status = ANY($2)
         RETURNING {VOLUME_COLUMNS}"
    )))
    .bind(id)
    .bind(from)
    .bind(to)
    .fetch_optional(db)
    .await
}

/// Records an operation's end: `to` (and the size and error) if the volume
/// is still `from`.
pub async fn volume_finish(
    db: impl PgExecutor<'_>,
    id: &str,
    from: &str,
    to: &str,
    size: Option<i32>,
    error: Option<&str>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE volumes SET status = $3, size = COALESCE($4, size), error = $5, updated_at = now()
         WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(size)
    .bind(error)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

pub async fn volume_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM volumes WHERE id = $1 AND status = 'deleting'")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Removes a volume whose delete the sweeper had given up on.
pub async fn volume_delete_after_error(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM volumes WHERE id = $1 AND status = 'error_deleting'")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Filters of the volume and snapshot lists.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// `None`: every project (admins with `all_tenants`).
    pub project_id: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub volume_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

fn push_filters(q: &mut QueryBuilder<Postgres>, f: &ListFilter) {
    for (column, value) in [
        ("project_id", &f.project_id),
        ("name", &f.name),
        ("status", &f.status),
    ] {
        if let Some(v) = value {
            q.push(format!(" AND {column} = ")).push_bind(v.clone());
        }
    }
    if !f.metadata.is_empty() {
        q.push(" AND metadata @> ")
            .push_bind(Json(f.metadata.clone()));
    }
}

fn push_marker(
    q: &mut QueryBuilder<Postgres>,
    marker: Option<(DateTime<Utc>, String)>,
    limit: i64,
) {
    if let Some((at, id)) = marker {
        q.push(" AND (created_at, id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    q.push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(limit);
}

pub async fn volume_list(
    db: impl PgExecutor<'_>,
    f: &ListFilter,
    marker: Option<(DateTime<Utc>, String)>,
    limit: i64,
) -> sqlx::Result<Vec<Volume>> {
    let mut q = QueryBuilder::new(format!("SELECT {VOLUME_COLUMNS} FROM volumes WHERE true"));
    push_filters(&mut q, f);
    push_marker(&mut q, marker, limit);
    q.build_query_as().fetch_all(db).await
}

/// Volumes made from an image that still exist.
pub async fn volumes_of_image(db: impl PgExecutor<'_>, image_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM volumes WHERE image_id = $1")
        .bind(image_id)
        .fetch_one(db)
        .await
}

pub async fn snapshots_of_volume(db: impl PgExecutor<'_>, volume_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM snapshots WHERE volume_id = $1")
        .bind(volume_id)
        .fetch_one(db)
        .await
}

// ---- snapshots ----

pub async fn snapshot_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Snapshot>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn snapshot_insert(db: impl PgExecutor<'_>, s: &Snapshot) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO snapshots (id, project_id, user_id, volume_id, name, description, size, status, host, metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&s.id)
    .bind(&s.project_id)
    .bind(&s.user_id)
    .bind(&s.volume_id)
    .bind(&s.name)
    .bind(&s.description)
    .bind(s.size)
    .bind(&s.status)
    .bind(&s.host)
    .bind(&s.metadata)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn snapshot_update(
    db: impl PgExecutor<'_>,
    s: &Snapshot,
) -> sqlx::Result<Option<Snapshot>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE snapshots SET name = $2, description = $3, metadata = $4, updated_at = now()
         WHERE id = $1 RETURNING {SNAPSHOT_COLUMNS}"
    )))
    .bind(&s.id)
    .bind(&s.name)
    .bind(&s.description)
    .bind(&s.metadata)
    .fetch_optional(db)
    .await
}

pub async fn snapshot_transition(
    db: impl PgExecutor<'_>,
    id: &str,
    from: &[&str],
    to: &str,
) -> sqlx::Result<Option<Snapshot>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE snapshots SET status = $3, updated_at = now() WHERE id = $1 AND status = ANY($2)
         RETURNING {SNAPSHOT_COLUMNS}"
    )))
    .bind(id)
    .bind(from)
    .bind(to)
    .fetch_optional(db)
    .await
}

pub async fn snapshot_finish(
    db: impl PgExecutor<'_>,
    id: &str,
    from: &str,
    to: &str,
    error: Option<&str>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE snapshots SET status = $3, error = $4, updated_at = now() WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(error)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

pub async fn snapshot_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM snapshots WHERE id = $1 AND status = 'deleting'")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Removes a snapshot whose delete the sweeper had given up on.
pub async fn snapshot_delete_after_error(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM snapshots WHERE id = $1 AND status = 'error_deleting'")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

pub async fn snapshot_list(
    db: impl PgExecutor<'_>,
    f: &ListFilter,
    marker: Option<(DateTime<Utc>, String)>,
    limit: i64,
) -> sqlx::Result<Vec<Snapshot>> {
    let mut q = QueryBuilder::new(format!(
        "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE true"
    ));
    push_filters(&mut q, f);
    if let Some(v) = &f.volume_id {
        q.push(" AND volume_id = ").push_bind(v.clone());
    }
    push_marker(&mut q, marker, limit);
    q.build_query_as().fetch_all(db).await
}

/// Operations stuck past `stale_s` seconds (their agent died) end in the
/// matching error status; returns how many.
pub async fn sweep_stuck(db: &mut PgConnection, stale_s: f64) -> sqlx::Result<u64> {
    let mut n = 0;
    for (table, from, to) in [
        ("volumes", "creating", "error"),
        ("volumes", "extending", "error_extending"),
        ("volumes", "deleting", "error_deleting"),
        ("volumes", "uploading", "available"),
        ("snapshots", "creating", "error"),
        ("snapshots", "deleting", "error_deleting"),
    ] {
        n += sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET status = '{to}', error = 'The storage host did not finish in time.',
                    updated_at = now()
             WHERE status = '{from}' AND updated_at < now() - make_interval(secs => $1)"
        )))
        .bind(stale_s)
        .execute(&mut *db)
        .await?
        .rows_affected();
    }
    Ok(n)
}

// ---- quotas ----

/// Serializes quota checks of one project (inside the caller's transaction).
pub async fn lock_project(db: &mut PgConnection, project_id: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('storage-quota:' || $1))")
        .bind(project_id)
        .execute(db)
        .await
        .map(|_| ())
}

/// The project's overrides, by resource.
pub async fn quota_overrides(
    db: impl PgExecutor<'_>,
    project_id: &str,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT resource, hard_limit FROM quotas WHERE project_id = $1")
        .bind(project_id)
        .fetch_all(db)
        .await
}

pub async fn quota_set(
    db: impl PgExecutor<'_>,
    project_id: &str,
    resource: &str,
    limit: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = $3",
    )
    .bind(project_id)
    .bind(resource)
    .bind(limit)
    .execute(db)
    .await
    .map(|_| ())
}

/// Drops the project's overrides: its limits are the defaults again.
pub async fn quota_reset(db: impl PgExecutor<'_>, project_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM quotas WHERE project_id = $1")
        .bind(project_id)
        .execute(db)
        .await
        .map(|_| ())
}

/// What the project uses: volumes, their gigabytes (snapshots' too, as
/// Cinder counts them), snapshots.
pub async fn usage(db: impl PgExecutor<'_>, project_id: &str) -> sqlx::Result<(i64, i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM volumes WHERE project_id = $1),
                (SELECT COALESCE(sum(size), 0)::bigint FROM volumes WHERE project_id = $1)
                  + (SELECT COALESCE(sum(size), 0)::bigint FROM snapshots WHERE project_id = $1),
                (SELECT count(*) FROM snapshots WHERE project_id = $1)",
    )
    .bind(project_id)
    .fetch_one(db)
    .await
}

// ---- attachments ----

#[derive(Clone, Debug, FromRow)]
pub struct Attachment {
    pub id: String,
    pub volume_id: String,
    pub instance_uuid: Option<String>,
    pub host_name: Option<String>,
    pub mountpoint: Option<String>,
    pub attach_mode: String,
    pub attached_at: DateTime<Utc>,
}

/// The attachments of these volumes.
pub async fn attachments_of(
    db: impl PgExecutor<'_>,
    volume_ids: &[String],
) -> sqlx::Result<Vec<Attachment>> {
    sqlx::query_as(
        "SELECT id, volume_id, instance_uuid, host_name, mountpoint, attach_mode, attached_at
         FROM volume_attachments WHERE volume_id = ANY($1) ORDER BY attached_at, id",
    )
    .bind(volume_ids)
    .fetch_all(db)
    .await
}

pub async fn attachment_insert(db: impl PgExecutor<'_>, a: &Attachment) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO volume_attachments (id, volume_id, instance_uuid, host_name, mountpoint, attach_mode)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&a.id)
    .bind(&a.volume_id)
    .bind(&a.instance_uuid)
    .bind(&a.host_name)
    .bind(&a.mountpoint)
    .bind(&a.attach_mode)
    .execute(db)
    .await
    .map(|_| ())
}

/// Removes one attachment (or, with `None`, all) of a volume; how many went.
pub async fn attachment_delete(
    db: impl PgExecutor<'_>,
    volume_id: &str,
    attachment_id: Option<&str>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "DELETE FROM volume_attachments WHERE volume_id = $1 AND ($2::text IS NULL OR id = $2)",
    )
    .bind(volume_id)
    .bind(attachment_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

pub async fn attachment_count(db: impl PgExecutor<'_>, volume_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM volume_attachments WHERE volume_id = $1")
        .bind(volume_id)
        .fetch_one(db)
        .await
}
