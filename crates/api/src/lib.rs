//! The wire types of the Stratus APIs, one module per API, apart from the
//! servers: what a request carries, what a query filters on, what a view
//! shows and what an error body looks like. The services deserialize and
//! render these; their OpenAPI documents are generated from them; clients
//! (the Terraform provider, tests) depend on this crate without pulling in
//! a server.
//!
//! The OpenStack wire format is the contract: field names, nesting
//! (`{"network": {...}}`) and the loose values OpenStack accepts (Neutron
//! takes `"true"` for `true`) are kept as the `openstack` CLI sends them.

pub mod compute;
pub mod error;
pub mod identity;
pub mod image;
pub mod metering;
pub mod network;
pub mod serde_helpers;
pub mod volume;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"rel": ..., "href": ...}`: a resource's own link (`self`,
/// `bookmark`), a page's (`next`, `previous`), as every API renders them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Link {
    pub rel: String,
    pub href: String,
}

impl Link {
    /// A `self` link.
    pub fn self_link(href: String) -> Self {
        Self {
            rel: "self".into(),
            href,
        }
    }
}
