//! `stratus-network`: the Neutron v2.0 subset of Stratus (:9696): networks,
//! subnets, ports, security groups, routers, floating IPs and quotas, and
//! the sync its agents make over the bus (`app::hosts`).
//!
//! Layout: `http/` (thin handlers and OpenAPI annotations) → `app/` (logic)
//! → `datastore/` (queries).

pub mod app;
pub mod datastore;
pub mod http;

use stratus_http::runner::ServiceSpec;

/// This service's migrations, from `migrations/network/`.
pub static MIGRATOR: stratus_db::Migrator = sqlx::migrate!("../../migrations/network");

pub const SPEC: ServiceSpec = ServiceSpec {
    name: "network",
    migrator: &MIGRATOR,
    openapi: http::openapi_documents,
    apis: &[("network", 9696)],
    authenticated: true,
};
