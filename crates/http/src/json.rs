//! A JSON extractor whose rejections are [`Error`]s, so malformed input gets
//! the API's own error body, a 4xx, and a message naming the problem. A
//! body holding a NUL (`\u0000`) is refused before it is deserialized.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use stratus_common::error::DecodeProblem;
use stratus_common::{Error, ErrorKind};

pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (parts, body) = req.into_parts();
        if !json_content_type(&parts.headers) {
            return Err(Error::new(
                ErrorKind::UnsupportedMediaType,
                "The request body must be JSON, sent with Content-Type: application/json.",
            ));
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(body_error)?;
        if crate::input::json_has_nul(&bytes) {
            return Err(Error::bad_request(
                "Invalid input: the request body contains a NUL character (\\u0000).",
            ));
        }
        decode(&bytes).map(Json)
    }
}

fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deserializes a JSON body into `T`, answering what is wrong with it the
/// way the OpenStack APIs do: a syntax error says where; a value of the
/// wrong type or a missing one names the attribute
/// (`Invalid input for field/attribute mtu. Reason: ...`); attributes the
/// API does not know are refused by name
/// (`Unrecognized attribute(s) 'foo'`).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let keys: Vec<String> = e
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                _ => None,
            })
            .collect();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return Error::bad_request(format!("Malformed request body: {inner}"));
        }
        data_error(&keys, &inner.to_string())
    })?;
    de.end()
        .map_err(|e| Error::bad_request(format!("Malformed request body: {e}")))?;
    Ok(value)
}

/// The message for a body that is JSON but not what the API takes; `keys`
/// are the object keys down to the bad value (`["port", "mtu"]`), the first
/// being the resource wrapper.
fn data_error(keys: &[String], why: &str) -> Error {
    // serde_json appends " at line L column C"; the attribute says where.
    let why = why.split(" at line ").next().unwrap_or(why);
    let backquoted = |rest: &str| rest.split('`').next().unwrap_or(rest).to_owned();
    // The attribute of the resource the problem is in (`allowed_address_pairs`
    // for a bad key inside one of its pairs).
    let attribute = |own: Option<String>| -> String {
        keys.get(1)
            .cloned()
            .or(own)
            .or_else(|| keys.first().cloned())
            .unwrap_or_else(|| "body".into())
    };
    if let Some(rest) = why.strip_prefix("unknown field `") {
        let name = backquoted(rest);
        let problem = DecodeProblem::Unknown {
            name: name.clone(),
            within: keys.len().checked_sub(2).and_then(|i| keys.get(i)).cloned(),
        };
        if keys.len() <= 1 {
            // The resource wrapper itself is wrong: say which one is wanted.
            let wanted = why
                .split_once(", expected ")
                .map(|(_, w)| w.replace('`', ""))
                .unwrap_or_default();
            return Error::bad_request(format!(
                "Unrecognized attribute(s) '{name}'; the body holds {wanted}"
            ))
            .with_decode(problem);
        }
        if keys.len() <= 2 {
            return Error::bad_request(format!("Unrecognized attribute(s) '{name}'"))
                .with_decode(problem);
        }
        let at = attribute(None);
        return Error::bad_request(format!(
            "Invalid input for field/attribute {at}. Reason: unrecognized attribute '{name}'."
        ))
        .with_decode(problem);
    }
    if let Some(rest) = why.strip_prefix("missing field `") {
        let name = backquoted(rest);
        let at = if keys.len() <= 1 {
            name.clone()
        } else {
            attribute(None)
        };
        return Error::bad_request(format!(
            "Invalid input for field/attribute {at}. Reason: '{name}' is required."
        ))
        .with_decode(DecodeProblem::Missing {
            name: name.clone(),
            within: keys.last().cloned(),
        });
    }
    // The attribute's path below the resource wrapper (`identity.methods`).
    let at = if keys.len() > 1 {
        keys[1..].join(".")
    } else {
        attribute(None)
    };
    Error::bad_request(format!(
        "Invalid input for field/attribute {at}. Reason: {why}."
    ))
    .with_decode(DecodeProblem::Invalid {
        field: at,
        why: why.to_owned(),
    })
}

fn body_error(e: axum::extract::rejection::BytesRejection) -> Error {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::new(ErrorKind::PayloadTooLarge, "The request body is too large.")
    } else {
        Error::bad_request(format!("Cannot read the request body: {}", e.body_text()))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::decode;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        cidr: String,
        mtu: Option<i64>,
        pools: Option<Vec<Pool>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Pool {
        start: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        subnet: Inner,
    }

    fn message(body: &str) -> String {
        decode::<Body>(body.as_bytes())
            .expect_err("refused")
            .message
            .to_string()
    }

    #[test]
    fn errors_name_the_attribute() {
        assert!(decode::<Body>(br#"{"subnet": {"cidr": "10.0.0.0/24"}}"#).is_ok());
        assert_eq!(
            message(r#"{"subnet": {"cidr": "10.0.0.0/24", "mtu": "x"}}"#),
            "Invalid input for field/attribute mtu. Reason: invalid type: string \"x\", expected i64."
        );
        assert_eq!(
            message(r#"{"subnet": {"cidr": "10.0.0.0/24", "foo": 1}}"#),
            "Unrecognized attribute(s) 'foo'"
        );
        assert_eq!(
            message(r#"{"net": {}}"#),
            "Unrecognized attribute(s) 'net'; the body holds subnet"
        );
        assert_eq!(
            message(r#"{"subnet": {}}"#),
            "Invalid input for field/attribute cidr. Reason: 'cidr' is required."
        );
        assert!(message(r#"{"subnet": {"cidr": "a"}} x"#).starts_with("Malformed request body"));
        assert_eq!(
            message(r#"{"subnet": {"cidr": "a", "pools": [{"start": 1}]}}"#),
            "Invalid input for field/attribute pools.start. Reason: invalid type: integer `1`, expected a string."
        );
        assert_eq!(
            message(r#"{"subnet": {"cidr": "a", "pools": [{"start": "a", "x": 1}]}}"#),
            "Invalid input for field/attribute pools. Reason: unrecognized attribute 'x'."
        );
        assert_eq!(
            message(r#"{"subnet": {"cidr": "a", "pools": ["a"]}}"#),
            "Invalid input for field/attribute pools. Reason: invalid type: string \"a\", expected struct Pool."
        );
        assert!(message(r#"{"subnet": "#).starts_with("Malformed request body"));
    }
}
