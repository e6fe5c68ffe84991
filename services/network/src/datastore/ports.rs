//! Ports.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

#[derive(Clone, Debug, FromRow)]
pub struct Port {
    pub id: String,
    pub network_id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub mac_address: String,
    pub admin_state_up: bool,
    pub status: String,
    pub device_owner: String,
    pub device_id: String,
    pub binding_host_id: String,
    pub port_security_enabled: bool,
    pub security_groups: sqlx::types::Json<Vec<String>>,
    pub allowed_address_pairs: sqlx::types::Json<Vec<serde_json::Value>>,
    pub revision_number: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An address a port holds.
#[derive(Clone, Debug, FromRow)]
pub struct FixedIp {
    pub port_id: String,
    pub subnet_id: String,
    pub ip_address: String,
}

pub(crate) const PORT_COLUMNS: &str = "id, network_id, project_id, name, description, mac_address, admin_state_up, \
    status, device_owner, device_id, binding_host_id, port_security_enabled, security_groups, \
    allowed_address_pairs, revision_number, created_at, updated_at";

pub async fn port_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Port>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PORT_COLUMNS} FROM ports WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Ports a project sees (its own, and all on networks it owns), or all.
pub async fn port_list(db: impl PgExecutor<'_>, project: Option<&str>) -> sqlx::Result<Vec<Port>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PORT_COLUMNS} FROM ports p
         WHERE $1::text IS NULL OR p.project_id = $1
            OR EXISTS (SELECT 1 FROM networks n WHERE n.id = p.network_id AND n.project_id = $1)
         ORDER BY created_at, id"
    )))
    .bind(project)
    .fetch_all(db)
    .await
}

pub async fn port_insert(db: impl PgExecutor<'_>, p: &Port) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ports (id, network_id, project_id, name, description, mac_address, admin_state_up,
                            device_owner, device_id, binding_host_id, port_security_enabled, security_groups,
                            allowed_address_pairs)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&p.id)
    .bind(&p.network_id)
    .bind(&p.project_id)
    .bind(&p.name)
    .bind(&p.description)
    .bind(&p.mac_address)
    .bind(p.admin_state_up)
    .bind(&p.device_owner)
    .bind(&p.device_id)
    .bind(&p.binding_host_id)
    .bind(p.port_security_enabled)
    .bind(&p.security_groups)
    .bind(&p.allowed_address_pairs)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn port_update(db: impl PgExecutor<'_>, p: &Port) -> sqlx::Result<Option<Port>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE ports SET name = $2, description = $3, admin_state_up = $4, device_owner = $5, device_id = $6,
                binding_host_id = $7, port_security_enabled = $8, security_groups = $9,
                allowed_address_pairs = $10, revision_number = revision_number + 1, updated_at = now()
         WHERE id = $1 RETURNING {PORT_COLUMNS}"
    )))
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.description)
    .bind(p.admin_state_up)
    .bind(&p.device_owner)
    .bind(&p.device_id)
    .bind(&p.binding_host_id)
    .bind(p.port_security_enabled)
    .bind(&p.security_groups)
    .bind(&p.allowed_address_pairs)
    .fetch_optional(db)
    .await
}

pub async fn port_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM ports WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Ports on the network other than its DHCP port.
pub async fn ports_on_network(db: impl PgExecutor<'_>, network_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM ports WHERE network_id = $1 AND device_owner <> 'network:dhcp'",
    )
    .bind(network_id)
    .fetch_one(db)
    .await
}

/// The addresses of these ports.
pub async fn fixed_ips_of(
    db: impl PgExecutor<'_>,
    port_ids: &[String],
) -> sqlx::Result<Vec<FixedIp>> {
    sqlx::query_as(
        "SELECT port_id, subnet_id, ip_address FROM ip_allocations WHERE port_id = ANY($1)
         ORDER BY subnet_id, ip_address",
    )
    .bind(port_ids)
    .fetch_all(db)
    .await
}

/// The addresses handed out of a subnet.
pub async fn used_addresses(db: impl PgExecutor<'_>, subnet_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT ip_address FROM ip_allocations WHERE subnet_id = $1")
        .bind(subnet_id)
        .fetch_all(db)
        .await
}

/// Hands `ip` of `subnet` to `port`; false if someone holds it already.
pub async fn allocate(
    db: impl PgExecutor<'_>,
    subnet_id: &str,
    ip: &str,
    port_id: &str,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO ip_allocations (subnet_id, ip_address, port_id) VALUES ($1, $2, $3)
         ON CONFLICT (subnet_id, ip_address) DO NOTHING",
    )
    .bind(subnet_id)
    .bind(ip)
    .bind(port_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub async fn release_all(db: impl PgExecutor<'_>, port_id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM ip_allocations WHERE port_id = $1")
        .bind(port_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
