//! `/v3/auth/...`: tokens (issue, validate, check, revoke), the caller's
//! catalog, the signing keys as a JWKS, and the revocation events services
//! load at start (`/v3/OS-REVOKE/events`).

use crate::app::App;
use crate::app::tokens::AuthRequest;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use stratus_api::identity as api;
use stratus_auth::{Jwks, Scope, TokenClaims};
use stratus_common::Error;
use stratus_http::Json;

pub const SUBJECT_TOKEN: &str = "x-subject-token";

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    /// Leave the catalog out of the response.
    #[serde(default)]
    nocatalog: Option<String>,
}

impl TokenQuery {
    fn wants_catalog(&self) -> bool {
        self.nocatalog.is_none()
    }
}

fn timestamp(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

async fn token_json(
    app: &App,
    claims: &TokenClaims,
    with_catalog: bool,
) -> Result<api::Token, Error> {
    let named = |id: &str, name: &str| api::NamedRef {
        id: id.to_owned(),
        name: name.to_owned(),
    };
    let mut token = api::Token {
        methods: claims.methods.clone(),
        user: api::TokenUser {
            id: claims.user.id.clone(),
            name: claims.user.name.clone(),
            domain: named(&claims.user.domain.id, &claims.user.domain.name),
            password_expires_at: None,
        },
        audit_ids: claims.audit_ids.clone(),
        issued_at: timestamp(claims.iat),
        expires_at: timestamp(claims.exp),
        project: None,
        is_domain: None,
        is_admin_project: None,
        domain: None,
        application_credential: None,
        roles: None,
        catalog: None,
    };
    match &claims.scope {
        Scope::Unscoped => {}
        Scope::Project(p) => {
            token.project = Some(api::TokenProject {
                id: p.id.clone(),
                name: p.name.clone(),
                domain: named(&p.domain.id, &p.domain.name),
            });
            token.is_domain = Some(false);
            token.is_admin_project = Some(claims.is_admin_project);
        }
        Scope::Domain(d) => token.domain = Some(named(&d.id, &d.name)),
    }
    if let Some(cred) = &claims.application_credential {
        token.application_credential = Some(api::TokenAppCred {
            id: cred.id.clone(),
            name: cred.name.clone(),
            restricted: true,
        });
    }
    if !matches!(claims.scope, Scope::Unscoped) {
        token.roles = Some(claims.roles.iter().map(|r| named(&r.id, &r.name)).collect());
        if with_catalog {
            token.catalog = Some(app.catalog_for(claims.project_id()).await?);
        }
    }
    Ok(token)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// The caller, from `X-Auth-Token`.
pub async fn caller(app: &App, headers: &HeaderMap) -> Result<TokenClaims, Error> {
    stratus_http::auth::authenticate(&app.verifier, headers).await
}

/// The caller and the subject token it asks about; only its owner or an admin may.
async fn caller_and_subject(
    app: &App,
    headers: &HeaderMap,
) -> Result<(TokenClaims, TokenClaims), Error> {
    let caller = caller(app, headers).await?;
    let subject = header(headers, SUBJECT_TOKEN)
        .ok_or_else(|| Error::bad_request("The X-Subject-Token header is required."))?;
    let subject = app.validate(subject).await?;
    if !crate::app::policy::self_or_admin(&caller, &subject.sub) {
        return Err(Error::forbidden(
            "You are not authorized to perform the requested action: identity:validate_token.",
        ));
    }
    Ok((caller, subject))
}

/// Authenticates and issues a token (`X-Subject-Token`).
#[utoipa::path(post, path = "/v3/auth/tokens", operation_id = "issueToken", tag = "auth",
    request_body(content = api::AuthRequest, description = "Keystone's auth request: identity (methods password, token) and scope"),
    params(("nocatalog" = Option<String>, Query, description = "Leave the catalog out")),
    responses(
        (status = 201, description = "The token, in X-Subject-Token", body = api::TokenBody),
        (status = 400, description = "Malformed request"),
        (status = 401, description = "Authentication failed"),
        (status = 429, description = "Too many failed logins from this address, or too many in progress"),
    ))]
pub async fn issue(
    State(app): State<App>,
    Query(query): Query<TokenQuery>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    Json(request): Json<AuthRequest>,
) -> Result<Response, Error> {
    // The peer's address, or the client's a trusted proxy forwards (another
    // proxy in front makes it that proxy's: give it room in
    // `source_failures`).
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let source = login_source(peer, &headers, &app.config.trusted_proxies);
    let issued = app.authenticate(request, source).await?;
    let body = token_json(&app, &issued.claims, query.wants_catalog()).await?;
    let mut response = (StatusCode::CREATED, Json(api::TokenBody { token: body })).into_response();
    let value = HeaderValue::from_str(&issued.token).map_err(|e| Error::internal(&e))?;
    response.headers_mut().insert(SUBJECT_TOKEN, value);
    Ok(response)
}

/// Validates `X-Subject-Token` and describes it.
#[utoipa::path(get, path = "/v3/auth/tokens", operation_id = "validateToken", tag = "auth",
    params(("nocatalog" = Option<String>, Query, description = "Leave the catalog out")),
    responses(
        (status = 200, description = "The subject token", body = api::TokenBody),
        (status = 401, description = "The caller's token is invalid"),
        (status = 404, description = "The subject token is invalid, expired or revoked"),
    ))]
pub async fn validate(
    State(app): State<App>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let (_, subject) = caller_and_subject(&app, &headers).await?;
    let body = token_json(&app, &subject, query.wants_catalog()).await?;
    let mut response = Json(api::TokenBody { token: body }).into_response();
    if let Some(v) = headers.get(SUBJECT_TOKEN) {
        response.headers_mut().insert(SUBJECT_TOKEN, v.clone());
    }
    Ok(response)
}

/// Checks `X-Subject-Token` without a body.
#[utoipa::path(head, path = "/v3/auth/tokens", operation_id = "checkToken", tag = "auth",
    responses((status = 200, description = "Valid"), (status = 404, description = "Invalid, expired or revoked")))]
pub async fn check(State(app): State<App>, headers: HeaderMap) -> Result<StatusCode, Error> {
    caller_and_subject(&app, &headers).await?;
    Ok(StatusCode::OK)
}

/// Revokes `X-Subject-Token` and the tokens rescoped from it.
#[utoipa::path(delete, path = "/v3/auth/tokens", operation_id = "revokeToken", tag = "auth",
    responses((status = 204, description = "Revoked"), (status = 404, description = "Invalid, expired or revoked")))]
pub async fn revoke(State(app): State<App>, headers: HeaderMap) -> Result<StatusCode, Error> {
    let (_, subject) = caller_and_subject(&app, &headers).await?;
    app.revoke(&subject).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The catalog of the caller's token.
#[utoipa::path(get, path = "/v3/auth/catalog", operation_id = "showAuthCatalog", tag = "auth",
    responses((status = 200, description = "The catalog", body = api::CatalogBody), (status = 401, description = "Not authenticated")))]
pub async fn catalog(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Json<api::CatalogBody>, Error> {
    let claims = caller(&app, &headers).await?;
    if matches!(claims.scope, Scope::Unscoped) {
        return Err(Error::forbidden(
            "An unscoped token has no catalog; scope it to a project or a domain.",
        ));
    }
    Ok(Json(api::CatalogBody {
        catalog: app.catalog_for(claims.project_id()).await?,
        links: [("self".to_owned(), None)].into(),
    }))
}

/// The public keys tokens are signed with (RFC 7517, Ed25519 `OKP` keys).
#[utoipa::path(get, path = "/v3/auth/jwks", operation_id = "showJwks", tag = "auth",
    responses((status = 200, description = "The JWKS", body = api::Jwks)))]
pub async fn jwks(State(app): State<App>) -> Result<Json<Jwks>, Error> {
    Ok(Json(app.keys.jwks().await?))
}

/// Revocation events that can still match a live token, for services to load at start.
#[utoipa::path(get, path = "/v3/OS-REVOKE/events", operation_id = "listRevocationEvents", tag = "auth",
    responses((status = 200, description = "Live revocation events", body = api::RevocationEventList)))]
pub async fn revoke_events(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Json<api::RevocationEventList>, Error> {
    let claims = caller(&app, &headers).await?;
    Ok(Json(api::RevocationEventList {
        events: app.revocation_events(&claims).await?,
    }))
}

/// Where a login comes from: the peer, or when the peer is a trusted proxy
/// the last address it put in `X-Forwarded-For` (a malformed header counts
/// as the proxy's own).
pub fn login_source(
    peer: Option<std::net::IpAddr>,
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse().ok())
        .or(Some(peer))
}

#[cfg(test)]
mod source_tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let proxy: std::net::IpAddr = "127.0.0.1".parse().expect("ip");
        let other: std::net::IpAddr = "192.0.2.7".parse().expect("ip");
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.9".parse().expect("hv"),
        );
        let client: std::net::IpAddr = "203.0.113.9".parse().expect("ip");
        assert_eq!(login_source(Some(proxy), &h, &[proxy]), Some(client));
        assert_eq!(
            login_source(Some(other), &h, &[proxy]),
            Some(other),
            "anyone else's header is ignored"
        );
        assert_eq!(login_source(Some(proxy), &h, &[]), Some(proxy));
        let mut bad = axum::http::HeaderMap::new();
        bad.insert("x-forwarded-for", "not an address".parse().expect("hv"));
        assert_eq!(login_source(Some(proxy), &bad, &[proxy]), Some(proxy));
        assert_eq!(
            login_source(Some(proxy), &axum::http::HeaderMap::new(), &[proxy]),
            Some(proxy)
        );
    }
}
