//! Announcing changes: after every successful write (`POST`, `PUT`,
//! `PATCH`, `DELETE` answered 2xx) an API publishes a
//! [`ResourceChanged`] event naming the collection and resource its path
//! names and the caller's project, so live views (the web console) can read
//! it again at once instead of polling. Best effort: events queue in a small
//! buffer and are dropped, never waited for, when the broker is slow; the
//! response never waits on the bus. A handler whose `POST` only reads
//! (Nova's `os-getConsoleOutput`) marks its response [`ReadOnly`].

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use base64::Engine as _;
use stratus_bus::Bus;
use stratus_bus_protocol::{Notification, ResourceChanged};
use stratus_common::RequestContext;
use tokio::sync::mpsc;

/// Events waiting for the broker; past this many, new ones are dropped.
const BUFFER: usize = 1024;

/// A response extension: this write-method request changed nothing.
#[derive(Clone, Copy, Debug)]
pub struct ReadOnly;

#[derive(Clone)]
struct Announcer {
    api: &'static str,
    tx: mpsc::Sender<ResourceChanged>,
    /// The API itself, to read what an admin deletes before it goes.
    inner: Router,
}

/// Wraps `router` (the API named `api`) to announce its writes on `bus`.
pub fn layer(router: Router, bus: Bus, api: &'static str) -> Router {
    let (tx, mut rx) = mpsc::channel::<ResourceChanged>(BUFFER);
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            let ctx = RequestContext::system();
            if let Err(e) = bus
                .notify::<Notification>(&ctx, Notification::ResourceChanged(event))
                .await
            {
                tracing::debug!(error = %e, "a change announcement was not published");
            }
        }
    });
    let inner = router.clone();
    router.layer(middleware::from_fn_with_state(
        Announcer { api, tx, inner },
        announce,
    ))
}

async fn announce(State(a): State<Announcer>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let caller = req
        .headers()
        .get(crate::auth::AUTH_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(caller_of)
        .unwrap_or_default();
    // An admin's delete answers nothing to read: whose it was is read
    // first, through the API itself with the admin's own request.
    let owner_before = if caller.admin && method == Method::DELETE {
        // Only the token verifier the auth layer put there (not the
        // DELETE's own route parameters).
        let mut extensions = axum::http::Extensions::new();
        if let Some(v) = req
            .extensions()
            .get::<std::sync::Arc<stratus_auth::Verifier>>()
        {
            extensions.insert(v.clone());
        }
        owner_of(&a, req.headers().clone(), extensions, &path).await
    } else {
        None
    };
    let mut resp = next.run(req).await;
    let changed = resp.status().is_success() && resp.extensions().get::<ReadOnly>().is_none();
    if let Some((kind, mut id)) = names(a.api, &path).filter(|_| changed) {
        let action = verb(a.api, &method, &path, id.is_some());
        let mut project = owner_before.or(caller.project);
        // A create's answer names what it made; an admin's write may be to
        // another project's resource, which its answer names.
        if (id.is_none() && action == "create") || caller.admin {
            let (r, body) = small_json(resp).await;
            resp = r;
            if let Some(v) = body.as_ref().and_then(resource_in) {
                id = id.or_else(|| string_at(v, &["id"]));
                if caller.admin {
                    project = string_at(v, OWNER_KEYS).or(project);
                }
            }
        }
        let event = ResourceChanged {
            service: a.api.to_owned(),
            kind,
            id,
            project_id: project,
            at: chrono::Utc::now(),
            action: Some(action),
            user_name: caller.user_name,
        };
        if a.tx.try_send(event).is_err() {
            tracing::debug!("change announcements are backed up; one was dropped");
        }
    }
    resp
}

/// The project of the resource `path` names (`GET` of its
/// `/<version>/<kind>/<id>`, with the request's own headers and
/// extensions, so under the caller's token and policy), if it says.
async fn owner_of(
    a: &Announcer,
    headers: axum::http::HeaderMap,
    extensions: axum::http::Extensions,
    path: &str,
) -> Option<String> {
    use tower::ServiceExt as _;
    let resource = resource_path(a.api, path)?;
    let mut get = Request::new(axum::body::Body::empty());
    *get.uri_mut() = resource.parse().ok()?;
    *get.headers_mut() = headers;
    get.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
    get.headers_mut().remove(axum::http::header::CONTENT_TYPE);
    *get.extensions_mut() = extensions;
    let resp = a.inner.clone().oneshot(get).await.ok()?;

    if !resp.status().is_success() {
        return None;
    }
    let (_, body) = small_json(resp).await;
    body.as_ref()
        .and_then(resource_in)
        .and_then(|v| string_at(v, OWNER_KEYS))
}

/// `/<version>/[<project>/]<kind>/<id>` of a path naming a resource (or
/// something under it); `None` when it names no resource.
fn resource_path(api: &str, path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut keep = usize::from(segs.first().is_some_and(|s| is_version(s)));
    if api == "volume" {
        keep += 1;
    }
    keep += 2;
    (segs.len() >= keep).then(|| format!("/{}", segs[..keep].join("/")))
}

/// The largest answer read for what it names.
const BODY_MAX: u64 = 64 * 1024;

/// Where the APIs name a resource's project: Nova and Neutron
/// (`project_id`, `tenant_id`), Cinder's admin view, Glance (`owner`).
const OWNER_KEYS: &[&str] = &[
    "project_id",
    "tenant_id",
    "os-vol-tenant-attr:tenant_id",
    "owner",
];

/// A small JSON answer, read, and the answer put back together. Bodies of
/// another type, or of unknown or large size, are passed on unread.
async fn small_json(resp: Response) -> (Response, Option<serde_json::Value>) {
    use axum::body::{Body, HttpBody};
    let json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let small = resp
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= BODY_MAX);
    if !json || !small {
        return (resp, None);
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_MAX as usize).await else {
        return (Response::from_parts(parts, Body::empty()), None);
    };
    let value = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
    (Response::from_parts(parts, Body::from(bytes)), value)
}

/// The resource an answer shows: `{"server": {...}}` (one wrapped object)
/// or Glance's bare `{"id": ...}`.
fn resource_in(v: &serde_json::Value) -> Option<&serde_json::Value> {
    let obj = v.as_object()?;
    if obj.contains_key("id") {
        return Some(v);
    }
    let mut values = obj.values();
    match (values.next(), values.next()) {
        (Some(inner), None) if inner.is_object() => Some(inner),
        _ => None,
    }
}

/// The first of `keys` the resource has as a string or number.
fn string_at(v: &serde_json::Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match v.get(*k)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Who made a write, from its token's claims (the handler accepted the
/// token already; the signature is not checked again).
#[derive(Debug, Default, PartialEq, Eq)]
struct CallerOf {
    project: Option<String>,
    user_name: Option<String>,
    admin: bool,
}

fn caller_of(token: &str) -> CallerOf {
    let claims = token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<stratus_auth::TokenClaims>(&b).ok());
    match claims {
        Some(c) => CallerOf {
            project: c.project_id().map(str::to_owned),
            user_name: Some(c.user.name.clone()),
            admin: c.is_admin(),
        },
        None => CallerOf::default(),
    }
}

/// What a write did: `create` (a `POST` to a collection), `update`, `delete`,
/// or for a `POST` to a resource the sub-path it names (`action`,
/// `add_router_interface`, `file`...).
fn verb(api: &str, method: &Method, path: &str, names_one: bool) -> String {
    match *method {
        Method::DELETE => "delete".into(),
        Method::PUT | Method::PATCH => "update".into(),
        _ if !names_one => "create".into(),
        _ => {
            let mut segs = path.split('/').filter(|s| !s.is_empty()).peekable();
            if segs.peek().is_some_and(|s| is_version(s)) {
                segs.next();
            }
            if api == "volume" {
                segs.next();
            }
            // Past the collection and the resource: what the POST names.
            segs.skip(2).last().unwrap_or("create").to_owned()
        }
    }
}

/// The collection and resource a path names: past the version segment
/// (`v2.1`, `v2.0`, `v3`, ...) and, for Cinder, the project segment.
/// Logins (`/v3/auth/tokens`) name nothing.
pub fn names(api: &str, path: &str) -> Option<(String, Option<String>)> {
    let mut segs = path.split('/').filter(|s| !s.is_empty()).peekable();
    if segs.peek().is_some_and(|s| is_version(s)) {
        segs.next();
    }
    if api == "volume" {
        segs.next();
    }
    let kind = segs.next()?;
    if kind == "auth" {
        return None;
    }
    let id = segs.next().filter(|s| *s != "detail").map(str::to_owned);
    Some((kind.to_owned(), id))
}

fn is_version(seg: &str) -> bool {
    let mut chars = seg.chars();
    chars.next() == Some('v') && chars.all(|c| c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(api: &str, path: &str) -> Option<(String, Option<String>)> {
        names(api, path)
    }

    #[test]
    fn paths_name_their_collection_and_resource() {
        let some = |k: &str, id: Option<&str>| Some((k.to_owned(), id.map(str::to_owned)));
        assert_eq!(n("compute", "/v2.1/servers"), some("servers", None));
        assert_eq!(
            n("compute", "/v2.1/servers/abc/action"),
            some("servers", Some("abc"))
        );
        assert_eq!(
            n("network", "/v2.0/routers/r1/add_router_interface"),
            some("routers", Some("r1"))
        );
        assert_eq!(
            n("volume", "/v3/p1/volumes/v1/action"),
            some("volumes", Some("v1"))
        );
        assert_eq!(n("volume", "/v3/p1/volumes"), some("volumes", None));
        assert_eq!(n("image", "/v2/images/i1/file"), some("images", Some("i1")));
        assert_eq!(
            n("metering", "/v1/invoices/close-period"),
            some("invoices", Some("close-period"))
        );
        assert_eq!(
            n("identity", "/v3/users/u1/password"),
            some("users", Some("u1"))
        );
        assert_eq!(n("identity", "/v3/auth/tokens"), None);
        assert_eq!(n("compute", "/"), None);
    }

    #[test]
    fn the_project_comes_from_the_tokens_claims() {
        let claims = serde_json::json!({"iss": "stratus-identity", "sub": "u", "user": {"id": "u", "name": "n",
            "domain": {"id": "default", "name": "Default"}}, "scope": {"project": {"id": "p9", "name": "x",
            "domain": {"id": "default", "name": "Default"}}}, "roles": [], "methods": ["password"],
            "iat": 0, "exp": 1, "jti": "j", "audit_ids": ["a"]});
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&claims).expect("json"));
        assert_eq!(
            caller_of(&format!("h.{payload}.s")),
            CallerOf {
                project: Some("p9".into()),
                user_name: Some("n".into()),
                admin: false,
            }
        );
        assert_eq!(caller_of("garbage"), CallerOf::default());
        assert_eq!(caller_of("a.!!!.c"), CallerOf::default());
    }

    #[test]
    fn an_answer_names_its_resource_and_owner() {
        use serde_json::json;
        let id = |v: serde_json::Value| resource_in(&v).and_then(|r| string_at(r, &["id"]));
        let owner = |v: serde_json::Value| resource_in(&v).and_then(|r| string_at(r, OWNER_KEYS));
        assert_eq!(
            id(json!({"server": {"id": "s1", "links": []}})).as_deref(),
            Some("s1")
        );
        assert_eq!(id(json!({"id": "i1", "name": "x"})).as_deref(), Some("i1"));
        assert_eq!(id(json!({"rate_card": {"id": 7}})).as_deref(), Some("7"));
        assert_eq!(id(json!({"a": {"id": "1"}, "b": {"id": "2"}})), None);
        assert_eq!(id(json!([{"id": "1"}])), None);
        assert_eq!(id(json!({"keypair": {"name": "k"}})), None);
        assert_eq!(
            owner(json!({"network": {"id": "n", "project_id": "p1"}})).as_deref(),
            Some("p1")
        );
        assert_eq!(
            owner(json!({"server": {"id": "s", "tenant_id": "p2"}})).as_deref(),
            Some("p2")
        );
        assert_eq!(
            owner(json!({"volume": {"id": "v", "os-vol-tenant-attr:tenant_id": "p3"}})).as_deref(),
            Some("p3")
        );
        assert_eq!(
            owner(json!({"id": "i", "owner": "p4"})).as_deref(),
            Some("p4")
        );
        assert_eq!(
            owner(json!({"project": {"id": "p", "domain_id": "d"}})),
            None
        );
    }

    #[test]
    fn a_delete_reads_the_resource_it_names() {
        assert_eq!(
            resource_path("compute", "/v2.1/servers/s1").as_deref(),
            Some("/v2.1/servers/s1")
        );
        assert_eq!(
            resource_path("compute", "/v2.1/servers/s1/os-volume_attachments/v1").as_deref(),
            Some("/v2.1/servers/s1")
        );
        assert_eq!(
            resource_path("volume", "/v3/p1/volumes/v1").as_deref(),
            Some("/v3/p1/volumes/v1")
        );
        assert_eq!(
            resource_path("image", "/v2/images/i1").as_deref(),
            Some("/v2/images/i1")
        );
        assert_eq!(resource_path("network", "/v2.0/networks"), None);
    }

    #[test]
    fn writes_say_what_they_did() {
        let v = |api: &str, m: Method, path: &str, one: bool| verb(api, &m, path, one);
        assert_eq!(v("compute", Method::POST, "/v2.1/servers", false), "create");
        assert_eq!(
            v("compute", Method::POST, "/v2.1/servers/s1/action", true),
            "action"
        );
        assert_eq!(
            v("compute", Method::DELETE, "/v2.1/servers/s1", true),
            "delete"
        );
        assert_eq!(
            v("network", Method::PUT, "/v2.0/routers/r1", true),
            "update"
        );
        assert_eq!(
            v(
                "network",
                Method::PUT,
                "/v2.0/routers/r1/add_router_interface",
                true
            ),
            "update"
        );
        assert_eq!(
            v("volume", Method::POST, "/v3/p1/volumes/v1/action", true),
            "action"
        );
        assert_eq!(v("image", Method::PATCH, "/v2/images/i1", true), "update");
        assert_eq!(
            v("identity", Method::POST, "/v3/users/u1/password", true),
            "password"
        );
        assert_eq!(
            v("metering", Method::POST, "/v1/invoices/i1/close", true),
            "close"
        );
        // A POST naming the resource with nothing after it.
        assert_eq!(
            v("compute", Method::POST, "/v2.1/flavors/f1", true),
            "create"
        );
    }
}
