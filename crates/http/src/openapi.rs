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
    for (api, doc) in documents {
        if let Err(e) = check(&document_path(manifest_dir, api), &doc) {
            panic!("{e}");
        }
    }
}
