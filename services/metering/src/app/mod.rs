//! The metering service's logic: usage samples and lifecycle events taken
//! from the bus (durable queues shared by the replicas, so what is
//! published while the service is away waits for it) and stored once each;
//! billing (`billing`) prices the billable time they bound.

pub mod billing;
pub mod invoices;
pub mod usage;

use stratus_bus::{Bus, Incoming, ServerHandle};
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::usage::UsageBatch;
use stratus_common::Error;
use stratus_db::PgPool;

use crate::datastore as ds;

/// A database error as the client sees it: logged, answered with a 500.
pub(crate) fn db(e: sqlx::Error) -> Error {
    Error::internal(&e)
}

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
                        ds::insert_lifecycle(&app.pool, &ev).await.map_err(db)?;
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    }

    /// Stores a batch of samples; those stored before are skipped (a
    /// duplicate or a redelivery counts once). How many were new.
    pub async fn ingest(&self, batch: &UsageBatch) -> Result<u64, Error> {
        ds::insert_samples(&self.pool, batch).await.map_err(db)
    }
}
