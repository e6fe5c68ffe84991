//! The metering API's routes and its OpenAPI document.

pub mod invoices;
pub mod usage;
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
    paths(
        versions::root,
        invoices::card_create,
        invoices::cards,
        invoices::create,
        invoices::list,
        invoices::show,
        invoices::close,
        invoices::close_period,
        invoices::csv,
        usage::hours,
        usage::costs,
    )
)]
struct ApiDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![(
        "metering",
        stratus_http::openapi::finish(ApiDoc::openapi(), stratus_common::ErrorStyle::Plain, &[]),
    )]
}

/// Version discovery alone, with the shared layers.
pub fn router() -> Router {
    let routes = Router::new().route("/", get(versions::root));
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Plain))
}

/// The whole metering API with the shared layers (the token verifier is
/// added by the runner or a test).
pub fn router_with(app: crate::app::App) -> Router {
    use axum::routing::post;
    let api = Router::new()
        .route(
            "/v1/rate-cards",
            post(invoices::card_create).get(invoices::cards),
        )
        .route("/v1/invoices", post(invoices::create).get(invoices::list))
        .route("/v1/invoices/close-period", post(invoices::close_period))
        .route("/v1/invoices/{invoice_id}", get(invoices::show))
        .route("/v1/usage", get(usage::hours))
        .route("/v1/costs", get(usage::costs))
        .route("/v1/invoices/{invoice_id}/close", post(invoices::close))
        .route("/v1/invoices/{invoice_id}/csv", get(invoices::csv))
        .with_state(app);
    let routes = Router::new().route("/", get(versions::root)).merge(api);
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Plain))
}
