//! `stratus-network`: the Neutron v2.0 subset of Stratus (:9696). So far it
//! serves version discovery; networks, subnets, ports, security groups,
//! routers and floating IPs come with the network issue.
//!
//! Layout: `http/` holds thin handlers and their OpenAPI annotations.

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
