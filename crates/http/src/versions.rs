//! Pieces of the version-discovery documents OpenStack APIs serve at their
//! roots, which clients read before anything else.

use serde::Serialize;
use utoipa::ToSchema;

/// `{"rel": "self", "href": "..."}`
pub use stratus_api::Link;

/// `{"base": "application/json", "type": "application/vnd.openstack...+json"}`
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MediaType {
    pub base: String,
    #[serde(rename = "type")]
    pub media_type: String,
}

impl MediaType {
    pub fn json(media_type: &str) -> Self {
        Self {
            base: "application/json".into(),
            media_type: media_type.into(),
        }
    }
}

/// The plainest version entry, `{"id", "status", "links"}`, as Neutron,
/// Glance and Stratus's own APIs list them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Version {
    pub id: String,
    pub status: String,
    pub links: Vec<Link>,
}

impl Version {
    pub fn new(id: &str, status: &str, href: String) -> Self {
        Self {
            id: id.into(),
            status: status.into(),
            links: vec![Link::self_link(href)],
        }
    }
}

/// `{"versions": [...]}` of plain entries.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VersionList {
    pub versions: Vec<Version>,
}
