//! Volume API version discovery as Cinder answers it: `GET /` (300) and
//! `GET /v3/` list v3.0 with its microversion range.

use axum::http::StatusCode;
use serde::Serialize;
use stratus_http::versions::{Link, MediaType};
use stratus_http::{BaseUrl, Json};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Version {
    id: String,
    status: String,
    version: String,
    min_version: String,
    updated: String,
    links: Vec<Link>,
    #[serde(rename = "media-types")]
    media_types: Vec<MediaType>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    versions: Vec<Version>,
}

fn list(base: &str) -> VersionList {
    VersionList {
        versions: vec![Version {
            id: "v3.0".into(),
            status: "CURRENT".into(),
            version: "3.0".into(),
            min_version: "3.0".into(),
            updated: "2016-02-08T12:20:21Z".into(),
            links: vec![Link::self_link(format!("{base}/v3/"))],
            media_types: vec![MediaType::json(
                "application/vnd.openstack.volume+json;version=3",
            )],
        }],
    }
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/", operation_id = "listVolumeVersions", tag = "versions",
    responses((status = 300, description = "The versions list", body = VersionList)))]
pub async fn root(BaseUrl(base): BaseUrl) -> (StatusCode, Json<VersionList>) {
    (StatusCode::MULTIPLE_CHOICES, Json(list(&base)))
}

/// The v3 version document.
#[utoipa::path(get, path = "/v3", operation_id = "showVolumeVersion", tag = "versions",
    responses((status = 200, description = "The v3 versions list", body = VersionList)))]
pub async fn v3(BaseUrl(base): BaseUrl) -> Json<VersionList> {
    Json(list(&base))
}
