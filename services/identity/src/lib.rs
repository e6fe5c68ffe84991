//! `stratus-identity`: the Keystone v3 subset of Stratus (:5000).
//!
//! Layout: `http/` holds thin handlers with their OpenAPI annotations,
//! `app/` the logic (authentication, tokens, keys, bootstrap), `datastore/`
//! one function per query. Implemented so far: version discovery, tokens
//! (password and token methods; project, domain and unscoped scope; validate,
//! check, revoke), the catalog, the JWKS, revocation events, and `bootstrap`.

pub mod app;
pub mod datastore;
pub mod http;

use stratus_http::runner::ServiceSpec;

/// This service's migrations, from `migrations/identity/`.
pub static MIGRATOR: stratus_db::Migrator = sqlx::migrate!("../../migrations/identity");

pub const SPEC: ServiceSpec = ServiceSpec {
    name: "identity",
    migrator: &MIGRATOR,
    openapi: http::openapi_documents,
    apis: &[("identity", 5000)],
    authenticated: false,
};
