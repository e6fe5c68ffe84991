//! Deserializers for the loose values OpenStack APIs accept.

use serde::{Deserialize, Deserializer};

/// A boolean, also as `"true"`/`"false"` in any case (Neutron's
/// `convert_to_boolean`).
pub fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Text(String),
    }
    match Option::<Loose>::deserialize(d)? {
        None => Ok(None),
        Some(Loose::Bool(b)) => Ok(Some(b)),
        Some(Loose::Text(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Loose::Text(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(Loose::Text(s)) => Err(serde::de::Error::custom(format!(
            "'{s}' is not a valid boolean value"
        ))),
    }
}

/// An integer, also as a decimal string (Neutron's `convert_to_int`).
pub fn loose_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Int(i64),
        Text(String),
    }
    match Option::<Loose>::deserialize(d)? {
        None => Ok(None),
        Some(Loose::Int(n)) => Ok(Some(n)),
        Some(Loose::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("'{s}' is not an integer"))),
    }
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or set: for
/// updates where `null` clears a value. Use with `#[serde(default)]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// An enum stored as its wire text (a status, a state), if it is one.
pub fn parse_text<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}
