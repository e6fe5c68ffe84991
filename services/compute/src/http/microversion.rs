//! Nova's microversion headers: a request may ask for a version with
//! `OpenStack-API-Version: compute X.Y` or `X-OpenStack-Nova-API-Version:
//! X.Y` (`latest` allowed); one outside 2.1..=MAX is refused with 406, and
//! every response says which version served it, in both headers, with
//! `Vary` naming them.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::versions::MAX_MICROVERSION;

fn parse(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The version asked for: `Ok(None)` when none was, `Err` with the text of
/// one that cannot be served.
fn requested(headers: &HeaderMap) -> Result<Option<String>, String> {
    let standard = headers
        .get_all("openstack-api-version")
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(','))
        .find_map(|part| {
            let mut words = part.split_whitespace();
            (words.next()?.eq_ignore_ascii_case("compute"))
                .then(|| words.next().map(str::to_owned))?
        });
    let legacy = headers
        .get("x-openstack-nova-api-version")
        .and_then(|h| h.to_str().ok())
        .map(|s| s.trim().to_owned());
    let Some(asked) = standard.or(legacy) else {
        return Ok(None);
    };
    if asked.eq_ignore_ascii_case("latest") {
        return Ok(Some(MAX_MICROVERSION.into()));
    }
    let (Some(v), Some(max)) = (parse(&asked), parse(MAX_MICROVERSION)) else {
        return Err(asked);
    };
    if v < (2, 1) || v > max {
        return Err(asked);
    }
    Ok(Some(format!("{}.{}", v.0, v.1)))
}

pub async fn layer(request: Request, next: Next) -> Response {
    let version = match requested(request.headers()) {
        Ok(v) => v.unwrap_or_else(|| "2.1".into()),
        Err(asked) => {
            let message = if parse(&asked).is_some() {
                format!(
                    "Version {asked} is not supported by the API. Minimum is 2.1 and maximum is {MAX_MICROVERSION}."
                )
            } else {
                format!("Invalid format for the version string: {asked}")
            };
            let code = if parse(&asked).is_some() {
                StatusCode::NOT_ACCEPTABLE
            } else {
                StatusCode::BAD_REQUEST
            };
            let fault = if code == StatusCode::NOT_ACCEPTABLE {
                "notAcceptable"
            } else {
                "badRequest"
            };
            let mut r = (
                code,
                axum::Json(json!({fault: {"code": code.as_u16(), "message": message}})),
            )
                .into_response();
            stamp(r.headers_mut(), MAX_MICROVERSION);
            return r;
        }
    };
    let mut response = next.run(request).await;
    stamp(response.headers_mut(), &version);
    response
}

fn stamp(headers: &mut HeaderMap, version: &str) {
    if let Ok(v) = HeaderValue::from_str(&format!("compute {version}")) {
        headers.insert("openstack-api-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(version) {
        headers.insert("x-openstack-nova-api-version", v);
    }
    headers.insert(
        axum::http::header::VARY,
        HeaderValue::from_static("OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        h
    }

    #[test]
    fn versions_are_read_from_either_header() {
        assert_eq!(requested(&headers(&[])), Ok(None));
        assert_eq!(
            requested(&headers(&[("OpenStack-API-Version", "compute 2.1")])),
            Ok(Some("2.1".into()))
        );
        assert_eq!(
            requested(&headers(&[(
                "OpenStack-API-Version",
                "volume 3.5, compute latest"
            )])),
            Ok(Some(MAX_MICROVERSION.into()))
        );
        assert_eq!(
            requested(&headers(&[("X-OpenStack-Nova-API-Version", "2.1")])),
            Ok(Some("2.1".into()))
        );
        assert_eq!(
            requested(&headers(&[("OpenStack-API-Version", "compute 2.99")])),
            Err("2.99".into())
        );
        assert_eq!(
            requested(&headers(&[("X-OpenStack-Nova-API-Version", "2.0")])),
            Err("2.0".into())
        );
    }
}
