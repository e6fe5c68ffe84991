//! `/v3/users/{user_id}/application_credentials`: a user's own credentials
//! (the secret appears only in the creation response).

use super::common::{list_links, self_link};
use crate::app::App;
use crate::app::app_creds::NewAppCred;
use crate::datastore::{AppCred, Role};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::SecondsFormat;
use serde::Deserialize;
use stratus_api::identity as api;
use stratus_common::Error;
use stratus_http::auth::Caller;
use stratus_http::{BaseUrl, Json};

fn cred_json(c: &AppCred, roles: &[Role], base: &str) -> api::ApplicationCredential {
    api::ApplicationCredential {
        id: c.id.clone(),
        name: c.name.clone(),
        description: c.description.clone(),
        user_id: c.user_id.clone(),
        project_id: c.project_id.clone(),
        unrestricted: c.unrestricted,
        access_rules: Vec::new(),
        expires_at: c
            .expires_at
            .map(|e| e.to_rfc3339_opts(SecondsFormat::Micros, true)),
        roles: roles
            .iter()
            .map(|r| api::CredRole {
                id: r.id.clone(),
                name: r.name.clone(),
                domain_id: None,
            })
            .collect(),
        links: self_link(
            base,
            &format!("/v3/users/{}/application_credentials/{}", c.user_id, c.id),
        ),
        secret: None,
    }
}

#[derive(Deserialize, Default)]
pub struct NameFilter {
    name: Option<String>,
}

/// Creates an application credential for the calling user on its token's project.
#[utoipa::path(post, path = "/v3/users/{user_id}/application_credentials", operation_id = "createApplicationCredential", tag = "application credentials", request_body = api::ApplicationCredentialRequest,
    params(("user_id" = String, Path, description = "The calling user")),
    responses((status = 201, description = "Created; the secret is shown only now", body = api::ApplicationCredentialBody), (status = 400, description = "Invalid roles or expiry"), (status = 409, description = "Name taken")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(user): Path<String>,
    Json(body): Json<api::ApplicationCredentialRequest>,
) -> Result<(StatusCode, Json<api::ApplicationCredentialBody>), Error> {
    let f = body.application_credential;
    let created = app
        .app_cred_create(
            &caller.0,
            &user,
            NewAppCred {
                name: f.name,
                description: f.description.unwrap_or_default(),
                secret: f.secret,
                expires_at: f.expires_at,
                roles: f.roles,
                unrestricted: f.unrestricted.unwrap_or(false),
            },
        )
        .await?;
    let mut v = cred_json(&created.cred, &created.roles, &base);
    v.secret = Some(created.secret);
    Ok((
        StatusCode::CREATED,
        Json(api::ApplicationCredentialBody {
            application_credential: v,
        }),
    ))
}

/// Lists the calling user's application credentials.
#[utoipa::path(get, path = "/v3/users/{user_id}/application_credentials", operation_id = "listApplicationCredentials", tag = "application credentials",
    params(("user_id" = String, Path, description = "The calling user"), ("name" = Option<String>, Query, description = "Filter by name")),
    responses((status = 200, description = "The credentials", body = api::ApplicationCredentialList)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path(user): Path<String>,
    Query(f): Query<NameFilter>,
) -> Result<Json<api::ApplicationCredentialList>, Error> {
    let creds = app
        .app_cred_list(&caller.0, &user, f.name.as_deref())
        .await?;
    Ok(Json(api::ApplicationCredentialList {
        application_credentials: creds
            .iter()
            .map(|(c, r)| cred_json(c, r, &base))
            .collect::<Vec<_>>(),
        links: list_links(&base, &format!("/v3/users/{user}/application_credentials")),
    }))
}

/// Shows one of the calling user's application credentials.
#[utoipa::path(get, path = "/v3/users/{user_id}/application_credentials/{id}", operation_id = "showApplicationCredential", tag = "application credentials",
    params(("user_id" = String, Path, description = "The calling user"), ("id" = String, Path, description = "The credential")),
    responses((status = 200, description = "The credential", body = api::ApplicationCredentialBody), (status = 404, description = "Not found")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    Path((user, id)): Path<(String, String)>,
) -> Result<Json<api::ApplicationCredentialBody>, Error> {
    let (c, r) = app.app_cred_get(&caller.0, &user, &id).await?;
    Ok(Json(api::ApplicationCredentialBody {
        application_credential: cred_json(&c, &r, &base),
    }))
}

/// Deletes an application credential and revokes the tokens issued with it.
#[utoipa::path(delete, path = "/v3/users/{user_id}/application_credentials/{id}", operation_id = "deleteApplicationCredential", tag = "application credentials",
    params(("user_id" = String, Path, description = "The calling user"), ("id" = String, Path, description = "The credential")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path((user, id)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    app.app_cred_delete(&caller.0, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
