//! Reading request bodies the way Nova's JSON schemas validate them:
//! unknown attributes refused by name, each wrong value a 400 that names
//! the field, its value and why.

use serde_json::{Map, Value};
use stratus_common::Error;

pub fn invalid(field: &str, value: &Value, why: impl std::fmt::Display) -> Error {
    Error::bad_request(format!(
        "Invalid input for field/attribute {field}. Value: {}. {why}",
        match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    ))
}

/// Refuses attributes not in `allowed`, as jsonschema words it.
pub fn check_known(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), Error> {
    let unknown: Vec<String> = body
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("'{k}'"))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        let verb = if unknown.len() == 1 { "was" } else { "were" };
        Err(Error::bad_request(format!(
            "Invalid input for field/attribute. Additional properties are not allowed ({} {verb} unexpected)",
            unknown.join(", ")
        )))
    }
}

/// A required member.
pub fn required<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a Value, Error> {
    body.get(field).ok_or_else(|| {
        Error::bad_request(format!(
            "Invalid input for field/attribute. '{field}' is a required property"
        ))
    })
}

/// An integer in `min..=i32::MAX`, also as a string of digits (Nova's
/// schemas allow both).
pub fn int(field: &str, v: &Value, min: i64) -> Result<i32, Error> {
    let n = match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| invalid(field, v, format!("{v} is not of type 'integer', 'string'")))?,
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| invalid(field, v, format!("'{s}' does not match '^[0-9]+$'")))?,
        other => {
            return Err(invalid(
                field,
                other,
                format!("{other} is not of type 'integer', 'string'"),
            ));
        }
    };
    if n < min {
        return Err(invalid(
            field,
            v,
            format!("{n} is less than the minimum of {min}"),
        ));
    }
    i32::try_from(n).map_err(|_| {
        invalid(
            field,
            v,
            format!("{n} is greater than the maximum of {}", i32::MAX),
        )
    })
}

/// A boolean, also as the strings Nova accepts for one.
pub fn boolean(field: &str, v: &Value) -> Result<bool, Error> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
            "false" | "0" | "no" | "off" | "f" | "n" => Ok(false),
            _ => Err(invalid(field, v, format!("{v} is not of type 'boolean'"))),
        },
        other => Err(invalid(
            field,
            other,
            format!("{other} is not of type 'boolean'"),
        )),
    }
}

/// A string of 1 to `max` characters without leading or trailing blanks.
pub fn name(field: &str, v: &Value, max: usize) -> Result<String, Error> {
    let Value::String(s) = v else {
        return Err(invalid(field, v, format!("{v} is not of type 'string'")));
    };
    if s.is_empty() || s.chars().count() > max {
        return Err(invalid(
            field,
            v,
            format!("'{s}' must be 1 to {max} characters long"),
        ));
    }
    if s.trim() != s || s.chars().any(char::is_control) {
        return Err(invalid(
            field,
            v,
            format!("'{s}' has leading or trailing spaces or control characters"),
        ));
    }
    Ok(s.clone())
}

/// The object under `key` of a request body (`{"flavor": {...}}`).
pub fn member<'a>(body: &'a Value, key: &str) -> Result<&'a Map<String, Value>, Error> {
    match body.get(key) {
        Some(Value::Object(m)) => Ok(m),
        Some(other) => Err(invalid(
            key,
            other,
            format!("{other} is not of type 'object'"),
        )),
        None => Err(Error::bad_request(format!(
            "Invalid input for field/attribute. '{key}' is a required property"
        ))),
    }
}

/// A time as Nova's queries take it: RFC 3339, or ISO 8601 without a zone
/// (UTC).
pub fn datetime(v: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|d| d.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f").map(|d| d.and_utc())
        })
        .ok()
}
