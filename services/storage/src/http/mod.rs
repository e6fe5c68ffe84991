//! The image and volume APIs' routes and their OpenAPI documents.

mod image;
pub mod images;
mod volume;

use crate::app::App;
use axum::Router;
use axum::routing::{get, post, put};
use stratus_common::ErrorStyle;
use stratus_http::ApiOptions;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Image API",
        description = "The Glance v2 subset served by stratus-storage."
    ),
    paths(
        image::root,
        image::versions,
        images::create,
        images::list,
        images::show,
        images::update,
        images::delete,
        images::upload,
        images::download,
        images::deactivate,
        images::reactivate,
        images::tag_add,
        images::tag_remove,
        images::members,
        images::member_add,
        images::member_show,
        images::member_update,
        images::member_delete,
    )
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

/// The image API with the shared layers (Glance's error pages). The token
/// verifier is added by the runner (or a test).
pub fn image_router(app: App) -> Router {
    let routes = Router::new()
        .route("/", get(image::root))
        .route("/versions", get(image::versions))
        .route("/v2/images", get(images::list).post(images::create))
        .route(
            "/v2/images/{id}",
            get(images::show)
                .patch(images::update)
                .delete(images::delete),
        )
        .route(
            "/v2/images/{id}/file",
            put(images::upload).get(images::download),
        )
        .route(
            "/v2/images/{id}/actions/deactivate",
            post(images::deactivate),
        )
        .route(
            "/v2/images/{id}/actions/reactivate",
            post(images::reactivate),
        )
        .route(
            "/v2/images/{id}/tags/{tag}",
            put(images::tag_add).delete(images::tag_remove),
        )
        .route(
            "/v2/images/{id}/members",
            get(images::members).post(images::member_add),
        )
        .route(
            "/v2/images/{id}/members/{member}",
            get(images::member_show)
                .put(images::member_update)
                .delete(images::member_delete),
        )
        .with_state(app);
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
