//! The Stratus Terraform provider: `stratus_*` resources and data sources
//! over the Stratus APIs (which speak OpenStack's wire protocol), served over
//! Terraform's plugin protocol 6 by tf-provider. Requests and answers are
//! `stratus-api`'s types, the same the services are built on.
//!
//! - [`config`]: the provider block, `OS_*` and `clouds.yaml`
//! - [`client`]: login, catalog, token renewal, typed requests and errors
//! - [`framework`]: what every resource shares (planning, timeouts, import)
//! - [`wait`]: polling with backoff until an object settles
//! - [`resources`] and [`data_sources`]: one module each
//! - [`reference`]: the schema reference in docs/, rendered from the schemas

pub mod client;
pub mod config;
pub mod data_sources;
pub mod framework;
pub mod provider;
pub mod reference;
pub mod resources;
pub mod wait;
