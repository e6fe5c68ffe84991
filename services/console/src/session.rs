//! Login, the session, the project switcher and logout. The token lives only
//! in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` when configured):
//! no script of the page can read it, and identity's `X-Subject-Token` never
//! reaches the browser.

use crate::Console;
use crate::catalog::Endpoint;
use crate::identity::{Issued, ProjectRef};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use stratus_api::identity::TokenBody;
use stratus_common::Error;

/// The session cookie's name.
pub const COOKIE: &str = "stratus_session";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The user's domain, by name (default `Default`).
    #[serde(default)]
    pub domain: Option<String>,
    /// The project to scope to, by name; else the first the user has a role on.
    #[serde(default)]
    pub project: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchRequest {
    pub project_id: String,
}

/// Who is logged in, to what, and where the services are.
#[derive(Debug, Serialize)]
pub struct SessionView {
    pub user: UserView,
    pub project: ProjectRef,
    pub roles: Vec<String>,
    /// Whether the admin panels apply (the `admin` role).
    pub admin: bool,
    pub expires_at: String,
    /// The projects the user may switch to.
    pub projects: Vec<ProjectRef>,
    /// The catalog's endpoint of each service the console proxies.
    pub endpoints: BTreeMap<&'static str, Endpoint>,
}

#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub domain: String,
}

/// The token the browser holds, if any.
pub fn token(jar: &CookieJar) -> Option<&str> {
    jar.get(COOKIE).map(|c| c.value()).filter(|v| !v.is_empty())
}

fn cookie(console: &Console, value: String) -> Cookie<'static> {
    Cookie::build((COOKIE, value))
        .http_only(true)
        .secure(console.secure_cookie)
        .same_site(SameSite::Strict)
        .path("/")
        .build()
}

fn checked(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::bad_request(format!("'{field}' is required.")));
    }
    if value.len() > max {
        return Err(Error::bad_request(format!(
            "'{field}' is longer than {max} characters."
        )));
    }
    Ok(())
}

/// `POST /auth/login`: a password login; the token goes into the cookie.
pub async fn login(
    State(console): State<Arc<Console>>,
    jar: CookieJar,
    extensions: axum::http::Extensions,
    stratus_http::Json(req): stratus_http::Json<LoginRequest>,
) -> Result<Response, Error> {
    let client = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    checked("username", &req.username, 255)?;
    checked("password", &req.password, 4096)?;
    let domain = req.domain.as_deref().unwrap_or("Default");
    checked("domain", domain, 255)?;
    if let Some(p) = &req.project {
        checked("project", p, 255)?;
    }
    let identity = &console.identity;
    let mut issued = identity
        .password(
            &req.username,
            domain,
            &req.password,
            req.project.as_deref(),
            client,
        )
        .await?;
    if issued.body.token.project.is_none() {
        let projects = identity.projects(&issued.token).await?;
        let first = projects
            .first()
            .ok_or_else(|| Error::forbidden("You have no role on any project."))?;
        issued = identity.rescope(&issued.token, &first.id).await?;
    }
    respond(&console, jar, issued).await
}

/// `POST /auth/project`: the same user, scoped to another of their projects.
pub async fn switch(
    State(console): State<Arc<Console>>,
    jar: CookieJar,
    stratus_http::Json(req): stratus_http::Json<SwitchRequest>,
) -> Result<Response, Error> {
    checked("project_id", &req.project_id, 64)?;
    let token = token(&jar).ok_or_else(not_logged_in)?;
    let issued = console.identity.rescope(token, &req.project_id).await?;
    respond(&console, jar, issued).await
}

async fn respond(console: &Console, jar: CookieJar, issued: Issued) -> Result<Response, Error> {
    let view = view(console, &issued.token, &issued.body).await?;
    let jar = jar.add(cookie(console, issued.token));
    Ok((jar, Json(view)).into_response())
}

/// `GET /auth/session`: who the cookie's token belongs to; `204` when there
/// is no session (no cookie, or a token identity no longer honours, whose
/// cookie is then cleared). Not a `401`: being logged out is the login
/// page's normal state, not an error in the browser's console.
pub async fn session(
    State(console): State<Arc<Console>>,
    jar: CookieJar,
) -> Result<Response, Error> {
    let Some(token) = token(&jar) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let body = match console.identity.validate(token).await {
        Ok(body) => body,
        Err(e) if e.kind == stratus_common::ErrorKind::Unauthenticated => {
            let jar = jar.clone().remove(cookie(&console, String::new()));
            return Ok((jar, StatusCode::NO_CONTENT).into_response());
        }
        Err(e) => return Err(e),
    };
    Ok(Json(view(&console, token, &body).await?).into_response())
}

/// `POST /auth/logout`: revokes the token and clears the cookie.
pub async fn logout(State(console): State<Arc<Console>>, jar: CookieJar) -> Response {
    let revoked = match token(&jar) {
        Some(t) => console.identity.revoke(t).await,
        None => Ok(()),
    };
    let jar = jar.remove(cookie(&console, String::new()));
    match revoked {
        Ok(()) => (jar, StatusCode::NO_CONTENT).into_response(),
        Err(e) => (jar, e).into_response(),
    }
}

pub fn not_logged_in() -> Error {
    Error::unauthenticated("Log in first.")
}

async fn view(console: &Console, token: &str, body: &TokenBody) -> Result<SessionView, Error> {
    let t = &body.token;
    let project = t
        .project
        .as_ref()
        .map(|p| ProjectRef {
            id: p.id.clone(),
            name: p.name.clone(),
        })
        .ok_or_else(|| Error::forbidden("The console needs a project-scoped token."))?;
    let roles: Vec<String> = t.roles.iter().flatten().map(|r| r.name.clone()).collect();
    let endpoints = console
        .catalog
        .learn(t.catalog.as_deref().unwrap_or_default());
    let projects = console.identity.projects(token).await?;
    Ok(SessionView {
        user: UserView {
            id: t.user.id.clone(),
            name: t.user.name.clone(),
            domain: t.user.domain.name.clone(),
        },
        admin: roles.iter().any(|r| r == "admin"),
        roles,
        project,
        expires_at: t.expires_at.clone(),
        projects,
        endpoints,
    })
}
