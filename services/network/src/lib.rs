//! `stratus-network`: the Neutron v2.0 subset of Stratus (:9696). So far it
//! serves version discovery, the extensions list and networks with their
//! segments; subnets, ports, security groups, routers and floating IPs come
//! next.
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
