//! `stratus-storage`: the Glance v2 subset (images, :9292) and the Cinder v3
//! subset (volumes, :8776) of Stratus, one process serving both APIs. So far
//! it serves version discovery; images and volumes come with the storage
//! issue.
//!
//! Layout: `http/image/` and `http/volume/` hold each API's thin handlers and
//! OpenAPI annotations.

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
