//! `stratus-metering`: usage samples, rate cards and invoices (:8889). So far
//! it serves version discovery; the metering issue adds the rest.
//!
//! Layout: `http/` holds thin handlers and their OpenAPI annotations.

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
