//! The checked-in OpenAPI documents (`openapi/<service>.json`): written from
//! the code, and compared with it by each service's drift test.

use std::path::{Path, PathBuf};
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};

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

/// The name of the security scheme every authenticated operation names: a
/// Keystone token in `X-Auth-Token`.
pub const TOKEN_SCHEME: &str = "token";

/// Completes a service's generated document: every error response (4xx,
/// 5xx) without a body gets the API's own error body (`style`), and the
/// error schemas are added to the components; every operation but the
/// version documents (tag `versions`) and those named in `public` requires
/// a token (the `token` security scheme, `X-Auth-Token`); Nova's and
/// Cinder's operations take their microversion headers. Every operation
/// must have an `operationId`; [`operation_ids`] checks they are unique.
pub fn finish(
    mut doc: utoipa::openapi::OpenApi,
    style: stratus_common::ErrorStyle,
    public: &[&str],
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
        // HEAD answers carry no body: only the token requirement applies.
        if let Some(head) = &mut item.head
            && !head
                .operation_id
                .as_deref()
                .is_some_and(|id| public.contains(&id))
        {
            head.security = Some(vec![SecurityRequirement::new::<_, _, &str>(
                TOKEN_SCHEME,
                [],
            )]);
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            let versions = op
                .tags
                .as_ref()
                .is_some_and(|t| t.iter().any(|t| t == "versions"));
            let named_public = op
                .operation_id
                .as_deref()
                .is_some_and(|id| public.contains(&id));
            if !versions && !named_public {
                op.security = Some(vec![SecurityRequirement::new::<_, _, &str>(
                    TOKEN_SCHEME,
                    [],
                )]);
            }
            let headers = microversion_headers(style);
            if !headers.is_empty() {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .extend(headers.into_iter().map(RefOr::T));
            }
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
    components.add_security_scheme(
        TOKEN_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Auth-Token",
            "A Keystone token from POST /v3/auth/tokens (its X-Subject-Token).",
        ))),
    );
    doc
}

/// The microversion headers an API takes on every operation: Nova's two
/// (`OpenStack-API-Version: compute 2.1`, `X-OpenStack-Nova-API-Version:
/// 2.1`; a version it cannot serve is a 406) and Cinder's one (`volume
/// 3.0`).
fn microversion_headers(style: stratus_common::ErrorStyle) -> Vec<Parameter> {
    use stratus_common::ErrorStyle;
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(Object::with_type(Type::String)))
            .build()
    };
    match style {
        ErrorStyle::Nova => vec![
            header(
                "OpenStack-API-Version",
                "The microversion asked for, `compute 2.1` (or `compute latest`).",
            ),
            header(
                "X-OpenStack-Nova-API-Version",
                "The microversion asked for, the older way: `2.1`.",
            ),
        ],
        ErrorStyle::Cinder => vec![header(
            "OpenStack-API-Version",
            "The microversion asked for, `volume 3.0` (or `volume latest`).",
        )],
        _ => Vec::new(),
    }
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
