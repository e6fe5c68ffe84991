//! Version discovery as Nova answers it: `GET /` lists v2.0 then v2.1;
//! `GET /v2.1` is the v2.1 document with its microversion range.

use serde::Serialize;
use stratus_http::versions::{Link, MediaType};
use stratus_http::{BaseUrl, Json};
use utoipa::ToSchema;

/// Highest microversion served. Only the base microversion so far.
pub const MAX_MICROVERSION: &str = "2.1";

#[derive(Serialize, ToSchema)]
pub struct Version {
    id: String,
    status: String,
    version: String,
    min_version: String,
    updated: String,
    links: Vec<Link>,
    #[serde(rename = "media-types", skip_serializing_if = "Option::is_none")]
    media_types: Option<Vec<MediaType>>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    versions: Vec<Version>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionDocument {
    version: Version,
}

fn v2_0(base: &str) -> Version {
    Version {
        id: "v2.0".into(),
        status: "SUPPORTED".into(),
        version: String::new(),
        min_version: String::new(),
        updated: "2011-01-21T11:33:21Z".into(),
        links: vec![Link::self_link(format!("{base}/v2/"))],
        media_types: None,
    }
}

fn v2_1_version(base: &str, with_media_types: bool) -> Version {
    Version {
        id: "v2.1".into(),
        status: "CURRENT".into(),
        version: MAX_MICROVERSION.into(),
        min_version: "2.1".into(),
        updated: "2013-07-23T11:33:21Z".into(),
        links: vec![Link::self_link(format!("{base}/v2.1/"))],
        media_types: with_media_types.then(|| {
            vec![MediaType::json(
                "application/vnd.openstack.compute+json;version=2.1",
            )]
        }),
    }
}

/// The API versions this service offers.
#[utoipa::path(get, path = "/", operation_id = "listComputeVersions", tag = "versions",
    responses((status = 200, description = "The versions list", body = VersionList)))]
pub async fn root(BaseUrl(base): BaseUrl) -> Json<VersionList> {
    Json(VersionList {
        versions: vec![v2_0(&base), v2_1_version(&base, false)],
    })
}

/// The v2.1 version document.
#[utoipa::path(get, path = "/v2.1", operation_id = "showComputeVersion", tag = "versions",
    responses((status = 200, description = "The v2.1 version document", body = VersionDocument)))]
pub async fn v2_1(BaseUrl(base): BaseUrl) -> Json<VersionDocument> {
    Json(VersionDocument {
        version: v2_1_version(&base, true),
    })
}
