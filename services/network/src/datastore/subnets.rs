//! Subnets.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

#[derive(Clone, Debug, FromRow)]
pub struct Subnet {
    pub id: String,
    pub network_id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub ip_version: i32,
    pub cidr: String,
    pub gateway_ip: Option<String>,
    pub enable_dhcp: bool,
    pub allocation_pools: sqlx::types::Json<Vec<crate::app::ipam::Pool>>,
    pub dns_nameservers: sqlx::types::Json<Vec<String>>,
    pub host_routes: sqlx::types::Json<Vec<serde_json::Value>>,
    pub ipv6_ra_mode: Option<String>,
    pub ipv6_address_mode: Option<String>,
    pub revision_number: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SUBNET_COLUMNS: &str = "id, network_id, project_id, name, description, ip_version, cidr, gateway_ip, \
    enable_dhcp, allocation_pools, dns_nameservers, host_routes, ipv6_ra_mode, ipv6_address_mode, \
    revision_number, created_at, updated_at";

pub async fn subnet_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Subnet>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SUBNET_COLUMNS} FROM subnets WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Subnets of the given networks, oldest first.
pub async fn subnets_of(
    db: impl PgExecutor<'_>,
    network_ids: &[String],
) -> sqlx::Result<Vec<Subnet>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SUBNET_COLUMNS} FROM subnets WHERE network_id = ANY($1) ORDER BY created_at, id"
    )))
    .bind(network_ids)
    .fetch_all(db)
    .await
}

pub async fn subnet_insert(db: impl PgExecutor<'_>, s: &Subnet) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO subnets (id, network_id, project_id, name, description, ip_version, cidr, gateway_ip,
                              enable_dhcp, allocation_pools, dns_nameservers, host_routes, ipv6_ra_mode,
                              ipv6_address_mode)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&s.id)
    .bind(&s.network_id)
    .bind(&s.project_id)
    .bind(&s.name)
    .bind(&s.description)
    .bind(s.ip_version)
    .bind(&s.cidr)
    .bind(&s.gateway_ip)
    .bind(s.enable_dhcp)
    .bind(&s.allocation_pools)
    .bind(&s.dns_nameservers)
    .bind(&s.host_routes)
    .bind(&s.ipv6_ra_mode)
    .bind(&s.ipv6_address_mode)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn subnet_update(db: impl PgExecutor<'_>, s: &Subnet) -> sqlx::Result<Option<Subnet>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE subnets SET name = $2, description = $3, gateway_ip = $4, enable_dhcp = $5,
                dns_nameservers = $6, host_routes = $7, revision_number = revision_number + 1, updated_at = now()
         WHERE id = $1 RETURNING {SUBNET_COLUMNS}"
    )))
    .bind(&s.id)
    .bind(&s.name)
    .bind(&s.description)
    .bind(&s.gateway_ip)
    .bind(s.enable_dhcp)
    .bind(&s.dns_nameservers)
    .bind(&s.host_routes)
    .fetch_optional(db)
    .await
}

pub async fn subnet_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM subnets WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Serializes subnet changes of one network (inside the caller's
/// transaction), so overlap checks see each other.
pub async fn lock_network(db: &mut sqlx::PgConnection, network_id: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM networks WHERE id = $1 FOR UPDATE")
        .bind(network_id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Addresses of the subnet held by ports other than the network's DHCP port.
pub async fn allocations_in(db: impl PgExecutor<'_>, subnet_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM ip_allocations a LEFT JOIN ports p ON p.id = a.port_id
         WHERE a.subnet_id = $1 AND p.device_owner IS DISTINCT FROM 'network:dhcp'",
    )
    .bind(subnet_id)
    .fetch_one(db)
    .await
}
