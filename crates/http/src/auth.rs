//! Authentication for every API service: tokens are validated locally
//! against identity's JWKS, revocations arrive on the bus
//! (`identity.token.revoked`, a queue per process) and are loaded from
//! identity at start, again whenever the bus connection comes back (what
//! was announced while it was away) and every `revocation_reload_s`;
//! expired ones are pruned. Handlers take the caller as a [`Caller`].

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use stratus_auth::{HttpKeySource, RevocationEvent, Role, TokenClaims, Verifier};
use stratus_bus::{Bus, ServerHandle};
use stratus_common::{Error, RequestContext, RequestId};

pub const AUTH_TOKEN_HEADER: &str = "x-auth-token";

/// The `[auth]` section: where identity is, and this service's own user,
/// with which it loads the revocations issued before it started.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    pub identity_url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub project: String,
    pub domain: String,
    /// How long a starting service keeps trying to reach identity for the
    /// revocations it holds, in seconds, before giving up.
    pub startup_timeout_s: u64,
    /// How often the revocations are loaded again, in seconds.
    pub revocation_reload_s: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            identity_url: "http://127.0.0.1:5000/v3".into(),
            username: None,
            password: None,
            project: "service".into(),
            domain: "Default".into(),
            startup_timeout_s: 60,
            revocation_reload_s: 60,
        }
    }
}

/// A service's token validation: the verifier and its revocation feed.
pub struct Authenticator {
    verifier: Arc<Verifier>,
    revocations: ServerHandle,
    reloads: tokio_util::sync::CancellationToken,
}

impl Authenticator {
    /// Subscribes to revocations, then loads those identity already holds
    /// (when the service has credentials), so none is missed in between.
    pub async fn start(config: &AuthConfig, bus: &Bus) -> Result<Self, Error> {
        let verifier = Arc::new(Verifier::new(
            Arc::new(HttpKeySource::new(&config.identity_url)),
            Arc::default(),
        ));
        let revocations = stratus_bus_protocol::follow_revocations(bus, verifier.clone());
        if !revocations.wait_consuming(Duration::from_secs(30)).await {
            return Err(Error::unavailable(
                "Cannot subscribe to token revocations on the bus.",
            ));
        }
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                let deadline =
                    tokio::time::Instant::now() + Duration::from_secs(config.startup_timeout_s);
                let mut pause = Duration::from_millis(200);
                loop {
                    match load_revocations(config, user, password, &verifier).await {
                        Ok(n) => {
                            tracing::info!(count = n, "revocations loaded from identity");
                            break;
                        }
                        Err(e) if tokio::time::Instant::now() + pause < deadline => {
                            tracing::warn!(error = %e, "identity not reachable yet; retrying");
                            tokio::time::sleep(pause).await;
                            pause = (pause * 2).min(Duration::from_secs(3));
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            _ => tracing::warn!(
                "no [auth] username and password: revocations issued before this start are not known"
            ),
        }
        let reloads = tokio_util::sync::CancellationToken::new();
        tokio::spawn(keep_revocations(
            config.clone(),
            bus.clone(),
            verifier.clone(),
            reloads.clone(),
        ));
        Ok(Self {
            verifier,
            revocations,
            reloads,
        })
    }

    pub fn verifier(&self) -> Arc<Verifier> {
        self.verifier.clone()
    }

    /// Adds the verifier to a router, for [`Caller`] to find.
    pub fn layer(&self, router: axum::Router) -> axum::Router {
        router.layer(axum::Extension(self.verifier.clone()))
    }

    pub async fn stop(self) {
        self.reloads.cancel();
        self.revocations.stop().await;
    }
}

/// Prunes expired revocations every second's tick and loads them again
/// from identity when the bus connection comes back (events announced
/// while it was away were missed) and every `revocation_reload_s`.
async fn keep_revocations(
    config: AuthConfig,
    bus: Bus,
    verifier: Arc<Verifier>,
    stop: tokio_util::sync::CancellationToken,
) {
    let every = Duration::from_secs(config.revocation_reload_s.max(1));
    let mut last = tokio::time::Instant::now();
    let mut was_connected = true;
    // A reload right after reconnecting, and one more a tick later, once
    // the revocation queue consumes again.
    let mut due = 0u8;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        verifier.revocations().prune(now);
        let connected = bus.is_connected();
        if connected && !was_connected {
            due = 2;
        }
        was_connected = connected;
        if !(due > 0 || last.elapsed() >= every) || !connected {
            continue;
        }
        let (Some(user), Some(password)) = (&config.username, &config.password) else {
            continue;
        };
        match load_revocations(&config, user, password, &verifier).await {
            Ok(n) => {
                tracing::debug!(count = n, "revocations reloaded from identity");
                due = due.saturating_sub(1);
                last = tokio::time::Instant::now();
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot reload revocations; will retry");
                due = 0;
                last = tokio::time::Instant::now();
            }
        }
    }
}

#[derive(Deserialize)]
struct RevokeEvents {
    events: Vec<RevocationEvent>,
}

async fn load_revocations(
    config: &AuthConfig,
    user: &str,
    password: &str,
    verifier: &Verifier,
) -> Result<usize, Error> {
    let base = config
        .identity_url
        .trim_end_matches('/')
        .trim_end_matches("/v3");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Error::internal(&e))?;
    let unavailable = |e: reqwest::Error| {
        Error::unavailable(format!("Cannot load revocations from identity: {e}"))
    };
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": config.domain}, "password": password}}},
        "scope": {"project": {"name": config.project, "domain": {"name": config.domain}}}}});
    let issued = client
        .post(format!("{base}/v3/auth/tokens?nocatalog"))
        .json(&body)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(unavailable)?;
    let token = issued
        .headers()
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::unavailable("Identity issued no token to this service."))?
        .to_owned();
    let events: RevokeEvents = client
        .get(format!("{base}/v3/OS-REVOKE/events"))
        .header(AUTH_TOKEN_HEADER, token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(unavailable)?
        .json()
        .await
        .map_err(unavailable)?;
    let count = events.events.len();
    for event in events.events {
        verifier.revocations().add(event);
    }
    Ok(count)
}

/// Validates the request's `X-Auth-Token`.
pub async fn authenticate(verifier: &Verifier, headers: &HeaderMap) -> Result<TokenClaims, Error> {
    let token = headers
        .get(AUTH_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::unauthenticated("The request you have made requires authentication.")
        })?;
    verifier.verify(token).await.map_err(|e| {
        tracing::debug!(error = %e, "token refused");
        Error::from(e)
    })
}

/// The authenticated caller of a request.
pub struct Caller(pub TokenClaims);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let verifier = parts
            .extensions
            .get::<Arc<Verifier>>()
            .cloned()
            .ok_or_else(|| {
                Error::internal(&std::io::Error::other("no token verifier on this router"))
            })?;
        Ok(Caller(authenticate(&verifier, &parts.headers).await?))
    }
}

impl Caller {
    /// Fails with 403 unless the caller holds `role` or one implying it.
    pub fn require(&self, role: Role) -> Result<(), Error> {
        self.0.require(role)
    }

    pub fn is_admin(&self) -> bool {
        self.0.is_admin()
    }

    /// The project a non-admin caller is confined to.
    pub fn project_id(&self) -> Option<&str> {
        self.0.project_id()
    }

    /// The context that travels with bus messages caused by this request.
    pub fn context(&self, request_id: RequestId) -> RequestContext {
        RequestContext {
            request_id,
            user_id: Some(self.0.sub.clone()),
            project_id: self.0.project_id().map(str::to_owned),
            roles: self.0.roles.iter().map(|r| r.name.clone()).collect(),
        }
    }
}
