//! `stratus-storage-agent`: one per storage host, consuming `storage.<host>`.
//! It keeps image files under its storage directory (written and read in
//! chunks the storage service sends and asks for, checked with qemu-img on
//! commit) and reports the directory's capacity with every heartbeat.
//!
//! Volume and snapshot work arrives as casts and is answered with a
//! `storage.volume.result` event.
//!
//! Layout: `store` (the files), `volumes` (volume and snapshot work),
//! `backend` (the disk tool they use, behind a trait: qemu-img, or a fake
//! in unit tests), `qemu_img` (the tool), `inspect` (formats from bytes).

pub mod backend;
pub mod inspect;
pub mod qemu_img;
pub mod store;
pub mod volumes;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use store::Store;
use stratus_agent::AgentDeps;
use stratus_bus::{Call, Incoming, ServerHandle};
use stratus_bus_protocol::StorageAgent;
use stratus_bus_protocol::storage::{
    Done, ImageFromVolume, StorageCapacity, VolumeEvent, VolumeOp, Written,
};
use stratus_bus_protocol::{Notification, StorageAgentRequest};
use stratus_common::RequestContext;

/// The `[storage]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// Where image and volume files live.
    pub root: PathBuf,
    /// The capacity to report instead of the file system's: less on a disk
    /// shared with other uses, or more to oversubscribe (qcow2 files are
    /// thin). Free is this less what the directory holds.
    pub capacity_bytes: Option<u64>,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            root: PathBuf::from("/var/lib/stratus/storage"),
            capacity_bytes: None,
        }
    }
}

/// The storage agent's own settings.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StorageAgentConfig {
    #[serde(default)]
    pub storage: StorageSettings,
}

/// Opens the storage directory, registers the consumer of `storage.<host>`
/// and starts the capacity reports.
pub async fn start(deps: AgentDeps<StorageAgentConfig>) -> anyhow::Result<Vec<ServerHandle>> {
    let store = Store::open(&deps.config.extra.storage.root)?;
    tracing::info!(root = %store.root().display(), "storage directory");
    let pong = deps.pong();
    let handler_store = store.clone();
    let host = deps.config.agent.host.clone();
    let volumes = volumes::Volumes::new(store.clone(), deps.bus.clone(), host.clone());
    let bus = deps.bus.clone();
    let server = StorageAgent::on(&deps.bus, &deps.config.agent.host).serve(
        move |incoming: Incoming<StorageAgentRequest>| {
            let pong = pong.clone();
            let store = handler_store.clone();
            let volumes = volumes.clone();
            let bus = bus.clone();
            let host = host.clone();
            async move {
                // Volume work: do it, then say how it went.
                let done = |op: VolumeOp, id: String, result: Result<Option<u32>, stratus_common::Error>| {
                    let bus = bus.clone();
                    let host = host.clone();
                    async move {
                        if let Err(e) = &result {
                            tracing::error!(?op, %id, error = %e, "storage operation failed");
                        } else {
                            tracing::info!(?op, %id, "storage operation done");
                        }
                        let event = VolumeEvent {
                            op,
                            id,
                            host,
                            size_gb: result.as_ref().ok().copied().flatten(),
                            error: result.err().map(|e| e.message),
                        };
                        bus.notify::<Notification>(&RequestContext::system(), Notification::VolumeResult(event))
                            .await?;
                        Ok(serde_json::Value::Null)
                    }
                };
                match incoming.message {
                    StorageAgentRequest::Ping(ping) => ping.reply(pong),
                    StorageAgentRequest::ImageWrite(w) => {
                        let size = store.write(&w.image_id, w.offset, &w.data.0).await?;
                        w.reply(Written { size })
                    }
                    StorageAgentRequest::ImageCommit(c) => {
                        let stored = store
                            .commit(&c.image_id, c.size, c.disk_format.as_deref())
                            .await?;
                        tracing::info!(image = %c.image_id, size = stored.size, format = %stored.format, "image stored");
                        c.reply(stored)
                    }
                    StorageAgentRequest::ImageRead(r) => {
                        let data = store.read(&r.image_id, r.offset, r.len).await?;
                        r.reply(data)
                    }
                    StorageAgentRequest::ImageDelete(d) => {
                        store.delete(&d.image_id).await?;
                        d.reply(Done {})
                    }
                    StorageAgentRequest::ImageExport(x) => {
                        let export = store.export(&x.image_id, x.disk_format.as_deref()).await?;
                        x.reply(export)
                    }
                    StorageAgentRequest::VolumeExport(x) => {
                        let export = volumes.export(&x.volume_id).await?;
                        x.reply(export)
                    }
                    StorageAgentRequest::VolumeCreate(c) => {
                        let r = volumes.create(&c.volume_id, c.size_gb, &c.source).await;
                        done(VolumeOp::VolumeCreated, c.volume_id, r.map(Some)).await
                    }
                    StorageAgentRequest::VolumeExtend(x) => {
                        let r = volumes.extend(&x.volume_id, x.size_gb).await;
                        done(VolumeOp::VolumeExtended, x.volume_id, r.map(Some)).await
                    }
                    StorageAgentRequest::VolumeDelete(d) => {
                        let r = volumes.delete(&d.volume_id).await;
                        done(VolumeOp::VolumeDeleted, d.volume_id, r.map(|()| None)).await
                    }
                    StorageAgentRequest::SnapshotCreate(c) => {
                        let r = volumes.snapshot(&c.snapshot_id, &c.volume_id).await;
                        done(VolumeOp::SnapshotCreated, c.snapshot_id, r.map(Some)).await
                    }
                    StorageAgentRequest::VolumeToImage(u) => {
                        let r = volumes.to_image(&u.volume_id, &u.image_id, &u.disk_format).await;
                        if let Err(e) = &r {
                            tracing::error!(volume = %u.volume_id, image = %u.image_id, error = %e, "volume to image failed");
                        }
                        let event = ImageFromVolume {
                            volume_id: u.volume_id,
                            image_id: u.image_id,
                            host: host.clone(),
                            size: r.as_ref().ok().map(|x| x.0),
                            virtual_size: r.as_ref().ok().map(|x| x.1),
                            checksum: r.as_ref().ok().map(|x| x.2.clone()),
                            sha512: r.as_ref().ok().map(|x| x.3.clone()),
                            error: r.err().map(|e| e.message),
                        };
                        bus.notify::<Notification>(&RequestContext::system(), Notification::ImageFromVolume(event))
                            .await?;
                        Ok(serde_json::Value::Null)
                    }
                    StorageAgentRequest::SnapshotDelete(d) => {
                        let r = volumes.snapshot_delete(&d.snapshot_id).await;
                        done(VolumeOp::SnapshotDeleted, d.snapshot_id, r.map(|()| None)).await
                    }
                }
            }
        });
    deps.tasks.spawn(report_capacity(
        deps.bus.clone(),
        store,
        deps.config.extra.storage.capacity_bytes,
        deps.config.agent.host.clone(),
        Duration::from_secs(u64::from(deps.config.agent.heartbeat_interval_s.max(1))),
        deps.shutdown.clone(),
    ));
    Ok(vec![server])
}

/// Publishes `storage.capacity` now and then every `interval` until shutdown.
async fn report_capacity(
    bus: stratus_bus::Bus,
    store: Store,
    limit: Option<u64>,
    host: String,
    interval: Duration,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let ctx = RequestContext::system();
    loop {
        match store.capacity(limit) {
            Ok((total_bytes, free_bytes)) => {
                let report = StorageCapacity {
                    host: host.clone(),
                    total_bytes,
                    free_bytes,
                };
                if let Err(e) = bus
                    .notify::<Notification>(&ctx, Notification::StorageCapacity(report))
                    .await
                {
                    tracing::warn!(error = %e, "capacity report not sent");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the storage directory's capacity"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
