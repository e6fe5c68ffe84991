//! The compute API's routes and its OpenAPI document.

pub mod flavors;
pub mod hosts;
pub mod interfaces;
pub mod keypairs;
mod microversion;
pub mod quotas;
pub mod server_groups;
pub mod server_metadata;
pub mod servers;
pub mod usage;
mod versions;

use axum::Router;
use axum::routing::{get, post};
use stratus_common::ErrorStyle;
use stratus_http::ApiOptions;
use utoipa::OpenApi;

use crate::app::App;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stratus Compute API",
        description = "The Nova v2.1 subset served by stratus-compute."
    ),
    paths(
        versions::root,
        versions::v2_1,
        flavors::create,
        flavors::list,
        flavors::detail,
        flavors::show,
        flavors::delete,
        flavors::specs,
        flavors::specs_set,
        flavors::spec,
        flavors::spec_set,
        flavors::spec_delete,
        flavors::access,
        flavors::action,
        keypairs::create,
        keypairs::list,
        keypairs::show,
        keypairs::delete,
        hosts::hypervisors,
        hosts::hypervisors_detail,
        hosts::statistics,
        hosts::hypervisor,
        hosts::services,
        hosts::service_update,
        hosts::service_delete,
        hosts::zones,
        hosts::zones_detail,
        quotas::show,
        quotas::detail,
        quotas::defaults,
        quotas::update,
        quotas::reset,
        quotas::limits,
        server_groups::create,
        server_groups::list,
        server_groups::show,
        server_groups::delete,
        servers::create,
        servers::list,
        servers::detail,
        servers::show,
        servers::update,
        servers::delete,
        servers::action,
        servers::actions,
        servers::action_show,
        servers::volumes,
        servers::volume,
        servers::volume_attach,
        servers::volume_detach,
        interfaces::list,
        interfaces::show,
        interfaces::attach,
        interfaces::detach,
        server_metadata::list,
        server_metadata::replace,
        server_metadata::merge,
        server_metadata::show,
        server_metadata::set,
        server_metadata::delete,
        usage::list,
        usage::show,
    )
)]
struct ApiDoc;

pub fn openapi_documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    vec![(
        "compute",
        stratus_http::openapi::finish(ApiDoc::openapi(), stratus_common::ErrorStyle::Nova, &[]),
    )]
}

pub(crate) use crate::time::{iso, time};

/// The discovery documents alone (no state needed).
fn discovery() -> Router {
    Router::new()
        .route("/", get(versions::root))
        .route("/v2.1", get(versions::v2_1))
        .route("/v2.1/", get(versions::v2_1))
}

/// The compute API with the shared layers (Nova fault bodies, the request
/// id also as `X-Compute-Request-Id`, microversion headers). The token
/// verifier is added by the runner (or a test).
pub fn router(app: App) -> Router {
    let api = Router::new()
        .route("/v2.1/flavors", post(flavors::create).get(flavors::list))
        .route("/v2.1/flavors/detail", get(flavors::detail))
        .route(
            "/v2.1/flavors/{flavor_id}",
            get(flavors::show).delete(flavors::delete),
        )
        .route(
            "/v2.1/flavors/{flavor_id}/os-extra_specs",
            get(flavors::specs).post(flavors::specs_set),
        )
        .route(
            "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}",
            get(flavors::spec)
                .put(flavors::spec_set)
                .delete(flavors::spec_delete),
        )
        .route(
            "/v2.1/flavors/{flavor_id}/os-flavor-access",
            get(flavors::access),
        )
        .route("/v2.1/flavors/{flavor_id}/action", post(flavors::action))
        .route(
            "/v2.1/os-keypairs",
            post(keypairs::create).get(keypairs::list),
        )
        .route(
            "/v2.1/os-keypairs/{name}",
            get(keypairs::show).delete(keypairs::delete),
        )
        .route("/v2.1/os-hypervisors", get(hosts::hypervisors))
        .route(
            "/v2.1/os-hypervisors/detail",
            get(hosts::hypervisors_detail),
        )
        .route("/v2.1/os-hypervisors/statistics", get(hosts::statistics))
        .route(
            "/v2.1/os-hypervisors/{hypervisor_id}",
            get(hosts::hypervisor),
        )
        .route("/v2.1/os-services", get(hosts::services))
        .route(
            "/v2.1/os-services/{id}",
            axum::routing::put(hosts::service_update).delete(hosts::service_delete),
        )
        .route("/v2.1/os-availability-zone", get(hosts::zones))
        .route(
            "/v2.1/os-availability-zone/detail",
            get(hosts::zones_detail),
        )
        .route(
            "/v2.1/os-quota-sets/{project_id}",
            get(quotas::show).put(quotas::update).delete(quotas::reset),
        )
        .route(
            "/v2.1/os-quota-sets/{project_id}/detail",
            get(quotas::detail),
        )
        .route(
            "/v2.1/os-quota-sets/{project_id}/defaults",
            get(quotas::defaults),
        )
        .route("/v2.1/limits", get(quotas::limits))
        .route(
            "/v2.1/os-server-groups",
            post(server_groups::create).get(server_groups::list),
        )
        .route(
            "/v2.1/os-server-groups/{group_id}",
            get(server_groups::show).delete(server_groups::delete),
        )
        .route("/v2.1/servers", post(servers::create).get(servers::list))
        .route("/v2.1/servers/detail", get(servers::detail))
        .route(
            "/v2.1/servers/{server_id}",
            get(servers::show)
                .put(servers::update)
                .delete(servers::delete),
        )
        .route("/v2.1/servers/{server_id}/action", post(servers::action))
        .route(
            "/v2.1/servers/{server_id}/os-instance-actions",
            get(servers::actions),
        )
        .route(
            "/v2.1/servers/{server_id}/os-instance-actions/{request_id}",
            get(servers::action_show),
        )
        .route(
            "/v2.1/servers/{server_id}/os-volume_attachments",
            get(servers::volumes).post(servers::volume_attach),
        )
        .route(
            "/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}",
            get(servers::volume).delete(servers::volume_detach),
        )
        .route(
            "/v2.1/servers/{server_id}/os-interface",
            get(interfaces::list).post(interfaces::attach),
        )
        .route(
            "/v2.1/servers/{server_id}/os-interface/{port_id}",
            get(interfaces::show).delete(interfaces::detach),
        )
        .route(
            "/v2.1/servers/{server_id}/metadata",
            get(server_metadata::list)
                .put(server_metadata::replace)
                .post(server_metadata::merge),
        )
        .route(
            "/v2.1/servers/{server_id}/metadata/{key}",
            get(server_metadata::show)
                .put(server_metadata::set)
                .delete(server_metadata::delete),
        )
        .route("/v2.1/os-simple-tenant-usage", get(usage::list))
        .route("/v2.1/os-simple-tenant-usage/{tenant_id}", get(usage::show))
        .with_state(app);
    finish(discovery().merge(api))
}

fn finish(routes: Router) -> Router {
    let options = ApiOptions {
        request_id_aliases: &["x-compute-request-id"],
        ..ApiOptions::new(ErrorStyle::Nova)
    };
    stratus_http::finish(
        routes.layer(axum::middleware::from_fn(microversion::layer)),
        options,
    )
}
