//! `/v2.0/security-groups` and `/v2.0/security-group-rules`.

use super::common::{self, time};
use crate::app::App;
use crate::datastore::{Rule, SecurityGroup};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

fn rule_json(r: &Rule) -> Value {
    json!({
        "id": r.id, "security_group_id": r.security_group_id, "tenant_id": r.project_id, "project_id": r.project_id,
        "direction": r.direction, "ethertype": r.ethertype, "protocol": r.protocol,
        "port_range_min": r.port_range_min, "port_range_max": r.port_range_max,
        "remote_ip_prefix": r.remote_ip_prefix, "remote_group_id": r.remote_group_id,
        "remote_address_group_id": null, "normalized_cidr": r.remote_ip_prefix,
        "description": r.description, "revision_number": 0,
        "created_at": time(&r.created_at), "updated_at": time(&r.updated_at),
    })
}

fn group_json(g: &SecurityGroup, rules: &[Rule]) -> Value {
    json!({
        "id": g.id, "name": g.name, "description": g.description, "tenant_id": g.project_id,
        "project_id": g.project_id, "stateful": g.stateful, "shared": false, "tags": [],
        "revision_number": g.revision_number, "created_at": time(&g.created_at), "updated_at": time(&g.updated_at),
        "security_group_rules": rules.iter().filter(|r| r.security_group_id == g.id).map(rule_json).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
pub struct GroupBody {
    security_group: Map<String, Value>,
}

#[derive(Deserialize)]
pub struct RuleBody {
    security_group_rule: Map<String, Value>,
}

async fn one(app: &App, g: &SecurityGroup) -> Result<Value, Error> {
    let rules = app.sg_rules(std::slice::from_ref(g)).await?;
    Ok(group_json(g, &rules))
}

/// Creates a security group (with egress-anywhere rules).
#[utoipa::path(post, path = "/v2.0/security-groups", operation_id = "createSecurityGroup", tag = "security-groups", request_body = Object,
    responses((status = 201, description = "Created", body = Object), (status = 409, description = "A second default group")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<GroupBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let g = app.sg_create(&caller.0, &body.security_group).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"security_group": one(&app, &g).await?})),
    ))
}

/// Lists the project's security groups (making its default one if needed).
#[utoipa::path(get, path = "/v2.0/security-groups", operation_id = "listSecurityGroups", tag = "security-groups",
    responses((status = 200, description = "The groups with their rules", body = Object)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, Error> {
    let groups = app.sg_list(&caller.0).await?;
    let rules = app.sg_rules(&groups).await?;
    let items = groups.iter().map(|g| group_json(g, &rules)).collect();
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
    responses((status = 200, description = "The group", body = Object), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let g = app.sg_get(&caller.0, &id).await?;
    Ok(Json(json!({"security_group": one(&app, &g).await?})))
}

/// Renames or redescribes a security group.
#[utoipa::path(put, path = "/v2.0/security-groups/{security_group_id}", operation_id = "updateSecurityGroup", tag = "security-groups", request_body = Object,
    params(("security_group_id" = String, Path, description = "The group")),
    responses((status = 200, description = "Updated", body = Object), (status = 404, description = "Not found")))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<GroupBody>,
) -> Result<Json<Value>, Error> {
    let g = app.sg_update(&caller.0, &id, &body.security_group).await?;
    Ok(Json(json!({"security_group": one(&app, &g).await?})))
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
#[utoipa::path(post, path = "/v2.0/security-group-rules", operation_id = "createSecurityGroupRule", tag = "security-groups", request_body = Object,
    responses((status = 201, description = "Created", body = Object), (status = 400, description = "Bad rule"),
              (status = 404, description = "No such group"), (status = 409, description = "The same rule exists")))]
pub async fn rule_create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<RuleBody>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let r = app
        .rule_create(&caller.0, &body.security_group_rule)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"security_group_rule": rule_json(&r)})),
    ))
}

/// Lists the rules of the project's security groups.
#[utoipa::path(get, path = "/v2.0/security-group-rules", operation_id = "listSecurityGroupRules", tag = "security-groups",
    responses((status = 200, description = "The rules", body = Object)))]
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
        .map(rule_json)
        .collect();
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
    responses((status = 200, description = "The rule", body = Object), (status = 404, description = "Not found")))]
pub async fn rule_show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    Ok(Json(
        json!({"security_group_rule": rule_json(&app.rule_get(&caller.0, &id).await?)}),
    ))
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
