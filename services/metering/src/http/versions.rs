//! Version discovery: `GET /` lists v1.

use stratus_http::versions::{Version, VersionList};
use stratus_http::{BaseUrl, Json};

/// The API versions this service offers.
#[utoipa::path(get, path = "/", operation_id = "listMeteringVersions", tag = "versions",
    responses((status = 200, description = "The versions list", body = VersionList)))]
pub async fn root(BaseUrl(base): BaseUrl) -> Json<VersionList> {
    Json(VersionList {
        versions: vec![Version::new("v1", "CURRENT", format!("{base}/v1/"))],
    })
}
