//! `qemu-img`, the tool that knows disk image formats: what a file is
//! (`info`), new qcow2 volumes (`create`), copies in another format
//! (`convert`) and growing (`resize`).

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

async fn run(args: &[&std::ffi::OsStr]) -> Result<(), Error> {
    let out = tokio::process::Command::new("qemu-img")
        .args(args)
        .output()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot run qemu-img");
            Error::internal(&e)
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        tracing::error!(?args, %stderr, "qemu-img failed");
        return Err(Error::bad_request(format!("qemu-img failed: {stderr}")));
    }
    Ok(())
}

/// A new, empty qcow2 file of `size` bytes.
pub async fn create(path: &Path, size: u64) -> Result<(), Error> {
    let size = size.to_string();
    run(&[
        "create".as_ref(),
        "-q".as_ref(),
        "-f".as_ref(),
        "qcow2".as_ref(),
        path.as_os_str(),
        size.as_ref(),
    ])
    .await
}

/// Copies `src` (of format `format`, never probed) into a new qcow2 `dst`.
pub async fn convert(src: &Path, format: &str, dst: &Path) -> Result<(), Error> {
    convert_to(src, format, dst, "qcow2").await
}

/// Copies `src` (of format `format`, never probed) into `dst` in `out_format`.
pub async fn convert_to(
    src: &Path,
    format: &str,
    dst: &Path,
    out_format: &str,
) -> Result<(), Error> {
    run(&[
        "convert".as_ref(),
        "-q".as_ref(),
        "-f".as_ref(),
        format.as_ref(),
        "-O".as_ref(),
        out_format.as_ref(),
        src.as_os_str(),
        dst.as_os_str(),
    ])
    .await
}

/// Grows the qcow2 file at `path` to `size` bytes.
pub async fn resize(path: &Path, size: u64) -> Result<(), Error> {
    let size = size.to_string();
    run(&[
        "resize".as_ref(),
        "-q".as_ref(),
        "-f".as_ref(),
        "qcow2".as_ref(),
        path.as_os_str(),
        size.as_ref(),
    ])
    .await
}
