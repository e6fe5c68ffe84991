//! The compute service's logic, between the thin HTTP handlers and the
//! datastore: flavors (with extra specs and project access), key pairs,
//! compute hosts and the scheduler.

pub mod flavors;
pub mod hosts;
pub mod input;
pub mod keypairs;
pub mod quotas;
pub mod scheduler;
pub mod server_groups;

pub use quotas::QuotaDefaults;

use serde::{Deserialize, Serialize};
use stratus_bus::Bus;
use stratus_common::Error;
use stratus_db::PgPool;

/// Fails with Nova's 403 unless the caller is an admin; `action` is the
/// policy's name after `os_compute_api:`.
pub(crate) fn admin(caller: &stratus_auth::TokenClaims, action: &str) -> Result<(), Error> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "Policy doesn't allow os_compute_api:{action} to be performed."
        )))
    }
}

/// A database error as the client sees it: logged, answered with a 500.
pub(crate) fn db(e: sqlx::Error) -> Error {
    Error::internal(&e)
}

/// The `[compute]` section of the service's configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComputeConfig {
    pub quotas: QuotaDefaults,
    pub scheduler: scheduler::SchedulerConfig,
}

/// How the service configuration nests it: `[compute]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComputeSection {
    pub compute: ComputeConfig,
}

/// Everything the handlers need.
#[derive(Clone)]
pub struct App {
    pub pool: PgPool,
    pub bus: Bus,
    pub config: ComputeConfig,
}

impl App {
    pub fn new(pool: PgPool, bus: Bus, config: ComputeConfig) -> Self {
        Self { pool, bus, config }
    }
}
