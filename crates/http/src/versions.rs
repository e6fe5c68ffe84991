//! Pieces of the version-discovery documents OpenStack APIs serve at their
//! roots, which clients read before anything else.

use serde::Serialize;
use utoipa::ToSchema;

/// `{"rel": "self", "href": "..."}`
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Link {
    pub rel: String,
    pub href: String,
}

impl Link {
    pub fn self_link(href: String) -> Self {
        Self {
            rel: "self".into(),
            href,
        }
    }
}

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
