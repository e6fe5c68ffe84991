//! `stratus-identity`: the Keystone v3 subset of Stratus (:5000). So far it
//! serves version discovery; tokens, projects, users, roles and the catalog
//! come with the identity issue.
//!
//! Layout: `http/` holds thin handlers and their OpenAPI annotations.

pub mod http;

use stratus_http::runner::ServiceSpec;

/// This service's migrations, from `migrations/identity/`.
pub static MIGRATOR: stratus_db::Migrator = sqlx::migrate!("../../migrations/identity");

pub const SPEC: ServiceSpec = ServiceSpec {
    name: "identity",
    migrator: &MIGRATOR,
    openapi: http::openapi_documents,
    apis: &[("identity", 5000)],
};
