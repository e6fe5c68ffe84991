//! Roles and assignments (administration).

use sqlx::{FromRow, PgExecutor};

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
