//! `stratus-compute`: the Nova v2.1 subset of Stratus (:8774). So far:
//! version discovery with Nova's microversion headers, flavors (extra
//! specs, project access), key pairs, compute hosts from the agents'
//! inventory (hypervisors, services, zones) and the scheduler's filters,
//! weighers and atomic claims; servers come next.
//!
//! Layout: `http/` (thin handlers and OpenAPI annotations) → `app/`
//! (logic) → `datastore/` (queries).

pub mod app;
pub mod datastore;
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
