//! What the network service tells metering: lifecycle events of floating
//! IPs and routers (created, deleted: the hours they are held; through the
//! outbox, in the transaction of the change), and every
//! `sample_interval_s` a gauge sample of each one held. Their bytes are not
//! sampled yet (an instance's egress is, by the compute agent).

use std::time::Duration;

use stratus_bus_protocol::Notification;
use stratus_bus_protocol::usage::{self, Lifecycle, LifecycleEvent};
use stratus_common::Error;
use tokio_util::sync::CancellationToken;

use super::App;

impl App {
    /// Publishes one gauge sample (1) of every floating IP and router held,
    /// stamped with the start of the interval (replicas sampling together
    /// send the same samples, stored once). How many.
    pub async fn sample_held(&self, every: Duration) -> Result<usize, Error> {
        let at = usage::interval_start(chrono::Utc::now(), every);
        let held = crate::datastore::held(&self.pool).await?;
        let samples: Vec<_> = held
            .iter()
            .map(|(kind, id, project)| {
                let metric = if kind == "router" {
                    "router"
                } else {
                    "ip.floating"
                };
                usage::held(kind, id, project, metric, kind, 1, at)
            })
            .collect();
        usage::publish_samples(&self.bus, "network-service", &samples)
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
            "sampling floating IPs and routers",
            move || {
                let app = app.clone();
                async move { app.sample_held(every).await.map(|_| ()) }
            },
        );
    }
}

/// Metering's event of a floating IP or router held from now, or no
/// longer; written through the outbox with the change.
pub(crate) fn held_event(kind: &str, id: &str, project_id: &str, event: Lifecycle) -> Notification {
    Notification::UsageLifecycle(LifecycleEvent::now(
        kind,
        id,
        project_id,
        event,
        Default::default(),
    ))
}
