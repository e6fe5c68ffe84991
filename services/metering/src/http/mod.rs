//! The metering API's routes and its OpenAPI document.

mod versions;

use axum::Router;
use axum::routing::get;
use stratus_common::ErrorStyle;
use stratus_http::ApiOptions;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Metering API",
        description = "Usage, rate cards and invoices, served by stratus-metering."
    ),
    paths(versions::root)
)]
struct ApiDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![("metering", ApiDoc::openapi())]
}

/// The metering API with the shared layers.
pub fn router() -> Router {
    let routes = Router::new().route("/", get(versions::root));
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Plain))
}
