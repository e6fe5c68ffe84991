//! `stratus-metering`: usage samples, hourly roll-ups, rate cards and
//! invoices (:8889). It stores the agents' and services' usage samples and
//! the services' lifecycle events (each once), rolls samples up per hour,
//! prices what resources held and sent, and serves instance usage to the
//! compute API's `os-simple-tenant-usage`.
//!
//! Layout: `http/` (thin handlers and OpenAPI annotations) → `app/`
//! (logic) → `datastore/` (queries).

pub mod app;
pub mod datastore;
pub mod http;

use stratus_http::runner::ServiceSpec;

/// This service's migrations, from `migrations/metering/`.
pub static MIGRATOR: stratus_db::Migrator = sqlx::migrate!("../../migrations/metering");

pub const SPEC: ServiceSpec = ServiceSpec {
    name: "metering",
    migrator: &MIGRATOR,
    openapi: http::openapi_documents,
    apis: &[("metering", 8889)],
    authenticated: true,
};
