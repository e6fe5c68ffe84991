//! The network service's queries, one function per query. Every error is a
//! `sqlx::Error`; the app layer maps it.

pub mod hosts;

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

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

// ---- subnets ----

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

// ---- ports ----

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

// ---- security groups ----

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

// ---- routers and floating IPs ----

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

// ---- ports of servers ----

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
