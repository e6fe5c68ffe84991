//! Identity's queries, one function per query, resource first. Every error is
//! a `sqlx::Error`, which `?` in the app layer maps onto the API error once
//! (`stratus_db::api_error` where the message should name the thing).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

mod admin;
mod app_creds;
mod groups;
mod keys;
mod revocations;
mod role_admin;
mod throttle;

pub use admin::*;
pub use app_creds::*;
pub use groups::*;
pub use keys::*;
pub use revocations::*;
pub use role_admin::*;
pub use throttle::*;

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
