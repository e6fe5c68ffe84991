//! The image and volume APIs' routes and their OpenAPI documents.

mod image;
mod volume;

use axum::Router;
use axum::routing::get;
use stratus_common::ErrorStyle;
use stratus_http::ApiOptions;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Image API",
        description = "The Glance v2 subset served by stratus-storage."
    ),
    paths(image::root, image::versions)
)]
struct ImageDoc;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Volume API",
        description = "The Cinder v3 subset served by stratus-storage."
    ),
    paths(volume::root, volume::v3)
)]
struct VolumeDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![
        ("image", ImageDoc::openapi()),
        ("volume", VolumeDoc::openapi()),
    ]
}

/// The image API with the shared layers (Glance's error pages).
pub fn image_router() -> Router {
    let routes = Router::new()
        .route("/", get(image::root))
        .route("/versions", get(image::versions));
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Glance))
}

/// The volume API with the shared layers (Cinder fault bodies).
pub fn volume_router() -> Router {
    let routes = Router::new()
        .route("/", get(volume::root))
        .route("/v3", get(volume::v3))
        .route("/v3/", get(volume::v3));
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Cinder))
}
