//! Reading request bodies the way Neutron validates them: unknown
//! attributes refused by name, and each wrong value a 400 that says which
//! attribute and why.

use serde_json::{Map, Value};
use stratus_common::Error;

pub use super::policy::{list_scope, policy};

pub fn bad(message: impl Into<String>) -> Error {
    Error::bad_request(message).with_type("HTTPBadRequest")
}

pub fn invalid(key: &str, why: impl std::fmt::Display) -> Error {
    bad(format!("Invalid input for {key}. Reason: {why}."))
}

/// Refuses attributes not in `allowed`, naming them.
pub fn check_known(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), Error> {
    let unknown: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(bad(format!(
            "Unrecognized attribute(s) '{}'",
            unknown.join(", ")
        )))
    }
}

/// A boolean, also as `"true"`/`"false"` in any case, as Neutron converts them.
pub fn flag(body: &Map<String, Value>, key: &str) -> Result<Option<bool>, Error> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(invalid(
            key,
            format!("'{other}' is not a valid boolean value"),
        )),
    }
}

/// A string of at most `max` characters (null is absent).
pub fn text_max(body: &Map<String, Value>, key: &str, max: usize) -> Result<Option<String>, Error> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(invalid(key, format!("longer than {max} characters"))),
        Some(other) => Err(invalid(key, format!("'{other}' is not a valid string"))),
    }
}

/// A string of at most 255 characters (null is absent).
pub fn text(body: &Map<String, Value>, key: &str) -> Result<Option<String>, Error> {
    text_max(body, key, 255)
}

/// An optional string of at most `max` characters.
pub fn limit(key: &str, value: &Option<String>, max: usize) -> Result<Option<String>, Error> {
    match value {
        Some(s) if s.chars().count() > max => {
            Err(invalid(key, format!("longer than {max} characters")))
        }
        other => Ok(other.clone()),
    }
}

/// A required string of at most `max` characters.
pub fn required(key: &str, value: &str, max: usize) -> Result<String, Error> {
    if value.chars().count() > max {
        Err(invalid(key, format!("longer than {max} characters")))
    } else {
        Ok(value.to_owned())
    }
}
