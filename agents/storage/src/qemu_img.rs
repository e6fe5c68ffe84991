//! `qemu-img`, the tool that knows disk image formats: what a file is
//! (`info`), and later conversions and overlays.

use serde::Deserialize;
use std::path::Path;
use stratus_common::Error;

/// The part of `qemu-img info --output=json` the agent uses.
#[derive(Clone, Debug, Deserialize)]
pub struct Info {
    pub format: String,
    #[serde(rename = "virtual-size")]
    pub virtual_size: u64,
    #[serde(rename = "backing-filename")]
    pub backing_file: Option<String>,
}

/// Inspects `path` (format probing on: this is where untrusted data is
/// classified, never opened by a guest with a probed format).
pub async fn info(path: &Path) -> Result<Info, Error> {
    let out = tokio::process::Command::new("qemu-img")
        .args(["info", "--output=json"])
        .arg(path)
        .output()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot run qemu-img");
            Error::internal(&e)
        })?;
    if !out.status.success() {
        return Err(Error::bad_request(format!(
            "qemu-img cannot read the image: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        tracing::error!(error = %e, "unexpected qemu-img output");
        Error::internal(&e)
    })
}
