//! The image and volume APIs' routes and their OpenAPI documents.

mod image;
pub mod images;
mod schemas;
pub mod snapshots;
mod volume;
pub mod volume_quotas;
pub mod volumes;

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
        schemas::image,
        schemas::images,
        schemas::member,
        schemas::members,
    )
)]
struct ImageDoc;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Volume API",
        description = "The Cinder v3 subset served by stratus-storage."
    ),
    paths(
        volume::root,
        volume::v3,
        volumes::volume_create,
        volumes::volume_list,
        volumes::volume_list_detail,
        volumes::volume_show,
        volumes::volume_update,
        volumes::volume_delete,
        volumes::volume_action,
        volumes::metadata_show,
        volumes::metadata_merge,
        volumes::metadata_replace,
        volumes::metadata_delete,
        snapshots::snapshot_create,
        snapshots::snapshot_list,
        snapshots::snapshot_list_detail,
        snapshots::snapshot_show,
        snapshots::snapshot_update,
        snapshots::snapshot_delete,
        volume_quotas::type_list,
        volume_quotas::type_show,
        volume_quotas::quota_show,
        volume_quotas::quota_update,
        volume_quotas::quota_reset,
        volume_quotas::limits,
    )
)]
struct VolumeDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![
        (
            "image",
            stratus_http::openapi::finish(
                ImageDoc::openapi(),
                stratus_common::ErrorStyle::Glance,
                &[],
            ),
        ),
        (
            "volume",
            stratus_http::openapi::finish(
                VolumeDoc::openapi(),
                stratus_common::ErrorStyle::Cinder,
                &[],
            ),
        ),
    ]
}

/// The image API with the shared layers (Glance's error pages). The token
/// verifier is added by the runner (or a test).
pub fn image_router(app: App) -> Router {
    let routes = Router::new()
        .route("/", get(image::root))
        .route("/versions", get(image::versions))
        .route("/v2/schemas/image", get(schemas::image))
        .route("/v2/schemas/images", get(schemas::images))
        .route("/v2/schemas/member", get(schemas::member))
        .route("/v2/schemas/members", get(schemas::members))
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

/// The volume API with the shared layers (Cinder fault bodies, the
/// microversion header). The token verifier is added by the runner (or a
/// test).
pub fn volume_router(app: App) -> Router {
    let p = "/v3/{project_id}";
    let routes = Router::new()
        .route("/", get(volume::root))
        .route("/v3", get(volume::v3))
        .route("/v3/", get(volume::v3))
        .route(
            &format!("{p}/volumes"),
            get(volumes::volume_list).post(volumes::volume_create),
        )
        .route(
            &format!("{p}/volumes/detail"),
            get(volumes::volume_list_detail),
        )
        .route(
            &format!("{p}/volumes/{{id}}"),
            get(volumes::volume_show)
                .put(volumes::volume_update)
                .delete(volumes::volume_delete),
        )
        .route(
            &format!("{p}/volumes/{{id}}/action"),
            post(volumes::volume_action),
        )
        .route(
            &format!("{p}/volumes/{{id}}/metadata"),
            get(volumes::metadata_show)
                .post(volumes::metadata_merge)
                .put(volumes::metadata_replace),
        )
        .route(
            &format!("{p}/volumes/{{id}}/metadata/{{key}}"),
            axum::routing::delete(volumes::metadata_delete),
        )
        .route(
            &format!("{p}/snapshots"),
            get(snapshots::snapshot_list).post(snapshots::snapshot_create),
        )
        .route(
            &format!("{p}/snapshots/detail"),
            get(snapshots::snapshot_list_detail),
        )
        .route(
            &format!("{p}/snapshots/{{id}}"),
            get(snapshots::snapshot_show)
                .put(snapshots::snapshot_update)
                .delete(snapshots::snapshot_delete),
        )
        .route(&format!("{p}/types"), get(volume_quotas::type_list))
        .route(&format!("{p}/types/{{id}}"), get(volume_quotas::type_show))
        .route(
            &format!("{p}/os-quota-sets/{{target}}"),
            get(volume_quotas::quota_show)
                .put(volume_quotas::quota_update)
                .delete(volume_quotas::quota_reset),
        )
        .route(&format!("{p}/limits"), get(volume_quotas::limits))
        .with_state(app)
        .layer(axum::middleware::from_fn(volumes::microversion));
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Cinder))
}
