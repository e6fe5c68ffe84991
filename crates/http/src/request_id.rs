//! The request-id middleware: one id per request, in every log line of the
//! request (a tracing span), in the handler's context and in the response.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use stratus_common::RequestId;
use tracing::Instrument;

pub const HEADER: &str = "x-openstack-request-id";

pub async fn middleware(
    State(aliases): State<&'static [&'static str]>,
    mut req: Request,
    next: Next,
) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::parse)
        .unwrap_or_default();
    req.extensions_mut().insert(id.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "served"
        );
    });
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        let headers = response.headers_mut();
        headers.insert(HeaderName::from_static(HEADER), value.clone());
        for alias in aliases {
            if let Ok(name) = HeaderName::try_from(*alias) {
                headers.insert(name, value.clone());
            }
        }
    }
    response
}
