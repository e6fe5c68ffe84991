//! Servers and their instance actions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{FromRow, PgExecutor};
use stratus_bus_protocol::network::{PortRequest, ServerPort};
use uuid::Uuid;

/// The flavor a server was made with, as it was then.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlavorInfo {
    pub id: String,
    pub name: String,
    pub vcpus: i32,
    pub ram: i32,
    pub disk: i32,
    pub ephemeral: i32,
    pub swap: i32,
    #[serde(default)]
    pub extra_specs: BTreeMap<String, String>,
}

/// A volume attached to a server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockDevice {
    pub volume_id: String,
    /// `/dev/vdb`, ...
    pub device: String,
    /// 0 for the boot volume.
    pub boot_index: Option<i32>,
    pub delete_on_termination: bool,
    /// The storage service's attachment id ('' until attached).
    pub attachment_id: String,
    /// Where the volume's file is, for the host (the storage agent's export).
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub format: String,
    /// The image properties the volume was made with (a boot volume's
    /// kernel and ramdisk).
    #[serde(default)]
    pub image_metadata: BTreeMap<String, String>,
    /// A detach asked for and not finished: the host is unplugging it (the
    /// volume is `detaching`); it stays listed, and its device taken, until
    /// the guest lets go.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detaching: bool,
}

#[derive(Clone, Debug, FromRow)]
pub struct Server {
    pub id: Uuid,
    pub seq: i64,
    pub project_id: String,
    pub user_id: String,
    pub creator: Json<stratus_auth::TokenClaims>,
    pub name: String,
    pub hostname: String,
    pub reservation_id: String,
    pub launch_index: i32,
    pub vm_state: String,
    pub task_state: Option<String>,
    pub power_state: i32,
    pub host: Option<String>,
    pub claimed: bool,
    pub availability_zone: Option<String>,
    pub requested_zone: Option<String>,
    pub flavor: Json<FlavorInfo>,
    pub new_flavor: Option<Json<FlavorInfo>>,
    pub image_id: String,
    pub key_name: Option<String>,
    pub key_data: Option<String>,
    pub user_data: Option<String>,
    pub config_drive: bool,
    pub metadata: Json<BTreeMap<String, String>>,
    pub security_groups: Json<Vec<String>>,
    pub requested_networks: Json<Vec<PortRequest>>,
    pub ports: Json<Vec<ServerPort>>,
    pub block_devices: Json<Vec<BlockDevice>>,
    pub group_id: Option<Uuid>,
    pub attempts: i32,
    pub tried_hosts: Json<Vec<String>>,
    pub fault: Option<Json<serde_json::Value>>,
    pub access_ipv4: String,
    pub access_ipv6: String,
    pub launched_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, seq, project_id, user_id, creator, name, hostname, reservation_id, launch_index, \
    vm_state, task_state, power_state, host, claimed, availability_zone, requested_zone, flavor, \
    new_flavor, image_id, key_name, key_data, user_data, config_drive, metadata, security_groups, \
    requested_networks, ports, block_devices, group_id, attempts, tried_hosts, fault, access_ipv4, \
    access_ipv6, launched_at, created_at, updated_at";

pub async fn insert(db: impl PgExecutor<'_>, s: &Server) -> sqlx::Result<Server> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO servers (id, project_id, user_id, name, hostname, reservation_id, launch_index,
             vm_state, task_state, power_state, availability_zone, requested_zone, flavor, image_id,
             key_name, key_data, user_data, config_drive, metadata, security_groups,
             requested_networks, block_devices, group_id, access_ipv4, access_ipv6, creator)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $21, $22, $23, $24, $25, $26)
         RETURNING {COLUMNS}"
    )))
    .bind(s.id)
    .bind(&s.project_id)
    .bind(&s.user_id)
    .bind(&s.name)
    .bind(&s.hostname)
    .bind(&s.reservation_id)
    .bind(s.launch_index)
    .bind(&s.vm_state)
    .bind(&s.task_state)
    .bind(s.power_state)
    .bind(&s.availability_zone)
    .bind(&s.requested_zone)
    .bind(&s.flavor)
    .bind(&s.image_id)
    .bind(&s.key_name)
    .bind(&s.key_data)
    .bind(&s.user_data)
    .bind(s.config_drive)
    .bind(&s.metadata)
    .bind(&s.security_groups)
    .bind(&s.requested_networks)
    .bind(&s.block_devices)
    .bind(s.group_id)
    .bind(&s.access_ipv4)
    .bind(&s.access_ipv6)
    .bind(&s.creator)
    .fetch_one(db)
    .await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Server>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM servers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The row, locked until the transaction ends.
pub async fn lock(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Server>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM servers WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Which servers a listing shows.
#[derive(Clone, Debug, Default)]
pub struct ServerFilter {
    pub project: Option<String>,
    pub user: Option<String>,
    pub name: Option<String>,
    pub vm_states: Option<Vec<String>>,
    pub host: Option<String>,
    pub image: Option<String>,
    pub flavor: Option<String>,
    pub reservation_id: Option<String>,
    pub availability_zone: Option<String>,
    pub changes_since: Option<DateTime<Utc>>,
    /// Servers after this one (by `seq`, newest first).
    pub marker_seq: Option<i64>,
    pub limit: i64,
}

/// Newest first, as Nova lists them (created_at desc).
pub async fn list(db: impl PgExecutor<'_>, f: &ServerFilter) -> sqlx::Result<Vec<Server>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM servers
         WHERE ($1::text IS NULL OR project_id = $1)
           AND ($2::text IS NULL OR user_id = $2)
           AND ($3::text IS NULL OR name ~ $3)
           AND ($4::text[] IS NULL OR vm_state = ANY($4))
           AND ($5::text IS NULL OR host = $5)
           AND ($6::text IS NULL OR image_id = $6)
           AND ($7::text IS NULL OR flavor->>'id' = $7)
           AND ($8::text IS NULL OR reservation_id = $8)
           AND ($9::text IS NULL OR availability_zone = $9)
           AND ($10::timestamptz IS NULL OR updated_at >= $10)
           AND ($11::bigint IS NULL OR seq < $11)
         ORDER BY seq DESC
         LIMIT $12"
    )))
    .bind(&f.project)
    .bind(&f.user)
    .bind(&f.name)
    .bind(&f.vm_states)
    .bind(&f.host)
    .bind(&f.image)
    .bind(&f.flavor)
    .bind(&f.reservation_id)
    .bind(&f.availability_zone)
    .bind(f.changes_since)
    .bind(f.marker_seq)
    .bind(f.limit)
    .fetch_all(db)
    .await
}

/// Writes every column a server's life changes.
pub async fn save(db: impl PgExecutor<'_>, s: &Server) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE servers SET name = $2, vm_state = $3, task_state = $4, power_state = $5, host = $6,
             claimed = $7, availability_zone = $8, flavor = $9, new_flavor = $10, image_id = $11,
             metadata = $12, ports = $13, block_devices = $14, attempts = $15, tried_hosts = $16,
             fault = $17, access_ipv4 = $18, access_ipv6 = $19, launched_at = $20,
             hostname = $21, updated_at = now()
         WHERE id = $1",
    )
    .bind(s.id)
    .bind(&s.name)
    .bind(&s.vm_state)
    .bind(&s.task_state)
    .bind(s.power_state)
    .bind(&s.host)
    .bind(s.claimed)
    .bind(&s.availability_zone)
    .bind(&s.flavor)
    .bind(&s.new_flavor)
    .bind(&s.image_id)
    .bind(&s.metadata)
    .bind(&s.ports)
    .bind(&s.block_devices)
    .bind(s.attempts)
    .bind(&s.tried_hosts)
    .bind(&s.fault)
    .bind(&s.access_ipv4)
    .bind(&s.access_ipv6)
    .bind(s.launched_at)
    .bind(&s.hostname)
    .execute(db)
    .await
    .map(|_| ())
}

/// Starts a task on a server that has none and is in one of `vm_states`;
/// the server as it is now, or `None` when another task runs or the state
/// does not allow it.
pub async fn begin_task(
    db: impl PgExecutor<'_>,
    id: Uuid,
    vm_states: &[&str],
    task: &str,
) -> sqlx::Result<Option<Server>> {
    let states: Vec<String> = vm_states.iter().map(|s| (*s).to_owned()).collect();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE servers SET task_state = $3, updated_at = now()
         WHERE id = $1 AND task_state IS NULL AND vm_state = ANY($2)
         RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(states)
    .bind(task)
    .fetch_optional(db)
    .await
}

/// Removes the server, leaving its tombstone in `deleted_servers`.
pub async fn remove(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "WITH gone AS (DELETE FROM servers WHERE id = $1 RETURNING id, project_id, host)
         INSERT INTO deleted_servers (id, project_id, host)
         SELECT id, project_id, host FROM gone
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Of `ids`, the servers whose delete finished.
pub async fn deleted_of(db: impl PgExecutor<'_>, ids: &[Uuid]) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT id FROM deleted_servers WHERE id = ANY($1) ORDER BY id")
        .bind(ids)
        .fetch_all(db)
        .await
}

/// A project's servers, vCPUs and RAM (MiB), for quotas: a server being
/// resized counts with the larger of its two flavors.
pub async fn usage(db: impl PgExecutor<'_>, project: &str) -> sqlx::Result<(i64, i64, i64)> {
    sqlx::query_as(
        "SELECT count(*),
                coalesce(sum(greatest((flavor->>'vcpus')::bigint,
                                      coalesce((new_flavor->>'vcpus')::bigint, 0))), 0)::bigint,
                coalesce(sum(greatest((flavor->>'ram')::bigint,
                                      coalesce((new_flavor->>'ram')::bigint, 0))), 0)::bigint
         FROM servers WHERE project_id = $1",
    )
    .bind(project)
    .fetch_one(db)
    .await
}

/// The hosts the servers in `ids` run on.
pub async fn hosts_of(db: impl PgExecutor<'_>, ids: &[Uuid]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT host FROM servers WHERE id = ANY($1) AND host IS NOT NULL")
        .bind(ids)
        .fetch_all(db)
        .await
}

/// Servers on `host`.
pub async fn on_host(db: impl PgExecutor<'_>, host: &str) -> sqlx::Result<Vec<Server>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM servers WHERE host = $1 ORDER BY seq"
    )))
    .bind(host)
    .fetch_all(db)
    .await
}

/// Servers with a task unchanged since `before`.
pub async fn stale_tasks(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> sqlx::Result<Vec<Server>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM servers
         WHERE task_state IS NOT NULL AND updated_at < $1 ORDER BY seq LIMIT 500"
    )))
    .bind(before)
    .fetch_all(db)
    .await
}

/// Servers with a volume detach nobody has finished since `before`.
pub async fn stale_detaches(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> sqlx::Result<Vec<Server>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM servers
         WHERE block_devices @> '[{{\"detaching\": true}}]' AND updated_at < $1
         ORDER BY seq LIMIT 500"
    )))
    .bind(before)
    .fetch_all(db)
    .await
}

// ---- instance actions ----

#[derive(Clone, Debug, FromRow)]
pub struct Action {
    pub id: i64,
    pub server_id: Uuid,
    pub project_id: String,
    pub user_id: String,
    pub action: String,
    pub request_id: String,
    pub message: Option<String>,
    pub start_time: DateTime<Utc>,
    pub finish_time: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, FromRow)]
pub struct ActionEvent {
    pub action_id: i64,
    pub event: String,
    pub host: Option<String>,
    pub result: Option<String>,
    pub traceback: Option<String>,
    pub start_time: DateTime<Utc>,
    pub finish_time: Option<DateTime<Utc>>,
}

pub async fn action_start(
    db: impl PgExecutor<'_>,
    s: &Server,
    action: &str,
    request_id: &str,
    user_id: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO instance_actions (server_id, project_id, user_id, action, request_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(s.id)
    .bind(&s.project_id)
    .bind(user_id)
    .bind(action)
    .bind(request_id)
    .fetch_one(db)
    .await
}

/// Records the end of the server's latest unfinished action: an event with
/// its result, and the action's finish (with a message when it failed).
pub async fn action_finish(
    db: impl PgExecutor<'_>,
    server: Uuid,
    event: &str,
    host: Option<&str>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "WITH a AS (
             UPDATE instance_actions SET finish_time = now(), message = $4
             WHERE id = (SELECT id FROM instance_actions
                         WHERE server_id = $1 AND finish_time IS NULL ORDER BY id DESC LIMIT 1)
             RETURNING id, start_time)
         INSERT INTO instance_action_events (action_id, event, host, result, traceback, start_time, finish_time)
         SELECT id, $2, $3, CASE WHEN $4::text IS NULL THEN 'Success' ELSE 'Error' END, $4, start_time, now()
         FROM a",
    )
    .bind(server)
    .bind(event)
    .bind(host)
    .bind(error)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn actions_of(db: impl PgExecutor<'_>, server: Uuid) -> sqlx::Result<Vec<Action>> {
    sqlx::query_as(
        "SELECT id, server_id, project_id, user_id, action, request_id, message, start_time, finish_time
         FROM instance_actions WHERE server_id = $1 ORDER BY id DESC",
    )
    .bind(server)
    .fetch_all(db)
    .await
}

pub async fn events_of(db: impl PgExecutor<'_>, action: i64) -> sqlx::Result<Vec<ActionEvent>> {
    sqlx::query_as(
        "SELECT action_id, event, host, result, traceback, start_time, finish_time
         FROM instance_action_events WHERE action_id = $1 ORDER BY start_time",
    )
    .bind(action)
    .fetch_all(db)
    .await
}

/// Serializes quota checks of one project (until the transaction ends).
pub async fn lock_project(db: impl PgExecutor<'_>, project: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('servers:' || $1))")
        .bind(project)
        .execute(db)
        .await
        .map(|_| ())
}

/// Locks a server group's row (placements in it are decided one at a time).
pub async fn lock_group(db: impl PgExecutor<'_>, group: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT policy FROM server_groups WHERE id = $1 FOR UPDATE")
        .bind(group)
        .fetch_optional(db)
        .await
}

/// Makes a server a member of its group.
pub async fn group_add(db: impl PgExecutor<'_>, group: Uuid, server: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO server_group_members (group_id, server_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(group)
    .bind(server)
    .execute(db)
    .await
    .map(|_| ())
}

/// Takes a server out of every group.
pub async fn group_leave(db: impl PgExecutor<'_>, server: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM server_group_members WHERE server_id = $1")
        .bind(server)
        .execute(db)
        .await
        .map(|_| ())
}

/// Marks a server as looked at now (its task's age starts again).
pub async fn touch(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE servers SET updated_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}
