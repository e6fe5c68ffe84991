//! Images and their members.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{FromRow, PgExecutor, Postgres, QueryBuilder};
use std::collections::BTreeMap;

#[derive(Clone, Debug, FromRow)]
pub struct Image {
    pub id: String,
    pub name: Option<String>,
    pub owner: String,
    pub status: String,
    pub visibility: String,
    pub protected: bool,
    pub os_hidden: bool,
    pub disk_format: Option<String>,
    pub container_format: Option<String>,
    pub min_disk: i32,
    pub min_ram: i32,
    pub size: Option<i64>,
    pub virtual_size: Option<i64>,
    pub checksum: Option<String>,
    pub os_hash_algo: Option<String>,
    pub os_hash_value: Option<String>,
    pub host: Option<String>,
    pub properties: Json<BTreeMap<String, String>>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, owner, status, visibility, protected, os_hidden, disk_format, \
    container_format, min_disk, min_ram, size, virtual_size, checksum, os_hash_algo, os_hash_value, \
    host, properties, tags, created_at, updated_at";

pub async fn get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Image>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM images WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Serialises the image creates of one project (until the transaction ends).
pub async fn lock_owner(db: impl PgExecutor<'_>, owner: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('images:' || $1))")
        .bind(owner)
        .execute(db)
        .await
        .map(|_| ())
}

/// A project's images and the bytes of data they hold.
pub async fn project_usage(db: impl PgExecutor<'_>, owner: &str) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT count(*), coalesce(sum(size), 0)::bigint FROM images WHERE owner = $1")
        .bind(owner)
        .fetch_one(db)
        .await
}

pub async fn insert(db: impl PgExecutor<'_>, i: &Image) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO images (id, name, owner, status, visibility, protected, os_hidden, disk_format,
                             container_format, min_disk, min_ram, properties, tags)
         VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&i.id)
    .bind(&i.name)
    .bind(&i.owner)
    .bind(&i.visibility)
    .bind(i.protected)
    .bind(i.os_hidden)
    .bind(&i.disk_format)
    .bind(&i.container_format)
    .bind(i.min_disk)
    .bind(i.min_ram)
    .bind(&i.properties)
    .bind(&i.tags)
    .execute(db)
    .await
    .map(|_| ())
}

/// Writes the attributes a user may change; returns the row as stored.
pub async fn update(db: impl PgExecutor<'_>, i: &Image) -> sqlx::Result<Option<Image>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE images SET name = $2, visibility = $3, protected = $4, os_hidden = $5,
                disk_format = $6, container_format = $7, min_disk = $8, min_ram = $9,
                properties = $10, tags = $11, owner = $12, updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(&i.id)
    .bind(&i.name)
    .bind(&i.visibility)
    .bind(i.protected)
    .bind(i.os_hidden)
    .bind(&i.disk_format)
    .bind(&i.container_format)
    .bind(i.min_disk)
    .bind(i.min_ram)
    .bind(&i.properties)
    .bind(&i.tags)
    .bind(&i.owner)
    .fetch_optional(db)
    .await
}

/// Moves an image from one of `from` to `to`; `None` if it was in none.
pub async fn transition(
    db: impl PgExecutor<'_>,
    id: &str,
    from: &[&str],
    to: &str,
) -> sqlx::Result<Option<Image>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE images SET status = $3, updated_at = now()
         WHERE id = $1 AND status = ANY($2) RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(from)
    .bind(to)
    .fetch_optional(db)
    .await
}

/// `queued` → `saving` toward `host`; `None` if the image was not queued.
pub async fn upload_start(db: impl PgExecutor<'_>, id: &str, host: &str) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE images SET status = 'saving', host = $2, updated_at = now()
         WHERE id = $1 AND status = 'queued'",
    )
    .bind(id)
    .bind(host)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// `saving` → `queued` with no host: the upload failed.
pub async fn upload_reset(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE images SET status = 'queued', host = NULL, updated_at = now()
         WHERE id = $1 AND status = 'saving'",
    )
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Uploads that have not moved for `stale_s` seconds go back to `queued`;
/// returns each with the host that may hold part of its data.
pub async fn upload_reset_stale(
    db: impl PgExecutor<'_>,
    stale_s: f64,
) -> sqlx::Result<Vec<(String, Option<String>)>> {
    sqlx::query_as(
        "UPDATE images i SET status = 'queued', host = NULL, updated_at = now()
         FROM (SELECT id, host FROM images WHERE status = 'saving'
               AND updated_at < now() - make_interval(secs => $1) FOR UPDATE) old
         WHERE i.id = old.id RETURNING old.id, old.host",
    )
    .bind(stale_s)
    .fetch_all(db)
    .await
}

/// The data of an upload, as it was stored; the image becomes `active`.
pub struct Stored<'a> {
    pub host: &'a str,
    pub size: i64,
    pub virtual_size: Option<i64>,
    pub checksum: &'a str,
    pub os_hash_value: &'a str,
}

/// Activates a `saving` image with its data; `None` if it is not saving
/// any more (deleted meanwhile).
pub async fn activate(
    db: impl PgExecutor<'_>,
    id: &str,
    s: &Stored<'_>,
) -> sqlx::Result<Option<Image>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE images SET status = 'active', host = $2, size = $3, virtual_size = $4,
                checksum = $5, os_hash_algo = 'sha512', os_hash_value = $6, updated_at = now()
         WHERE id = $1 AND status = 'saving' RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(s.host)
    .bind(s.size)
    .bind(s.virtual_size)
    .bind(s.checksum)
    .bind(s.os_hash_value)
    .fetch_optional(db)
    .await
}

pub async fn delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Image>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "DELETE FROM images WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Who is asking, for visibility: a project, or an admin who sees all.
#[derive(Clone, Copy, Debug)]
pub enum Viewer<'a> {
    Admin,
    Project(&'a str),
}

/// The filters of `GET /v2/images`.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub name: Option<String>,
    pub status: Option<String>,
    pub visibility: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub ids: Option<Vec<String>>,
    pub disk_format: Option<String>,
    pub container_format: Option<String>,
    pub os_hidden: Option<bool>,
    pub member_status: Option<String>,
    /// Properties that must have these values.
    pub properties: BTreeMap<String, String>,
}

/// Whether `viewer` may see `image` at all (a show, not a list).
pub async fn visible(
    db: impl PgExecutor<'_>,
    image: &Image,
    viewer: Viewer<'_>,
) -> sqlx::Result<bool> {
    let project = match viewer {
        Viewer::Admin => return Ok(true),
        Viewer::Project(p) => p,
    };
    if image.owner == project || matches!(image.visibility.as_str(), "public" | "community") {
        return Ok(true);
    }
    if image.visibility != "shared" {
        return Ok(false);
    }
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM image_members WHERE image_id = $1 AND member = $2)",
    )
    .bind(&image.id)
    .bind(project)
    .fetch_one(db)
    .await
}

/// A page of images `viewer` may list, newest first, after `marker` (an
/// image of the list), at most `limit`.
pub async fn list(
    db: impl PgExecutor<'_>,
    viewer: Viewer<'_>,
    f: &ListFilter,
    marker: Option<&Image>,
    limit: i64,
) -> sqlx::Result<Vec<Image>> {
    let mut q: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("SELECT {COLUMNS} FROM images i WHERE true"));
    let member_status = f.member_status.clone().unwrap_or_else(|| "accepted".into());
    if let Viewer::Project(p) = viewer {
        q.push(" AND (owner = ").push_bind(p.to_owned());
        q.push(" OR visibility = 'public'");
        if f.visibility.as_deref() == Some("community") {
            q.push(" OR visibility = 'community'");
        }
        q.push(" OR (visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m WHERE m.image_id = i.id AND m.member = ")
            .push_bind(p.to_owned());
        if member_status != "all" {
            q.push(" AND m.status = ").push_bind(member_status);
        }
        q.push(")))");
    }
    match &f.visibility {
        Some(v) if v != "all" => {
            q.push(" AND visibility = ").push_bind(v.clone());
        }
        Some(_) => {}
        None => {
            q.push(" AND visibility <> 'community'");
        }
    }
    q.push(" AND os_hidden = ")
        .push_bind(f.os_hidden.unwrap_or(false));
    for (column, value) in [
        ("name", &f.name),
        ("status", &f.status),
        ("owner", &f.owner),
        ("disk_format", &f.disk_format),
        ("container_format", &f.container_format),
    ] {
        if let Some(v) = value {
            q.push(format!(" AND {column} = ")).push_bind(v.clone());
        }
    }
    if !f.tags.is_empty() {
        q.push(" AND tags @> ").push_bind(f.tags.clone());
    }
    if let Some(ids) = &f.ids {
        q.push(" AND id = ANY(").push_bind(ids.clone()).push(")");
    }
    if !f.properties.is_empty() {
        q.push(" AND properties @> ")
            .push_bind(Json(f.properties.clone()));
    }
    if let Some(m) = marker {
        q.push(" AND (created_at, id) < (")
            .push_bind(m.created_at)
            .push(", ")
            .push_bind(m.id.clone())
            .push(")");
    }
    q.push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(limit);
    q.build_query_as().fetch_all(db).await
}

// ---- members ----

#[derive(Clone, Debug, FromRow)]
pub struct Member {
    pub image_id: String,
    pub member: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn member_add(
    db: impl PgExecutor<'_>,
    image_id: &str,
    member: &str,
) -> sqlx::Result<Member> {
    sqlx::query_as(
        "INSERT INTO image_members (image_id, member) VALUES ($1, $2)
         RETURNING image_id, member, status, created_at, updated_at",
    )
    .bind(image_id)
    .bind(member)
    .fetch_one(db)
    .await
}

pub async fn member_list(db: impl PgExecutor<'_>, image_id: &str) -> sqlx::Result<Vec<Member>> {
    sqlx::query_as(
        "SELECT image_id, member, status, created_at, updated_at FROM image_members
         WHERE image_id = $1 ORDER BY created_at, member",
    )
    .bind(image_id)
    .fetch_all(db)
    .await
}

pub async fn member_get(
    db: impl PgExecutor<'_>,
    image_id: &str,
    member: &str,
) -> sqlx::Result<Option<Member>> {
    sqlx::query_as(
        "SELECT image_id, member, status, created_at, updated_at FROM image_members
         WHERE image_id = $1 AND member = $2",
    )
    .bind(image_id)
    .bind(member)
    .fetch_optional(db)
    .await
}

pub async fn member_set_status(
    db: impl PgExecutor<'_>,
    image_id: &str,
    member: &str,
    status: &str,
) -> sqlx::Result<Option<Member>> {
    sqlx::query_as(
        "UPDATE image_members SET status = $3, updated_at = now() WHERE image_id = $1 AND member = $2
         RETURNING image_id, member, status, created_at, updated_at",
    )
    .bind(image_id)
    .bind(member)
    .bind(status)
    .fetch_optional(db)
    .await
}

pub async fn member_delete(
    db: impl PgExecutor<'_>,
    image_id: &str,
    member: &str,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM image_members WHERE image_id = $1 AND member = $2")
        .bind(image_id)
        .bind(member)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
