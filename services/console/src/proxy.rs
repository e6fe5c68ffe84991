//! `/api/<service>/<path>`: the browser's one origin for every API. The
//! request goes to the catalog's endpoint of that service with the user's
//! own token from the cookie and nothing else of the browser's (no cookies,
//! no `Authorization`), so the proxy can never do more than the token may.
//! Bodies stream both ways (image uploads and downloads are not buffered);
//! tokens in responses (`X-Subject-Token`) are dropped.

use crate::Console;
use crate::session::{not_logged_in, token};
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use std::sync::Arc;
use stratus_common::Error;

/// Request headers passed on (besides the token the proxy adds).
const REQUEST_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
    "openstack-api-version",
    "x-openstack-nova-api-version",
    "x-openstack-request-id",
];

/// Response headers passed back.
const RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "content-disposition",
    "etag",
    "location",
    "retry-after",
    "openstack-api-version",
    "x-openstack-nova-api-version",
    "x-openstack-request-id",
    "content-md5",
];

/// `ANY /api/{service}` (the service's version document).
pub async fn root(
    state: State<Arc<Console>>,
    Path(service): Path<String>,
    jar: CookieJar,
    req: Request,
) -> Result<Response, Error> {
    forward(state, service, String::new(), jar, req).await
}

/// `ANY /api/{service}/{*path}`.
pub async fn path(
    state: State<Arc<Console>>,
    Path((service, rest)): Path<(String, String)>,
    jar: CookieJar,
    req: Request,
) -> Result<Response, Error> {
    forward(state, service, rest, jar, req).await
}

async fn forward(
    State(console): State<Arc<Console>>,
    service: String,
    rest: String,
    jar: CookieJar,
    req: Request,
) -> Result<Response, Error> {
    let token = token(&jar).ok_or_else(not_logged_in)?.to_owned();
    if rest.split('/').any(|s| s == ".." || s == ".") || rest.contains("//") {
        return Err(Error::bad_request(
            "The path must not hold '.', '..' or empty segments.",
        ));
    }
    let root = console.endpoint(&service, &token).await?;
    let mut url = format!("{root}/{rest}");
    if let Some(q) = req.uri().query() {
        url.push('?');
        url.push_str(q);
    }
    let (parts, body) = req.into_parts();
    let has_body = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v != "0")
        || parts.headers.contains_key(header::TRANSFER_ENCODING);
    let mut out = console
        .http
        .request(parts.method.clone(), &url)
        .headers(copied(&parts.headers, REQUEST_HEADERS))
        .header("x-auth-token", &token);
    if has_body && parts.method != Method::GET && parts.method != Method::HEAD {
        out = out.body(reqwest::Body::wrap_stream(body.into_data_stream()));
    }
    let resp = out.send().await.map_err(|e| {
        tracing::warn!(service, error = %e, "upstream unreachable");
        Error::unavailable(format!("The {service} service could not be reached."))
    })?;
    let mut response = Response::builder().status(resp.status().as_u16());
    if let Some(h) = response.headers_mut() {
        *h = copied(resp.headers(), RESPONSE_HEADERS);
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
        .body(Body::from_stream(resp.bytes_stream()))
        .map_err(|e| Error::internal(&e))
        .map(IntoResponse::into_response)
}

fn copied(from: &HeaderMap, names: &[&'static str]) -> HeaderMap {
    let mut to = HeaderMap::new();
    for name in names {
        for v in from.get_all(*name) {
            to.append(HeaderName::from_static(name), v.clone());
        }
    }
    to
}
