//! The network API's routes and its OpenAPI document.

mod versions;

use axum::Router;
use axum::routing::get;
use stratus_common::ErrorStyle;
use stratus_http::ApiOptions;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Network API",
        description = "The Neutron v2.0 subset served by stratus-network."
    ),
    paths(versions::root, versions::v2_0)
)]
struct ApiDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![("network", ApiDoc::openapi())]
}

/// The network API with the shared layers (`NeutronError` bodies).
pub fn router() -> Router {
    let routes = Router::new()
        .route("/", get(versions::root))
        .route("/v2.0", get(versions::v2_0))
        .route("/v2.0/", get(versions::v2_0));
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Neutron))
}
