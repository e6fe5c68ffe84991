//! `qemu-img`, the tool that knows disk image formats: what a file is
//! (`info`), new qcow2 volumes (`create`), copies in another format
//! (`convert`) and growing (`resize`). Every run names the format (`-f`):
//! qemu-img never guesses what a file is.

use crate::inspect::DiskFormat;
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
    #[serde(default)]
    pub encrypted: bool,
    #[serde(rename = "format-specific", default)]
    pub format_specific: Option<serde_json::Value>,
}

impl Info {
    /// A qcow2's external data file, if it names one.
    pub fn data_file(&self) -> Option<&str> {
        self.format_specific.as_ref()?["data"]["data-file"].as_str()
    }
}

/// Limits of a `qemu-img info` (Nova's: 1 GiB of address space, 30 s of
/// CPU), so a crafted header cannot make it eat the host. Set by
/// util-linux's `prlimit` on the child: std's `Command` has no safe way to.
const INFO_LIMITS: [&str; 2] = ["--as=1073741824", "--cpu=30"];

/// Reads `path`'s metadata as `format` (never probed: the caller decided
/// the format from the file's bytes, see [`crate::inspect`]).
pub async fn info(path: &Path, format: DiskFormat) -> Result<Info, Error> {
    let out = tokio::process::Command::new("prlimit")
        .args(INFO_LIMITS)
        .args(["qemu-img", "info", "--output=json", "-f", format.as_str()])
        .arg(path)
        .output()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot run qemu-img");
            Error::internal(&e)
        })?;
    if !out.status.success() {
        return Err(Error::bad_request(format!(
            "qemu-img cannot read the image as {}: {}",
            format.as_str(),
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
pub async fn convert(src: &Path, format: DiskFormat, dst: &Path) -> Result<(), Error> {
    convert_to(src, format, dst, DiskFormat::Qcow2).await
}

/// Copies `src` (of format `format`, never probed) into `dst` in `out_format`.
pub async fn convert_to(
    src: &Path,
    format: DiskFormat,
    dst: &Path,
    out_format: DiskFormat,
) -> Result<(), Error> {
    run(&[
        "convert".as_ref(),
        "-q".as_ref(),
        "-f".as_ref(),
        format.as_str().as_ref(),
        "-O".as_ref(),
        out_format.as_str().as_ref(),
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
