//! Ports of servers.

use super::*;
use sqlx::PgExecutor;

/// The ports whose `device_id` is one of `ids` (servers' ports), oldest first.
pub async fn ports_of_devices(db: impl PgExecutor<'_>, ids: &[String]) -> sqlx::Result<Vec<Port>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PORT_COLUMNS} FROM ports WHERE device_id = ANY($1) ORDER BY created_at, id"
    )))
    .bind(ids)
    .fetch_all(db)
    .await
}

/// Gives a port to a server on `host`; false if another device holds it.
pub async fn port_attach(
    db: impl PgExecutor<'_>,
    port_id: &str,
    device_id: &str,
    device_owner: &str,
    host: &str,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE ports SET device_id = $2, device_owner = $3, binding_host_id = $4,
                          revision_number = revision_number + 1, updated_at = now()
         WHERE id = $1 AND (device_id = '' OR device_id = $2)",
    )
    .bind(port_id)
    .bind(device_id)
    .bind(device_owner)
    .bind(host)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Takes a port back from server `device_id`: unbound, no device, down.
pub async fn port_detach(
    db: impl PgExecutor<'_>,
    port_id: &str,
    device_id: &str,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE ports SET device_id = '', device_owner = '', binding_host_id = '', status = 'DOWN',
                          revision_number = revision_number + 1, updated_at = now()
         WHERE id = $1 AND device_id = $2",
    )
    .bind(port_id)
    .bind(device_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Every floating IP and router held: (kind, id, project).
pub async fn held(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "SELECT 'floating_ip', id, project_id FROM floating_ips
         UNION ALL SELECT 'router', id, project_id FROM routers",
    )
    .fetch_all(db)
    .await
}

/// How many floating IPs router `router` serves for fixed IPs on `subnet`.
pub async fn floating_ips_via(
    db: impl sqlx::PgExecutor<'_>,
    router: &str,
    subnet: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM floating_ips f JOIN ip_allocations a ON a.port_id = f.port_id
         WHERE f.router_id = $1 AND a.subnet_id = $2",
    )
    .bind(router)
    .bind(subnet)
    .fetch_one(db)
    .await
}

/// A router whose gateway is on `external` and which has an interface
/// (`device_owner` = `interface_owner`) on `subnet`.
pub async fn router_between(
    db: impl sqlx::PgExecutor<'_>,
    external: &str,
    subnet: &str,
    interface_owner: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT r.id FROM routers r JOIN ports p ON p.device_id = r.id AND p.device_owner = $3
         JOIN ip_allocations a ON a.port_id = p.id
         WHERE r.gateway_network_id = $1 AND a.subnet_id = $2 LIMIT 1",
    )
    .bind(external)
    .bind(subnet)
    .bind(interface_owner)
    .fetch_optional(db)
    .await
}

/// A project's limits set by an admin, by resource.
pub async fn quota_overrides(
    db: impl sqlx::PgExecutor<'_>,
    project: &str,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT resource, hard_limit FROM quotas WHERE project_id = $1")
        .bind(project)
        .fetch_all(db)
        .await
}

/// One of a project's limits, if an admin set it.
pub async fn quota_limit(
    db: impl sqlx::PgExecutor<'_>,
    project: &str,
    resource: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT hard_limit FROM quotas WHERE project_id = $1 AND resource = $2")
        .bind(project)
        .bind(resource)
        .fetch_optional(db)
        .await
}

/// Takes the project's quota lock until the transaction ends, so racing
/// creates count one at a time.
pub async fn quota_lock(db: impl sqlx::PgExecutor<'_>, project: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('network-quota:' || $1))")
        .bind(project)
        .execute(db)
        .await
        .map(drop)
}

/// How many rows of `table` the project has. `table` must be one of the
/// quota tables the app names (a fixed list, never request input).
pub async fn quota_used(
    db: impl sqlx::PgExecutor<'_>,
    table: &'static str,
    project: &str,
) -> sqlx::Result<i64> {
    const TABLES: &[&str] = &[
        "networks",
        "subnets",
        "ports",
        "routers",
        "floating_ips",
        "security_groups",
        "security_group_rules",
    ];
    if !TABLES.contains(&table) {
        return Err(sqlx::Error::Protocol(format!(
            "{table} is not a quota table"
        )));
    }
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {table} WHERE project_id = $1"
    )))
    .bind(project)
    .fetch_one(db)
    .await
}

/// Sets one of a project's limits.
pub async fn quota_set(
    pool: &sqlx::PgPool,
    project: &str,
    resource: &str,
    limit: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = $3",
    )
    .bind(project)
    .bind(resource)
    .bind(limit)
    .execute(pool)
    .await
    .map(drop)
}

/// Forgets a project's limits (the defaults apply again).
pub async fn quota_reset(pool: &sqlx::PgPool, project: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM quotas WHERE project_id = $1")
        .bind(project)
        .execute(pool)
        .await
        .map(drop)
}
