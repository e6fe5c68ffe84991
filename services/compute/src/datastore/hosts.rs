//! Compute hosts: their reported inventory, their state, and the claims
//! servers hold on them. A claim is one conditional `UPDATE`, so concurrent
//! claims on a host never take more than its allocation ratios allow.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};
use stratus_bus_protocol::compute::HostInventory;

#[derive(Clone, Debug, FromRow)]
pub struct Node {
    pub id: i64,
    pub host: String,
    pub availability_zone: String,
    pub vcpus: i32,
    pub memory_mb: i64,
    pub disk_gb: i64,
    pub hypervisor_type: String,
    pub hypervisor_version: i64,
    pub virt_type: String,
    pub host_ip: String,
    pub vcpus_used: i32,
    pub memory_mb_used: i64,
    pub disk_gb_used: i64,
    pub running_vms: i32,
    pub disabled: bool,
    pub disabled_reason: Option<String>,
    pub last_seen: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Instances the host reported that no server owns (left alone).
    pub unknown_instances: sqlx::types::Json<Vec<String>>,
}

const NODE_COLUMNS: &str = "id, host, availability_zone, vcpus, memory_mb, disk_gb, hypervisor_type, \
    hypervisor_version, virt_type, host_ip, vcpus_used, memory_mb_used, disk_gb_used, running_vms, \
    disabled, disabled_reason, last_seen, created_at, unknown_instances";

/// Records an inventory report (and that the host is alive).
pub async fn node_report(db: impl PgExecutor<'_>, inv: &HostInventory) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO compute_nodes (host, availability_zone, vcpus, memory_mb, disk_gb,
             hypervisor_type, hypervisor_version, virt_type, host_ip, unknown_instances, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
         ON CONFLICT (host) DO UPDATE SET
             availability_zone = EXCLUDED.availability_zone, vcpus = EXCLUDED.vcpus,
             memory_mb = EXCLUDED.memory_mb, disk_gb = EXCLUDED.disk_gb,
             hypervisor_type = EXCLUDED.hypervisor_type,
             hypervisor_version = EXCLUDED.hypervisor_version, virt_type = EXCLUDED.virt_type,
             host_ip = EXCLUDED.host_ip, unknown_instances = EXCLUDED.unknown_instances,
             last_seen = now()",
    )
    .bind(&inv.host)
    .bind(&inv.availability_zone)
    .bind(i32::try_from(inv.vcpus).unwrap_or(i32::MAX))
    .bind(i64::try_from(inv.memory_mb).unwrap_or(i64::MAX))
    .bind(i64::try_from(inv.disk_gb).unwrap_or(i64::MAX))
    .bind(&inv.hypervisor_type)
    .bind(i64::try_from(inv.hypervisor_version).unwrap_or(i64::MAX))
    .bind(&inv.virt_type)
    .bind(&inv.host_ip)
    .bind(sqlx::types::Json(&inv.unknown_instances))
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn nodes(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Node>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NODE_COLUMNS} FROM compute_nodes ORDER BY id"
    )))
    .fetch_all(db)
    .await
}

pub async fn node(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Node>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NODE_COLUMNS} FROM compute_nodes WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn node_by_host(db: impl PgExecutor<'_>, host: &str) -> sqlx::Result<Option<Node>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NODE_COLUMNS} FROM compute_nodes WHERE host = $1"
    )))
    .bind(host)
    .fetch_optional(db)
    .await
}

/// Enables or disables a host's service; the host after, if it exists.
pub async fn set_disabled(
    db: impl PgExecutor<'_>,
    host: &str,
    disabled: bool,
    reason: Option<&str>,
) -> sqlx::Result<Option<Node>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE compute_nodes SET disabled = $2, disabled_reason = $3 WHERE host = $1
         RETURNING {NODE_COLUMNS}"
    )))
    .bind(host)
    .bind(disabled)
    .bind(reason)
    .fetch_optional(db)
    .await
}

pub async fn node_delete(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query("DELETE FROM compute_nodes WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// What a server takes of a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resources {
    pub vcpus: i32,
    pub memory_mb: i64,
    pub disk_gb: i64,
}

/// How far a host's resources may be promised.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratios {
    pub cpu: f64,
    pub ram: f64,
    pub disk: f64,
}

/// Takes `r` of `host` if it is enabled, seen within `fresh_s` seconds and
/// has room under `ratios`; whether it did.
pub async fn claim(
    db: impl PgExecutor<'_>,
    host: &str,
    r: Resources,
    ratios: Ratios,
    fresh_s: i64,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE compute_nodes SET vcpus_used = vcpus_used + $2,
             memory_mb_used = memory_mb_used + $3, disk_gb_used = disk_gb_used + $4,
             running_vms = running_vms + 1
         WHERE host = $1 AND NOT disabled
           AND last_seen > now() - make_interval(secs => $8)
           AND vcpus_used + $2 <= floor(vcpus * $5)
           AND memory_mb_used + $3 <= floor(memory_mb * $6)
           AND disk_gb_used + $4 <= floor(disk_gb * $7)",
    )
    .bind(host)
    .bind(r.vcpus)
    .bind(r.memory_mb)
    .bind(r.disk_gb)
    .bind(ratios.cpu)
    .bind(ratios.ram)
    .bind(ratios.disk)
    .bind(fresh_s as f64)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Gives back what a claim took.
pub async fn release(db: impl PgExecutor<'_>, host: &str, r: Resources) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE compute_nodes SET vcpus_used = greatest(vcpus_used - $2, 0),
             memory_mb_used = greatest(memory_mb_used - $3, 0),
             disk_gb_used = greatest(disk_gb_used - $4, 0),
             running_vms = greatest(running_vms - 1, 0)
         WHERE host = $1",
    )
    .bind(host)
    .bind(r.vcpus)
    .bind(r.memory_mb)
    .bind(r.disk_gb)
    .execute(db)
    .await
    .map(|_| ())
}
