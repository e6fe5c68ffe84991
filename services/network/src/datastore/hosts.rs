//! Queries behind agent syncs: the agents themselves, which host serves a
//! network's DHCP or runs a router, and what a host's data plane carries.

use sqlx::{FromRow, PgExecutor};

use super::{PORT_COLUMNS, Port};

/// Records an agent's sync.
pub async fn agent_seen(
    db: impl PgExecutor<'_>,
    host: &str,
    tunnel_ip: Option<&str>,
    physical_networks: &[String],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO network_agents (host, tunnel_ip, physical_networks, last_seen)
         VALUES ($1, $2, $3, now())
         ON CONFLICT (host) DO UPDATE SET tunnel_ip = $2, physical_networks = $3, last_seen = now()",
    )
    .bind(host)
    .bind(tunnel_ip)
    .bind(sqlx::types::Json(physical_networks))
    .execute(db)
    .await
    .map(|_| ())
}

/// Sets the status of this host's ports; the number changed.
pub async fn set_port_status(
    db: impl PgExecutor<'_>,
    host: &str,
    ids: &[String],
    status: &str,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE ports SET status = $3, updated_at = now()
         WHERE id = ANY($2) AND binding_host_id = $1 AND status <> $3
           AND device_owner NOT LIKE 'network:%'",
    )
    .bind(host)
    .bind(ids)
    .bind(status)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Instance ports bound to the host.
pub async fn bound_ports(db: impl PgExecutor<'_>, host: &str) -> sqlx::Result<Vec<Port>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PORT_COLUMNS} FROM ports
         WHERE binding_host_id = $1 AND device_owner NOT LIKE 'network:%' ORDER BY id"
    )))
    .bind(host)
    .fetch_all(db)
    .await
}

/// Makes `host` the DHCP server of those of `networks` that have a subnet
/// with DHCP and no live server (none, or one whose agent has not synced
/// in `down_s` seconds).
pub async fn claim_dhcp(
    db: impl PgExecutor<'_>,
    host: &str,
    networks: &[String],
    down_s: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE networks n SET dhcp_host = $1
         WHERE n.id = ANY($2) AND n.dhcp_host IS DISTINCT FROM $1
           AND EXISTS (SELECT 1 FROM subnets s WHERE s.network_id = n.id AND s.enable_dhcp)
           AND (n.dhcp_host IS NULL OR NOT EXISTS (
                SELECT 1 FROM network_agents a
                WHERE a.host = n.dhcp_host AND a.last_seen > now() - make_interval(secs => $3)))",
    )
    .bind(host)
    .bind(networks)
    .bind(down_s as f64)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Makes `host` run the routers that have ports and no live host, when it
/// can reach their gateway's physical network (or they have none, or a
/// VXLAN one).
pub async fn claim_routers(
    db: impl PgExecutor<'_>,
    host: &str,
    physical_networks: &[String],
    down_s: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE routers r SET host = $1
         WHERE r.host IS DISTINCT FROM $1
           AND EXISTS (SELECT 1 FROM ports p WHERE p.device_id = r.id
                       AND p.device_owner IN ('network:router_interface', 'network:router_gateway'))
           AND (r.gateway_network_id IS NULL OR EXISTS (
                SELECT 1 FROM networks g WHERE g.id = r.gateway_network_id
                AND (g.network_type = 'vxlan' OR g.physical_network = ANY($2))))
           AND (r.host IS NULL OR NOT EXISTS (
                SELECT 1 FROM network_agents a
                WHERE a.host = r.host AND a.last_seen > now() - make_interval(secs => $3)))",
    )
    .bind(host)
    .bind(physical_networks)
    .bind(down_s as f64)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Networks whose DHCP the host serves.
pub async fn dhcp_networks(db: impl PgExecutor<'_>, host: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT n.id FROM networks n WHERE n.dhcp_host = $1
           AND EXISTS (SELECT 1 FROM subnets s WHERE s.network_id = n.id AND s.enable_dhcp)
         ORDER BY n.id",
    )
    .bind(host)
    .fetch_all(db)
    .await
}

/// The network's DHCP port, if it has one.
pub async fn dhcp_port(db: impl PgExecutor<'_>, network_id: &str) -> sqlx::Result<Option<Port>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PORT_COLUMNS} FROM ports WHERE network_id = $1 AND device_owner = 'network:dhcp'
         ORDER BY created_at LIMIT 1"
    )))
    .bind(network_id)
    .fetch_optional(db)
    .await
}

/// Binds a port the service owns to the host that carries it.
pub async fn bind_port(db: impl PgExecutor<'_>, port_id: &str, host: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE ports SET binding_host_id = $2, updated_at = now()
         WHERE id = $1 AND binding_host_id <> $2",
    )
    .bind(port_id)
    .bind(host)
    .execute(db)
    .await
    .map(|_| ())
}

/// Routers the host runs.
pub async fn routers_of(db: impl PgExecutor<'_>, host: &str) -> sqlx::Result<Vec<(String, bool)>> {
    sqlx::query_as("SELECT id, enable_snat FROM routers WHERE host = $1 ORDER BY id")
        .bind(host)
        .fetch_all(db)
        .await
}

/// `(floating address, fixed address)` of the router's associated floating IPs.
pub async fn router_floating_ips(
    db: impl PgExecutor<'_>,
    router_id: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT floating_ip_address, fixed_ip_address FROM floating_ips
         WHERE router_id = $1 AND port_id IS NOT NULL AND fixed_ip_address IS NOT NULL
         ORDER BY floating_ip_address",
    )
    .bind(router_id)
    .fetch_all(db)
    .await
}

#[derive(Clone, Debug, FromRow)]
pub struct NetworkRow {
    pub id: String,
    pub network_type: String,
    pub physical_network: Option<String>,
    pub segmentation_id: Option<i32>,
    pub mtu: i32,
}

pub async fn networks(db: impl PgExecutor<'_>, ids: &[String]) -> sqlx::Result<Vec<NetworkRow>> {
    sqlx::query_as(
        "SELECT id, network_type, physical_network, segmentation_id, mtu FROM networks
         WHERE id = ANY($1) ORDER BY id",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

/// Tunnel endpoints of the other live hosts that carry the network: a bound
/// port, its DHCP server or a router with a port on it.
pub async fn peers(
    db: impl PgExecutor<'_>,
    host: &str,
    network_id: &str,
    down_s: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT a.tunnel_ip FROM network_agents a
         WHERE a.host <> $1 AND a.tunnel_ip IS NOT NULL
           AND a.last_seen > now() - make_interval(secs => $3)
           AND (EXISTS (SELECT 1 FROM ports p WHERE p.network_id = $2 AND p.binding_host_id = a.host)
             OR EXISTS (SELECT 1 FROM networks n WHERE n.id = $2 AND n.dhcp_host = a.host)
             OR EXISTS (SELECT 1 FROM ports p JOIN routers r ON r.id = p.device_id
                        WHERE p.network_id = $2 AND r.host = a.host))
         ORDER BY 1",
    )
    .bind(host)
    .bind(network_id)
    .bind(down_s as f64)
    .fetch_all(db)
    .await
}

/// Every port of the networks (for DHCP host entries).
pub async fn ports_of_networks(db: impl PgExecutor<'_>, ids: &[String]) -> sqlx::Result<Vec<Port>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PORT_COLUMNS} FROM ports WHERE network_id = ANY($1) ORDER BY id"
    )))
    .bind(ids)
    .fetch_all(db)
    .await
}

/// `(group, address)` for every port in these groups, on any host, with
/// the addresses of their allowed address pairs.
pub async fn group_members(
    db: impl PgExecutor<'_>,
    groups: &[String],
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT g.id, a.ip_address FROM ports p
           JOIN ip_allocations a ON a.port_id = p.id
           JOIN LATERAL jsonb_array_elements_text(p.security_groups) g(id) ON true
          WHERE g.id = ANY($1)
         UNION
         SELECT g.id, pair->>'ip_address' FROM ports p
           JOIN LATERAL jsonb_array_elements_text(p.security_groups) g(id) ON true
           JOIN LATERAL jsonb_array_elements(p.allowed_address_pairs) pair ON true
          WHERE g.id = ANY($1)
         ORDER BY 1, 2",
    )
    .bind(groups)
    .fetch_all(db)
    .await
}

#[derive(Clone, Debug, FromRow)]
pub struct GroupRow {
    pub id: String,
    pub stateful: bool,
}

pub async fn groups(db: impl PgExecutor<'_>, ids: &[String]) -> sqlx::Result<Vec<GroupRow>> {
    sqlx::query_as("SELECT id, stateful FROM security_groups WHERE id = ANY($1) ORDER BY id")
        .bind(ids)
        .fetch_all(db)
        .await
}
