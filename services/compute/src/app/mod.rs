//! The compute service's logic, between the thin HTTP handlers and the
//! datastore: flavors (with extra specs and project access), key pairs,
//! compute hosts and the scheduler, servers with their builds, actions and
//! volumes, quotas and server groups.

pub mod actions;
pub mod build;
pub mod create_request;
pub mod flavors;
pub mod hosts;
pub mod input;
pub mod interfaces;
pub mod ip_filter;
pub mod keypairs;
pub mod policy;
pub mod quotas;
pub mod results;
pub mod scheduler;
pub mod server_groups;
pub mod server_metadata;
pub mod servers;
pub mod tenant_usage;
pub mod volumes;

pub use quotas::QuotaDefaults;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use stratus_bus::Bus;
use stratus_db::PgPool;

pub(crate) use policy::admin;

/// The `[compute]` section of the service's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComputeConfig {
    pub quotas: QuotaDefaults,
    pub scheduler: scheduler::SchedulerConfig,
    /// Every server gets a config drive (there is no metadata service).
    pub force_config_drive: bool,
    /// Hosts a build is tried on before the server goes to ERROR.
    pub build_max_attempts: u32,
    /// A spawn the host has not answered for this long fails (and is
    /// retried elsewhere).
    pub build_timeout_s: u32,
    /// A power operation the host has not answered for this long is
    /// given up (the task is cleared).
    pub task_timeout_s: u32,
    /// How often unfinished work is looked for.
    pub sweep_interval_s: u32,
    /// How long a guest may take to shut down cleanly before it is forced.
    pub shutdown_timeout_s: u32,
}

impl Default for ComputeConfig {
    fn default() -> Self {
        Self {
            quotas: QuotaDefaults::default(),
            scheduler: scheduler::SchedulerConfig::default(),
            force_config_drive: true,
            build_max_attempts: 3,
            build_timeout_s: 600,
            task_timeout_s: 300,
            sweep_interval_s: 10,
            shutdown_timeout_s: 60,
        }
    }
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
    /// Metering's lifecycle events, written with the changes they report.
    pub outbox: stratus_outbox::Outbox,
    /// Servers whose build runs in this process.
    builds: Arc<Mutex<HashSet<uuid::Uuid>>>,
    /// Volume detaches (server, volume) finishing in this process.
    detaches: Arc<Mutex<HashSet<(uuid::Uuid, String)>>>,
}

impl App {
    pub fn new(pool: PgPool, bus: Bus, config: ComputeConfig) -> Self {
        Self {
            outbox: stratus_outbox::Outbox::new(pool.clone(), bus.clone()),
            pool,
            bus,
            config,
            builds: Arc::default(),
            detaches: Arc::default(),
        }
    }
}
