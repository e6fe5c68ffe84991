//! Servers as the API sees them: create (checked and counted against
//! quotas here, built in the background by [`super::build`]), list, show,
//! update and delete, Nova's states and status, and instance actions.

use std::collections::BTreeMap;
use stratus_bus_protocol::{NetworkService, StorageService};

use serde_json::Value;
use sqlx::types::Json;
use stratus_api::compute as api;
use stratus_auth::TokenClaims;
use stratus_bus_protocol::network as net;
use stratus_bus_protocol::storage::{self as sto, ImageLocation};
use stratus_common::{Error, ErrorKind, RequestContext};
use uuid::Uuid;

use super::App;
pub use super::create_request::{BlockDeviceRequest, CreateRequest, parse_create};
use super::input::{invalid, name};
use super::ip_filter::{regex_lite, regex_ok};
use crate::datastore::servers::{self as ds, Action, ActionEvent, BlockDevice, FlavorInfo, Server};
use crate::datastore::{self as fds};

/// Nova's vm states and task states used here.
pub mod state {
    pub const BUILDING: &str = "building";
    pub const ACTIVE: &str = "active";
    pub const STOPPED: &str = "stopped";
    pub const ERROR: &str = "error";
    pub const RESIZED: &str = "resized";

    pub const SCHEDULING: &str = "scheduling";
    pub const NETWORKING: &str = "networking";
    pub const BLOCK_DEVICE_MAPPING: &str = "block_device_mapping";
    pub const SPAWNING: &str = "spawning";
    pub const DELETING: &str = "deleting";
    pub const POWERING_OFF: &str = "powering-off";
    pub const POWERING_ON: &str = "powering-on";
    pub const REBOOTING: &str = "rebooting";
    pub const REBOOTING_HARD: &str = "rebooting_hard";
    pub const REBUILDING: &str = "rebuilding";
    pub const REBUILD_SPAWNING: &str = "rebuild_spawning";
    pub const RESIZE_PREP: &str = "resize_prep";
    pub const RESIZE_FINISH: &str = "resize_finish";
    pub const RESIZE_REVERTING: &str = "resize_reverting";
    pub const RESIZE_CONFIRMING: &str = "resize_confirming";
    pub const IMAGE_SNAPSHOT: &str = "image_snapshot";
}

/// The API's `status` for a vm state and task state, as Nova maps them.
pub fn status(vm_state: &str, task_state: Option<&str>) -> &'static str {
    use state::*;
    match (vm_state, task_state) {
        (BUILDING, _) => "BUILD",
        (ERROR, _) => "ERROR",
        (RESIZED, Some(RESIZE_REVERTING)) => "REVERT_RESIZE",
        (RESIZED, _) => "VERIFY_RESIZE",
        (ACTIVE | STOPPED, Some(REBUILDING | REBUILD_SPAWNING)) => "REBUILD",
        (ACTIVE | STOPPED, Some(RESIZE_PREP | RESIZE_FINISH)) => "RESIZE",
        (ACTIVE, Some(REBOOTING)) => "REBOOT",
        (ACTIVE, Some(REBOOTING_HARD)) => "HARD_REBOOT",
        (ACTIVE, _) => "ACTIVE",
        (STOPPED, _) => "SHUTOFF",
        ("deleted", _) => "DELETED",
        _ => "UNKNOWN",
    }
}

/// The vm states a `status` filter means.
pub fn vm_states_of(status: &str) -> Option<Vec<String>> {
    let s: &[&str] = match status.to_ascii_uppercase().as_str() {
        "BUILD" => &[state::BUILDING],
        "ACTIVE" | "REBOOT" | "HARD_REBOOT" | "REBUILD" | "RESIZE" => &[state::ACTIVE],
        "SHUTOFF" => &[state::STOPPED],
        "ERROR" => &[state::ERROR],
        "VERIFY_RESIZE" | "REVERT_RESIZE" => &[state::RESIZED],
        _ => return None,
    };
    Some(s.iter().map(|s| (*s).to_owned()).collect())
}

pub fn not_found(id: &str) -> Error {
    Error::not_found(format!("Instance {id} could not be found."))
}

fn conflict_state(id: Uuid, action: &str, s: &Server) -> Error {
    match &s.task_state {
        Some(t) => Error::conflict(format!(
            "Cannot '{action}' instance {id} while it is in task_state {t}"
        )),
        None => Error::conflict(format!(
            "Cannot '{action}' instance {id} while it is in vm_state {}",
            s.vm_state
        )),
    }
}

/// Who may see a server: its project, or an admin.
fn may_see(caller: &TokenClaims, s: &Server) -> bool {
    caller.owns(s.project_id.as_str())
}

/// `hostId`: a hash of the project and host, as Nova hides host names.
pub fn host_id(project: &str, host: Option<&str>) -> String {
    use sha2::Digest;
    match host {
        Some(h) if !h.is_empty() => {
            let mut d = sha2::Sha224::new();
            d.update(project.as_bytes());
            d.update(h.as_bytes());
            d.finalize().iter().map(|b| format!("{b:02x}")).collect()
        }
        _ => String::new(),
    }
}

/// What the listing asked for, from the query string.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub all_tenants: bool,
    pub project_id: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub host: Option<String>,
    pub image: Option<String>,
    pub flavor: Option<String>,
    pub reservation_id: Option<String>,
    pub availability_zone: Option<String>,
    pub changes_since: Option<String>,
    pub ip: Option<String>,
    pub marker: Option<String>,
    pub limit: Option<String>,
}

impl App {
    /// Checks a create request, counts it against quotas and stores its
    /// servers (BUILD/scheduling); the builds run in the background.
    pub async fn server_create(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        req: CreateRequest,
    ) -> Result<Vec<Server>, Error> {
        super::policy::member(caller)?;
        let project = super::policy::project(caller)?.to_owned();
        let flavor = self
            .flavor_get(caller, &req.flavor_ref)
            .await
            .map_err(|_| {
                Error::bad_request(format!("Flavor {} could not be found.", req.flavor_ref))
            })?;
        let image = match &req.image_ref {
            Some(id) => Some(self.image_for(caller, id).await?),
            None => None,
        };
        if let Some(img) = &image {
            if i64::from(flavor.ram_mb) < i64::from(img.min_ram) {
                return Err(Error::bad_request(
                    "Flavor's memory is too small for requested image.",
                ));
            }
            let image_gb = img.virtual_size.unwrap_or(0).div_ceil(1 << 30);
            if flavor.disk_gb > 0
                && (i64::from(flavor.disk_gb) < i64::from(img.min_disk)
                    || (flavor.disk_gb as u64) < image_gb)
            {
                return Err(Error::bad_request(
                    "Flavor's disk is too small for requested image.",
                ));
            }
        }
        let key = match &req.key_name {
            Some(k) => Some(
                self.keypair_get(caller, k)
                    .await
                    .map_err(|_| Error::bad_request("Invalid key_name provided."))?,
            ),
            None => None,
        };
        if let Some(z) = &req.availability_zone {
            let zones = crate::datastore::hosts::nodes(&self.pool).await?;
            if !zones.iter().any(|n| &n.availability_zone == z) {
                return Err(Error::bad_request(format!(
                    "The requested availability zone is not available: {z}"
                )));
            }
        }
        if let Some(g) = req.group {
            let group = fds::group_get(&self.pool, g).await?;
            if !group.is_some_and(|grp| caller.is_admin() || grp.project_id == project) {
                return Err(Error::bad_request(format!(
                    "Instance group {g} could not be found."
                )));
            }
        }
        self.volumes_check(caller, &req.block_devices).await?;
        // Networks, ports and groups are checked by the network service now,
        // made when the server has a host.
        NetworkService::of(&self.bus)
            .call(
                ctx,
                net::PortsBind {
                    caller: caller.clone(),
                    device_id: Uuid::new_v4().to_string(),
                    device_owner: String::new(),
                    host: String::new(),
                    requests: req.networks.clone(),
                    security_groups: req.security_groups.clone(),
                    validate_only: true,
                    add: false,
                },
            )
            .await
            .map_err(Error::from)?;
        if req.max_count > 1 && req.networks.iter().any(|n| n.port_id.is_some()) {
            return Err(Error::bad_request(
                "Multiple instances with the same port can not be created.",
            ));
        }

        let flavor_info = self.flavor_info(&flavor).await?;
        // Read before the transaction: no second connection while it holds one.
        let limits = self.limits_of(&project).await?;
        let metadata_limit = i64::from(limits.get("metadata_items").copied().unwrap_or(-1));
        if metadata_limit >= 0 && req.metadata.len() as i64 > metadata_limit {
            return Err(Error::new(
                ErrorKind::OverQuota,
                format!("Quota exceeded for metadata_items: at most {metadata_limit} items."),
            ));
        }
        let mut tx = self.pool.begin().await?;
        ds::lock_project(&mut *tx, &project).await?;
        let count = self
            .quota_room(
                &mut tx,
                &limits,
                &project,
                &flavor_info,
                req.min_count,
                req.max_count,
            )
            .await?;
        // A group's members are counted under its row lock.
        if let Some(g) = req.group {
            ds::lock_group(&mut *tx, g).await?;
            let members = crate::datastore::group_members(&mut *tx, g).await?.len();
            let limit = i64::from(limits.get("server_group_members").copied().unwrap_or(-1));
            if limit >= 0 && members as i64 + i64::from(count) > limit {
                return Err(Error::new(
                    ErrorKind::OverQuota,
                    format!(
                        "Quota exceeded, too many servers in group: {members} of {limit} already."
                    ),
                ));
            }
        }
        let reservation = format!("r-{}", &Uuid::new_v4().simple().to_string()[..8]);
        let mut made = Vec::new();
        for i in 0..count {
            let display = if count > 1 {
                format!("{}-{}", req.name, i + 1)
            } else {
                req.name.clone()
            };
            let server = Server {
                id: Uuid::new_v4(),
                seq: 0,
                project_id: project.clone(),
                user_id: caller.sub.clone(),
                creator: Json(caller.clone()),
                hostname: hostname(&display),
                name: display,
                reservation_id: reservation.clone(),
                launch_index: i,
                vm_state: state::BUILDING.into(),
                task_state: Some(state::SCHEDULING.into()),
                power_state: 0,
                host: None,
                claimed: false,
                availability_zone: req.availability_zone.clone(),
                requested_zone: req.availability_zone.clone(),
                flavor: Json(flavor_info.clone()),
                new_flavor: None,
                image_id: req.image_ref.clone().unwrap_or_default(),
                key_name: key.as_ref().map(|k| k.name.clone()),
                key_data: key.as_ref().map(|k| k.public_key.clone()),
                user_data: req.user_data.clone(),
                config_drive: req.config_drive || self.config.force_config_drive,
                metadata: Json(req.metadata.clone()),
                security_groups: Json(if req.security_groups.is_empty() {
                    vec!["default".into()]
                } else {
                    req.security_groups.clone()
                }),
                requested_networks: Json(req.networks.clone()),
                ports: Json(Vec::new()),
                block_devices: Json(
                    req.block_devices
                        .iter()
                        .map(|b| BlockDevice {
                            volume_id: b.volume_id.clone(),
                            device: String::new(),
                            boot_index: b.boot_index,
                            delete_on_termination: b.delete_on_termination,
                            attachment_id: String::new(),
                            path: String::new(),
                            format: String::new(),
                            image_metadata: BTreeMap::new(),
                            detaching: false,
                        })
                        .collect(),
                ),
                group_id: req.group,
                attempts: 0,
                tried_hosts: Json(Vec::new()),
                fault: None,
                access_ipv4: req.access_ipv4.clone(),
                access_ipv6: req.access_ipv6.clone(),
                launched_at: None,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            };
            let s = ds::insert(&mut *tx, &server).await?;
            if let Some(g) = req.group {
                ds::group_add(&mut *tx, g, s.id).await?;
            }
            ds::action_start(&mut *tx, &s, "create", ctx.request_id.as_str(), &caller.sub).await?;
            made.push(s);
        }
        tx.commit().await?;
        for s in &made {
            self.start_build(s.id, caller.clone(), image.clone());
        }
        Ok(made)
    }

    /// A flavor as a server keeps it (with its extra specs, as they are now).
    pub(crate) async fn flavor_info(&self, f: &fds::Flavor) -> Result<FlavorInfo, Error> {
        let extra_specs = fds::extra_specs(&self.pool, &f.id)
            .await?
            .into_iter()
            .collect();
        Ok(FlavorInfo {
            id: f.id.clone(),
            name: f.name.clone(),
            vcpus: f.vcpus,
            ram: f.ram_mb,
            disk: f.disk_gb,
            ephemeral: f.ephemeral_gb,
            swap: f.swap_mb,
            extra_specs,
        })
    }

    /// How many of `min..=max` servers of `flavor` the project may still
    /// make (403 when not even `min`).
    async fn quota_room(
        &self,
        tx: &mut sqlx::PgConnection,
        limits: &BTreeMap<String, i32>,
        project: &str,
        flavor: &FlavorInfo,
        min: i32,
        max: i32,
    ) -> Result<i32, Error> {
        let (n, cores, ram) = ds::usage(&mut *tx, project).await?;
        let mut room = i64::from(max);
        let mut first_short = None;
        for (res, used, each) in [
            ("instances", n, 1i64),
            ("cores", cores, i64::from(flavor.vcpus)),
            ("ram", ram, i64::from(flavor.ram)),
        ] {
            let limit = i64::from(limits.get(res).copied().unwrap_or(-1));
            if limit < 0 || each == 0 {
                continue;
            }
            let fits = (limit - used).max(0) / each;
            if fits < i64::from(min) && first_short.is_none() {
                first_short = Some((res, used, limit, each));
            }
            room = room.min(fits);
        }
        if let Some((res, used, limit, each)) = first_short {
            return Err(Error::new(
                ErrorKind::OverQuota,
                format!(
                    "Quota exceeded for {res}: Requested {}, but already used {used} of {limit} {res}",
                    each * i64::from(min)
                ),
            ));
        }
        Ok(i32::try_from(room).unwrap_or(max))
    }

    /// An image the caller may boot, located (400 when unknown or not
    /// active, as Nova answers).
    pub(crate) async fn image_for(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<ImageLocation, Error> {
        StorageService::of(&self.bus)
            .call(
                &RequestContext::system(),
                sto::ImageLocate {
                    image_id: id.to_owned(),
                    caller: Some(caller.clone()),
                    project_id: None,
                },
            )
            .await
            .map_err(|e| {
                let e = Error::from(e);
                match e.status().as_u16() {
                    404 => Error::bad_request(format!("Image {id} could not be found.")),
                    409 => Error::bad_request(format!("Image {id} is not active.")),
                    _ => e,
                }
            })
    }

    /// A server the caller may see.
    pub async fn server_get(&self, caller: &TokenClaims, id: &str) -> Result<Server, Error> {
        let uid = Uuid::parse_str(id).map_err(|_| not_found(id))?;
        match ds::get(&self.pool, uid).await? {
            Some(s) if may_see(caller, &s) => Ok(s),
            _ => Err(not_found(id)),
        }
    }

    pub async fn server_list(
        &self,
        caller: &TokenClaims,
        q: &ListQuery,
    ) -> Result<Vec<Server>, Error> {
        let mut f = ds::ServerFilter {
            limit: 1000,
            ..Default::default()
        };
        if caller.is_admin() && q.all_tenants {
            f.project = q.project_id.clone();
        } else {
            f.project = Some(super::policy::project(caller)?.to_owned());
        }
        if let Some(n) = &q.name {
            if regex_ok(n) {
                f.name = Some(n.clone());
            } else {
                return Err(Error::bad_request(format!(
                    "Invalid regular expression: {n}"
                )));
            }
        }
        if let Some(s) = &q.status {
            match vm_states_of(s) {
                Some(v) => f.vm_states = Some(v),
                // Nova answers an unknown status with an empty list.
                None => return Ok(Vec::new()),
            }
        }
        if q.host.is_some() && !caller.is_admin() {
            // Only admins filter by host; Nova ignores it for others.
        } else {
            f.host = q.host.clone();
        }
        f.image = q.image.clone();
        f.flavor = q.flavor.clone();
        f.reservation_id = q.reservation_id.clone();
        f.availability_zone = q.availability_zone.clone();
        if let Some(c) = &q.changes_since {
            f.changes_since = Some(super::input::datetime(c).ok_or_else(|| {
                Error::bad_request(format!(
                    "Invalid input for query parameters changes-since. Value: {c}. '{c}' is not a 'date-time'"
                ))
            })?);
        }
        if let Some(l) = &q.limit {
            let n: i64 = l.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
                Error::bad_request(format!(
                    "Invalid input for query parameters limit. Value: {l}. '{l}' does not match '^[0-9]*$'"
                ))
            })?;
            f.limit = n.min(1000);
        }
        if let Some(m) = &q.marker {
            let s = self
                .server_get(caller, m)
                .await
                .map_err(|_| Error::bad_request(format!("marker [{m}] not found")))?;
            f.marker_seq = Some(s.seq);
        }
        let mut out = ds::list(&self.pool, &f).await?;
        if let Some(ip) = &q.ip {
            match regex_lite(ip) {
                Some(re) => out.retain(|s| {
                    s.ports
                        .0
                        .iter()
                        .any(|p| p.fixed_ips.iter().any(|a| re.is_match(a)))
                }),
                None => {
                    return Err(Error::bad_request(format!(
                        "Invalid regular expression: {ip}"
                    )));
                }
            }
        }
        Ok(out)
    }

    /// Renames or sets access addresses.
    pub async fn server_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        b: &api::ServerUpdate,
    ) -> Result<Server, Error> {
        let text = |v: &str| Value::String(v.to_owned());
        let mut s = self.server_get(caller, id).await?;
        super::policy::member(caller)?;
        if let Some(v) = &b.name {
            s.name = name("name", &text(v), 255)?;
            s.hostname = hostname(&s.name);
        }
        if let Some(t) = &b.access_ipv4 {
            if !t.is_empty() && t.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(invalid(
                    "accessIPv4",
                    &text(t),
                    format!("'{t}' is not a 'ipv4'"),
                ));
            }
            s.access_ipv4 = t.clone();
        }
        if let Some(t) = &b.access_ipv6 {
            if !t.is_empty() && t.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(invalid(
                    "accessIPv6",
                    &text(t),
                    format!("'{t}' is not a 'ipv6'"),
                ));
            }
            s.access_ipv6 = t.clone();
        }
        let mut tx = self.pool.begin().await?;
        let Some(mut now) = ds::lock(&mut *tx, s.id).await? else {
            return Err(not_found(id));
        };
        now.name = s.name;
        now.hostname = s.hostname;
        now.access_ipv4 = s.access_ipv4;
        now.access_ipv6 = s.access_ipv6;
        ds::save(&mut *tx, &now).await?;
        tx.commit().await?;
        self.server_get(caller, id).await
    }

    /// Starts a delete: the host removes the instance, then the server's
    /// ports, volumes and claim are given back and the row goes.
    pub async fn server_delete(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(), Error> {
        let s = self.server_get(caller, id).await?;
        super::policy::member(caller)?;
        let mut tx = self.pool.begin().await?;
        let Some(mut s) = ds::lock(&mut *tx, s.id).await? else {
            return Err(not_found(id));
        };
        if s.task_state.as_deref() == Some(state::DELETING) {
            return Ok(());
        }
        let was = s.task_state.clone();
        s.task_state = Some(state::DELETING.into());
        ds::save(&mut *tx, &s).await?;
        ds::action_start(&mut *tx, &s, "delete", ctx.request_id.as_str(), &caller.sub).await?;
        tx.commit().await?;
        self.continue_delete(&s, was.as_deref()).await
    }

    /// A server's instance actions, newest first.
    pub async fn server_actions(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<Vec<Action>, Error> {
        let uid = Uuid::parse_str(id).map_err(|_| not_found(id))?;
        let actions = ds::actions_of(&self.pool, uid).await?;
        // Actions outlive their server; the project is on each.
        match actions.first() {
            Some(a) if caller.owns(a.project_id.as_str()) => Ok(actions),
            _ => {
                self.server_get(caller, id).await?;
                Ok(actions)
            }
        }
    }

    pub async fn server_action(
        &self,
        caller: &TokenClaims,
        id: &str,
        request_id: &str,
    ) -> Result<(Action, Vec<ActionEvent>), Error> {
        let actions = self.server_actions(caller, id).await?;
        let a = actions
            .into_iter()
            .find(|a| a.request_id == request_id)
            .ok_or_else(|| {
                Error::not_found(format!("Action {request_id} not found for instance {id}"))
            })?;
        let events = ds::events_of(&self.pool, a.id).await?;
        Ok((a, events))
    }

    /// Starts `task` on a server the caller may change, if its state
    /// allows; records the instance action.
    pub(crate) async fn begin(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        action: &str,
        vm_states: &[&str],
        task: &str,
    ) -> Result<Server, Error> {
        let s = self.server_get(caller, id).await?;
        super::policy::member(caller)?;
        if s.host.is_none() {
            return Err(conflict_state(s.id, action, &s));
        }
        let Some(s2) = ds::begin_task(&self.pool, s.id, vm_states, task).await? else {
            let now = self.server_get(caller, id).await?;
            return Err(conflict_state(s.id, action, &now));
        };
        ds::action_start(
            &self.pool,
            &s2,
            action,
            ctx.request_id.as_str(),
            &caller.sub,
        )
        .await?;
        Ok(s2)
    }

    /// The project's usage of servers, cores and RAM, for quotas.
    pub async fn server_usage(&self, project: &str) -> Result<(i64, i64, i64), Error> {
        ds::usage(&self.pool, project).await.map_err(Error::from)
    }
}

/// A host name from a display name, as Nova sanitizes it.
pub fn hostname(display: &str) -> String {
    let mut out: String = display
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    out = out.trim_matches(|c| c == '-' || c == '.').to_owned();
    out.truncate(63);
    if out.is_empty() { "server".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_novas() {
        assert_eq!(status("building", Some("scheduling")), "BUILD");
        assert_eq!(status("active", None), "ACTIVE");
        assert_eq!(status("active", Some("rebooting_hard")), "HARD_REBOOT");
        assert_eq!(status("active", Some("powering-off")), "ACTIVE");
        assert_eq!(status("stopped", None), "SHUTOFF");
        assert_eq!(status("resized", None), "VERIFY_RESIZE");
        assert_eq!(status("resized", Some("resize_reverting")), "REVERT_RESIZE");
        assert_eq!(status("active", Some("resize_prep")), "RESIZE");
        assert_eq!(status("error", None), "ERROR");
    }

    #[test]
    fn ip_filters_match_like_novas_regexes() {
        let p = regex_lite("10.0.0.1").expect("re");
        assert!(p.is_match("10.0.0.1"));
        assert!(p.is_match("10.0.0.12"), "unanchored");
        let p = regex_lite("^10\\.0\\.0\\.1$").expect("re");
        assert!(!p.is_match("10.0.0.12"));
        assert!(!p.is_match("10a0.0.1"));
        assert!(regex_lite("10.(").is_none());
    }

    #[test]
    fn host_ids_hide_hosts() {
        assert_eq!(host_id("p", None), "");
        assert_eq!(host_id("p", Some("h")).len(), 56);
        assert_ne!(host_id("p", Some("h")), host_id("q", Some("h")));
    }
}
