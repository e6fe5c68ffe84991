//! What the storage service tells metering: lifecycle events of volumes,
//! snapshots and images (created when they hold data, resized when a volume
//! grows, deleted; through the outbox, in the transaction of the change),
//! and every `sample_interval_s` a gauge sample of each one held (GiB of a volume or snapshot, bytes of an image). The service,
//! not the storage agent, samples them: the records say whose they are and
//! how big, the agent's files do not.

use std::collections::BTreeMap;
use std::time::Duration;

use stratus_bus_protocol::Notification;
use stratus_bus_protocol::usage::{self, Lifecycle, LifecycleEvent};
use stratus_common::Error;
use tokio_util::sync::CancellationToken;

use super::App;

/// The metric and unit a held resource is sampled as.
fn metric_of(kind: &str) -> (&'static str, &'static str, &'static str) {
    match kind {
        "volume" => ("volume.size", "GiB", "size_gb"),
        "snapshot" => ("snapshot.size", "GiB", "size_gb"),
        _ => ("image.size", "B", "size_bytes"),
    }
}

impl App {
    /// Activates a `saving` image with its data; metering hears of it in
    /// the same transaction. `None` if it is not saving any more.
    pub(crate) async fn activate_image(
        &self,
        id: &str,
        stored: &crate::datastore::images::Stored<'_>,
    ) -> Result<Option<crate::datastore::images::Image>, Error> {
        let mut tx = self.pool.begin().await?;
        let image = crate::datastore::images::activate(&mut *tx, id, stored).await?;
        if let Some(i) = &image {
            let ev = held_event("image", &i.id, &i.owner, Lifecycle::Created, i.size);
            stratus_outbox::put(&mut tx, &ev).await?;
        }
        tx.commit().await?;
        self.outbox.flush_soon();
        Ok(image)
    }

    /// Deletes an image's record; metering hears the end of one that held
    /// data in the same transaction.
    pub(crate) async fn delete_image(
        &self,
        id: &str,
    ) -> Result<Option<crate::datastore::images::Image>, Error> {
        let mut tx = self.pool.begin().await?;
        let deleted = crate::datastore::images::delete(&mut *tx, id).await?;
        if let Some(i) = deleted.as_ref().filter(|i| i.size.is_some()) {
            let ev = held_event("image", &i.id, &i.owner, Lifecycle::Deleted, None);
            stratus_outbox::put(&mut tx, &ev).await?;
        }
        tx.commit().await?;
        self.outbox.flush_soon();
        Ok(deleted)
    }

    /// Publishes one gauge sample of everything held, stamped with the
    /// start of the interval (replicas sampling together send the same
    /// samples, stored once). How many.
    pub async fn sample_held(&self, every: Duration) -> Result<usize, Error> {
        let at = usage::interval_start(chrono::Utc::now(), every);
        let held = crate::datastore::held(&self.pool).await?;
        let samples: Vec<_> = held
            .iter()
            .map(|h| {
                let (metric, unit, _) = metric_of(&h.kind);
                usage::held(&h.kind, &h.id, &h.project_id, metric, unit, h.value, at)
            })
            .collect();
        usage::publish_samples(&self.bus, "storage-service", &samples)
            .await
            .map_err(|e| Error::unavailable(e.to_string()))?;
        Ok(samples.len())
    }

    /// Samples what is held every `sample_interval_s` until `shutdown`.
    pub fn start_sampler(&self, shutdown: CancellationToken) {
        let app = self.clone();
        let every = Duration::from_secs(self.config.sample_interval_s.max(1).into());
        stratus_common::shutdown::every(
            every,
            shutdown,
            "sampling volumes, snapshots and images",
            move || {
                let app = app.clone();
                async move { app.sample_held(every).await.map(|_| ()) }
            },
        );
    }
}

/// Metering's event of a volume, snapshot or image beginning to hold
/// `size` (GiB, or bytes for an image), changing size or ending, stamped
/// now.
pub(crate) fn held_event(
    kind: &str,
    id: &str,
    project_id: &str,
    event: Lifecycle,
    size: Option<i64>,
) -> Notification {
    let mut attributes = BTreeMap::new();
    if let Some(size) = size {
        attributes.insert(metric_of(kind).2.to_owned(), size.to_string());
    }
    Notification::UsageLifecycle(LifecycleEvent::now(kind, id, project_id, event, attributes))
}
