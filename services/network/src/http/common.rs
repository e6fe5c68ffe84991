//! What every Neutron list shares: filters on any attribute (repeat a key
//! for "any of"), `fields=` to choose attributes, and `limit`/`marker`
//! pagination with `<collection>_links`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use stratus_common::Error;

/// Neutron's timestamps: seconds, UTC, `Z`.
pub fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Query keys that are not attribute filters.
const CONTROL: &[&str] = &[
    "fields",
    "limit",
    "marker",
    "sort_key",
    "sort_dir",
    "page_reverse",
];

fn matches(value: &Value, wanted: &str) -> bool {
    match value {
        Value::String(s) => s == wanted,
        Value::Bool(b) => wanted.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Number(n) => n.to_string() == wanted,
        Value::Null => wanted.is_empty(),
        Value::Array(items) => items.iter().any(|i| matches(i, wanted)),
        Value::Object(_) => false,
    }
}

/// Filters, pages and trims `items` (each a JSON object with an `id`) as the
/// query asks; `next` is the base href of the collection for the next link.
pub fn list<T: serde::Serialize>(
    collection: &str,
    items: Vec<T>,
    query: &[(String, String)],
    next: &str,
) -> Result<Value, Error> {
    let mut filtered: Vec<Value> = items
        .into_iter()
        .map(|item| serde_json::to_value(item).unwrap_or(Value::Null))
        .filter(|item| {
            let mut keys: Vec<&str> = query
                .iter()
                .map(|(k, _)| k.as_str())
                .filter(|k| !CONTROL.contains(k))
                .collect();
            keys.dedup();
            keys.iter().all(|key| {
                query
                    .iter()
                    .filter(|(k, _)| k == key)
                    .any(|(_, want)| item.get(*key).is_some_and(|v| matches(v, want)))
            })
        })
        .collect();
    let get = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if let Some(marker) = get("marker") {
        let at = filtered
            .iter()
            .position(|i| i["id"] == marker)
            .ok_or_else(|| {
                Error::not_found(format!("Marker {marker} could not be found."))
                    .with_type("HTTPNotFound")
            })?;
        filtered.drain(..=at);
    }
    let mut links = Vec::new();
    if let Some(limit) = get("limit") {
        let limit: usize = limit.parse().map_err(|_| {
            Error::bad_request(format!(
                "Invalid input for limit. Reason: '{limit}' is not an integer."
            ))
            .with_type("HTTPBadRequest")
        })?;
        if limit > 0 && filtered.len() > limit {
            filtered.truncate(limit);
            if let Some(last) = filtered.last().and_then(|i| i["id"].as_str()) {
                links.push(
                    json!({"rel": "next", "href": format!("{next}?limit={limit}&marker={last}")}),
                );
            }
        }
    }
    let fields = fields_of(query);
    if !fields.is_empty() {
        for item in &mut filtered {
            if let Value::Object(map) = item {
                map.retain(|k, _| fields.contains(&k.as_str()));
            }
        }
    }
    let mut body = json!({ collection: filtered });
    if !links.is_empty() {
        body[format!("{collection}_links")] = json!(links);
    }
    Ok(body)
}

/// The attributes `fields=` names (repeated or comma-separated); empty
/// names are ignored, so `fields=` alone trims nothing.
fn fields_of(query: &[(String, String)]) -> Vec<&str> {
    query
        .iter()
        .filter(|(k, _)| k == "fields")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect()
}

/// `fields=` on a single resource.
pub fn trim<T: serde::Serialize>(item: T, query: &[(String, String)]) -> Value {
    let mut item = serde_json::to_value(item).unwrap_or(Value::Null);
    let fields = fields_of(query);
    if !fields.is_empty()
        && let Value::Object(map) = &mut item
    {
        map.retain(|k, _| fields.contains(&k.as_str()));
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn filters_fields_and_pages() {
        let items = vec![
            json!({"id": "a", "name": "x", "shared": true}),
            json!({"id": "b", "name": "y", "shared": false}),
            json!({"id": "c", "name": "x", "shared": false}),
        ];
        let body = list("networks", items.clone(), &q(&[("name", "x")]), "/n").expect("list");
        assert_eq!(body["networks"].as_array().map(Vec::len), Some(2));
        let body = list(
            "networks",
            items.clone(),
            &q(&[("name", "x"), ("name", "y"), ("shared", "False")]),
            "/n",
        )
        .expect("list");
        assert_eq!(body["networks"], json!([items[1], items[2]]));
        let body = list(
            "networks",
            items.clone(),
            &q(&[("fields", "id"), ("limit", "2")]),
            "/n",
        )
        .expect("list");
        assert_eq!(body["networks"], json!([{"id": "a"}, {"id": "b"}]));
        assert_eq!(body["networks_links"][0]["href"], "/n?limit=2&marker=b");
        let body = list("networks", items.clone(), &q(&[("marker", "b")]), "/n").expect("list");
        assert_eq!(body["networks"], json!([items[2]]));
        assert!(list("networks", items.clone(), &q(&[("marker", "zz")]), "/n").is_err());
        assert!(list("networks", items, &q(&[("limit", "x")]), "/n").is_err());
    }
}
