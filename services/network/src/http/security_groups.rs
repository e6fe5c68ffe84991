//! `/v2.0/security-groups` and `/v2.0/security-group-rules`.

use super::common::{self, time};
use crate::app::App;
use crate::datastore::{Rule, SecurityGroup};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::Value;
use stratus_api::network as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

fn rule_view(r: &Rule) -> api::SecurityGroupRule {
    api::SecurityGroupRule {
        id: r.id.clone(),
        security_group_id: r.security_group_id.clone(),
        tenant_id: r.project_id.clone(),
        project_id: r.project_id.clone(),
        direction: if r.direction == "egress" {
            api::Direction::Egress
        } else {
            api::Direction::Ingress
        },
        ethertype: if r.ethertype == "IPv6" {
            api::Ethertype::IPv6
        } else {
            api::Ethertype::IPv4
        },
        protocol: r.protocol.clone(),
        port_range_min: r.port_range_min.map(i64::from),
        port_range_max: r.port_range_max.map(i64::from),
        remote_ip_prefix: r.remote_ip_prefix.clone(),
        remote_group_id: r.remote_group_id.clone(),
        remote_address_group_id: None,
        normalized_cidr: r.remote_ip_prefix.clone(),
        description: r.description.clone(),
        revision_number: 0,
        created_at: time(&r.created_at),
        updated_at: time(&r.updated_at),
    }
}

fn group_view(g: &SecurityGroup, rules: &[Rule]) -> api::SecurityGroup {
    api::SecurityGroup {
        id: g.id.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        tenant_id: g.project_id.clone(),
        project_id: g.project_id.clone(),
        stateful: g.stateful,
        shared: false,
        tags: Vec::new(),
        revision_number: g.revision_number.into(),
        created_at: time(&g.created_at),
        updated_at: time(&g.updated_at),
        security_group_rules: rules
            .iter()
            .filter(|r| r.security_group_id == g.id)
            .map(rule_view)
            .collect(),
    }
}

async fn one(app: &App, g: &SecurityGroup) -> Result<api::SecurityGroup, Error> {
    let rules = app.sg_rules(std::slice::from_ref(g)).await?;
    Ok(group_view(g, &rules))
}

/// Creates a security group (with egress-anywhere rules).
#[utoipa::path(post, path = "/v2.0/security-groups", operation_id = "createSecurityGroup", tag = "security-groups",
    request_body = api::SecurityGroupCreateBody,
    responses((status = 201, description = "Created", body = api::SecurityGroupBody), (status = 409, description = "A second default group")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::SecurityGroupCreateBody>,
) -> Result<(StatusCode, Json<api::SecurityGroupBody>), Error> {
    let g = app.sg_create(&caller.0, &body.security_group).await?;
    let security_group = one(&app, &g).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::SecurityGroupBody { security_group }),
    ))
}

/// Lists the project's security groups (making its default one if needed).
#[utoipa::path(get, path = "/v2.0/security-groups", operation_id = "listSecurityGroups", tag = "security-groups",
    params(api::ListQuery),
    responses((status = 200, description = "The groups with their rules", body = api::SecurityGroupList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let groups = app.sg_list(&caller.0).await?;
    let rules = app.sg_rules(&groups).await?;
    let items: Vec<_> = groups.iter().map(|g| group_view(g, &rules)).collect();
    Ok(Json(common::list(
        "security_groups",
        items,
        &query,
        &format!("{base}/v2.0/security-groups"),
    )?))
}

/// Shows a security group with its rules.
#[utoipa::path(get, path = "/v2.0/security-groups/{security_group_id}", operation_id = "showSecurityGroup", tag = "security-groups",
    params(("security_group_id" = String, Path, description = "The group")),
    responses((status = 200, description = "The group", body = api::SecurityGroupBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::SecurityGroupBody>, Error> {
    let g = app.sg_get(&caller.0, &id).await?;
    let security_group = one(&app, &g).await?;
    Ok(Json(api::SecurityGroupBody { security_group }))
}

/// Renames or redescribes a security group.
#[utoipa::path(put, path = "/v2.0/security-groups/{security_group_id}", operation_id = "updateSecurityGroup", tag = "security-groups",
    request_body = api::SecurityGroupUpdateBody,
    params(("security_group_id" = String, Path, description = "The group")),
    responses((status = 200, description = "Updated", body = api::SecurityGroupBody), (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<api::SecurityGroupUpdateBody>,
) -> Result<Json<api::SecurityGroupBody>, Error> {
    let g = app.sg_update(&caller.0, &id, &body.security_group).await?;
    let security_group = one(&app, &g).await?;
    Ok(Json(api::SecurityGroupBody { security_group }))
}

/// Deletes a security group no port uses (not the default one).
#[utoipa::path(delete, path = "/v2.0/security-groups/{security_group_id}", operation_id = "deleteSecurityGroup", tag = "security-groups",
    params(("security_group_id" = String, Path, description = "The group")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found"), (status = 409, description = "In use, or the default group")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.sg_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a rule to a security group.
#[utoipa::path(post, path = "/v2.0/security-group-rules", operation_id = "createSecurityGroupRule", tag = "security-groups",
    request_body = api::SecurityGroupRuleCreateBody,
    responses((status = 201, description = "Created", body = api::SecurityGroupRuleBody), (status = 400, description = "Bad rule"),
              (status = 404, description = "No such group"), (status = 409, description = "The same rule exists")))]
pub async fn rule_create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::SecurityGroupRuleCreateBody>,
) -> Result<(StatusCode, Json<api::SecurityGroupRuleBody>), Error> {
    let r = app
        .rule_create(&caller.0, &body.security_group_rule)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(api::SecurityGroupRuleBody {
            security_group_rule: rule_view(&r),
        }),
    ))
}

/// Lists the rules of the project's security groups.
#[utoipa::path(get, path = "/v2.0/security-group-rules", operation_id = "listSecurityGroupRules", tag = "security-groups",
    params(api::ListQuery),
    responses((status = 200, description = "The rules", body = api::SecurityGroupRuleList)))]
pub async fn rule_list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let items = app
        .rule_list(&caller.0)
        .await?
        .iter()
        .map(rule_view)
        .collect::<Vec<_>>();
    Ok(Json(common::list(
        "security_group_rules",
        items,
        &query,
        &format!("{base}/v2.0/security-group-rules"),
    )?))
}

/// Shows a rule.
#[utoipa::path(get, path = "/v2.0/security-group-rules/{rule_id}", operation_id = "showSecurityGroupRule", tag = "security-groups",
    params(("rule_id" = String, Path, description = "The rule")),
    responses((status = 200, description = "The rule", body = api::SecurityGroupRuleBody), (status = 404, description = "Not found")))]
pub async fn rule_show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::SecurityGroupRuleBody>, Error> {
    let r = app.rule_get(&caller.0, &id).await?;
    Ok(Json(api::SecurityGroupRuleBody {
        security_group_rule: rule_view(&r),
    }))
}

/// Deletes a rule.
#[utoipa::path(delete, path = "/v2.0/security-group-rules/{rule_id}", operation_id = "deleteSecurityGroupRule", tag = "security-groups",
    params(("rule_id" = String, Path, description = "The rule")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn rule_delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    app.rule_delete(&caller.0, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
