//! Identity's queries, one function per query, resource first. Every error is
//! a `sqlx::Error`; the app layer maps it with `stratus_db::api_error`.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

mod catalog;
pub use catalog::*;

pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[derive(Clone, Debug, FromRow)]
pub struct Domain {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
}

#[derive(Clone, Debug, FromRow)]
pub struct Project {
    pub id: String,
    pub domain_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub description: String,
    pub enabled: bool,
}

#[derive(Clone, Debug, FromRow)]
pub struct User {
    pub id: String,
    pub domain_id: String,
    pub name: String,
    pub enabled: bool,
    pub password_hash: Option<String>,
    pub default_project_id: Option<String>,
}

#[derive(Clone, Debug, FromRow)]
pub struct Role {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub private_der: Vec<u8>,
    pub public_key: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// A revocation as stored; fields left `None` match every token.
#[derive(Clone, Debug, Default, FromRow)]
pub struct RevocationRow {
    pub audit_id: Option<String>,
    pub user_id: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    pub application_credential_id: Option<String>,
    pub role_id: Option<String>,
    pub issued_before: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

// ---- domains ----

pub async fn domain_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Domain>> {
    sqlx::query_as("SELECT id, name, description, enabled FROM domains WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn domain_get_by_name(
    db: impl PgExecutor<'_>,
    name: &str,
) -> sqlx::Result<Option<Domain>> {
    sqlx::query_as("SELECT id, name, description, enabled FROM domains WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn domain_ensure(
    db: impl PgExecutor<'_>,
    id: &str,
    name: &str,
    description: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO domains (id, name, description) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(name)
        .bind(description)
        .execute(db)
        .await
        .map(|_| ())
}

// ---- projects ----

const PROJECT_COLUMNS: &str = "id, domain_id, parent_id, name, description, enabled";

pub async fn project_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Project>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn project_get_by_name(
    db: impl PgExecutor<'_>,
    domain_id: &str,
    name: &str,
) -> sqlx::Result<Option<Project>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PROJECT_COLUMNS} FROM projects WHERE domain_id = $1 AND name = $2"
    )))
    .bind(domain_id)
    .bind(name)
    .fetch_optional(db)
    .await
}

/// Creates the project unless one of that name exists in the domain; returns its id.
pub async fn project_ensure(
    db: impl PgExecutor<'_>,
    domain_id: &str,
    name: &str,
    description: &str,
) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "INSERT INTO projects (id, domain_id, name, description) VALUES ($1, $2, $3, $4)
         ON CONFLICT (domain_id, name) DO UPDATE SET name = EXCLUDED.name
         RETURNING id",
    )
    .bind(new_id())
    .bind(domain_id)
    .bind(name)
    .bind(description)
    .fetch_one(db)
    .await
}

// ---- users ----

const USER_COLUMNS: &str = "id, domain_id, name, enabled, password_hash, default_project_id";

pub async fn user_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn user_get_by_name(
    db: impl PgExecutor<'_>,
    domain_id: &str,
    name: &str,
) -> sqlx::Result<Option<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE domain_id = $1 AND name = $2"
    )))
    .bind(domain_id)
    .bind(name)
    .fetch_optional(db)
    .await
}

/// Creates the user, or sets its password and enables it if it exists; returns its id.
pub async fn user_ensure(
    db: impl PgExecutor<'_>,
    domain_id: &str,
    name: &str,
    password_hash: &str,
) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "INSERT INTO users (id, domain_id, name, password_hash, password_changed_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (domain_id, name) DO UPDATE
           SET password_hash = EXCLUDED.password_hash, password_changed_at = now(), enabled = true
         RETURNING id",
    )
    .bind(new_id())
    .bind(domain_id)
    .bind(name)
    .bind(password_hash)
    .fetch_one(db)
    .await
}

// ---- roles and assignments ----

pub async fn role_ensure(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "INSERT INTO roles (id, name) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
    )
    .bind(new_id())
    .bind(name)
    .fetch_one(db)
    .await
}

pub async fn role_assignment_ensure(
    db: impl PgExecutor<'_>,
    actor_type: &str,
    actor_id: &str,
    target_type: &str,
    target_id: &str,
    role_id: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO role_assignments (actor_type, actor_id, target_type, target_id, role_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(actor_type)
    .bind(actor_id)
    .bind(target_type)
    .bind(target_id)
    .bind(role_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// The roles a user holds on a target, directly or through its groups, and on
/// a project also those inherited from its domain.
pub async fn role_list_effective(
    db: impl PgExecutor<'_>,
    user_id: &str,
    target_type: &str,
    target_id: &str,
) -> sqlx::Result<Vec<Role>> {
    sqlx::query_as(
        "SELECT DISTINCT r.id, r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
         WHERE ((a.actor_type = 'user' AND a.actor_id = $1)
             OR (a.actor_type = 'group' AND a.actor_id IN (SELECT group_id FROM group_members WHERE user_id = $1)))
           AND ((a.target_type = $2 AND a.target_id = $3 AND NOT a.inherited)
             OR ($2 = 'project' AND a.inherited AND a.target_type = 'domain'
                 AND a.target_id = (SELECT domain_id FROM projects WHERE id = $3)))
         ORDER BY r.name",
    )
    .bind(user_id)
    .bind(target_type)
    .bind(target_id)
    .fetch_all(db)
    .await
}

// ---- signing keys ----

/// Keys that are not retired, newest first: the first signs, all verify.
pub async fn signing_key_list_active(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<SigningKeyRow>> {
    sqlx::query_as(
        "SELECT kid, private_der, public_key, created_at FROM signing_keys
         WHERE retired_at IS NULL ORDER BY created_at DESC, kid",
    )
    .fetch_all(db)
    .await
}

pub async fn signing_key_insert(
    db: impl PgExecutor<'_>,
    kid: &str,
    private_der: &[u8],
    public_key: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO signing_keys (kid, private_der, public_key) VALUES ($1, $2, $3)")
        .bind(kid)
        .bind(private_der)
        .bind(public_key)
        .execute(db)
        .await
        .map(|_| ())
}

/// Retires keys older than `before` except the newest, once no token they
/// signed can still be alive.
pub async fn signing_key_retire_older(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE signing_keys SET retired_at = now()
         WHERE retired_at IS NULL AND created_at < $1
           AND kid <> (SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1)",
    )
    .bind(before)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

// ---- revocations ----

pub async fn revocation_insert(db: impl PgExecutor<'_>, r: &RevocationRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO revocation_events (audit_id, user_id, project_id, domain_id, issued_before, expires_at, application_credential_id, role_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&r.audit_id)
    .bind(&r.user_id)
    .bind(&r.project_id)
    .bind(&r.domain_id)
    .bind(r.issued_before)
    .bind(r.expires_at)
    .bind(&r.application_credential_id)
    .bind(&r.role_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Events that can still match a live token.
pub async fn revocation_list_live(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<RevocationRow>> {
    sqlx::query_as(
        "SELECT audit_id, user_id, project_id, domain_id, application_credential_id, role_id, issued_before, expires_at
         FROM revocation_events WHERE expires_at > now() ORDER BY id",
    )
    .fetch_all(db)
    .await
}

// ---- login throttling ----

/// Counts one more login attempt of `user_id` from `source` before its
/// password is checked, atomically (a burst of parallel guesses cannot slip
/// past the limit); a count older than `window_s` starts again. The count,
/// this attempt included.
pub async fn login_attempt(
    db: impl PgExecutor<'_>,
    user_id: &str,
    source: &str,
    window_s: u32,
) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "INSERT INTO login_failures (user_id, source, failures, last_failure_at)
         VALUES ($1, $2, 1, now())
         ON CONFLICT (user_id, source) DO UPDATE
           SET failures = CASE
                 WHEN login_failures.last_failure_at < now() - make_interval(secs => $3)
                 THEN 1 ELSE login_failures.failures + 1 END,
               last_failure_at = now()
         RETURNING failures",
    )
    .bind(user_id)
    .bind(source)
    .bind(f64::from(window_s))
    .fetch_one(db)
    .await
}

/// A good password: the count of that user from that source starts again.
pub async fn login_failure_clear(
    db: impl PgExecutor<'_>,
    user_id: &str,
    source: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE user_id = $1 AND source = $2")
        .bind(user_id)
        .bind(source)
        .execute(db)
        .await
        .map(|_| ())
}

/// Forgets counts older than `window_s` (the lockout is over for them).
pub async fn login_failures_prune(db: impl PgExecutor<'_>, window_s: u32) -> sqlx::Result<u64> {
    sqlx::query(
        "DELETE FROM login_failures WHERE last_failure_at < now() - make_interval(secs => $1)",
    )
    .bind(f64::from(window_s))
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

// ---- domain, project and user administration ----

pub async fn domain_list(
    db: impl PgExecutor<'_>,
    name: Option<&str>,
    enabled: Option<bool>,
) -> sqlx::Result<Vec<Domain>> {
    sqlx::query_as(
        "SELECT id, name, description, enabled FROM domains
         WHERE ($1::text IS NULL OR name = $1) AND ($2::boolean IS NULL OR enabled = $2) ORDER BY name",
    )
    .bind(name)
    .bind(enabled)
    .fetch_all(db)
    .await
}

pub async fn domain_insert(db: impl PgExecutor<'_>, d: &Domain) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO domains (id, name, description, enabled) VALUES ($1, $2, $3, $4)")
        .bind(&d.id)
        .bind(&d.name)
        .bind(&d.description)
        .bind(d.enabled)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn domain_update(db: impl PgExecutor<'_>, d: &Domain) -> sqlx::Result<()> {
    sqlx::query("UPDATE domains SET name = $2, description = $3, enabled = $4 WHERE id = $1")
        .bind(&d.id)
        .bind(&d.name)
        .bind(&d.description)
        .bind(d.enabled)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn domain_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM domains WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

pub async fn project_list(
    db: impl PgExecutor<'_>,
    name: Option<&str>,
    domain_id: Option<&str>,
    enabled: Option<bool>,
    member: Option<&str>,
) -> sqlx::Result<Vec<Project>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PROJECT_COLUMNS} FROM projects p
         WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR domain_id = $2)
           AND ($3::boolean IS NULL OR enabled = $3)
           AND ($4::text IS NULL OR EXISTS (
                SELECT 1 FROM role_assignments a
                WHERE a.target_type = 'project' AND a.target_id = p.id
                  AND ((a.actor_type = 'user' AND a.actor_id = $4)
                    OR (a.actor_type = 'group' AND a.actor_id IN (SELECT group_id FROM group_members WHERE user_id = $4)))))
         ORDER BY name, id"
    )))
    .bind(name)
    .bind(domain_id)
    .bind(enabled)
    .bind(member)
    .fetch_all(db)
    .await
}

pub async fn project_insert(db: impl PgExecutor<'_>, p: &Project) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO projects (id, domain_id, parent_id, name, description, enabled) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&p.id)
        .bind(&p.domain_id)
        .bind(&p.parent_id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.enabled)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn project_update(db: impl PgExecutor<'_>, p: &Project) -> sqlx::Result<()> {
    sqlx::query("UPDATE projects SET name = $2, description = $3, enabled = $4 WHERE id = $1")
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.enabled)
        .execute(db)
        .await
        .map(|_| ())
}

/// Deletes the project and the role assignments on it.
pub async fn project_delete(conn: &mut sqlx::PgConnection, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM role_assignments WHERE target_type = 'project' AND target_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM projects WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
}

pub async fn user_list(
    db: impl PgExecutor<'_>,
    name: Option<&str>,
    domain_id: Option<&str>,
    enabled: Option<bool>,
) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users
         WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR domain_id = $2)
           AND ($3::boolean IS NULL OR enabled = $3) ORDER BY name, id"
    )))
    .bind(name)
    .bind(domain_id)
    .bind(enabled)
    .fetch_all(db)
    .await
}

pub async fn user_insert(db: impl PgExecutor<'_>, u: &User) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, domain_id, name, enabled, password_hash, password_changed_at, default_project_id)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END, $6)",
    )
    .bind(&u.id)
    .bind(&u.domain_id)
    .bind(&u.name)
    .bind(u.enabled)
    .bind(&u.password_hash)
    .bind(&u.default_project_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Writes every field; sets `password_changed_at` when the hash changed.
pub async fn user_update(db: impl PgExecutor<'_>, u: &User) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET name = $2, enabled = $3, default_project_id = $4,
             password_changed_at = CASE WHEN password_hash IS DISTINCT FROM $5 THEN now() ELSE password_changed_at END,
             password_hash = $5
         WHERE id = $1",
    )
    .bind(&u.id)
    .bind(&u.name)
    .bind(u.enabled)
    .bind(&u.default_project_id)
    .bind(&u.password_hash)
    .execute(db)
    .await
    .map(|_| ())
}

/// Deletes the user and its role assignments.
pub async fn user_delete(conn: &mut sqlx::PgConnection, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM role_assignments WHERE actor_type = 'user' AND actor_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
}

// ---- roles and assignments (administration) ----

#[derive(Clone, Debug, FromRow)]
pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub description: String,
}

pub async fn role_list(db: impl PgExecutor<'_>, name: Option<&str>) -> sqlx::Result<Vec<RoleRow>> {
    sqlx::query_as("SELECT id, name, description FROM roles WHERE ($1::text IS NULL OR name = $1) ORDER BY name")
        .bind(name)
        .fetch_all(db)
        .await
}

pub async fn role_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<RoleRow>> {
    sqlx::query_as("SELECT id, name, description FROM roles WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn role_insert(db: impl PgExecutor<'_>, r: &RoleRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO roles (id, name, description) VALUES ($1, $2, $3)")
        .bind(&r.id)
        .bind(&r.name)
        .bind(&r.description)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn role_update(db: impl PgExecutor<'_>, r: &RoleRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE roles SET name = $2, description = $3 WHERE id = $1")
        .bind(&r.id)
        .bind(&r.name)
        .bind(&r.description)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn role_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM roles WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

pub async fn role_assignment_delete(
    db: impl PgExecutor<'_>,
    actor_type: &str,
    actor_id: &str,
    target_type: &str,
    target_id: &str,
    role_id: &str,
) -> sqlx::Result<u64> {
    sqlx::query(
        "DELETE FROM role_assignments
         WHERE actor_type = $1 AND actor_id = $2 AND target_type = $3 AND target_id = $4 AND role_id = $5",
    )
    .bind(actor_type)
    .bind(actor_id)
    .bind(target_type)
    .bind(target_id)
    .bind(role_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// One assignment with the names `include_names` asks for.
#[derive(Clone, Debug, FromRow)]
pub struct AssignmentRow {
    pub actor_type: String,
    pub actor_id: String,
    pub actor_name: Option<String>,
    pub actor_domain_id: Option<String>,
    pub actor_domain_name: Option<String>,
    pub target_type: String,
    pub target_id: String,
    pub target_name: Option<String>,
    pub target_domain_id: Option<String>,
    pub target_domain_name: Option<String>,
    pub role_id: String,
    pub role_name: String,
}

/// Filters of `GET /v3/role_assignments`.
#[derive(Debug, Default)]
pub struct AssignmentFilter<'a> {
    pub user_id: Option<&'a str>,
    pub group_id: Option<&'a str>,
    pub role_id: Option<&'a str>,
    pub project_id: Option<&'a str>,
    pub domain_id: Option<&'a str>,
    /// Expand group assignments into one per member (Keystone's `effective`).
    pub effective: bool,
}

pub async fn role_assignment_list(
    db: impl PgExecutor<'_>,
    f: &AssignmentFilter<'_>,
) -> sqlx::Result<Vec<AssignmentRow>> {
    sqlx::query_as(
        "WITH a AS (
            SELECT actor_type, actor_id, target_type, target_id, role_id FROM role_assignments
            WHERE NOT ($6 AND actor_type = 'group')
            UNION
            SELECT 'user', m.user_id, ra.target_type, ra.target_id, ra.role_id
            FROM role_assignments ra JOIN group_members m ON m.group_id = ra.actor_id
            WHERE $6 AND ra.actor_type = 'group'
         )
         SELECT a.actor_type, a.actor_id,
                COALESCE(u.name, g.name) AS actor_name,
                COALESCE(u.domain_id, g.domain_id) AS actor_domain_id,
                ad.name AS actor_domain_name,
                a.target_type, a.target_id,
                COALESCE(p.name, d.name) AS target_name,
                p.domain_id AS target_domain_id,
                pd.name AS target_domain_name,
                r.id AS role_id, r.name AS role_name
         FROM a JOIN roles r ON r.id = a.role_id
         LEFT JOIN users u ON a.actor_type = 'user' AND u.id = a.actor_id
         LEFT JOIN groups g ON a.actor_type = 'group' AND g.id = a.actor_id
         LEFT JOIN domains ad ON ad.id = COALESCE(u.domain_id, g.domain_id)
         LEFT JOIN projects p ON a.target_type = 'project' AND p.id = a.target_id
         LEFT JOIN domains d ON a.target_type = 'domain' AND d.id = a.target_id
         LEFT JOIN domains pd ON pd.id = p.domain_id
         WHERE ($1::text IS NULL OR (a.actor_type = 'user' AND a.actor_id = $1))
           AND ($2::text IS NULL OR (a.actor_type = 'group' AND a.actor_id = $2))
           AND ($3::text IS NULL OR a.role_id = $3)
           AND ($4::text IS NULL OR (a.target_type = 'project' AND a.target_id = $4))
           AND ($5::text IS NULL OR (a.target_type = 'domain' AND a.target_id = $5))
         ORDER BY a.target_type, a.target_id, a.actor_type, a.actor_id, r.name",
    )
    .bind(f.user_id)
    .bind(f.group_id)
    .bind(f.role_id)
    .bind(f.project_id)
    .bind(f.domain_id)
    .bind(f.effective)
    .fetch_all(db)
    .await
}

// ---- groups ----

#[derive(Clone, Debug, FromRow)]
pub struct Group {
    pub id: String,
    pub domain_id: String,
    pub name: String,
    pub description: String,
}

/// The ids of a group's members.
pub async fn group_member_ids(db: impl PgExecutor<'_>, group: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT user_id FROM group_members WHERE group_id = $1")
        .bind(group)
        .fetch_all(db)
        .await
}

pub async fn group_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Group>> {
    sqlx::query_as("SELECT id, domain_id, name, description FROM groups WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Groups, filtered; `member` limits them to those the user belongs to.
pub async fn group_list(
    db: impl PgExecutor<'_>,
    name: Option<&str>,
    domain_id: Option<&str>,
    member: Option<&str>,
) -> sqlx::Result<Vec<Group>> {
    sqlx::query_as(
        "SELECT id, domain_id, name, description FROM groups g
         WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR domain_id = $2)
           AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = $3))
         ORDER BY name, id",
    )
    .bind(name)
    .bind(domain_id)
    .bind(member)
    .fetch_all(db)
    .await
}

pub async fn group_insert(db: impl PgExecutor<'_>, g: &Group) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO groups (id, domain_id, name, description) VALUES ($1, $2, $3, $4)")
        .bind(&g.id)
        .bind(&g.domain_id)
        .bind(&g.name)
        .bind(&g.description)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn group_update(db: impl PgExecutor<'_>, g: &Group) -> sqlx::Result<()> {
    sqlx::query("UPDATE groups SET name = $2, description = $3 WHERE id = $1")
        .bind(&g.id)
        .bind(&g.name)
        .bind(&g.description)
        .execute(db)
        .await
        .map(|_| ())
}

/// Deletes the group and its role assignments (members go by cascade).
pub async fn group_delete(conn: &mut sqlx::PgConnection, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM role_assignments WHERE actor_type = 'group' AND actor_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM groups WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
}

pub async fn group_member_add(
    db: impl PgExecutor<'_>,
    group_id: &str,
    user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(group_id)
    .bind(user_id)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn group_member_remove(
    db: impl PgExecutor<'_>,
    group_id: &str,
    user_id: &str,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

pub async fn group_member_list(db: impl PgExecutor<'_>, group_id: &str) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id IN (SELECT user_id FROM group_members WHERE group_id = $1) ORDER BY name, id"
    )))
    .bind(group_id)
    .fetch_all(db)
    .await
}

// ---- application credentials ----

#[derive(Clone, Debug, FromRow)]
pub struct AppCred {
    pub id: String,
    pub user_id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub secret_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub unrestricted: bool,
}

const APP_CRED_COLUMNS: &str =
    "id, user_id, project_id, name, description, secret_hash, expires_at, unrestricted";

pub async fn app_cred_insert(
    conn: &mut sqlx::PgConnection,
    c: &AppCred,
    role_ids: &[String],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO application_credentials (id, user_id, project_id, name, description, secret_hash, expires_at, unrestricted)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&c.id)
    .bind(&c.user_id)
    .bind(&c.project_id)
    .bind(&c.name)
    .bind(&c.description)
    .bind(&c.secret_hash)
    .bind(c.expires_at)
    .bind(c.unrestricted)
    .execute(&mut *conn)
    .await?;
    for role in role_ids {
        sqlx::query("INSERT INTO application_credential_roles (application_credential_id, role_id) VALUES ($1, $2)")
            .bind(&c.id)
            .bind(role)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn app_cred_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<AppCred>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_CRED_COLUMNS} FROM application_credentials WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn app_cred_list(
    db: impl PgExecutor<'_>,
    user_id: &str,
    name: Option<&str>,
) -> sqlx::Result<Vec<AppCred>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_CRED_COLUMNS} FROM application_credentials
         WHERE user_id = $1 AND ($2::text IS NULL OR name = $2) ORDER BY name"
    )))
    .bind(user_id)
    .bind(name)
    .fetch_all(db)
    .await
}

pub async fn app_cred_roles(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Vec<Role>> {
    sqlx::query_as(
        "SELECT r.id, r.name FROM application_credential_roles c JOIN roles r ON r.id = c.role_id
         WHERE c.application_credential_id = $1 ORDER BY r.name",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

pub async fn app_cred_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM application_credentials WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Enabled domains on which the user holds a role, directly or through a group.
pub async fn domain_list_for_user(
    db: impl PgExecutor<'_>,
    user_id: &str,
) -> sqlx::Result<Vec<Domain>> {
    sqlx::query_as(
        "SELECT id, name, description, enabled FROM domains d
         WHERE enabled AND EXISTS (
             SELECT 1 FROM role_assignments a
             WHERE a.target_type = 'domain' AND a.target_id = d.id
               AND ((a.actor_type = 'user' AND a.actor_id = $1)
                 OR (a.actor_type = 'group' AND a.actor_id IN (SELECT group_id FROM group_members WHERE user_id = $1))))
         ORDER BY name",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}
