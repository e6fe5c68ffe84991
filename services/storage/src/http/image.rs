//! Image API version discovery as Glance answers it: `GET /` (300) and
//! `GET /versions` (200), both the versions list.

use axum::http::StatusCode;
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

fn list(base: &str) -> VersionList {
    let version = |id: &str, status: &str| Version {
        id: id.into(),
        status: status.into(),
        links: vec![Link::self_link(format!("{base}/v2/"))],
    };
    VersionList {
        versions: vec![version("v2.16", "CURRENT"), version("v2.0", "SUPPORTED")],
    }
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/", tag = "versions",
    responses((status = 300, description = "The versions list", body = VersionList)))]
pub async fn root(BaseUrl(base): BaseUrl) -> (StatusCode, Json<VersionList>) {
    (StatusCode::MULTIPLE_CHOICES, Json(list(&base)))
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/versions", tag = "versions",
    responses((status = 200, description = "The versions list", body = VersionList)))]
pub async fn versions(BaseUrl(base): BaseUrl) -> Json<VersionList> {
    Json(list(&base))
}
