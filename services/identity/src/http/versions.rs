//! Version discovery: `GET /` (300, the versions list) and `GET /v3`, as
//! Keystone answers them.

use axum::http::StatusCode;
use serde::Serialize;
use stratus_http::versions::{Link, MediaType};
use stratus_http::{BaseUrl, Json};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Version {
    id: String,
    status: String,
    updated: String,
    links: Vec<Link>,
    #[serde(rename = "media-types")]
    media_types: Vec<MediaType>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionValues {
    values: Vec<Version>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    versions: VersionValues,
}

#[derive(Serialize, ToSchema)]
pub struct VersionDocument {
    version: Version,
}

fn v3(base: &str) -> Version {
    Version {
        id: "v3.14".into(),
        status: "stable".into(),
        updated: "2020-04-07T00:00:00Z".into(),
        links: vec![Link::self_link(format!("{base}/v3/"))],
        media_types: vec![MediaType::json(
            "application/vnd.openstack.identity-v3+json",
        )],
    }
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/", operation_id = "listIdentityVersions", tag = "versions",
    responses((status = 300, description = "The versions list", body = VersionList)))]
pub async fn root(BaseUrl(base): BaseUrl) -> (StatusCode, Json<VersionList>) {
    let list = VersionList {
        versions: VersionValues {
            values: vec![v3(&base)],
        },
    };
    (StatusCode::MULTIPLE_CHOICES, Json(list))
}

/// The v3 version document.
#[utoipa::path(get, path = "/v3", operation_id = "showIdentityVersion", tag = "versions",
    responses((status = 200, description = "The v3 version document", body = VersionDocument)))]
pub async fn v3_document(BaseUrl(base): BaseUrl) -> Json<VersionDocument> {
    Json(VersionDocument { version: v3(&base) })
}
