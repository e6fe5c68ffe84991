//! The HTTP client every resource talks through: it logs in to identity
//! (password or application credential, project-scoped), finds each
//! service's endpoint in the catalog (or an override), renews the token
//! before it expires, and turns each API's error dialect into one
//! [`ApiError`] that names the status and the API's own message.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use stratus_api::identity::{
    AppCredMethod, Auth, AuthRequest, CatalogEntry, DomainIdentifier, Identity, PasswordMethod,
    TokenBody, UserIdentifier,
};
use tokio::sync::Mutex;

/// How the provider logs in (from its configuration, `clouds.yaml` or the
/// `OS_*` environment).
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    pub auth_url: String,
    pub user_name: Option<String>,
    pub user_id: Option<String>,
    pub password: Option<String>,
    pub user_domain_name: Option<String>,
    pub user_domain_id: Option<String>,
    pub project_name: Option<String>,
    pub project_id: Option<String>,
    pub project_domain_name: Option<String>,
    pub project_domain_id: Option<String>,
    pub application_credential_id: Option<String>,
    pub application_credential_name: Option<String>,
    pub application_credential_secret: Option<String>,
    pub region: Option<String>,
    pub interface: Option<String>,
    /// Service type (`compute`, `network`, `image`, `volumev3`, `identity`)
    /// to a base URL used instead of the catalog's.
    pub endpoint_overrides: BTreeMap<String, String>,
}

/// An API answered with an error, or could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{method} {url}: {status}: {message}")]
    Status {
        method: Method,
        url: String,
        status: StatusCode,
        message: String,
    },
    #[error("{method} {url}: {source}")]
    Transport {
        method: Method,
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl ApiError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
struct Session {
    token: String,
    expires_at: DateTime<Utc>,
    issued_at: DateTime<Utc>,
    project_id: Option<String>,
    user_id: String,
    catalog: Vec<CatalogEntry>,
}

/// The provider's connection to one cloud.
pub struct Client {
    http: reqwest::Client,
    creds: Credentials,
    session: Mutex<Option<Session>>,
}

/// Service types as the catalog names them.
pub mod service {
    pub const COMPUTE: &str = "compute";
    pub const NETWORK: &str = "network";
    pub const IMAGE: &str = "image";
    pub const VOLUME: &str = "volumev3";
    pub const IDENTITY: &str = "identity";
}

/// The Nova microversion the provider speaks.
const COMPUTE_MICROVERSION: &str = "2.1";

impl Client {
    pub fn new(creds: Credentials) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(600))
            .user_agent(concat!(
                "terraform-provider-stratus/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| ApiError::Other(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            creds,
            session: Mutex::new(None),
        })
    }

    /// Logs in now (so a bad configuration fails at `configure`).
    pub async fn login(&self) -> Result<()> {
        self.session().await.map(|_| ())
    }

    /// The project the token is scoped to.
    pub async fn project_id(&self) -> Result<String> {
        self.session()
            .await?
            .project_id
            .ok_or_else(|| ApiError::Other("the token is not scoped to a project".into()))
    }

    pub async fn user_id(&self) -> Result<String> {
        Ok(self.session().await?.user_id)
    }

    /// A valid session: the current one, or a new login when there is none
    /// or it has used up three quarters of its life (or has under five
    /// minutes left), so a long apply never sends an expired token.
    async fn session(&self) -> Result<Session> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            let life = s.expires_at - s.issued_at;
            let renew_at =
                (s.issued_at + life * 3 / 4).min(s.expires_at - chrono::Duration::minutes(5));
            if Utc::now() < renew_at {
                return Ok(s.clone());
            }
        }
        let fresh = self.authenticate().await?;
        *guard = Some(fresh.clone());
        Ok(fresh)
    }

    async fn authenticate(&self) -> Result<Session> {
        let c = &self.creds;
        let domain = |id: &Option<String>, name: &Option<String>| {
            (id.is_some() || name.is_some()).then(|| DomainIdentifier {
                id: id.clone(),
                name: name.clone(),
            })
        };
        let identity = if let Some(secret) = &c.application_credential_secret {
            Identity {
                methods: vec!["application_credential".into()],
                password: None,
                token: None,
                application_credential: Some(AppCredMethod {
                    id: c.application_credential_id.clone(),
                    name: c.application_credential_name.clone(),
                    user: None,
                    secret: secret.clone(),
                }),
            }
        } else {
            let password = c.password.clone().ok_or_else(|| {
                ApiError::Other("no password and no application credential to log in with".into())
            })?;
            Identity {
                methods: vec!["password".into()],
                password: Some(PasswordMethod {
                    user: UserIdentifier {
                        id: c.user_id.clone(),
                        name: c.user_name.clone(),
                        domain: domain(&c.user_domain_id, &c.user_domain_name).or_else(|| {
                            c.user_id.is_none().then(|| DomainIdentifier {
                                id: Some("default".into()),
                                name: None,
                            })
                        }),
                        password,
                    },
                }),
                token: None,
                application_credential: None,
            }
        };
        // Application credentials carry their own scope.
        let scope = if c.application_credential_secret.is_some() {
            None
        } else if let Some(id) = &c.project_id {
            Some(serde_json::json!({"project": {"id": id}}))
        } else if let Some(name) = &c.project_name {
            let domain = match (&c.project_domain_id, &c.project_domain_name) {
                (Some(id), _) => serde_json::json!({"id": id}),
                (None, Some(name)) => serde_json::json!({"name": name}),
                (None, None) => serde_json::json!({"id": "default"}),
            };
            Some(serde_json::json!({"project": {"name": name, "domain": domain}}))
        } else {
            None
        };
        let body = AuthRequest {
            auth: Auth { identity, scope },
        };
        let base = self
            .creds
            .endpoint_overrides
            .get(service::IDENTITY)
            .cloned()
            .unwrap_or_else(|| c.auth_url.clone());
        let url = format!("{}/auth/tokens", base.trim_end_matches('/'));
        let resp = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|source| ApiError::Transport {
                method: Method::POST,
                url: url.clone(),
                source,
            })?;
        let status = resp.status();
        let token = resp
            .headers()
            .get("X-Subject-Token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp.bytes().await.map_err(|source| ApiError::Transport {
            method: Method::POST,
            url: url.clone(),
            source,
        })?;
        if !status.is_success() {
            return Err(ApiError::Status {
                method: Method::POST,
                url,
                status,
                message: format!("login failed: {}", error_message(&bytes)),
            });
        }
        let token =
            token.ok_or_else(|| ApiError::Other("login answered no X-Subject-Token".into()))?;
        let body: TokenBody = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::Other(format!("login answered an unreadable token: {e}")))?;
        let time = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| ApiError::Other(format!("token time {s:?}: {e}")))
        };
        Ok(Session {
            token,
            expires_at: time(&body.token.expires_at)?,
            issued_at: time(&body.token.issued_at)?,
            project_id: body.token.project.as_ref().map(|p| p.id.clone()),
            user_id: body.token.user.id.clone(),
            catalog: body.token.catalog.clone().unwrap_or_default(),
        })
    }

    /// The base URL of a service: the override, or the catalog's endpoint
    /// for the configured region and interface (public by default).
    pub async fn endpoint(&self, service_type: &str) -> Result<String> {
        if let Some(url) = self.creds.endpoint_overrides.get(service_type) {
            return Ok(url.trim_end_matches('/').to_owned());
        }
        let s = self.session().await?;
        let interface = self.creds.interface.as_deref().unwrap_or("public");
        let wanted = |t: &str| {
            t == service_type
                || (service_type == service::VOLUME
                    && stratus_api::identity::VOLUME_SERVICE_TYPES.contains(&t))
        };
        let entry = s
            .catalog
            .iter()
            .find(|e| wanted(&e.service_type))
            .ok_or_else(|| ApiError::Other(format!("the catalog has no {service_type} service")))?;
        let ep = entry
            .endpoints
            .iter()
            .filter(|e| e.interface == interface)
            .find(|e| match &self.creds.region {
                Some(r) => e.region_id.as_deref() == Some(r) || e.region.as_deref() == Some(r),
                None => true,
            })
            .ok_or_else(|| {
                ApiError::Other(format!(
                    "the catalog has no {interface} {service_type} endpoint{}",
                    self.creds
                        .region
                        .as_ref()
                        .map(|r| format!(" in region {r}"))
                        .unwrap_or_default()
                ))
            })?;
        let mut url = ep.url.trim_end_matches('/').to_owned();
        // Cinder's catalog URL carries the project; Nova's and Neutron's
        // versions are added by the callers' paths.
        if let Some(p) = &s.project_id {
            url = url
                .replace("$(project_id)s", p)
                .replace("%(project_id)s", p);
        }
        Ok(url)
    }

    /// Sends a request and returns the status and body bytes of a success;
    /// an error status becomes [`ApiError::Status`] with the API's message.
    pub async fn send(
        &self,
        service_type: &str,
        method: Method,
        path: &str,
        body: Option<Body>,
    ) -> Result<(StatusCode, bytes::Bytes)> {
        let base = self.endpoint(service_type).await?;
        let url = format!("{base}{path}");
        let session = self.session().await?;
        let mut req = self
            .http
            .request(method.clone(), &url)
            .header("X-Auth-Token", &session.token)
            .header("Accept", "application/json");
        if service_type == service::COMPUTE {
            req = req.header(
                "OpenStack-API-Version",
                format!("compute {COMPUTE_MICROVERSION}"),
            );
        }
        req = match body {
            None => req,
            Some(Body::Json(v)) => req.json(&v),
            Some(Body::Patch(v)) => req
                .header(
                    "Content-Type",
                    "application/openstack-images-v2.1-json-patch",
                )
                .body(v.to_string()),
            Some(Body::Stream(b, len)) => req
                .header("Content-Type", "application/octet-stream")
                .header("Content-Length", len)
                .body(b),
        };
        let resp = req.send().await.map_err(|source| ApiError::Transport {
            method: method.clone(),
            url: url.clone(),
            source,
        })?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|source| ApiError::Transport {
            method: method.clone(),
            url: url.clone(),
            source,
        })?;
        if !status.is_success() {
            return Err(ApiError::Status {
                method,
                url,
                status,
                message: error_message(&bytes),
            });
        }
        Ok((status, bytes))
    }

    /// A JSON request answered with a typed JSON body.
    pub async fn call<T: DeserializeOwned>(
        &self,
        service_type: &str,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T> {
        let body = body.map(Body::json).transpose()?;
        let (_, bytes) = self.send(service_type, method.clone(), path, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::Other(format!(
                "{method} {path}: the answer is not what the API's types describe: {e}"
            ))
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, service_type: &str, path: &str) -> Result<T> {
        self.call(service_type, Method::GET, path, None::<&()>)
            .await
    }

    /// `None` when the object is gone (404).
    pub async fn get_opt<T: DeserializeOwned>(
        &self,
        service_type: &str,
        path: &str,
    ) -> Result<Option<T>> {
        match self.get(service_type, path).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        service_type: &str,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T> {
        self.call(service_type, Method::POST, path, Some(body))
            .await
    }

    pub async fn put<T: DeserializeOwned>(
        &self,
        service_type: &str,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T> {
        self.call(service_type, Method::PUT, path, Some(body)).await
    }

    /// A request whose answer has no body worth reading (204, 202).
    pub async fn act(
        &self,
        service_type: &str,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<()> {
        let body = body.map(Body::json).transpose()?;
        self.send(service_type, method, path, body)
            .await
            .map(|_| ())
    }

    /// A request that undoes something ([`Client::act`]): an object
    /// already gone (404) counts as done.
    pub async fn undo(
        &self,
        service_type: &str,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<()> {
        match self.act(service_type, method, path, body).await {
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        }
    }

    /// Deletes; an object already gone counts as deleted.
    pub async fn delete(&self, service_type: &str, path: &str) -> Result<()> {
        self.undo(service_type, Method::DELETE, path, None::<&()>)
            .await
    }
}

/// What a request carries.
pub enum Body {
    Json(Value),
    /// A Glance JSON patch.
    Patch(Value),
    /// Raw bytes (an image upload) and their length.
    Stream(reqwest::Body, u64),
}

impl Body {
    fn json(body: &impl Serialize) -> Result<Self> {
        serde_json::to_value(body)
            .map(Body::Json)
            .map_err(|e| ApiError::Other(format!("request body: {e}")))
    }
}

/// The message of an error body in any of the APIs' dialects: Keystone's
/// `{"error": {"message"}}`, Neutron's `{"NeutronError": {"message"}}`,
/// Nova's and Cinder's `{"<fault>": {"message"}}`, or the text itself.
pub fn error_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        if let Some(m) = v
            .get("error")
            .or_else(|| v.get("NeutronError"))
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
        {
            return m.to_owned();
        }
        if let Some(obj) = v.as_object() {
            for inner in obj.values() {
                if let Some(m) = inner.get("message").and_then(Value::as_str) {
                    return m.to_owned();
                }
            }
            if let Some(m) = obj.get("message").and_then(Value::as_str) {
                return m.to_owned();
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "(no message)".into()
    } else {
        text.chars().take(500).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::error_message;

    #[test]
    fn error_messages_of_every_dialect() {
        assert_eq!(
            error_message(
                br#"{"error": {"code": 401, "message": "bad login", "title": "Unauthorized"}}"#
            ),
            "bad login"
        );
        assert_eq!(
            error_message(br#"{"NeutronError": {"type": "NetworkNotFound", "message": "Network x could not be found.", "detail": ""}}"#),
            "Network x could not be found."
        );
        assert_eq!(
            error_message(
                br#"{"itemNotFound": {"code": 404, "message": "Flavor f could not be found."}}"#
            ),
            "Flavor f could not be found."
        );
        assert_eq!(error_message(b"  plain text "), "plain text");
        assert_eq!(error_message(b""), "(no message)");
    }
}
