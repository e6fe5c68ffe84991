//! The compute service's queries, one function per query. Every error is a
//! `sqlx::Error`; the app layer maps it.

pub mod hosts;
pub mod servers;

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

/// Serialises key pair creation of one user (until the transaction ends).
pub async fn lock_keypairs(db: impl PgExecutor<'_>, user: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('keypairs:' || $1))")
        .bind(user)
        .execute(db)
        .await
        .map(|_| ())
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

#[derive(Clone, Debug, FromRow)]
pub struct ServerGroup {
    pub id: uuid::Uuid,
    pub project_id: String,
    pub user_id: String,
    pub name: String,
    pub policy: String,
    pub created_at: DateTime<Utc>,
}

const GROUP_COLUMNS: &str = "id, project_id, user_id, name, policy, created_at";

pub async fn group_insert(db: impl PgExecutor<'_>, g: &ServerGroup) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO server_groups (id, project_id, user_id, name, policy) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(g.id)
    .bind(&g.project_id)
    .bind(&g.user_id)
    .bind(&g.name)
    .bind(&g.policy)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn group_get(
    db: impl PgExecutor<'_>,
    id: uuid::Uuid,
) -> sqlx::Result<Option<ServerGroup>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM server_groups WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Groups of `project` (all projects for `None`), oldest first.
pub async fn group_list(
    db: impl PgExecutor<'_>,
    project: Option<&str>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<ServerGroup>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM server_groups WHERE ($1::text IS NULL OR project_id = $1)
         ORDER BY created_at, id OFFSET $2 LIMIT $3"
    )))
    .bind(project)
    .bind(offset)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Takes the project's server-group quota lock until the transaction ends.
pub async fn group_quota_lock(db: impl PgExecutor<'_>, project: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(format!("server_groups:{project}"))
        .execute(db)
        .await
        .map(drop)
}

pub async fn group_count(db: impl PgExecutor<'_>, project: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM server_groups WHERE project_id = $1")
        .bind(project)
        .fetch_one(db)
        .await
}

pub async fn group_delete(db: impl PgExecutor<'_>, id: uuid::Uuid) -> sqlx::Result<bool> {
    Ok(sqlx::query("DELETE FROM server_groups WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

pub async fn group_members(
    db: impl PgExecutor<'_>,
    id: uuid::Uuid,
) -> sqlx::Result<Vec<uuid::Uuid>> {
    sqlx::query_scalar(
        "SELECT server_id FROM server_group_members WHERE group_id = $1 ORDER BY server_id",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

/// A project's quota overrides.
pub async fn quotas(db: impl PgExecutor<'_>, project: &str) -> sqlx::Result<Vec<(String, i32)>> {
    sqlx::query_as("SELECT resource, hard_limit FROM quotas WHERE project_id = $1")
        .bind(project)
        .fetch_all(db)
        .await
}

pub async fn quota_set(
    db: impl PgExecutor<'_>,
    project: &str,
    resource: &str,
    limit: i32,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit",
    )
    .bind(project)
    .bind(resource)
    .bind(limit)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn quota_reset(db: impl PgExecutor<'_>, project: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM quotas WHERE project_id = $1")
        .bind(project)
        .execute(db)
        .await
        .map(|_| ())
}
