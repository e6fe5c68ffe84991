//! Routers and floating IPs.

use super::*;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

#[derive(Clone, Debug, FromRow)]
pub struct Router {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub admin_state_up: bool,
    pub gateway_network_id: Option<String>,
    pub enable_snat: bool,
    pub revision_number: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const ROUTER_COLUMNS: &str = "id, project_id, name, description, admin_state_up, gateway_network_id, \
    enable_snat, revision_number, created_at, updated_at";

pub async fn router_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Router>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROUTER_COLUMNS} FROM routers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn router_list(
    db: impl PgExecutor<'_>,
    project: Option<&str>,
) -> sqlx::Result<Vec<Router>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROUTER_COLUMNS} FROM routers WHERE $1::text IS NULL OR project_id = $1 ORDER BY created_at, id"
    )))
    .bind(project)
    .fetch_all(db)
    .await
}

/// Inserts or rewrites a router.
pub async fn router_save(db: impl PgExecutor<'_>, r: &Router) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO routers (id, project_id, name, description, admin_state_up, gateway_network_id, enable_snat)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET name = $3, description = $4, admin_state_up = $5,
             gateway_network_id = $6, enable_snat = $7, revision_number = routers.revision_number + 1,
             updated_at = now()",
    )
    .bind(&r.id)
    .bind(&r.project_id)
    .bind(&r.name)
    .bind(&r.description)
    .bind(r.admin_state_up)
    .bind(&r.gateway_network_id)
    .bind(r.enable_snat)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn router_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM routers WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// The router's ports of `device_owner`.
pub async fn router_ports(
    db: impl PgExecutor<'_>,
    router_id: &str,
    device_owner: &str,
) -> sqlx::Result<Vec<Port>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PORT_COLUMNS} FROM ports WHERE device_id = $1 AND device_owner = $2 ORDER BY created_at, id"
    )))
    .bind(router_id)
    .bind(device_owner)
    .fetch_all(db)
    .await
}

#[derive(Clone, Debug, FromRow)]
pub struct FloatingIp {
    pub id: String,
    pub project_id: String,
    pub floating_network_id: String,
    pub floating_port_id: String,
    pub floating_ip_address: String,
    pub port_id: Option<String>,
    pub fixed_ip_address: Option<String>,
    pub router_id: Option<String>,
    pub description: String,
    pub revision_number: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const FIP_COLUMNS: &str = "id, project_id, floating_network_id, floating_port_id, floating_ip_address, port_id, \
    fixed_ip_address, router_id, description, revision_number, created_at, updated_at";

pub async fn fip_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<FloatingIp>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FIP_COLUMNS} FROM floating_ips WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn fip_list(
    db: impl PgExecutor<'_>,
    project: Option<&str>,
) -> sqlx::Result<Vec<FloatingIp>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FIP_COLUMNS} FROM floating_ips WHERE $1::text IS NULL OR project_id = $1 ORDER BY created_at, id"
    )))
    .bind(project)
    .fetch_all(db)
    .await
}

pub async fn fip_insert(db: impl PgExecutor<'_>, f: &FloatingIp) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO floating_ips (id, project_id, floating_network_id, floating_port_id, floating_ip_address,
                                   port_id, fixed_ip_address, router_id, description)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&f.id)
    .bind(&f.project_id)
    .bind(&f.floating_network_id)
    .bind(&f.floating_port_id)
    .bind(&f.floating_ip_address)
    .bind(&f.port_id)
    .bind(&f.fixed_ip_address)
    .bind(&f.router_id)
    .bind(&f.description)
    .execute(db)
    .await
    .map(|_| ())
}

/// Points a floating IP at a port's address (or at nothing).
pub async fn fip_associate(
    db: impl PgExecutor<'_>,
    id: &str,
    port_id: Option<&str>,
    fixed_ip: Option<&str>,
    router_id: Option<&str>,
) -> sqlx::Result<Option<FloatingIp>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE floating_ips SET port_id = $2, fixed_ip_address = $3, router_id = $4,
                revision_number = revision_number + 1, updated_at = now()
         WHERE id = $1 RETURNING {FIP_COLUMNS}"
    )))
    .bind(id)
    .bind(port_id)
    .bind(fixed_ip)
    .bind(router_id)
    .fetch_optional(db)
    .await
}

/// Sets a floating IP's description.
pub async fn fip_set_description(
    db: impl PgExecutor<'_>,
    id: &str,
    description: &str,
) -> sqlx::Result<Option<FloatingIp>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE floating_ips SET description = $2,
                revision_number = revision_number + 1, updated_at = now()
         WHERE id = $1 RETURNING {FIP_COLUMNS}"
    )))
    .bind(id)
    .bind(description)
    .fetch_optional(db)
    .await
}

pub async fn fip_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM floating_ips WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Floating IPs that reach their ports through `router_id`.
pub async fn fips_via_router(db: impl PgExecutor<'_>, router_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM floating_ips WHERE router_id = $1")
        .bind(router_id)
        .fetch_one(db)
        .await
}
