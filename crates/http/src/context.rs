//! Extractors for what the shared layers put on a request: the caller's
//! [`RequestContext`] and the base URL clients reached us on.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use stratus_common::{Error, RequestContext, RequestId};

/// `RequestContext` as an extractor: the request id set by the request-id
/// middleware (and, once authenticated, the caller).
pub struct Context(pub RequestContext);

impl<S: Send + Sync> FromRequestParts<S> for Context {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        if let Some(ctx) = parts.extensions.get::<RequestContext>() {
            return Ok(Context(ctx.clone()));
        }
        let id = parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_default();
        Ok(Context(RequestContext::with_request_id(id)))
    }
}

/// `http://host:port` as the client addressed us (the `Host` header, and
/// `X-Forwarded-Proto` behind a TLS-terminating load balancer), for the links
/// in version documents.
pub struct BaseUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let host = parts
            .headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".:-[]_".contains(c))
            })
            .ok_or_else(|| Error::bad_request("The Host header is missing or invalid."))?;
        let scheme = match parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
        {
            Some("https") => "https",
            _ => "http",
        };
        Ok(BaseUrl(format!("{scheme}://{host}")))
    }
}
