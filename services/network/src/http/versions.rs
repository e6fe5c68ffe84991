//! Version discovery as Neutron answers it: `GET /` lists v2.0; `GET /v2.0`
//! lists the collections the API serves.

use serde::Serialize;
use stratus_http::versions::{Link, Version, VersionList};
use stratus_http::{BaseUrl, Json};
use utoipa::ToSchema;

/// Collections served under `/v2.0`; filled as the network issue adds them.
const COLLECTIONS: &[(&str, &str)] = &[
    ("network", "networks"),
    ("subnet", "subnets"),
    ("port", "ports"),
    ("security_group", "security-groups"),
    ("security_group_rule", "security-group-rules"),
    ("router", "routers"),
    ("floatingip", "floatingips"),
];

#[derive(Serialize, ToSchema)]
pub struct Resource {
    name: String,
    collection: String,
    links: Vec<Link>,
}

#[derive(Serialize, ToSchema)]
pub struct ResourceList {
    resources: Vec<Resource>,
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/", operation_id = "listNetworkVersions", tag = "versions",
    responses((status = 200, description = "The versions list", body = VersionList)))]
pub async fn root(BaseUrl(base): BaseUrl) -> Json<VersionList> {
    Json(VersionList {
        versions: vec![Version::new("v2.0", "CURRENT", format!("{base}/v2.0/"))],
    })
}

/// The collections of v2.0.
#[utoipa::path(get, path = "/v2.0", operation_id = "showNetworkVersion", tag = "versions",
    responses((status = 200, description = "The v2.0 resources", body = ResourceList)))]
pub async fn v2_0(BaseUrl(base): BaseUrl) -> Json<ResourceList> {
    Json(ResourceList {
        resources: COLLECTIONS
            .iter()
            .map(|(name, collection)| Resource {
                name: (*name).into(),
                collection: (*collection).into(),
                links: vec![Link::self_link(format!("{base}/v2.0/{collection}"))],
            })
            .collect(),
    })
}
