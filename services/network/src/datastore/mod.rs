//! The network service's queries, one function per query. Every error is a
//! `sqlx::Error`, which `?` in the app layer maps onto the API error once.

pub mod hosts;

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

mod ports;
mod routers;
mod security_groups;
mod server_ports;
mod subnets;

pub use ports::*;
pub use routers::*;
pub use security_groups::*;
pub use server_ports::*;
pub use subnets::*;

#[derive(Clone, Debug, FromRow)]
pub struct Network {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub admin_state_up: bool,
    pub shared: bool,
    pub external: bool,
    pub network_type: String,
    pub physical_network: Option<String>,
    pub segmentation_id: Option<i32>,
    pub mtu: i32,
    pub port_security_enabled: bool,
    pub revision_number: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const NETWORK_COLUMNS: &str = "id, project_id, name, description, admin_state_up, shared, external, \
    network_type, physical_network, segmentation_id, mtu, port_security_enabled, revision_number, \
    created_at, updated_at";

pub async fn network_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Network>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NETWORK_COLUMNS} FROM networks WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The networks a project sees (its own, shared and external ones), or all
/// with `None`; oldest first, as Neutron lists them.
pub async fn network_list(
    db: impl PgExecutor<'_>,
    project: Option<&str>,
) -> sqlx::Result<Vec<Network>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NETWORK_COLUMNS} FROM networks
         WHERE $1::text IS NULL OR project_id = $1 OR shared OR external
         ORDER BY created_at, id"
    )))
    .bind(project)
    .fetch_all(db)
    .await
}

pub async fn network_insert(db: impl PgExecutor<'_>, n: &Network) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO networks (id, project_id, name, description, admin_state_up, shared, external,
                               network_type, physical_network, segmentation_id, mtu, port_security_enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&n.id)
    .bind(&n.project_id)
    .bind(&n.name)
    .bind(&n.description)
    .bind(n.admin_state_up)
    .bind(n.shared)
    .bind(n.external)
    .bind(&n.network_type)
    .bind(&n.physical_network)
    .bind(n.segmentation_id)
    .bind(n.mtu)
    .bind(n.port_security_enabled)
    .execute(db)
    .await
    .map(|_| ())
}

/// Writes what may change after creation; returns the stored row.
pub async fn network_update(db: impl PgExecutor<'_>, n: &Network) -> sqlx::Result<Option<Network>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE networks SET name = $2, description = $3, admin_state_up = $4, shared = $5, external = $6,
                mtu = $7, port_security_enabled = $8, revision_number = revision_number + 1, updated_at = now()
         WHERE id = $1 RETURNING {NETWORK_COLUMNS}"
    )))
    .bind(&n.id)
    .bind(&n.name)
    .bind(&n.description)
    .bind(n.admin_state_up)
    .bind(n.shared)
    .bind(n.external)
    .bind(n.mtu)
    .bind(n.port_security_enabled)
    .fetch_optional(db)
    .await
}

/// Deletes the network with its DHCP port (the only port the service lets
/// a network be deleted with).
pub async fn network_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query(
        "WITH dhcp AS (DELETE FROM ports WHERE network_id = $1 AND device_owner = 'network:dhcp')
         DELETE FROM networks WHERE id = $1",
    )
    .bind(id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Serializes segment allocation from one pool (a network type, and a
/// physical network for VLANs) until the caller's transaction ends.
pub async fn lock_segments(
    db: impl PgExecutor<'_>,
    network_type: &str,
    physical_network: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('network-segments:' || $1 || ':' || coalesce($2, '')))")
        .bind(network_type)
        .bind(physical_network)
        .execute(db)
        .await
        .map(|_| ())
}

/// The lowest segmentation id in `lo..=hi` no network of `network_type`
/// (on `physical_network`, for VLANs) uses.
pub async fn free_segment(
    db: impl PgExecutor<'_>,
    network_type: &str,
    physical_network: Option<&str>,
    lo: i32,
    hi: i32,
) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar(
        "SELECT c.id FROM (
             SELECT $3::int AS id
             UNION SELECT segmentation_id + 1 FROM networks
                   WHERE network_type = $1 AND physical_network IS NOT DISTINCT FROM $2
                     AND segmentation_id BETWEEN $3 AND $4
         ) c
         WHERE c.id <= $4 AND NOT EXISTS (
             SELECT 1 FROM networks n WHERE n.network_type = $1
               AND n.physical_network IS NOT DISTINCT FROM $2 AND n.segmentation_id = c.id)
         ORDER BY c.id LIMIT 1",
    )
    .bind(network_type)
    .bind(physical_network)
    .bind(lo)
    .bind(hi)
    .fetch_optional(db)
    .await
}
