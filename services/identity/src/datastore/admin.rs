//! Domain, project and user administration.

use super::*;
use sqlx::PgExecutor;

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
