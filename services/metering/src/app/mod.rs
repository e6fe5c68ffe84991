//! The metering service's logic: usage samples and lifecycle events taken
//! from the bus (durable queues shared by the replicas, so what is
//! published while the service is away waits for it) and stored once each,
//! then rolled up per resource, metric and hour; billing (`billing`) prices
//! the billable time lifecycle events bound and the egress the roll-ups
//! hold.

pub mod billing;
pub mod costs;
pub mod invoices;
pub mod policy;
pub mod usage;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use stratus_bus::{Bus, Incoming, ServerHandle};
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::usage::UsageBatch;
use stratus_common::Error;
use stratus_db::PgPool;

use crate::datastore as ds;

/// The `[metering]` section of the service's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeteringConfig {
    /// How often new samples are rolled up into hourly usage, in seconds
    /// (invoices and the usage API also roll up what is pending first).
    pub rollup_interval_s: u32,
}

impl Default for MeteringConfig {
    fn default() -> Self {
        Self {
            rollup_interval_s: 60,
        }
    }
}

/// How the service configuration nests it: `[metering]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeteringSection {
    pub metering: MeteringConfig,
}

/// Resource-metrics rolled up per transaction.
const ROLLUP_BATCH: i64 = 5_000;

/// Everything the handlers need.
#[derive(Clone)]
pub struct App {
    pub pool: PgPool,
    pub bus: Bus,
}

impl App {
    pub fn new(pool: PgPool, bus: Bus) -> Self {
        Self { pool, bus }
    }

    /// Follows `usage.sample` (queue `metering.samples`).
    pub fn follow_samples(&self) -> ServerHandle {
        let app = self.clone();
        self.bus.subscribe(
            "metering.samples",
            &["usage.sample"],
            move |inc: Incoming<Notification>| {
                let app = app.clone();
                async move {
                    if let Notification::UsageSample(batch) = inc.message {
                        app.ingest(&batch).await?;
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    }

    /// Follows `usage.lifecycle` (queue `metering.lifecycle`).
    pub fn follow_lifecycle(&self) -> ServerHandle {
        let app = self.clone();
        self.bus.subscribe(
            "metering.lifecycle",
            &["usage.lifecycle"],
            move |inc: Incoming<Notification>| {
                let app = app.clone();
                async move {
                    if let Notification::UsageLifecycle(ev) = inc.message {
                        ds::insert_lifecycle(&app.pool, &ev).await?;
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    }

    /// Stores a batch of samples; those stored before are skipped (a
    /// duplicate or a redelivery counts once). How many were new.
    pub async fn ingest(&self, batch: &UsageBatch) -> Result<u64, Error> {
        ds::insert_samples(&self.pool, batch)
            .await
            .map_err(Error::from)
    }

    /// Rolls up every pending sample (other replicas may share the work:
    /// each claims its rows). How many hours were written.
    pub async fn rollup(&self) -> Result<u64, Error> {
        let mut written = 0;
        loop {
            let mut tx = self.pool.begin().await?;
            let n = ds::rollup_some(&mut tx, ROLLUP_BATCH).await?;
            tx.commit().await?;
            written += n;
            if n == 0 {
                // Nothing left, or what is left another replica holds.
                return Ok(written);
            }
        }
    }

    /// Rolls up every `interval` until `shutdown`.
    pub fn start_rollups(&self, interval: Duration, shutdown: tokio_util::sync::CancellationToken) {
        let app = self.clone();
        stratus_common::shutdown::every(interval, shutdown, "rolling up samples", move || {
            let app = app.clone();
            async move { app.rollup().await.map(|_| ()) }
        });
    }
}
