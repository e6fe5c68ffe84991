//! Volumes of servers, through the storage service's attach flow (reserve,
//! connect, attach; detach) with the server's user's rights: boot volumes
//! given at create (`block_device_mapping_v2`) and volumes attached later
//! (`os-volume_attachments`), hot-plugged by the host.

use std::collections::BTreeSet;
use stratus_bus_protocol::{ComputeAgent, StorageService};

use stratus_auth::TokenClaims;
use stratus_bus_protocol::compute::{AttachVolume, DetachVolume, DiskSpec};
use stratus_bus_protocol::storage::{self as sto, VolumeOpFor, VolumeState};
use stratus_common::{Error, RequestContext};
use uuid::Uuid;

use super::App;
use super::interfaces::plug_host;
use super::servers::BlockDeviceRequest;
use crate::datastore::servers::{self as ds, BlockDevice, Server};

fn volume_missing(id: &str) -> Error {
    Error::not_found(format!("Volume {id} could not be found."))
}

/// The next free `/dev/vdX` of a server (`vda` is the root disk, `vdz` the
/// config drive).
fn next_device(s: &Server) -> Option<String> {
    let used: BTreeSet<String> = s
        .block_devices
        .0
        .iter()
        .map(|b| b.device.trim_start_matches("/dev/").to_owned())
        .collect();
    ('b'..='y')
        .map(|c| format!("vd{c}"))
        .find(|d| !used.contains(d))
        .map(|d| format!("/dev/{d}"))
}

impl App {
    async fn volume_call(
        &self,
        caller: &TokenClaims,
        volume_id: &str,
        op: VolumeOpFor,
    ) -> Result<VolumeState, Error> {
        StorageService::of(&self.bus)
            .call(
                &RequestContext::system(),
                sto::VolumeUse {
                    caller: caller.clone(),
                    volume_id: volume_id.to_owned(),
                    op,
                },
            )
            .await
            .map_err(Error::from)
    }

    /// Checks the volumes a create names: the caller's, available, once.
    pub(crate) async fn volumes_check(
        &self,
        caller: &TokenClaims,
        bdms: &[BlockDeviceRequest],
    ) -> Result<(), Error> {
        let mut seen = BTreeSet::new();
        for b in bdms {
            if !seen.insert(b.volume_id.clone()) {
                return Err(Error::bad_request(format!(
                    "Block Device Mapping is Invalid: volume {} is given twice.",
                    b.volume_id
                )));
            }
            let v = self
                .volume_call(caller, &b.volume_id, VolumeOpFor::Check)
                .await
                .map_err(|e| match e.status().as_u16() {
                    404 => Error::bad_request(format!(
                        "Block Device Mapping is Invalid: failed to get volume {}.",
                        b.volume_id
                    )),
                    _ => e,
                })?;
            if v.status != "available" {
                return Err(Error::bad_request(format!(
                    "Invalid volume: volume {} status must be 'available', not '{}'",
                    b.volume_id, v.status
                )));
            }
        }
        Ok(())
    }

    /// Attaches the volumes of a server being built (boot volume as
    /// `vda`), recording each; those attached by an earlier attempt stay.
    pub(crate) async fn attach_boot_volumes(
        &self,
        mut s: Server,
        caller: &TokenClaims,
    ) -> Result<Server, Error> {
        let id = s.id.to_string();
        let mut order: Vec<usize> = (0..s.block_devices.0.len()).collect();
        order.sort_by_key(|i| s.block_devices.0[*i].boot_index.unwrap_or(i32::MAX));
        for i in order {
            if !s.block_devices.0[i].attachment_id.is_empty() {
                continue;
            }
            let volume_id = s.block_devices.0[i].volume_id.clone();
            let device = if s.block_devices.0[i].boot_index == Some(0) {
                "/dev/vda".to_owned()
            } else {
                next_device(&s).ok_or_else(|| Error::bad_request("No device name is free."))?
            };
            let now = self
                .volume_call(caller, &volume_id, VolumeOpFor::Check)
                .await?;
            if now.status != "attaching" {
                self.volume_call(caller, &volume_id, VolumeOpFor::Reserve)
                    .await?;
            }
            let connected = self
                .volume_call(caller, &volume_id, VolumeOpFor::Connect)
                .await?;
            let export = connected
                .export
                .ok_or_else(|| Error::conflict(format!("Volume {volume_id} has no export.")))?;
            let attached = self
                .volume_call(
                    caller,
                    &volume_id,
                    VolumeOpFor::Attach {
                        server: id.clone(),
                        device: device.clone(),
                    },
                )
                .await?;
            let bd = BlockDevice {
                volume_id: volume_id.clone(),
                device,
                boot_index: s.block_devices.0[i].boot_index,
                delete_on_termination: s.block_devices.0[i].delete_on_termination,
                attachment_id: attached.attachment_id.unwrap_or_default(),
                path: export.path,
                format: export.format,
                image_metadata: connected.image_metadata,
                detaching: false,
            };
            let mut tx = self.pool.begin().await?;
            let Some(mut row) = ds::lock(&mut *tx, s.id).await? else {
                drop(tx);
                self.release_volume(caller, &bd, false).await;
                return Err(super::servers::not_found(&id));
            };
            if let Some(slot) = row
                .block_devices
                .0
                .iter_mut()
                .find(|b| b.volume_id == volume_id)
            {
                *slot = bd;
            }
            ds::save(&mut *tx, &row).await?;
            tx.commit().await?;
            s = row;
        }
        Ok(s)
    }

    /// The volumes of a server as disks of its host, boot volume first.
    pub(crate) async fn volume_disks(&self, s: &Server) -> Result<Vec<DiskSpec>, Error> {
        let mut bds: Vec<&BlockDevice> = s
            .block_devices
            .0
            .iter()
            .filter(|b| !b.path.is_empty())
            .collect();
        bds.sort_by_key(|b| b.boot_index.unwrap_or(i32::MAX));
        Ok(bds.into_iter().map(disk_of).collect())
    }

    async fn release_volume(&self, caller: &TokenClaims, b: &BlockDevice, delete_marked: bool) {
        let detach = if b.attachment_id.is_empty() {
            VolumeOpFor::Unreserve
        } else {
            VolumeOpFor::Detach {
                attachment_id: Some(b.attachment_id.clone()),
            }
        };
        if let Err(e) = self.volume_call(caller, &b.volume_id, detach).await {
            tracing::debug!(volume = %b.volume_id, error = %e, "volume not released");
            return;
        }
        if delete_marked
            && b.delete_on_termination
            && let Err(e) = self
                .volume_call(caller, &b.volume_id, VolumeOpFor::Delete)
                .await
        {
            tracing::warn!(volume = %b.volume_id, error = %e, "volume not deleted");
        }
    }

    /// Detaches a server's volumes; with `delete_marked` (the server is
    /// deleted) those marked delete-on-termination are deleted.
    pub(crate) async fn release_volumes(&self, s: &Server, delete_marked: bool) {
        for b in &s.block_devices.0 {
            self.release_volume(&s.creator.0, b, delete_marked).await;
        }
    }

    /// The server's attached volumes.
    pub async fn server_volumes(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<(Server, Vec<BlockDevice>), Error> {
        let s = self.server_get(caller, id).await?;
        let bds = s
            .block_devices
            .0
            .iter()
            .filter(|b| !b.attachment_id.is_empty())
            .cloned()
            .collect();
        Ok((s, bds))
    }

    /// Attaches a volume to a running or stopped server: the host plugs it
    /// in, then the storage service records it in use.
    pub async fn server_volume_attach(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        volume_id: &str,
    ) -> Result<(Server, BlockDevice), Error> {
        let s = self.server_get(caller, id).await?;
        super::policy::member(caller)?;
        let host = plug_host(&s, id, "attach_volume")?;
        if s.block_devices.0.iter().any(|b| b.volume_id == volume_id) {
            return Err(Error::bad_request(format!(
                "Invalid volume: volume {volume_id} is already attached to {id}"
            )));
        }
        let device =
            next_device(&s).ok_or_else(|| Error::bad_request("No device name is free."))?;
        self.volume_call(caller, volume_id, VolumeOpFor::Reserve)
            .await
            .map_err(|e| match e.status().as_u16() {
                404 => volume_missing(volume_id),
                _ => e,
            })?;
        let done = async {
            let connected = self
                .volume_call(caller, volume_id, VolumeOpFor::Connect)
                .await?;
            let export = connected
                .export
                .ok_or_else(|| Error::conflict(format!("Volume {volume_id} has no export.")))?;
            let mut bd = BlockDevice {
                volume_id: volume_id.to_owned(),
                device: device.clone(),
                boot_index: None,
                delete_on_termination: false,
                attachment_id: String::new(),
                path: export.path,
                format: export.format,
                image_metadata: connected.image_metadata,
                detaching: false,
            };
            ComputeAgent::on(&self.bus, &host)
                .call(
                    &RequestContext::system(),
                    AttachVolume {
                        id: id.to_owned(),
                        disk: disk_of(&bd),
                    },
                )
                .await
                .map_err(Error::from)?;
            let attached = self
                .volume_call(
                    caller,
                    volume_id,
                    VolumeOpFor::Attach {
                        server: id.to_owned(),
                        device: device.clone(),
                    },
                )
                .await?;
            bd.attachment_id = attached.attachment_id.unwrap_or_default();
            Ok::<_, Error>(bd)
        }
        .await;
        let bd = match done {
            Ok(bd) => bd,
            Err(e) => {
                let _ = self
                    .volume_call(caller, volume_id, VolumeOpFor::Unreserve)
                    .await;
                return Err(e);
            }
        };
        let mut tx = self.pool.begin().await?;
        let Some(mut row) = ds::lock(&mut *tx, s.id).await? else {
            return Err(super::servers::not_found(id));
        };
        row.block_devices.0.push(bd.clone());
        ds::save(&mut *tx, &row).await?;
        ds::action_start(
            &mut *tx,
            &row,
            "attach_volume",
            ctx.request_id.as_str(),
            &caller.sub,
        )
        .await?;
        ds::action_finish(&mut *tx, row.id, "compute_attach_volume", Some(&host), None).await?;
        tx.commit().await?;
        Ok((row, bd))
    }

    /// Asks for a volume's detach, as Nova does: the volume goes
    /// `detaching` and the answer comes at once; the host unplugs it in the
    /// background (the guest may take its time, and ignore a request that
    /// comes too soon after a plug: the agent asks again), then the volume
    /// is given back. A failed unplug puts it back `in-use` and records the
    /// error in the server's action log.
    pub async fn server_volume_detach(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        volume_id: &str,
    ) -> Result<(), Error> {
        let s = self.server_get(caller, id).await?;
        super::policy::member(caller)?;
        let Some(bd) = s
            .block_devices
            .0
            .iter()
            .find(|b| b.volume_id == volume_id && !b.attachment_id.is_empty())
            .cloned()
        else {
            return Err(Error::not_found(format!(
                "volume_id not found: {volume_id}"
            )));
        };
        if bd.boot_index == Some(0) {
            return Err(Error::bad_request("Can't detach root device volume"));
        }
        if bd.detaching {
            return Err(Error::bad_request(format!(
                "Invalid volume: volume {volume_id} is detaching already."
            )));
        }
        plug_host(&s, id, "detach_volume")?;
        self.volume_call(caller, volume_id, VolumeOpFor::BeginDetaching)
            .await?;
        let marked = async {
            let mut tx = self.pool.begin().await?;
            let Some(mut row) = ds::lock(&mut *tx, s.id).await? else {
                return Err(super::servers::not_found(id));
            };
            let Some(b) = row
                .block_devices
                .0
                .iter_mut()
                .find(|b| b.volume_id == volume_id && !b.detaching)
            else {
                return Err(Error::conflict(format!(
                    "Volume {volume_id} changed on server {id} meanwhile."
                )));
            };
            b.detaching = true;
            ds::save(&mut *tx, &row).await?;
            ds::action_start(
                &mut *tx,
                &row,
                "detach_volume",
                ctx.request_id.as_str(),
                &caller.sub,
            )
            .await?;
            stratus_outbox::put(&mut tx, &super::build::changed_event(&row)).await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await;
        if let Err(e) = marked {
            let _ = self
                .volume_call(caller, volume_id, VolumeOpFor::RollDetaching)
                .await;
            return Err(e);
        }
        self.outbox.flush_soon();
        self.start_detach(s.id, volume_id.to_owned());
        Ok(())
    }

    /// Finishes a detach in the background (once per process).
    pub(crate) fn start_detach(&self, server: Uuid, volume_id: String) {
        let Ok(mut running) = self.detaches.lock() else {
            return;
        };
        if !running.insert((server, volume_id.clone())) {
            return;
        }
        drop(running);
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app.finish_detach(server, &volume_id).await {
                tracing::warn!(%server, volume = %volume_id, error = %e,
                    "volume detach not finished; the sweeper goes on with it");
            }
            if let Ok(mut r) = app.detaches.lock() {
                r.remove(&(server, volume_id));
            }
        });
    }

    /// The host unplugs the volume; then it is given back and leaves the
    /// server, or (the unplug failed) goes back in use.
    async fn finish_detach(&self, server: Uuid, volume_id: &str) -> Result<(), Error> {
        let Some(s) = ds::get(&self.pool, server).await? else {
            return Ok(());
        };
        let Some(bd) = s
            .block_devices
            .0
            .iter()
            .find(|b| b.volume_id == volume_id && b.detaching)
            .cloned()
        else {
            return Ok(());
        };
        let caller = s.creator.0.clone();
        let unplugged = match s.host.as_deref() {
            Some(host) => ComputeAgent::on(&self.bus, host)
                .call_with_timeout(
                    &RequestContext::system(),
                    DetachVolume {
                        id: server.to_string(),
                        disk: disk_of(&bd),
                    },
                    DETACH_TIMEOUT,
                )
                .await
                .map(|_| ())
                .map_err(Error::from),
            // Never placed: nothing to unplug.
            None => Ok(()),
        };
        let error = match unplugged {
            Ok(()) => {
                let given_back = self
                    .volume_call(
                        &caller,
                        volume_id,
                        VolumeOpFor::Detach {
                            attachment_id: Some(bd.attachment_id.clone()),
                        },
                    )
                    .await;
                match given_back {
                    // Gone already (the volume was reset or given back).
                    Err(e) if e.status().as_u16() != 404 => return Err(e),
                    _ => None,
                }
            }
            Err(e) if e.status().is_server_error() && e.status().as_u16() != 500 => {
                // The host did not answer: try again later.
                ds::touch(&self.pool, server).await?;
                return Err(e);
            }
            Err(e) => {
                tracing::warn!(%server, volume = %volume_id, error = %e, "volume unplug failed");
                let _ = self
                    .volume_call(&caller, volume_id, VolumeOpFor::RollDetaching)
                    .await;
                Some(e.message)
            }
        };
        let mut tx = self.pool.begin().await?;
        if let Some(mut row) = ds::lock(&mut *tx, server).await? {
            match error {
                None => row.block_devices.0.retain(|b| b.volume_id != volume_id),
                Some(_) => row
                    .block_devices
                    .0
                    .iter_mut()
                    .filter(|b| b.volume_id == volume_id)
                    .for_each(|b| b.detaching = false),
            }
            ds::save(&mut *tx, &row).await?;
            ds::action_finish(
                &mut *tx,
                row.id,
                "compute_detach_volume",
                row.host.as_deref(),
                error.as_deref(),
            )
            .await?;
            stratus_outbox::put(&mut tx, &super::build::changed_event(&row)).await?;
        }
        tx.commit().await?;
        self.outbox.flush_soon();
        Ok(())
    }

    /// Detaches asked for long enough ago that nobody seems to drive them
    /// (this process restarted, or another replica went away): again.
    pub(crate) async fn sweep_detaches(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), Error> {
        for s in ds::stale_detaches(&self.pool, before).await? {
            for b in s.block_devices.0.iter().filter(|b| b.detaching) {
                self.start_detach(s.id, b.volume_id.clone());
            }
        }
        Ok(())
    }
}

/// How long a host may take to unplug a volume (it asks the guest again
/// while it waits).
const DETACH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

fn disk_of(b: &BlockDevice) -> DiskSpec {
    DiskSpec {
        device: b.device.trim_start_matches("/dev/").to_owned(),
        path: b.path.clone(),
        format: b.format.clone(),
        volume_id: Some(b.volume_id.clone()),
    }
}
