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
    mut doc: utoipa::openapi::OpenApi,
    style: stratus_common::ErrorStyle,
) -> utoipa::openapi::OpenApi {
    use stratus_api::error;
    use stratus_common::ErrorStyle;
    use utoipa::ToSchema;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{Content, Ref, RefOr, Schema};
    fn named<T: ToSchema>() -> (String, RefOr<Schema>) {
        (T::name().into_owned(), T::schema())
    }
    let (schemas, content_type): (Vec<(String, RefOr<Schema>)>, &str) = match style {
        ErrorStyle::Keystone | ErrorStyle::Plain => (
            vec![
                named::<error::KeystoneError>(),
                named::<error::KeystoneErrorDetail>(),
            ],
            "application/json",
        ),
        ErrorStyle::Nova | ErrorStyle::Cinder => (
            vec![named::<error::Fault>(), named::<error::FaultDetail>()],
            "application/json",
        ),
        ErrorStyle::Neutron => (
            vec![
                named::<error::NeutronError>(),
                named::<error::NeutronErrorDetail>(),
            ],
            "application/json",
        ),
        ErrorStyle::Glance => (
            vec![(
                "HtmlError".into(),
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("webob's HTML error page"))
                    .into(),
            )],
            "text/html",
        ),
    };
    let error_body = schemas[0].0.clone();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            for (status, response) in op.responses.responses.iter_mut() {
                let error = status.starts_with('4') || status.starts_with('5');
                if let RefOr::T(response) = response
                    && error
                    && response.content.is_empty()
                {
                    response.content.insert(
                        content_type.to_owned(),
                        RefOr::T(Content::new(Some(Ref::from_schema_name(&error_body)))),
                    );
                }
            }
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.insert(name, schema);
    }
    doc
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
