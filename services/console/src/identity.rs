//! The console's client of identity: password logins, rescoping to another
//! project, validating a token (with the catalog), revoking it, and the
//! projects a user may switch to. Always with the user's own token.

use reqwest::{Client, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use stratus_api::identity::TokenBody;
use stratus_common::Error;

const SUBJECT_TOKEN: &str = "x-subject-token";
const AUTH_TOKEN: &str = "x-auth-token";

/// A token and what identity says of it.
pub struct Issued {
    pub token: String,
    pub body: TokenBody,
}

#[derive(Clone)]
pub struct IdentityClient {
    http: Client,
    base: String,
}

/// A project the user has a role on.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
pub struct ProjectRef {
    pub id: String,
    pub name: String,
}

#[derive(Deserialize)]
struct ProjectList {
    projects: Vec<ProjectRef>,
}

impl IdentityClient {
    pub fn new(http: Client, identity_url: &str) -> Self {
        Self {
            http,
            base: identity_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Logs in with a password, scoped to `project` (a name in the user's
    /// domain) or unscoped.
    /// `client` is the browser's address, passed on in `X-Forwarded-For`
    /// so identity throttles each guesser on its own (identity believes it
    /// only from peers in its `trusted_proxies`).
    pub async fn password(
        &self,
        user: &str,
        domain: &str,
        password: &str,
        project: Option<&str>,
        client: Option<std::net::IpAddr>,
    ) -> Result<Issued, Error> {
        let mut auth = json!({"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": domain}, "password": password}}}});
        if let Some(p) = project {
            auth["scope"] = json!({"project": {"name": p, "domain": {"name": domain}}});
        }
        self.issue(json!({ "auth": auth }), client).await
    }

    /// A token for `project_id` made from `token` (the project switcher).
    pub async fn rescope(&self, token: &str, project_id: &str) -> Result<Issued, Error> {
        self.issue(
            json!({"auth": {
            "identity": {"methods": ["token"], "token": {"id": token}},
            "scope": {"project": {"id": project_id}}}}),
            None,
        )
        .await
    }

    async fn issue(&self, body: Value, client: Option<std::net::IpAddr>) -> Result<Issued, Error> {
        let mut req = self
            .http
            .post(format!("{}/auth/tokens", self.base))
            .json(&body);
        if let Some(ip) = client {
            req = req.header("x-forwarded-for", ip.to_string());
        }
        let resp = req.send().await.map_err(unreachable)?;
        let status = resp.status();
        let token = resp
            .headers()
            .get(SUBJECT_TOKEN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(refused(status, &bytes));
        }
        let token = token.ok_or_else(|| Error::unavailable("Identity issued no token."))?;
        let body = serde_json::from_slice(&bytes)
            .map_err(|_| Error::unavailable("Identity answered an unreadable token."))?;
        Ok(Issued { token, body })
    }

    /// What identity says of `token` (asked with the token itself), with
    /// the catalog. `401` when it is expired, revoked or not a token.
    pub async fn validate(&self, token: &str) -> Result<TokenBody, Error> {
        let resp = self
            .http
            .get(format!("{}/auth/tokens", self.base))
            .header(AUTH_TOKEN, token)
            .header(SUBJECT_TOKEN, token)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(unreachable)?;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::NOT_FOUND {
            return Err(Error::unauthenticated(
                "The session has ended; log in again.",
            ));
        }
        if !status.is_success() {
            return Err(refused(status, &bytes));
        }
        serde_json::from_slice(&bytes)
            .map_err(|_| Error::unavailable("Identity answered an unreadable token."))
    }

    /// Revokes `token` (logout). A token already invalid is not an error.
    pub async fn revoke(&self, token: &str) -> Result<(), Error> {
        let resp = self
            .http
            .delete(format!("{}/auth/tokens", self.base))
            .header(AUTH_TOKEN, token)
            .header(SUBJECT_TOKEN, token)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status();
        if status.is_success()
            || status == StatusCode::UNAUTHORIZED
            || status == StatusCode::NOT_FOUND
        {
            return Ok(());
        }
        let bytes = resp.bytes().await.map_err(unreachable)?;
        Err(refused(status, &bytes))
    }

    /// The projects `token`'s user may scope to.
    pub async fn projects(&self, token: &str) -> Result<Vec<ProjectRef>, Error> {
        let resp = self
            .http
            .get(format!("{}/auth/projects", self.base))
            .header(AUTH_TOKEN, token)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(refused(status, &bytes));
        }
        let mut list: ProjectList = serde_json::from_slice(&bytes)
            .map_err(|_| Error::unavailable("Identity answered an unreadable project list."))?;
        list.projects.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list.projects)
    }
}

fn unreachable(e: reqwest::Error) -> Error {
    tracing::warn!(error = %e, "identity unreachable");
    Error::unavailable("The identity service could not be reached.")
}

/// Identity's refusal, with its own message (Keystone's `{"error": {...}}`).
fn refused(status: StatusCode, body: &[u8]) -> Error {
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("Identity refused the request ({status})."));
    let kind = match status.as_u16() {
        400 => stratus_common::ErrorKind::BadRequest,
        401 => stratus_common::ErrorKind::Unauthenticated,
        403 => stratus_common::ErrorKind::Forbidden,
        404 => stratus_common::ErrorKind::NotFound,
        429 => stratus_common::ErrorKind::TooManyRequests,
        _ => stratus_common::ErrorKind::ServiceUnavailable,
    };
    Error::new(kind, message)
}
