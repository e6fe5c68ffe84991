//! Security groups.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

#[derive(Clone, Debug, FromRow)]
pub struct SecurityGroup {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub stateful: bool,
    pub revision_number: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, FromRow)]
pub struct Rule {
    pub id: String,
    pub security_group_id: String,
    pub project_id: String,
    pub direction: String,
    pub ethertype: String,
    pub protocol: Option<String>,
    pub port_range_min: Option<i32>,
    pub port_range_max: Option<i32>,
    pub remote_ip_prefix: Option<String>,
    pub remote_group_id: Option<String>,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SG_COLUMNS: &str =
    "id, project_id, name, description, stateful, revision_number, created_at, updated_at";
const RULE_COLUMNS: &str = "id, security_group_id, project_id, direction, ethertype, protocol, port_range_min, \
    port_range_max, remote_ip_prefix, remote_group_id, description, created_at, updated_at";

pub async fn sg_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<SecurityGroup>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SG_COLUMNS} FROM security_groups WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn sg_list(
    db: impl PgExecutor<'_>,
    project: Option<&str>,
) -> sqlx::Result<Vec<SecurityGroup>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SG_COLUMNS} FROM security_groups WHERE $1::text IS NULL OR project_id = $1 ORDER BY created_at, id"
    )))
    .bind(project)
    .fetch_all(db)
    .await
}

pub async fn sg_default(
    db: impl PgExecutor<'_>,
    project: &str,
) -> sqlx::Result<Option<SecurityGroup>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SG_COLUMNS} FROM security_groups WHERE project_id = $1 AND name = 'default'"
    )))
    .bind(project)
    .fetch_optional(db)
    .await
}

/// Inserts a group; false when it is a second `default` of its project.
pub async fn sg_insert(db: impl PgExecutor<'_>, g: &SecurityGroup) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO security_groups (id, project_id, name, description, stateful) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING",
    )
    .bind(&g.id)
    .bind(&g.project_id)
    .bind(&g.name)
    .bind(&g.description)
    .bind(g.stateful)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub async fn sg_update(
    db: impl PgExecutor<'_>,
    g: &SecurityGroup,
) -> sqlx::Result<Option<SecurityGroup>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE security_groups SET name = $2, description = $3, revision_number = revision_number + 1,
                updated_at = now() WHERE id = $1 RETURNING {SG_COLUMNS}"
    )))
    .bind(&g.id)
    .bind(&g.name)
    .bind(&g.description)
    .fetch_optional(db)
    .await
}

pub async fn sg_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM security_groups WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Ports that name the group.
pub async fn sg_ports(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM ports WHERE security_groups ? $1")
        .bind(id)
        .fetch_one(db)
        .await
}

pub async fn rules_of(db: impl PgExecutor<'_>, group_ids: &[String]) -> sqlx::Result<Vec<Rule>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RULE_COLUMNS} FROM security_group_rules WHERE security_group_id = ANY($1) ORDER BY created_at, id"
    )))
    .bind(group_ids)
    .fetch_all(db)
    .await
}

pub async fn rule_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Rule>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RULE_COLUMNS} FROM security_group_rules WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn rule_insert(db: impl PgExecutor<'_>, r: &Rule) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO security_group_rules (id, security_group_id, project_id, direction, ethertype, protocol,
                                           port_range_min, port_range_max, remote_ip_prefix, remote_group_id, description)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&r.id)
    .bind(&r.security_group_id)
    .bind(&r.project_id)
    .bind(&r.direction)
    .bind(&r.ethertype)
    .bind(&r.protocol)
    .bind(r.port_range_min)
    .bind(r.port_range_max)
    .bind(&r.remote_ip_prefix)
    .bind(&r.remote_group_id)
    .bind(&r.description)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn rule_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM security_group_rules WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
