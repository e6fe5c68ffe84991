//! What happens to a server after the API answered: the build (schedule
//! and claim a host, ports from the network service bound to it, the
//! image's files located, `Spawn` cast to the host), a failed build
//! retried on another host a bounded number of times, and the delete. The
//! hosts' results and the sweeper that finishes work whose driver went away
//! (a restarted service, a host that never answered) are in `results`.
//!
//! Every step records what it took on the server's row under the row's
//! lock, and only while the server is still in the state the step expects;
//! a step that finds the server being deleted gives back what it just took
//! and finishes the delete.

use std::collections::BTreeMap;
use stratus_bus_protocol::{ComputeAgent, NetworkService, StorageService};

use serde_json::json;
use sqlx::types::Json;
use stratus_auth::TokenClaims;
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::compute::{
    ComputeAgentRequest, Destroy, DiskSpec, ImageDisk, InstanceSpec, Spawn,
};
use stratus_bus_protocol::network::{self as net, ServerPort};
use stratus_bus_protocol::storage::ImageLocation;
use stratus_bus_protocol::usage::{Lifecycle, LifecycleEvent};
use stratus_common::{Error, ErrorKind, RequestContext};
use uuid::Uuid;

use super::App;
use super::scheduler::Request;
use super::servers::state::*;
use crate::datastore::hosts::Resources;
use crate::datastore::servers::{self as ds, Server};

/// What a server's flavor takes of a host.
pub fn resources(s: &Server) -> Resources {
    let f = &s.flavor.0;
    Resources {
        vcpus: f.vcpus,
        memory_mb: i64::from(f.ram),
        disk_gb: if s.image_id.is_empty() {
            // Boot from volume: the root disk is not on the host.
            i64::from(f.ephemeral)
        } else {
            i64::from(f.disk) + i64::from(f.ephemeral)
        },
    }
}

/// The server as it is with its resize's new flavor, while it has one.
pub(crate) fn with_new_flavor(s: &Server) -> Option<Server> {
    s.new_flavor.as_ref().map(|f| Server {
        flavor: f.clone(),
        ..s.clone()
    })
}

/// Forgets a resize's new flavor and gives its claim on `host` back.
pub(crate) async fn drop_new_flavor(
    tx: &mut sqlx::PgConnection,
    host: &str,
    s: &mut Server,
) -> Result<(), Error> {
    if let Some(resized) = with_new_flavor(s) {
        crate::datastore::hosts::release(&mut *tx, host, resources(&resized)).await?;
        s.new_flavor = None;
    }
    Ok(())
}

/// Nova's fault on a server in ERROR.
pub(crate) fn fault(message: &str, code: u16) -> serde_json::Value {
    json!({
        "code": code,
        "message": message,
        "details": message,
        "created": crate::time::time(&chrono::Utc::now()),
    })
}

/// How a step ended when it did not go on.
pub(crate) enum Stop {
    /// The server is gone or no longer in the state the step expects
    /// (deleted meanwhile, or another replica took over).
    Moved,
    /// The build failed; `retry` when another host may do better.
    Failed { message: String, retry: bool },
    /// Another service could not be reached (the bus is away): the server
    /// stays where it is and the sweeper drives it on later.
    Later(String),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        if matches!(e.kind, ErrorKind::ServiceUnavailable | ErrorKind::Timeout) {
            Stop::Later(e.message)
        } else {
            Stop::Failed {
                message: e.message,
                retry: false,
            }
        }
    }
}

impl From<sqlx::Error> for Stop {
    fn from(e: sqlx::Error) -> Self {
        Error::from(e).into()
    }
}

impl App {
    /// Runs the build of server `id` in the background (once per process).
    /// `image` is the server's image as the create request located it, so
    /// a build locates it once; `None` (a retry, the sweeper) locates it anew.
    pub(crate) fn start_build(&self, id: Uuid, caller: TokenClaims, image: Option<ImageLocation>) {
        let Ok(mut builds) = self.builds.lock() else {
            return;
        };
        if !builds.insert(id) {
            return;
        }
        drop(builds);
        let app = self.clone();
        tokio::spawn(async move {
            match app.build(id, &caller, image).await {
                Ok(()) | Err(Stop::Moved) => {}
                Err(Stop::Later(why)) => {
                    let age = ds::get(&app.pool, id)
                        .await
                        .ok()
                        .flatten()
                        .map(|s| (chrono::Utc::now() - s.created_at).num_seconds());
                    if age.is_some_and(|a| a > i64::from(app.config.build_timeout_s)) {
                        let message = format!("Build of instance {id} timed out: {why}");
                        if let Err(e) = app.build_failed(id, &message, false).await {
                            tracing::error!(%id, error = %e, "recording a failed build failed");
                        }
                    } else {
                        tracing::warn!(%id, %why, "build paused; the sweeper goes on with it");
                    }
                }
                Err(Stop::Failed { message, retry }) => {
                    if let Err(e) = app.build_failed(id, &message, retry).await {
                        tracing::error!(%id, error = %e, "recording a failed build failed");
                    }
                }
            }
            if let Ok(mut b) = app.builds.lock() {
                b.remove(&id);
            }
        });
    }

    pub(crate) async fn build(
        &self,
        id: Uuid,
        caller: &TokenClaims,
        located: Option<ImageLocation>,
    ) -> Result<(), Stop> {
        let Some(s) = ds::get(&self.pool, id).await? else {
            return Err(Stop::Moved);
        };
        if s.task_state.as_deref() == Some(DELETING) {
            self.finish_delete(id).await?;
            return Err(Stop::Moved);
        }
        if s.vm_state != BUILDING {
            return Err(Stop::Moved);
        }
        let image = match located {
            _ if s.image_id.is_empty() => None,
            Some(image) if image.image_id == s.image_id => Some(image),
            _ => Some(self.image_for(caller, &s.image_id).await?),
        };
        let s = match s.task_state.as_deref() {
            Some(SCHEDULING) => self.place(id, image.as_ref()).await?,
            Some(NETWORKING | BLOCK_DEVICE_MAPPING) => s,
            _ => return Err(Stop::Moved),
        };
        let host = s.host.clone().unwrap_or_default();

        // Ports, made (or found again) and bound to the host.
        let bound = NetworkService::of(&self.bus)
            .call(
                &RequestContext::system(),
                net::PortsBind {
                    caller: caller.clone(),
                    device_id: id.to_string(),
                    device_owner: format!(
                        "compute:{}",
                        s.availability_zone.as_deref().unwrap_or("nova")
                    ),
                    host: host.clone(),
                    requests: s.requested_networks.0.clone(),
                    security_groups: s.security_groups.0.clone(),
                    validate_only: false,
                    add: false,
                },
            )
            .await
            .map_err(|e| Stop::from(Error::from(e)))?;
        let mut ports = bound.ports;
        // Keep which ports were made for the server from an earlier attempt.
        for p in &mut ports {
            p.created |= s
                .ports
                .0
                .iter()
                .any(|q| q.port_id == p.port_id && q.created);
        }
        let recorded = self
            .advance(id, &[SCHEDULING, NETWORKING, BLOCK_DEVICE_MAPPING], |s| {
                s.ports = Json(ports.clone());
                s.task_state = Some(BLOCK_DEVICE_MAPPING.into());
            })
            .await?;
        let Some(s) = recorded else {
            self.release_ports(id, &ports, false).await;
            self.finish_delete(id).await?;
            return Err(Stop::Moved);
        };

        let s = self.attach_boot_volumes(s, caller).await?;
        let spec = self.instance_spec(&s, image.as_ref()).await?;
        let Some(s) = self
            .advance(id, &[BLOCK_DEVICE_MAPPING], |s| {
                s.task_state = Some(SPAWNING.into());
            })
            .await?
        else {
            self.finish_delete(id).await?;
            return Err(Stop::Moved);
        };
        if let Err(e) = self.cast_host(&host, Spawn { spec }).await {
            // Not sent: back a step, for the sweeper to send again.
            self.advance(id, &[SPAWNING], |s| {
                s.task_state = Some(BLOCK_DEVICE_MAPPING.into());
            })
            .await?;
            return Err(Stop::Later(e.message));
        }
        tracing::info!(server = %s.id, %host, "spawn sent");
        Ok(())
    }

    /// Picks a host (group policy, image properties, zone, hosts tried
    /// before) and claims the server's resources there.
    pub(crate) async fn place(
        &self,
        id: Uuid,
        image: Option<&ImageLocation>,
    ) -> Result<Server, Stop> {
        let mut tx = self.pool.begin().await?;
        let Some(mut s) = ds::lock(&mut *tx, id).await? else {
            return Err(Stop::Moved);
        };
        if s.task_state.as_deref() != Some(SCHEDULING) {
            return Err(Stop::Moved);
        }
        let mut req = Request {
            resources: Some(resources(&s)),
            availability_zone: s.requested_zone.clone(),
            avoid: s.tried_hosts.0.clone(),
            only: None,
            hypervisor_type: image.and_then(|i| i.properties.get("hypervisor_type").cloned()),
        };
        if let Some(g) = s.group_id
            && let Some(policy) = ds::lock_group(&mut *tx, g).await?
        {
            let members: Vec<Uuid> = crate::datastore::group_members(&mut *tx, g)
                .await?
                .into_iter()
                .filter(|m| *m != id)
                .collect();
            let hosts = ds::hosts_of(&mut *tx, &members).await?;
            match policy.as_str() {
                "affinity" => {
                    if let Some(h) = hosts.first() {
                        req.only = Some(h.clone());
                    }
                }
                "anti-affinity" => req.avoid.extend(hosts),
                _ => {}
            }
        }
        // The claim is part of the transaction: it holds only if the
        // server is recorded on the host, and the group's lock covers both.
        let host = match self.schedule_on(&mut tx, &req).await {
            Ok(h) => h,
            Err(e) => {
                drop(tx);
                return Err(Stop::Failed {
                    message: e.message,
                    retry: false,
                });
            }
        };
        let zone = crate::datastore::hosts::node_by_host(&mut *tx, &host)
            .await?
            .map(|n| n.availability_zone);
        s.host = Some(host.clone());
        s.claimed = true;
        s.attempts += 1;
        s.availability_zone = zone.or(s.availability_zone);
        s.task_state = Some(NETWORKING.into());
        ds::save(&mut *tx, &s).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Applies `f` to the server if its task is one of `tasks`; the server
    /// after, or `None` when it moved on (deleted, taken over).
    pub(crate) async fn advance(
        &self,
        id: Uuid,
        tasks: &[&str],
        f: impl FnOnce(&mut Server),
    ) -> Result<Option<Server>, Error> {
        let mut tx = self.pool.begin().await?;
        let Some(mut s) = ds::lock(&mut *tx, id).await? else {
            return Ok(None);
        };
        if !s.task_state.as_deref().is_some_and(|t| tasks.contains(&t)) {
            return Ok(None);
        }
        f(&mut s);
        ds::save(&mut *tx, &s).await?;
        tx.commit().await?;
        Ok(Some(s))
    }

    /// Everything the host needs to run the server.
    pub(crate) async fn instance_spec(
        &self,
        s: &Server,
        image: Option<&ImageLocation>,
    ) -> Result<InstanceSpec, Error> {
        let f = &s.flavor.0;
        let mut kernel = None;
        let mut ramdisk = None;
        let mut cmdline = None;
        // Direct kernel boot: the image's properties, or those a boot
        // volume was made with.
        let boot_volume = s.block_devices.0.iter().find(|b| b.boot_index == Some(0));
        let properties = match (image, boot_volume) {
            (Some(img), _) => Some(&img.properties),
            (None, Some(b)) => Some(&b.image_metadata),
            (None, None) => None,
        };
        if let Some(props) = properties {
            // Located as the server's project sees images: another
            // project's private kernel is not found.
            if let Some(k) = props.get("kernel_id") {
                kernel = Some(self.locate(k, &s.project_id).await?.path);
            }
            if let Some(r) = props.get("ramdisk_id") {
                ramdisk = Some(self.locate(r, &s.project_id).await?.path);
            }
            cmdline = props.get("os_command_line").cloned();
        }
        let image_disk = image.map(|img| {
            let image_gb = img.virtual_size.unwrap_or(0).div_ceil(1 << 30);
            ImageDisk {
                image_id: img.image_id.clone(),
                path: img.path.clone(),
                format: img.format.clone(),
                size_gb: u32::try_from(f.disk)
                    .unwrap_or(0)
                    .max(u32::try_from(image_gb).unwrap_or(u32::MAX)),
            }
        });
        let disks: Vec<DiskSpec> = self.volume_disks(s).await?;
        let nics = s.ports.0.iter().map(super::interfaces::nic_of).collect();
        let mut public_keys = BTreeMap::new();
        if let (Some(n), Some(k)) = (&s.key_name, &s.key_data) {
            public_keys.insert(n.clone(), k.clone());
        }
        Ok(InstanceSpec {
            id: s.id.to_string(),
            name: s.name.clone(),
            project_id: s.project_id.clone(),
            flavor: f.name.clone(),
            vcpus: u32::try_from(f.vcpus).unwrap_or(1),
            memory_mb: u32::try_from(f.ram).unwrap_or(64),
            image_disk,
            disks,
            kernel,
            ramdisk,
            cmdline,
            nics,
            user_data: s.user_data.clone(),
            metadata: s.metadata.0.clone(),
            config_drive: s.config_drive,
            public_keys,
        })
    }

    pub(crate) async fn locate(&self, id: &str, project_id: &str) -> Result<ImageLocation, Error> {
        StorageService::of(&self.bus)
            .call(
                &RequestContext::system(),
                stratus_bus_protocol::storage::ImageLocate {
                    image_id: id.to_owned(),
                    caller: None,
                    project_id: Some(project_id.to_owned()),
                },
            )
            .await
            .map_err(Error::from)
    }

    /// Sends a cast to a compute host.
    pub(crate) async fn cast_host(
        &self,
        host: &str,
        m: impl Into<ComputeAgentRequest>,
    ) -> Result<(), Error> {
        ComputeAgent::on(&self.bus, host)
            .cast(&RequestContext::system(), m)
            .await
            .map(|_| ())
            .map_err(Error::from)
    }

    /// A build that did not make it: retried on another host while
    /// attempts remain (`retry`), else the server goes to ERROR with the
    /// fault, holding no host, claim or port.
    pub(crate) async fn build_failed(
        &self,
        id: Uuid,
        message: &str,
        retry: bool,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let Some(mut s) = ds::lock(&mut *tx, id).await? else {
            return Ok(());
        };
        if s.task_state.as_deref() == Some(DELETING) {
            drop(tx);
            return self.continue_delete(&s, Some(SPAWNING)).await;
        }
        if s.vm_state != BUILDING {
            return Ok(());
        }
        let failed_host = s.host.take();
        if let Some(h) = &failed_host {
            if s.claimed {
                crate::datastore::hosts::release(&mut *tx, h, resources(&s)).await?;
            }
            s.tried_hosts.0.push(h.clone());
        }
        s.claimed = false;
        let attempts_left = s.attempts < i32::try_from(self.config.build_max_attempts).unwrap_or(3);
        if retry && attempts_left && failed_host.is_some() {
            tracing::warn!(%id, host = ?failed_host, %message, "build failed; trying another host");
            s.task_state = Some(SCHEDULING.into());
            ds::save(&mut *tx, &s).await?;
            tx.commit().await?;
            self.clean_failed_host(id, failed_host.as_deref()).await;
            self.start_build(id, s.creator.0.clone(), None);
            return Ok(());
        }
        tracing::warn!(%id, %message, "build failed");
        let ports = std::mem::take(&mut s.ports.0);
        s.vm_state = ERROR.into();
        s.task_state = None;
        s.power_state = 0;
        s.fault = Some(Json(fault(message, 500)));
        ds::save(&mut *tx, &s).await?;
        ds::action_finish(
            &mut *tx,
            id,
            "compute__do_build_and_run_instance",
            failed_host.as_deref(),
            Some(message),
        )
        .await?;
        tx.commit().await?;
        self.clean_failed_host(id, failed_host.as_deref()).await;
        self.release_ports(id, &ports, false).await;
        self.release_volumes(&s, false).await;
        Ok(())
    }

    /// Whatever a host made of a failed build goes.
    pub(crate) async fn clean_failed_host(&self, id: Uuid, host: Option<&str>) {
        if let Some(h) = host
            && let Err(e) = self.cast_host(h, Destroy { id: id.to_string() }).await
        {
            tracing::warn!(%id, host = %h, error = %e, "cleanup of a failed build not sent");
        }
    }

    /// Gives a server's ports back to the network service (deleting those
    /// made for it); with `only`, just `ports`, else every port it has.
    pub(crate) async fn release_ports(&self, id: impl ToString, ports: &[ServerPort], only: bool) {
        let id = id.to_string();
        let release = net::PortsRelease {
            device_id: id.clone(),
            created: ports
                .iter()
                .filter(|p| p.created)
                .map(|p| p.port_id.clone())
                .collect(),
            only: only.then(|| ports.iter().map(|p| p.port_id.clone()).collect()),
        };
        if let Err(e) = NetworkService::of(&self.bus)
            .call(&RequestContext::system(), release)
            .await
        {
            tracing::warn!(%id, error = %e, "ports not released");
        }
    }

    /// After the delete was recorded: the host removes the instance (the
    /// result finishes the delete), or, with no host to ask, it finishes
    /// now. A build still running notices and finishes it itself.
    pub(crate) async fn continue_delete(&self, s: &Server, was: Option<&str>) -> Result<(), Error> {
        let building = matches!(was, Some(SCHEDULING | NETWORKING | BLOCK_DEVICE_MAPPING));
        if building && self.builds.lock().is_ok_and(|b| b.contains(&s.id)) {
            return Ok(());
        }
        match &s.host {
            Some(h) if self.host_up(h).await? => {
                self.cast_host(
                    h,
                    Destroy {
                        id: s.id.to_string(),
                    },
                )
                .await
            }
            _ => self.finish_delete(s.id).await,
        }
    }

    pub(crate) async fn host_up(&self, host: &str) -> Result<bool, Error> {
        Ok(crate::datastore::hosts::node_by_host(&self.pool, host)
            .await?
            .is_some_and(|n| self.node_up(&n)))
    }

    /// Gives back everything a deleted server held and removes it. The
    /// bus calls come first (they are idempotent), so no row lock is held
    /// while they wait.
    pub(crate) async fn finish_delete(&self, id: Uuid) -> Result<(), Error> {
        let Some(s) = ds::get(&self.pool, id).await? else {
            return Ok(());
        };
        if s.task_state.as_deref() != Some(DELETING) {
            return Ok(());
        }
        self.release_ports(id, &s.ports.0, false).await;
        self.release_volumes(&s, true).await;
        let mut tx = self.pool.begin().await?;
        let Some(s) = ds::lock(&mut *tx, id).await? else {
            return Ok(());
        };
        if s.task_state.as_deref() != Some(DELETING) {
            return Ok(());
        }
        if s.claimed
            && let Some(h) = &s.host
        {
            crate::datastore::hosts::release(&mut *tx, h, resources(&s)).await?;
        }
        ds::group_leave(&mut *tx, id).await?;
        ds::action_finish(
            &mut *tx,
            id,
            "compute_terminate_instance",
            s.host.as_deref(),
            None,
        )
        .await?;
        ds::remove(&mut *tx, id).await?;
        if s.launched_at.is_some() {
            stratus_outbox::put(&mut tx, &lifecycle_event(&s, Lifecycle::Deleted)).await?;
        }
        stratus_outbox::put(&mut tx, &changed_event(&s)).await?;
        tx.commit().await?;
        self.outbox.flush_soon();
        tracing::info!(%id, "server deleted");
        Ok(())
    }
}

/// The announcement of a server's new state, or of its end, for live views
/// (the web console): with the server's own project, so its project's
/// viewers hear of it whoever made the change. Through the outbox, with the
/// change itself.
pub(crate) fn changed_event(s: &Server) -> Notification {
    Notification::ResourceChanged(stratus_bus_protocol::ResourceChanged::state(
        "compute",
        "servers",
        &s.id.to_string(),
        &s.project_id,
    ))
}

/// Metering's event of a server beginning, changing size or ending (the
/// bounds of its billable time), stamped now.
pub(crate) fn lifecycle_event(s: &Server, event: Lifecycle) -> Notification {
    let f = &s.flavor.0;
    let mut attributes = BTreeMap::new();
    attributes.insert("flavor".to_owned(), f.name.clone());
    attributes.insert("vcpus".to_owned(), f.vcpus.to_string());
    attributes.insert("ram_mb".to_owned(), f.ram.to_string());
    attributes.insert("disk_gb".to_owned(), f.disk.to_string());
    attributes.insert("name".to_owned(), s.name.clone());
    Notification::UsageLifecycle(LifecycleEvent::now(
        "instance",
        &s.id.to_string(),
        &s.project_id,
        event,
        attributes,
    ))
}
