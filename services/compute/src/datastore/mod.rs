//! The compute service's queries, one function per query. Every error is a
//! `sqlx::Error`; the app layer maps it.

pub mod hosts;

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

#[derive(Clone, Debug, FromRow)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    pub vcpus: i32,
    pub ram_mb: i32,
    pub disk_gb: i32,
    pub ephemeral_gb: i32,
    pub swap_mb: i32,
    pub rxtx_factor: f64,
    pub is_public: bool,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub seq: i64,
}

const FLAVOR_COLUMNS: &str = "id, name, vcpus, ram_mb, disk_gb, ephemeral_gb, swap_mb, rxtx_factor, \
    is_public, description, created_at, seq";

/// Inserts a flavor; `None` when its id or name is taken (which one, the
/// caller asks).
pub async fn flavor_insert(db: impl PgExecutor<'_>, f: &Flavor) -> sqlx::Result<Option<Flavor>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO flavors (id, name, vcpus, ram_mb, disk_gb, ephemeral_gb, swap_mb, rxtx_factor, is_public, description)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT DO NOTHING
         RETURNING {FLAVOR_COLUMNS}"
    )))
    .bind(&f.id)
    .bind(&f.name)
    .bind(f.vcpus)
    .bind(f.ram_mb)
    .bind(f.disk_gb)
    .bind(f.ephemeral_gb)
    .bind(f.swap_mb)
    .bind(f.rxtx_factor)
    .bind(f.is_public)
    .bind(&f.description)
    .fetch_optional(db)
    .await
}

pub async fn flavor_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Flavor>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FLAVOR_COLUMNS} FROM flavors WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn flavor_by_name(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<Option<Flavor>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FLAVOR_COLUMNS} FROM flavors WHERE name = $1"
    )))
    .bind(name)
    .fetch_optional(db)
    .await
}

/// Which flavors a listing shows.
pub struct FlavorFilter<'a> {
    /// `Some(b)`: those whose `is_public` is `b`; with `Some(true)` also the
    /// private ones `project` may use. `None`: all.
    pub is_public: Option<bool>,
    pub project: Option<&'a str>,
    pub min_ram: i32,
    pub min_disk: i32,
    /// Flavors after this one's position in `sort` order.
    pub marker_seq: Option<i64>,
    pub limit: i64,
}

pub async fn flavor_list(
    db: impl PgExecutor<'_>,
    f: &FlavorFilter<'_>,
) -> sqlx::Result<Vec<Flavor>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FLAVOR_COLUMNS} FROM flavors fl
         WHERE ($1::boolean IS NULL
                OR fl.is_public = $1
                OR ($1 AND $2::text IS NOT NULL
                    AND EXISTS (SELECT 1 FROM flavor_projects p WHERE p.flavor_id = fl.id AND p.project_id = $2)))
           AND ram_mb >= $3 AND disk_gb >= $4
           AND ($5::bigint IS NULL OR seq > $5)
         ORDER BY seq
         LIMIT $6"
    )))
    .bind(f.is_public)
    .bind(f.project)
    .bind(f.min_ram)
    .bind(f.min_disk)
    .bind(f.marker_seq)
    .bind(f.limit)
    .fetch_all(db)
    .await
}

/// Deletes a flavor; whether it existed.
pub async fn flavor_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query("DELETE FROM flavors WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

pub async fn flavor_may_use(
    db: impl PgExecutor<'_>,
    flavor: &str,
    project: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM flavor_projects WHERE flavor_id = $1 AND project_id = $2)",
    )
    .bind(flavor)
    .bind(project)
    .fetch_one(db)
    .await
}

pub async fn extra_specs(
    db: impl PgExecutor<'_>,
    flavor: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT key, value FROM flavor_extra_specs WHERE flavor_id = $1 ORDER BY key")
        .bind(flavor)
        .fetch_all(db)
        .await
}

pub async fn extra_spec_set(
    db: impl PgExecutor<'_>,
    flavor: &str,
    key: &str,
    value: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO flavor_extra_specs (flavor_id, key, value) VALUES ($1, $2, $3)
         ON CONFLICT (flavor_id, key) DO UPDATE SET value = EXCLUDED.value",
    )
    .bind(flavor)
    .bind(key)
    .bind(value)
    .execute(db)
    .await
    .map(|_| ())
}

/// Deletes one extra spec; whether it existed.
pub async fn extra_spec_delete(
    db: impl PgExecutor<'_>,
    flavor: &str,
    key: &str,
) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM flavor_extra_specs WHERE flavor_id = $1 AND key = $2")
            .bind(flavor)
            .bind(key)
            .execute(db)
            .await?
            .rows_affected()
            > 0,
    )
}

pub async fn flavor_projects(db: impl PgExecutor<'_>, flavor: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT project_id FROM flavor_projects WHERE flavor_id = $1 ORDER BY project_id",
    )
    .bind(flavor)
    .fetch_all(db)
    .await
}

/// Grants a project a private flavor; whether it was new.
pub async fn flavor_project_add(
    db: impl PgExecutor<'_>,
    flavor: &str,
    project: &str,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO flavor_projects (flavor_id, project_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(flavor)
    .bind(project)
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// Takes a project's access away; whether it had it.
pub async fn flavor_project_remove(
    db: impl PgExecutor<'_>,
    flavor: &str,
    project: &str,
) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM flavor_projects WHERE flavor_id = $1 AND project_id = $2")
            .bind(flavor)
            .bind(project)
            .execute(db)
            .await?
            .rows_affected()
            > 0,
    )
}

#[derive(Clone, Debug, FromRow)]
pub struct Keypair {
    pub id: i64,
    pub user_id: String,
    pub name: String,
    pub key_type: String,
    pub public_key: String,
    pub fingerprint: String,
    pub created_at: DateTime<Utc>,
}

const KEYPAIR_COLUMNS: &str = "id, user_id, name, key_type, public_key, fingerprint, created_at";

/// Inserts a key pair; `None` when the user has one of that name.
pub async fn keypair_insert(
    db: impl PgExecutor<'_>,
    user: &str,
    name: &str,
    key_type: &str,
    public_key: &str,
    fingerprint: &str,
) -> sqlx::Result<Option<Keypair>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO keypairs (user_id, name, key_type, public_key, fingerprint)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, name) DO NOTHING
         RETURNING {KEYPAIR_COLUMNS}"
    )))
    .bind(user)
    .bind(name)
    .bind(key_type)
    .bind(public_key)
    .bind(fingerprint)
    .fetch_optional(db)
    .await
}

pub async fn keypair_get(
    db: impl PgExecutor<'_>,
    user: &str,
    name: &str,
) -> sqlx::Result<Option<Keypair>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEYPAIR_COLUMNS} FROM keypairs WHERE user_id = $1 AND name = $2"
    )))
    .bind(user)
    .bind(name)
    .fetch_optional(db)
    .await
}

pub async fn keypair_list(db: impl PgExecutor<'_>, user: &str) -> sqlx::Result<Vec<Keypair>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEYPAIR_COLUMNS} FROM keypairs WHERE user_id = $1 ORDER BY name"
    )))
    .bind(user)
    .fetch_all(db)
    .await
}

pub async fn keypair_count(db: impl PgExecutor<'_>, user: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM keypairs WHERE user_id = $1")
        .bind(user)
        .fetch_one(db)
        .await
}

/// Deletes a key pair; whether it existed.
pub async fn keypair_delete(db: impl PgExecutor<'_>, user: &str, name: &str) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM keypairs WHERE user_id = $1 AND name = $2")
            .bind(user)
            .bind(name)
            .execute(db)
            .await?
            .rows_affected()
            > 0,
    )
}
