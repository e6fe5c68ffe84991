//! The storage service's logic, between the thin HTTP handlers and the
//! datastore: images (metadata, data streamed to and from storage agents,
//! members), volumes and snapshots (casts to storage agents, results back as
//! events, quotas), the storage hosts' capacity, and the sweeper that
//! unsticks uploads and operations whose process died.

pub mod attachments;
pub mod image_data;
pub mod image_members;
pub mod images;
pub mod policy;
pub mod snapshots;
pub mod usage;
pub mod volume_quotas;
pub mod volume_results;
pub mod volumes;

use serde::{Deserialize, Serialize};
use std::time::Duration;
use stratus_bus::{Bus, Incoming, ServerHandle};
use stratus_bus_protocol::Notification;
use stratus_db::PgPool;
use tokio_util::sync::CancellationToken;

/// The `[storage]` section of the service's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Largest image, in bytes (Glance's `image_size_cap`).
    pub image_size_cap: u64,
    /// Storage hosts whose last capacity report is older than this are not
    /// given new data, in seconds.
    pub host_fresh_s: u32,
    /// An upload that has not moved for this long (its service died) is
    /// put back to `queued` by the sweeper, in seconds.
    pub upload_stale_s: u32,
    /// A volume or snapshot operation its storage host has not finished in
    /// this long ends in an error status, in seconds.
    pub operation_timeout_s: u32,
    /// How often every volume, snapshot and image held is sampled for
    /// metering, in seconds.
    pub sample_interval_s: u32,
    /// Per-project limits when no override is set.
    pub quotas: volumes::QuotaDefaults,
    /// Images a project may own (Glance's `image_count_total`; -1: no limit).
    pub image_count_per_project: i64,
    /// Bytes of image data a project may store (`image_size_total`; -1: no limit).
    pub image_bytes_per_project: i64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            image_size_cap: 1 << 40,
            host_fresh_s: 60,
            upload_stale_s: 600,
            operation_timeout_s: 600,
            sample_interval_s: 60,
            quotas: volumes::QuotaDefaults::default(),
            image_count_per_project: 100,
            image_bytes_per_project: 1 << 40,
        }
    }
}

/// How the service configuration nests it: `[storage]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageSection {
    pub storage: StorageConfig,
}

/// Everything the handlers need.
#[derive(Clone)]
pub struct App {
    pub pool: PgPool,
    pub bus: Bus,
    pub config: StorageConfig,
    /// Metering's lifecycle events, written with the changes they report.
    pub outbox: stratus_outbox::Outbox,
}

impl App {
    pub fn new(pool: PgPool, bus: Bus, config: StorageConfig) -> Self {
        Self {
            outbox: stratus_outbox::Outbox::new(pool.clone(), bus.clone()),
            pool,
            bus,
            config,
        }
    }

    /// Answers other services on `storage-service` (any replica may).
    pub fn serve_services(&self) -> ServerHandle {
        let app = self.clone();
        stratus_bus_protocol::StorageService::of(&self.bus).serve(
            move |inc: Incoming<stratus_bus_protocol::storage::StorageServiceRequest>| {
                let app = app.clone();
                async move {
                    use stratus_bus::Call;
                    match inc.message {
                        stratus_bus_protocol::storage::StorageServiceRequest::ImageLocate(l) => {
                            let location = app
                                .image_locate(
                                    &l.image_id,
                                    l.caller.as_ref(),
                                    l.project_id.as_deref(),
                                )
                                .await?;
                            l.reply(location)
                        }
                        stratus_bus_protocol::storage::StorageServiceRequest::Volume(u) => {
                            let state = app.volume_use(&u).await?;
                            u.reply(state)
                        }
                        stratus_bus_protocol::storage::StorageServiceRequest::ImageCreate(c) => {
                            let made = app.image_create_for(&c).await?;
                            c.reply(made)
                        }
                        stratus_bus_protocol::storage::StorageServiceRequest::ImageUploadFrom(
                            u,
                        ) => {
                            let made = app.image_upload_from(&u).await?;
                            u.reply(made)
                        }
                    }
                }
            },
        )
    }

    /// Records the storage hosts' capacity reports (one queue shared by the
    /// service's replicas).
    pub fn follow_capacity(&self) -> ServerHandle {
        let pool = self.pool.clone();
        self.bus.subscribe(
            "storage-service.capacity",
            &["storage.capacity"],
            move |inc: Incoming<Notification>| {
                let pool = pool.clone();
                async move {
                    if let Notification::StorageCapacity(c) = inc.message {
                        crate::datastore::host_report(
                            &pool,
                            &c.host,
                            i64::try_from(c.total_bytes).unwrap_or(i64::MAX),
                            i64::try_from(c.free_bytes).unwrap_or(i64::MAX),
                        )
                        .await?;
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    }

    /// Every minute until `shutdown`: puts stale uploads back to `queued`
    /// and ends volume operations whose storage host never answered.
    pub fn start_sweeper(&self, shutdown: CancellationToken) {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = app.sweep_stale_uploads().await {
                    tracing::warn!(error = %e, "sweeping stale uploads failed");
                }
                if let Err(e) = app.sweep_stuck_operations().await {
                    tracing::warn!(error = %e, "sweeping stuck volume operations failed");
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(60)) => {}
                }
            }
        });
    }
}
