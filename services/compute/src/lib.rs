//! `stratus-compute`: the Nova v2.1 subset of Stratus (:8774). So far it
//! serves version discovery; flavors, keypairs, servers and the scheduler come
//! with the compute issue.
//!
//! Layout: `http/` holds thin handlers and their OpenAPI annotations.

pub mod http;

use stratus_http::runner::ServiceSpec;

/// This service's migrations, from `migrations/compute/`.
pub static MIGRATOR: stratus_db::Migrator = sqlx::migrate!("../../migrations/compute");

pub const SPEC: ServiceSpec = ServiceSpec {
    name: "compute",
    migrator: &MIGRATOR,
    openapi: http::openapi_documents,
    apis: &[("compute", 8774)],
    authenticated: true,
};
