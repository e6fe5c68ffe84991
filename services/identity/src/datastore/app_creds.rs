//! Application credentials.

use super::*;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

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
