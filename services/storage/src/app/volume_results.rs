//! What the storage agents report back (`storage.volume.result`, a volume's image written) and the sweeper that ends operations whose agent died.

use super::App;
use crate::datastore::volumes::{self as ds};
use stratus_bus::Incoming;
use stratus_bus_protocol::storage::{
    ImageFromVolume, SnapshotDelete, VolumeDelete, VolumeEvent, VolumeOp,
};
use stratus_bus_protocol::usage::Lifecycle;
use stratus_bus_protocol::{Notification, StorageAgentRequest};
use stratus_common::Error;

impl App {
    pub(crate) async fn apply_image_from_volume(&self, e: &ImageFromVolume) -> Result<(), Error> {
        let image = match (&e.error, e.size, &e.checksum, &e.sha512) {
            (None, Some(size), Some(checksum), Some(sha512)) => {
                let stored = crate::datastore::images::Stored {
                    host: &e.host,
                    size: i64::try_from(size).unwrap_or(i64::MAX),
                    virtual_size: e.virtual_size.and_then(|v| i64::try_from(v).ok()),
                    checksum,
                    os_hash_value: sha512,
                };
                self.activate_image(&e.image_id, &stored).await?
            }
            _ => {
                tracing::warn!(volume = %e.volume_id, image = %e.image_id, error = ?e.error, "volume upload failed");
                crate::datastore::images::transition(
                    &self.pool,
                    &e.image_id,
                    &["saving"],
                    "killed",
                )
                .await?;
                None
            }
        };
        if image.is_none() && e.error.is_none() {
            // The image was deleted meanwhile: its new file goes too.
            self.cast(
                &e.host,
                stratus_bus_protocol::storage::ImageDelete {
                    image_id: e.image_id.clone(),
                },
            )
            .await?;
        }
        ds::volume_finish(
            &self.pool,
            &e.volume_id,
            "uploading",
            "available",
            None,
            e.error.as_deref(),
        )
        .await?;
        Ok(())
    }

    /// Applies the storage hosts' `storage.volume.result` events (one queue
    /// shared by the service's replicas).
    pub fn follow_volume_results(&self) -> stratus_bus::ServerHandle {
        let app = self.clone();
        self.bus.subscribe(
            "storage-service.volume-results",
            &["storage.volume.result", "storage.image.uploaded"],
            move |inc: Incoming<Notification>| {
                let app = app.clone();
                async move {
                    match inc.message {
                        Notification::VolumeResult(event) => app.apply_result(&event).await?,
                        Notification::ImageFromVolume(event) => {
                            app.apply_image_from_volume(&event).await?
                        }
                        _ => {}
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    }

    pub async fn apply_result(&self, e: &VolumeEvent) -> Result<(), Error> {
        let error = e.error.as_deref();
        let size = e.size_gb.and_then(|s| i32::try_from(s).ok());
        // The change and metering's event of it commit together.
        let mut tx = self.pool.begin().await?;
        // Whose it is, read before a delete removes it (for metering).
        let owner = match e.op {
            VolumeOp::VolumeCreated | VolumeOp::VolumeExtended | VolumeOp::VolumeDeleted => {
                ds::volume_get(&mut *tx, &e.id)
                    .await?
                    .map(|v| (v.project_id, v.size))
            }
            VolumeOp::SnapshotCreated | VolumeOp::SnapshotDeleted => {
                ds::snapshot_get(&mut *tx, &e.id)
                    .await?
                    .map(|s| (s.project_id, s.size))
            }
        };
        let mut n = match (e.op, error) {
            (VolumeOp::VolumeCreated, None) => {
                ds::volume_finish(&mut *tx, &e.id, "creating", "available", None, None).await
            }
            (VolumeOp::VolumeCreated, Some(_)) => {
                ds::volume_finish(&mut *tx, &e.id, "creating", "error", None, error).await
            }
            (VolumeOp::VolumeExtended, None) => {
                ds::volume_finish(&mut *tx, &e.id, "extending", "available", size, None).await
            }
            (VolumeOp::VolumeExtended, Some(_)) => {
                ds::volume_finish(&mut *tx, &e.id, "extending", "error_extending", None, error)
                    .await
            }
            (VolumeOp::VolumeDeleted, None) => ds::volume_delete(&mut *tx, &e.id).await,
            (VolumeOp::VolumeDeleted, Some(_)) => {
                ds::volume_finish(&mut *tx, &e.id, "deleting", "error_deleting", None, error).await
            }
            (VolumeOp::SnapshotCreated, None) => {
                ds::snapshot_finish(&mut *tx, &e.id, "creating", "available", None).await
            }
            (VolumeOp::SnapshotCreated, Some(_)) => {
                ds::snapshot_finish(&mut *tx, &e.id, "creating", "error", error).await
            }
            (VolumeOp::SnapshotDeleted, None) => ds::snapshot_delete(&mut *tx, &e.id).await,
            (VolumeOp::SnapshotDeleted, Some(_)) => {
                ds::snapshot_finish(&mut *tx, &e.id, "deleting", "error_deleting", error).await
            }
        }?;
        let mut late = false;
        if n == 0 && error.is_none() {
            tx.commit().await?;
            n = self.apply_late_success(e, size).await?;
            // Its event follows the late change in a transaction of its own.
            tx = self.pool.begin().await?;
            late = true;
        }
        // Live views (the console) hear of the new state, in the project's
        // name, with the change itself.
        if let Some((project, _)) = owner.as_ref().filter(|_| n > 0) {
            let kind = match e.op {
                VolumeOp::SnapshotCreated | VolumeOp::SnapshotDeleted => "snapshots",
                _ => "volumes",
            };
            let changed =
                stratus_bus_protocol::ResourceChanged::state("volume", kind, &e.id, project);
            stratus_outbox::put(&mut tx, &Notification::ResourceChanged(changed)).await?;
        }
        if let (Some((project, size_before)), None, true) = (owner, error, n > 0) {
            let (kind, event) = match e.op {
                VolumeOp::VolumeCreated => ("volume", Lifecycle::Created),
                VolumeOp::VolumeExtended => ("volume", Lifecycle::Resized),
                VolumeOp::VolumeDeleted => ("volume", Lifecycle::Deleted),
                VolumeOp::SnapshotCreated => ("snapshot", Lifecycle::Created),
                VolumeOp::SnapshotDeleted => ("snapshot", Lifecycle::Deleted),
            };
            let size =
                (event != Lifecycle::Deleted).then(|| i64::from(size.unwrap_or(size_before)));
            let ev = super::usage::held_event(kind, &e.id, &project, event, size);
            stratus_outbox::put(&mut tx, &ev).await?;
        }
        tx.commit().await?;
        if n > 0 || late {
            self.outbox.flush_soon();
        }
        Ok(())
    }

    /// A success for something no longer waiting for it (the sweeper gave
    /// up, or it was deleted meanwhile): what the host did stands, and data
    /// nobody owns is removed.
    pub(crate) async fn apply_late_success(
        &self,
        e: &VolumeEvent,
        size: Option<i32>,
    ) -> Result<u64, Error> {
        let pool = &self.pool;
        let (n, orphan) = match e.op {
            VolumeOp::VolumeCreated => {
                let n = ds::volume_finish(pool, &e.id, "error", "available", None, None).await?;
                let gone = ds::volume_get(pool, &e.id).await?.is_none();
                (
                    n,
                    gone.then(|| {
                        StorageAgentRequest::from(VolumeDelete {
                            volume_id: e.id.clone(),
                        })
                    }),
                )
            }
            VolumeOp::VolumeExtended => (
                ds::volume_finish(pool, &e.id, "error_extending", "available", size, None).await?,
                None,
            ),
            VolumeOp::VolumeDeleted => (ds::volume_delete_after_error(pool, &e.id).await?, None),
            VolumeOp::SnapshotCreated => {
                let n = ds::snapshot_finish(pool, &e.id, "error", "available", None).await?;
                let gone = ds::snapshot_get(pool, &e.id).await?.is_none();
                (
                    n,
                    gone.then(|| {
                        StorageAgentRequest::from(SnapshotDelete {
                            snapshot_id: e.id.clone(),
                        })
                    }),
                )
            }
            VolumeOp::SnapshotDeleted => {
                (ds::snapshot_delete_after_error(pool, &e.id).await?, None)
            }
        };
        if let Some(cleanup) = orphan {
            tracing::warn!(op = ?e.op, id = %e.id, "late result for something deleted; removing its data");
            self.cast(&e.host, cleanup).await?;
            return Ok(0);
        } else if n == 0 {
            tracing::info!(op = ?e.op, id = %e.id, "result for something no longer waiting for it; ignored");
        }
        Ok(n)
    }

    /// Ends volume and snapshot operations stuck past the timeout.
    pub async fn sweep_stuck_operations(&self) -> Result<(), Error> {
        let mut conn = self.pool.acquire().await?;
        let n = ds::sweep_stuck(&mut conn, f64::from(self.config.operation_timeout_s)).await?;
        if n > 0 {
            tracing::warn!(
                count = n,
                "storage operations that never finished are now in error"
            );
        }
        Ok(())
    }
}
