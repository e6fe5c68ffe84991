//! Version discovery: `GET /` lists v1.

use serde::Serialize;
use stratus_http::versions::Link;
use stratus_http::{BaseUrl, Json};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Version {
    id: String,
    status: String,
    links: Vec<Link>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    versions: Vec<Version>,
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/", tag = "versions",
    responses((status = 200, description = "The versions list", body = VersionList)))]
pub async fn root(BaseUrl(base): BaseUrl) -> Json<VersionList> {
    Json(VersionList {
        versions: vec![Version {
            id: "v1".into(),
            status: "CURRENT".into(),
            links: vec![Link::self_link(format!("{base}/v1/"))],
        }],
    })
}
