//! Input hygiene every service shares: a request whose path or query holds a
//! NUL byte or is not UTF-8 once percent-decoded is refused with `400` before
//! any handler runs (PostgreSQL cannot store NUL in text, and such a value
//! has no business reaching a host); [`json_has_nul`] does the same for
//! JSON bodies, whose `\u0000` escapes decode to NUL.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use stratus_common::Error;

/// Refuses a request whose decoded path or query holds NUL or invalid UTF-8.
pub async fn middleware(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if let Some(problem) = problem("path", uri.path()).or_else(|| {
        uri.query()
            // `+` is a space in a query; it cannot hide a NUL.
            .and_then(|q| problem("query string", q))
    }) {
        return Error::bad_request(problem).into_response();
    }
    next.run(req).await
}

fn problem(part: &str, raw: &str) -> Option<String> {
    let bytes: Vec<u8> = percent_decode_str(raw).collect();
    if bytes.contains(&0) {
        return Some(format!("The {part} contains a NUL character."));
    }
    if std::str::from_utf8(&bytes).is_err() {
        return Some(format!("The {part} is not valid UTF-8."));
    }
    None
}

/// Whether a JSON text holds a `\u0000` escape in a string (a raw NUL is
/// already a syntax error). Escaped backslashes are skipped, so `"\\u0000"`
/// (the six characters) is not a NUL.
pub fn json_has_nul(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            if body.get(i + 1) == Some(&b'u') && body.get(i + 2..i + 6) == Some(b"0000".as_slice())
            {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_bad_utf8_are_problems() {
        assert!(problem("query string", "a=%00x").is_some());
        assert!(problem("query string", "%00x=").is_some());
        assert!(problem("path", "/v2/images/%ff%fe").is_some());
        assert!(problem("query string", "name=caf%C3%A9&limit=2").is_none());
        assert!(problem("path", "/v2.0/ports").is_none());
    }

    #[test]
    fn json_nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(json_has_nul(br#"{"name": "a\u0000b"}"#));
        assert!(json_has_nul(br#"{"a\u0000": 1}"#));
        assert!(!json_has_nul(br#"{"name": "a\\u0000b"}"#));
        assert!(json_has_nul(br#"{"name": "a\\\u0000b"}"#));
        assert!(!json_has_nul(br#"{"name": "a\u0001b"}"#));
        assert!(!json_has_nul(br#"{"name": "plain"}"#));
    }
}
