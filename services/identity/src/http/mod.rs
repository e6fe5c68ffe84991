//! The identity API's routes and its OpenAPI document.

mod versions;

use axum::Router;
use axum::routing::get;
use stratus_common::ErrorStyle;
use stratus_http::ApiOptions;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Identity API",
        description = "The Keystone v3 subset served by stratus-identity."
    ),
    paths(versions::root, versions::v3_document)
)]
struct ApiDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![("identity", ApiDoc::openapi())]
}

/// The identity API with the shared layers (Keystone error bodies).
pub fn router() -> Router {
    let routes = Router::new()
        .route("/", get(versions::root))
        .route("/v3", get(versions::v3_document))
        .route("/v3/", get(versions::v3_document));
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Keystone))
}
