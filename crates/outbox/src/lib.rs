//! The transactional outbox: an event a service must not lose (metering's
//! lifecycle events: a lost `deleted` would bill a resource forever) is
//! written into the service's own `outbox` table in the transaction that
//! makes it true, and a relay publishes it on the bus afterwards and
//! deletes it. Publishing is at least once: a relay that dies between
//! publishing and deleting publishes again, so consumers dedupe (metering
//! keys each event by resource, kind and time, fixed when it is written).
//! While the broker is away the events wait in the table.
//!
//! Each service that uses it has the table in its migrations:
//!
//! ```sql
//! CREATE TABLE outbox (
//!     id         bigserial   PRIMARY KEY,
//!     event      jsonb       NOT NULL,
//!     created_at timestamptz NOT NULL DEFAULT now()
//! );
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::PgConnection;
use sqlx::postgres::PgPool;
use sqlx::types::Json;
use stratus_bus::{Bus, BusError};
use stratus_bus_protocol::Notification;
use stratus_common::RequestContext;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Events published per transaction of the relay.
const BATCH: i64 = 100;

/// How often the relay looks for events nobody woke it for (written by
/// another replica, or left by a failed publish).
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox table: {0}")]
    Db(#[from] sqlx::Error),
    #[error("publishing an outbox event: {0}")]
    Bus(#[from] BusError),
}

/// Writes `event` in the caller's transaction: published once it commits.
pub async fn put(conn: &mut PgConnection, event: &Notification) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO outbox (event) VALUES ($1)")
        .bind(Json(event))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The relay of one service's outbox.
#[derive(Clone)]
pub struct Outbox {
    pool: PgPool,
    bus: Bus,
    wake: Arc<Notify>,
    /// A flush runs in this process (at most one: while the broker is away
    /// each holds a connection for the publish timeout).
    flushing: Arc<AtomicBool>,
    /// Something was committed since the running flush began.
    again: Arc<AtomicBool>,
}

impl Outbox {
    pub fn new(pool: PgPool, bus: Bus) -> Self {
        Self {
            pool,
            bus,
            wake: Arc::new(Notify::new()),
            flushing: Arc::default(),
            again: Arc::default(),
        }
    }

    /// Tells the relay something was committed (so it need not wait for
    /// its next look).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Publishes what is waiting now, in the background (for the events a
    /// caller just committed): one flush at a time, which goes round again
    /// if more was committed meanwhile; what fails waits for the relay.
    pub fn flush_soon(&self) {
        self.again.store(true, Ordering::SeqCst);
        if self.flushing.swap(true, Ordering::SeqCst) {
            return;
        }
        let outbox = self.clone();
        tokio::spawn(async move {
            loop {
                while outbox.again.swap(false, Ordering::SeqCst) {
                    if let Err(e) = outbox.drain().await {
                        tracing::debug!(error = %e, "outbox events left for the relay");
                        break;
                    }
                }
                outbox.flushing.store(false, Ordering::SeqCst);
                // A commit between the last look and the line above.
                if !outbox.again.load(Ordering::SeqCst)
                    || outbox.flushing.swap(true, Ordering::SeqCst)
                {
                    return;
                }
            }
        });
    }

    /// Publishes every event waiting, oldest first, each batch deleted in
    /// the transaction that claimed it (replicas' relays share the work).
    /// How many were published; on an error what is left stays for later.
    pub async fn drain(&self) -> Result<usize, OutboxError> {
        let mut published = 0;
        loop {
            let mut tx = self.pool.begin().await?;
            let rows: Vec<(i64, Json<Notification>)> = sqlx::query_as(
                "SELECT id, event FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
            )
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                return Ok(published);
            }
            let ctx = RequestContext::system();
            let mut ids = Vec::with_capacity(rows.len());
            for (id, Json(event)) in rows {
                self.bus.notify::<Notification>(&ctx, event).await?;
                ids.push(id);
            }
            sqlx::query("DELETE FROM outbox WHERE id = ANY($1)")
                .bind(&ids)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            published += ids.len();
        }
    }

    /// Relays until `shutdown`: when woken, and every second.
    pub fn start(&self, shutdown: CancellationToken) {
        let relay = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = relay.drain().await {
                    tracing::warn!(error = %e, "outbox events wait for the next try");
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = relay.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
        });
    }
}
