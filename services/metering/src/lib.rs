//! `stratus-metering`: usage samples, rate cards and invoices (:8889). So far
//! it serves version discovery and stores the agents' usage samples (each
//! once); usage roll-ups, rate cards and invoices come next.
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
