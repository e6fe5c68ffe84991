//! The compute API's routes and its OpenAPI document.

mod versions;

use axum::Router;
use axum::routing::get;
use stratus_common::ErrorStyle;
use stratus_http::ApiOptions;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Compute API",
        description = "The Nova v2.1 subset served by stratus-compute."
    ),
    paths(versions::root, versions::v2_1)
)]
struct ApiDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![("compute", ApiDoc::openapi())]
}

/// The compute API with the shared layers (Nova fault bodies, and the request
/// id also as `X-Compute-Request-Id`).
pub fn router() -> Router {
    let routes = Router::new()
        .route("/", get(versions::root))
        .route("/v2.1", get(versions::v2_1))
        .route("/v2.1/", get(versions::v2_1));
    let options = ApiOptions {
        request_id_aliases: &["x-compute-request-id"],
        ..ApiOptions::new(ErrorStyle::Nova)
    };
    stratus_http::finish(routes, options)
}
