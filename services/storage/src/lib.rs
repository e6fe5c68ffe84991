//! `stratus-storage`: the Glance v2 subset (images, :9292) and the Cinder v3
//! subset (volumes, :8776) of Stratus, one process serving both APIs. Image
//! data lives on storage hosts, moved in chunks over the bus to and from
//! their `stratus-storage-agent`. Volumes so far serve version discovery.
//!
//! Layout: `http/` (thin handlers and OpenAPI annotations per API) →
//! `app/` (logic) → `datastore/` (queries).

pub mod app;
pub mod datastore;
pub mod http;

use stratus_http::runner::ServiceSpec;

/// This service's migrations, from `migrations/storage/`.
pub static MIGRATOR: stratus_db::Migrator = sqlx::migrate!("../../migrations/storage");

pub const SPEC: ServiceSpec = ServiceSpec {
    name: "storage",
    migrator: &MIGRATOR,
    openapi: http::openapi_documents,
    apis: &[("image", 9292), ("volume", 8776)],
    authenticated: true,
};
