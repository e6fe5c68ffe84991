//! What every response and every write carries: the security headers (a
//! `Content-Security-Policy` with scripts from this origin only, no framing,
//! no sniffing, no referrer) and the CSRF check. A write (any method but
//! `GET`, `HEAD`, `OPTIONS`) must carry `X-Stratus-Console` — a header no
//! other site's page can add without a CORS preflight this server never
//! grants — and, when the browser sends `Origin`, come from this origin.
//! With the `SameSite=Strict` cookie, that is two locks on one door.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use stratus_common::Error;

/// The header every write must carry.
pub const CSRF_HEADER: &str = "x-stratus-console";

/// Scripts, styles, fonts and connections from this origin alone; images
/// also as `data:`/`blob:` (uploads' previews, generated icons).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn csrf(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        if !req.headers().contains_key(CSRF_HEADER) {
            return Error::forbidden(
                "Cross-site request refused: writes must carry the X-Stratus-Console header.",
            )
            .into_response();
        }
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok());
            let same = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://").map(|(_, rest)| rest))
                .is_some_and(|o| Some(o) == host);
            if !same {
                return Error::forbidden(
                    "Cross-site request refused: the Origin is not this console.",
                )
                .into_response();
            }
        }
    }
    next.run(req).await
}

pub async fn headers(req: Request, next: Next) -> Response {
    let immutable = req.uri().path().starts_with("/assets/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        // Built assets carry their hash in their names; everything else
        // (index.html, the session) is asked for again.
        let policy = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    resp
}
