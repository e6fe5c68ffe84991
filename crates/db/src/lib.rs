//! PostgreSQL for Stratus services: the connection pool, each service's
//! migrations (from `migrations/<service>/`, embedded at build time with
//! `sqlx::migrate!`), the mapping of database errors onto the common
//! [`Error`], and [`TestDatabase`], a fresh database per test.

mod test_db;

pub use sqlx::PgPool;
pub use sqlx::migrate::Migrator;
pub use test_db::TestDatabase;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;
use stratus_common::Error;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DbConfig {
    /// `postgres://user:password@host:port/database`
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a free connection, in milliseconds.
    pub acquire_timeout_ms: u64,
    /// How long start-up keeps retrying an unreachable database, in milliseconds.
    pub connect_retry_ms: u64,
}

impl DbConfig {
    /// Defaults for a service whose database is named after it, on this host.
    pub fn for_service(service: &str) -> Self {
        Self {
            url: format!("postgres://stratus:stratus@127.0.0.1:5432/{service}"),
            ..Self::default()
        }
    }
}

impl Default for DbConfig {
    fn default() -> Self {
        Self {
            url: "postgres://stratus:stratus@127.0.0.1:5432/stratus".into(),
            max_connections: 16,
            acquire_timeout_ms: 5_000,
            connect_retry_ms: 30_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database")]
    Connect(#[source] sqlx::Error),
    #[error("migrations failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// Opens the pool, retrying for `connect_retry_ms` while the database is
/// unreachable (it may be starting beside us).
pub async fn connect(config: &DbConfig) -> Result<PgPool, DbError> {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(config.connect_retry_ms);
    loop {
        let attempt = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(Duration::from_millis(config.acquire_timeout_ms))
            .connect(&config.url)
            .await;
        match attempt {
            Ok(pool) => return Ok(pool),
            Err(e) if tokio::time::Instant::now() < deadline && is_transient(&e) => {
                tracing::warn!(error = %e, "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(DbError::Connect(e)),
        }
    }
}

fn is_transient(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut)
}

/// Applies the service's pending migrations (idempotent).
pub async fn migrate(pool: &PgPool, migrator: &Migrator) -> Result<(), DbError> {
    migrator.run(pool).await.map_err(DbError::Migrate)
}

/// Like `Error::from(err)` (see `stratus_common`'s mapping: unique or
/// dangling-reference violations `409`/`404` naming the key, a missing row
/// `404`, a refused value `400`, the rest a logged `500`), with `what` named
/// in the messages for a missing row and a duplicate.
pub fn api_error(err: sqlx::Error, what: &str) -> Error {
    match &err {
        sqlx::Error::RowNotFound => Error::not_found(format!("{what} could not be found.")),
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::conflict(format!("{what} already exists."))
        }
        _ => Error::from(err),
    }
}

/// Records that the bus message `id` has been handled, inside the transaction
/// doing its work. Returns `false` if it had been already, so a redelivered
/// cast changes nothing (at-least-once delivery made idempotent). Every
/// service's first migration creates the table.
pub async fn claim_message(
    tx: &mut sqlx::PgConnection,
    id: uuid::Uuid,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "INSERT INTO bus_processed_messages (id) VALUES ($1) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .execute(tx)
    .await?;
    Ok(claimed.rows_affected() == 1)
}
