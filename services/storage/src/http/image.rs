//! Image API version discovery as Glance answers it: `GET /` (300) and
//! `GET /versions` (200), both the versions list.

use axum::http::StatusCode;
use stratus_http::versions::{Version, VersionList};
use stratus_http::{BaseUrl, Json};

fn list(base: &str) -> VersionList {
    let version = |id: &str, status: &str| Version::new(id, status, format!("{base}/v2/"));
    VersionList {
        versions: vec![version("v2.16", "CURRENT"), version("v2.0", "SUPPORTED")],
    }
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/", operation_id = "listImageVersionsRoot", tag = "versions",
    responses((status = 300, description = "The versions list", body = VersionList)))]
pub async fn root(BaseUrl(base): BaseUrl) -> (StatusCode, Json<VersionList>) {
    (StatusCode::MULTIPLE_CHOICES, Json(list(&base)))
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/versions", operation_id = "listImageVersions", tag = "versions",
    responses((status = 200, description = "The versions list", body = VersionList)))]
pub async fn versions(BaseUrl(base): BaseUrl) -> Json<VersionList> {
    Json(list(&base))
}
