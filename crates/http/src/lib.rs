//! HTTP plumbing shared by every Stratus API service.
//!
//! A service builds its `Router` of thin handlers, then [`finish`] wraps it
//! with what every OpenStack API needs: a request id per request (taken from
//! a valid incoming `X-Openstack-Request-Id`, else made) that is logged on
//! every line and returned in the response; errors rendered in the API's own
//! dialect ([`ErrorStyle`]); 404 and 405 for unknown routes; a body size
//! limit; NUL bytes and invalid UTF-8 refused ([`input`]); panics turned
//! into a clean 500. [`runner`] is the `main` of every
//! service: config, logs, database, migrations, bus, listeners, SIGTERM.

pub mod auth;
pub mod changes;
pub mod context;
pub mod input;
pub mod json;
pub mod openapi;
pub mod request_id;
pub mod runner;
pub mod serve;
pub mod versions;

pub use context::BaseUrl;
pub use json::Json;
pub use serve::{serve, shutdown_signal};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use stratus_common::error::INTERNAL_MESSAGE;
use stratus_common::{Error, ErrorKind, ErrorStyle};
use tower_http::catch_panic::CatchPanicLayer;

/// Per-service choices for [`finish`].
#[derive(Clone, Debug)]
pub struct ApiOptions {
    pub style: ErrorStyle,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Extra response headers that repeat the request id (Nova also sends
    /// `X-Compute-Request-Id`).
    pub request_id_aliases: &'static [&'static str],
}

impl ApiOptions {
    pub fn new(style: ErrorStyle) -> Self {
        Self {
            style,
            body_limit: 1024 * 1024,
            request_id_aliases: &[],
        }
    }
}

/// Wraps a service's routes with the shared layers (see the crate docs).
pub fn finish(router: Router, options: ApiOptions) -> Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(input::middleware))
        .layer(DefaultBodyLimit::max(options.body_limit))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            Error::new(ErrorKind::Internal, INTERNAL_MESSAGE).into_response()
        }))
        .layer(middleware::from_fn_with_state(options.style, render_errors))
        .layer(middleware::from_fn_with_state(
            options.request_id_aliases,
            request_id::middleware,
        ))
}

async fn not_found() -> Error {
    Error::not_found("The resource could not be found.")
}

async fn method_not_allowed() -> Error {
    Error::new(
        ErrorKind::MethodNotAllowed,
        "The method is not allowed for the requested URL.",
    )
}

/// Re-renders any [`Error`] a handler or extractor returned in the service's
/// dialect, keeping the status and the other headers (`WWW-Authenticate`).
async fn render_errors(State(style): State<ErrorStyle>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let Some(err) = response.extensions().get::<Error>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let (body, content_type) = err.render(style);
    let bytes = match body {
        serde_json::Value::String(text) => text.into_bytes(),
        other => serde_json::to_vec(&other).unwrap_or_default(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
