//! `stratus-compute`: the Nova v2.1 subset of Stratus (:8774): version
//! discovery with Nova's microversion headers, flavors (extra specs,
//! project access), key pairs, compute hosts from the agents' inventory
//! (hypervisors, services, zones), the scheduler (filters, weighers, atomic
//! claims, server groups), servers (built in the background through the
//! network and storage services and a compute agent; actions, volumes,
//! instance actions), quotas and limits.
//!
//! Layout: `http/` (thin handlers and OpenAPI annotations) → `app/`
//! (logic) → `datastore/` (queries).

pub mod app;
pub mod datastore;
pub mod http;
mod time;

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
