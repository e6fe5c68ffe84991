//! The identity API's routes and its OpenAPI document.

mod app_creds;
pub mod auth;
mod catalog;
mod common;
mod domains;
mod groups;
mod projects;
mod roles;
mod users;
mod versions;

use crate::app::App;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
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
    paths(
        versions::root,
        versions::v3_document,
        auth::issue,
        auth::validate,
        auth::check,
        auth::revoke,
        auth::catalog,
        auth::jwks,
        auth::revoke_events,
        projects::mine,
        projects::of_user,
        domains::mine,
        domains::create,
        domains::list,
        domains::show,
        domains::update,
        domains::delete,
        projects::create,
        projects::list,
        projects::show,
        projects::update,
        projects::delete,
        users::create,
        users::list,
        users::show,
        users::update,
        users::delete,
        users::change_password,
        roles::list,
        roles::create,
        roles::show,
        roles::update,
        roles::delete,
        roles::grant,
        roles::check,
        roles::ungrant,
        roles::assignments,
        groups::create,
        groups::list,
        groups::show,
        groups::update,
        groups::delete,
        groups::users,
        groups::add_user,
        groups::has_user,
        groups::remove_user,
        groups::of_user,
        app_creds::create,
        app_creds::list,
        app_creds::show,
        app_creds::delete,
        catalog::region_list,
        catalog::region_create,
        catalog::region_put,
        catalog::region_show,
        catalog::region_update,
        catalog::region_delete,
        catalog::service_list,
        catalog::service_create,
        catalog::service_show,
        catalog::service_update,
        catalog::service_delete,
        catalog::endpoint_list,
        catalog::endpoint_create,
        catalog::endpoint_show,
        catalog::endpoint_update,
        catalog::endpoint_delete,
    )
)]
struct ApiDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![(
        "identity",
        stratus_http::openapi::finish(
            ApiDoc::openapi(),
            stratus_common::ErrorStyle::Keystone,
            // A password login needs no token; services fetch the keys before they have one.
            &["issueToken", "showJwks"],
        ),
    )]
}

/// The identity API with the shared layers (Keystone error bodies, and
/// `WWW-Authenticate` on every 401).
pub fn router(app: App) -> Router {
    let routes = Router::new()
        .route("/", get(versions::root))
        .route("/v3", get(versions::v3_document))
        .route("/v3/", get(versions::v3_document))
        .route(
            "/v3/auth/tokens",
            get(auth::validate)
                .head(auth::check)
                .post(auth::issue)
                .delete(auth::revoke),
        )
        .route("/v3/auth/catalog", get(auth::catalog))
        .route("/v3/auth/jwks", get(auth::jwks))
        .route("/v3/OS-REVOKE/events", get(auth::revoke_events))
        .route("/v3/domains", get(domains::list).post(domains::create))
        .route(
            "/v3/domains/{id}",
            get(domains::show)
                .patch(domains::update)
                .delete(domains::delete),
        )
        .route("/v3/projects", get(projects::list).post(projects::create))
        .route(
            "/v3/projects/{id}",
            get(projects::show)
                .patch(projects::update)
                .delete(projects::delete),
        )
        .route("/v3/users", get(users::list).post(users::create))
        .route(
            "/v3/users/{id}",
            get(users::show).patch(users::update).delete(users::delete),
        )
        .route(
            "/v3/users/{id}/password",
            axum::routing::post(users::change_password),
        )
        .route("/v3/roles", get(roles::list).post(roles::create))
        .route(
            "/v3/roles/{id}",
            get(roles::show).patch(roles::update).delete(roles::delete),
        )
        .route("/v3/role_assignments", get(roles::assignments))
        .route("/v3/projects/{id}/users/{a}/roles/{r}", grant_routes())
        .route("/v3/projects/{id}/groups/{a}/roles/{r}", grant_routes())
        .route("/v3/domains/{id}/users/{a}/roles/{r}", grant_routes())
        .route("/v3/domains/{id}/groups/{a}/roles/{r}", grant_routes())
        .route("/v3/groups", get(groups::list).post(groups::create))
        .route(
            "/v3/groups/{id}",
            get(groups::show)
                .patch(groups::update)
                .delete(groups::delete),
        )
        .route("/v3/groups/{id}/users", get(groups::users))
        .route(
            "/v3/groups/{id}/users/{a}",
            axum::routing::put(groups::add_user)
                .head(groups::has_user)
                .get(groups::has_user)
                .delete(groups::remove_user),
        )
        .route("/v3/users/{id}/groups", get(groups::of_user))
        .route(
            "/v3/users/{id}/application_credentials",
            get(app_creds::list).post(app_creds::create),
        )
        .route(
            "/v3/users/{id}/application_credentials/{a}",
            get(app_creds::show).delete(app_creds::delete),
        )
        .route("/v3/auth/projects", get(projects::mine))
        .route("/v3/auth/domains", get(domains::mine))
        .route("/v3/users/{id}/projects", get(projects::of_user))
        .route(
            "/v3/regions",
            get(catalog::region_list).post(catalog::region_create),
        )
        .route(
            "/v3/regions/{id}",
            get(catalog::region_show)
                .put(catalog::region_put)
                .patch(catalog::region_update)
                .delete(catalog::region_delete),
        )
        .route(
            "/v3/services",
            get(catalog::service_list).post(catalog::service_create),
        )
        .route(
            "/v3/services/{id}",
            get(catalog::service_show)
                .patch(catalog::service_update)
                .delete(catalog::service_delete),
        )
        .route(
            "/v3/endpoints",
            get(catalog::endpoint_list).post(catalog::endpoint_create),
        )
        .route(
            "/v3/endpoints/{id}",
            get(catalog::endpoint_show)
                .patch(catalog::endpoint_update)
                .delete(catalog::endpoint_delete),
        )
        .layer(axum::Extension(app.verifier.clone()))
        .with_state(app);
    stratus_http::finish(routes, ApiOptions::new(ErrorStyle::Keystone))
        .layer(middleware::from_fn(www_authenticate))
}

fn grant_routes() -> axum::routing::MethodRouter<App> {
    axum::routing::put(roles::grant)
        .head(roles::check)
        .get(roles::check)
        .delete(roles::ungrant)
}

/// Keystone tells clients where to authenticate on every 401.
async fn www_authenticate(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let mut response = next.run(req).await;
    if response.status() == StatusCode::UNAUTHORIZED {
        let uri = host.map_or_else(String::new, |h| format!("http://{h}"));
        if let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{uri}\"")) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}
