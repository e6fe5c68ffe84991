//! The network API's routes and its OpenAPI document.

mod common;
pub mod networks;
pub mod ports;
pub mod quotas;
pub mod routers;
pub mod security_groups;
pub mod subnets;
mod versions;

use crate::app::App;
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
    paths(
        versions::root,
        versions::v2_0,
        networks::create,
        networks::list,
        networks::show,
        networks::update,
        networks::delete,
        networks::extensions,
        networks::extension,
        subnets::create,
        subnets::list,
        subnets::show,
        subnets::update,
        subnets::delete,
        ports::create,
        ports::list,
        ports::show,
        ports::update,
        ports::delete,
        security_groups::create,
        security_groups::list,
        security_groups::show,
        security_groups::update,
        security_groups::delete,
        security_groups::rule_create,
        security_groups::rule_list,
        security_groups::rule_show,
        security_groups::rule_delete,
        routers::create,
        routers::list,
        routers::show,
        routers::update,
        routers::delete,
        routers::add_interface,
        routers::remove_interface,
        routers::fip_create,
        routers::fip_list,
        routers::fip_show,
        routers::fip_update,
        routers::fip_delete,
        quotas::show,
        quotas::details,
        quotas::update,
        quotas::reset,
    )
)]
struct ApiDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![(
        "network",
        stratus_http::openapi::finish(ApiDoc::openapi(), ErrorStyle::Neutron, &[]),
    )]
}

/// The network API with the shared layers (`NeutronError` bodies). The
/// token verifier is added by the runner (or a test).
pub fn router(app: App) -> Router {
    let routes = Router::new()
        .route("/", get(versions::root))
        .route("/v2.0", get(versions::v2_0))
        .route("/v2.0/", get(versions::v2_0))
        .route("/v2.0/extensions", get(networks::extensions))
        .route("/v2.0/extensions/{alias}", get(networks::extension))
        .route("/v2.0/networks", get(networks::list).post(networks::create))
        .route(
            "/v2.0/networks/{id}",
            get(networks::show)
                .put(networks::update)
                .delete(networks::delete),
        )
        .route("/v2.0/subnets", get(subnets::list).post(subnets::create))
        .route(
            "/v2.0/subnets/{id}",
            get(subnets::show)
                .put(subnets::update)
                .delete(subnets::delete),
        )
        .route("/v2.0/ports", get(ports::list).post(ports::create))
        .route(
            "/v2.0/ports/{id}",
            get(ports::show).put(ports::update).delete(ports::delete),
        )
        .route(
            "/v2.0/security-groups",
            get(security_groups::list).post(security_groups::create),
        )
        .route(
            "/v2.0/security-groups/{id}",
            get(security_groups::show)
                .put(security_groups::update)
                .delete(security_groups::delete),
        )
        .route(
            "/v2.0/security-group-rules",
            get(security_groups::rule_list).post(security_groups::rule_create),
        )
        .route(
            "/v2.0/security-group-rules/{id}",
            get(security_groups::rule_show).delete(security_groups::rule_delete),
        )
        .route("/v2.0/routers", get(routers::list).post(routers::create))
        .route(
            "/v2.0/routers/{id}",
            get(routers::show)
                .put(routers::update)
                .delete(routers::delete),
        )
        .route(
            "/v2.0/routers/{id}/add_router_interface",
            axum::routing::put(routers::add_interface),
        )
        .route(
            "/v2.0/routers/{id}/remove_router_interface",
            axum::routing::put(routers::remove_interface),
        )
        .route(
            "/v2.0/floatingips",
            get(routers::fip_list).post(routers::fip_create),
        )
        .route(
            "/v2.0/floatingips/{id}",
            get(routers::fip_show)
                .put(routers::fip_update)
                .delete(routers::fip_delete),
        )
        .route(
            "/v2.0/quotas/{id}",
            get(quotas::show).put(quotas::update).delete(quotas::reset),
        )
        .route("/v2.0/quotas/{id}/details", get(quotas::details))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            announce_changes,
        ))
        .with_state(app);
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Neutron))
}

/// After every change that succeeded (anything but a read), tells the
/// agents to sync.
async fn announce_changes(
    axum::extract::State(app): axum::extract::State<App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let read = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let response = next.run(request).await;
    if !read && response.status().is_success() {
        app.announce_change();
    }
    response
}
