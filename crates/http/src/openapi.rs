//! The checked-in OpenAPI documents (`openapi/<service>.json`): written from
//! the code, and compared with it by each service's drift test.

use std::path::{Path, PathBuf};

/// Where a service's document lives, from the service crate's manifest dir.
pub fn document_path(manifest_dir: &str, service: &str) -> PathBuf {
    Path::new(manifest_dir)
        .join("../../openapi")
        .join(format!("{service}.json"))
}

/// The document as it is checked in: pretty JSON and a final newline.
pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let mut text = doc.to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// Fails when the checked-in document differs from what the code generates.
/// With `STRATUS_BLESS=1` it rewrites the file instead.
pub fn check(path: &Path, doc: &utoipa::openapi::OpenApi) -> Result<(), String> {
    let generated = render(doc);
    if std::env::var("STRATUS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(path, &generated)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        return Ok(());
    }
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == generated {
        return Ok(());
    }
    let first_difference = current
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| current.lines().count().min(generated.lines().count()));
    Err(format!(
        "{} is out of date (first difference at line {}). Regenerate it with \
         `STRATUS_BLESS=1 cargo test openapi` and commit the result.",
        path.display(),
        first_difference + 1
    ))
}

/// The drift test of a service: every one of its APIs' documents must match
/// the checked-in `openapi/<api>.json`. Panics naming the stale file.
pub fn assert_current(
    manifest_dir: &str,
    documents: Vec<(&'static str, utoipa::openapi::OpenApi)>,
) {
    let problems = operation_ids(&documents);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (api, doc) in documents {
        if let Err(e) = check(&document_path(manifest_dir, api), &doc) {
            panic!("{e}");
        }
    }
}

/// Completes a service's generated document: every error response (4xx,
/// 5xx) without a body gets the API's own error body (`style`), and the
/// error schemas are added to the components. Every operation must have an
/// `operationId`; [`operation_ids`] checks they are unique.
pub fn finish(
    doc: utoipa::openapi::OpenApi,
    style: stratus_common::ErrorStyle,
) -> utoipa::openapi::OpenApi {
    use serde_json::{Value, json};
    use stratus_common::ErrorStyle;
    use utoipa::PartialSchema;
    let (name, schema, content_type) = match style {
        ErrorStyle::Keystone | ErrorStyle::Plain => (
            "KeystoneError",
            serde_json::to_value(stratus_api::error::KeystoneError::schema()),
            "application/json",
        ),
        ErrorStyle::Nova | ErrorStyle::Cinder => (
            "Fault",
            serde_json::to_value(stratus_api::error::Fault::schema()),
            "application/json",
        ),
        ErrorStyle::Neutron => (
            "NeutronError",
            serde_json::to_value(stratus_api::error::NeutronError::schema()),
            "application/json",
        ),
        ErrorStyle::Glance => (
            "HtmlError",
            Ok(json!({"type": "string", "description": "webob's HTML error page"})),
            "text/html",
        ),
    };
    let Ok(mut value) = serde_json::to_value(&doc) else {
        return doc;
    };
    let mut schemas = vec![(name, schema.unwrap_or(Value::Null))];
    match style {
        ErrorStyle::Keystone | ErrorStyle::Plain => schemas.push((
            "KeystoneErrorDetail",
            serde_json::to_value(stratus_api::error::KeystoneErrorDetail::schema())
                .unwrap_or(Value::Null),
        )),
        ErrorStyle::Nova | ErrorStyle::Cinder => schemas.push((
            "FaultDetail",
            serde_json::to_value(stratus_api::error::FaultDetail::schema()).unwrap_or(Value::Null),
        )),
        ErrorStyle::Neutron => schemas.push((
            "NeutronErrorDetail",
            serde_json::to_value(stratus_api::error::NeutronErrorDetail::schema())
                .unwrap_or(Value::Null),
        )),
        ErrorStyle::Glance => {}
    }
    let reference = json!({"$ref": format!("#/components/schemas/{name}")});
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if !matches!(
                    method.as_str(),
                    "get" | "put" | "post" | "delete" | "patch" | "head"
                ) {
                    continue;
                }
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                for (status, response) in responses.iter_mut() {
                    let error = status.starts_with('4') || status.starts_with('5');
                    if error && response.get("content").is_none() && method != "head" {
                        response["content"] = json!({content_type: {"schema": reference}});
                    }
                }
            }
        }
    }
    let components = value
        .as_object_mut()
        .map(|o| o.entry("components").or_insert_with(|| json!({})));
    if let Some(components) = components {
        let schemas_map = components
            .as_object_mut()
            .map(|c| c.entry("schemas").or_insert_with(|| json!({})));
        if let Some(Value::Object(map)) = schemas_map {
            for (n, s) in schemas {
                map.insert(n.to_owned(), s);
            }
        }
    }
    serde_json::from_value(value).unwrap_or(doc)
}

/// Operations (`METHOD path`) without an `operationId` or sharing one with
/// another operation of the same documents.
pub fn operation_ids(documents: &[(&'static str, utoipa::openapi::OpenApi)]) -> Vec<String> {
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut problems = Vec::new();
    for (api, doc) in documents {
        let Ok(value) = serde_json::to_value(doc) else {
            continue;
        };
        let Some(paths) = value.get("paths").and_then(|p| p.as_object()) else {
            continue;
        };
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let at = format!("{api}: {} {path}", method.to_uppercase());
                match op.get("operationId").and_then(|i| i.as_str()) {
                    None => problems.push(format!("{at} has no operationId")),
                    Some(id) => {
                        if let Some(other) = seen.insert(id.to_owned(), at.clone()) {
                            problems.push(format!("{at} repeats operationId {id} of {other}"));
                        }
                    }
                }
            }
        }
    }
    problems
}
