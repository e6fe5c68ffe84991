//! A fresh PostgreSQL database per test, dropped when the test ends (also when
//! it fails). The server is named by `STRATUS_TEST_DATABASE_URL` (an admin
//! connection with CREATEDB; `scripts/test` creates the role).

use crate::{DbConfig, DbError, Migrator, PgPool};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;

const DEFAULT_ADMIN_URL: &str = "postgres://stratus_test:stratus_test@127.0.0.1:5432/postgres";

pub struct TestDatabase {
    pub pool: PgPool,
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDatabase {
    /// Creates `stratus_test_<random>` and returns a pool on it, migrated by
    /// `migrator` if given.
    pub async fn new(migrator: Option<&Migrator>) -> Result<Self, DbError> {
        let admin_url =
            std::env::var("STRATUS_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.into());
        let name = format!("stratus_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .map_err(DbError::Connect)?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .map_err(DbError::Connect)?;
        let _ = admin.close().await;

        let options = PgConnectOptions::from_str(&admin_url)
            .map_err(DbError::Connect)?
            .database(&name);
        let url = format!(
            "{}/{}",
            admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |p| p.0),
            name
        );
        let config = DbConfig {
            url: url.clone(),
            max_connections: 8,
            connect_retry_ms: 0,
            ..DbConfig::default()
        };
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(config.max_connections)
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        if let Some(m) = migrator {
            crate::migrate(&pool, m).await?;
        }
        Ok(Self {
            pool,
            name,
            url,
            admin_url,
        })
    }

    pub fn config(&self) -> DbConfig {
        DbConfig {
            url: self.url.clone(),
            max_connections: 8,
            connect_retry_ms: 0,
            ..DbConfig::default()
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let admin_url = std::mem::take(&mut self.admin_url);
        // Drop runs inside the test's runtime, which may be single-threaded and
        // is blocked here: drop the database from a thread with a runtime of
        // its own. FORCE ends the pool's connections, which live in the test's
        // runtime and so cannot be closed gracefully from here.
        let dropper = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut admin)
                        .await
                    {
                        eprintln!("could not drop test database {name}: {e}");
                    }
                }
            });
        });
        let _ = dropper.join();
    }
}
