//! The storage backend seam: the disk-image operations volume work needs
//! (`info`, `create`, `convert`, `resize`), behind [`DiskTool`]. The agent
//! runs them with qemu-img ([`QemuImg`]); unit tests run the volume logic
//! (idempotent redelivery, sizing, sources, clean-up after a failure)
//! against [`fake::FakeDisks`], which writes small marker files instead of
//! images, in milliseconds and without qemu.

use crate::inspect::DiskFormat;
use crate::qemu_img::{self, Info};
use std::future::Future;
use std::path::Path;
use stratus_common::Error;

/// Disk-image operations on files. Every one names the format: nothing is
/// probed.
pub trait DiskTool: Clone + Send + Sync + 'static {
    /// What `path`, read as `format`, holds.
    fn info(
        &self,
        path: &Path,
        format: DiskFormat,
    ) -> impl Future<Output = Result<Info, Error>> + Send;
    /// A new, empty qcow2 file of `size` bytes.
    fn create(&self, path: &Path, size: u64) -> impl Future<Output = Result<(), Error>> + Send;
    /// Copies `src` (of format `from`) into `dst` in format `to`.
    fn convert(
        &self,
        src: &Path,
        from: DiskFormat,
        dst: &Path,
        to: DiskFormat,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Grows the qcow2 file at `path` to `size` bytes.
    fn resize(&self, path: &Path, size: u64) -> impl Future<Output = Result<(), Error>> + Send;
}

/// The real backend: qemu-img.
#[derive(Clone, Copy, Debug, Default)]
pub struct QemuImg;

impl DiskTool for QemuImg {
    async fn info(&self, path: &Path, format: DiskFormat) -> Result<Info, Error> {
        qemu_img::info(path, format).await
    }
    async fn create(&self, path: &Path, size: u64) -> Result<(), Error> {
        qemu_img::create(path, size).await
    }
    async fn convert(
        &self,
        src: &Path,
        from: DiskFormat,
        dst: &Path,
        to: DiskFormat,
    ) -> Result<(), Error> {
        qemu_img::convert_to(src, from, dst, to).await
    }
    async fn resize(&self, path: &Path, size: u64) -> Result<(), Error> {
        qemu_img::resize(path, size).await
    }
}

/// A backend for unit tests.
#[cfg(test)]
pub mod fake {
    use super::{DiskFormat, DiskTool, Error, Info, Path};
    use std::sync::{Arc, Mutex};

    /// Writes `fake-disk <format> <virtual size>` marker files and reads
    /// them back; a file without the marker reads as raw data (its length
    /// is its size). Records every operation, and fails the next one asked
    /// to fail.
    #[derive(Clone, Default)]
    pub struct FakeDisks {
        pub calls: Arc<Mutex<Vec<String>>>,
        fail_next: Arc<Mutex<Option<&'static str>>>,
    }

    impl FakeDisks {
        /// Makes the next `op` (`"convert"`, `"resize"`, ...) fail.
        pub fn fail_next(&self, op: &'static str) {
            *self.fail_next.lock().expect("lock") = Some(op);
        }

        pub fn calls(&self) -> Vec<String> {
            self.calls.lock().expect("lock").clone()
        }

        fn record(&self, op: &'static str, what: String) -> Result<(), Error> {
            self.calls
                .lock()
                .expect("lock")
                .push(format!("{op} {what}"));
            let mut fail = self.fail_next.lock().expect("lock");
            if *fail == Some(op) {
                *fail = None;
                return Err(Error::bad_request(format!("{op} failed (fake)")));
            }
            Ok(())
        }

        async fn read(path: &Path) -> Result<(String, u64), Error> {
            let bytes = tokio::fs::read(path)
                .await
                .map_err(|e| Error::not_found(format!("{}: {e}", path.display())))?;
            let text = String::from_utf8_lossy(&bytes);
            let mut words = text.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("fake-disk"), Some(format), Some(size)) => Ok((
                    format.to_owned(),
                    size.parse()
                        .map_err(|_| Error::bad_request("bad fake disk"))?,
                )),
                _ => Ok(("raw".to_owned(), bytes.len() as u64)),
            }
        }

        async fn write(path: &Path, format: DiskFormat, size: u64) -> Result<(), Error> {
            tokio::fs::write(path, format!("fake-disk {} {size}", format.as_str()))
                .await
                .map_err(|e| Error::internal(&e))
        }
    }

    impl DiskTool for FakeDisks {
        async fn info(&self, path: &Path, format: DiskFormat) -> Result<Info, Error> {
            self.record("info", path.display().to_string())?;
            let (found, virtual_size) = Self::read(path).await?;
            if found != format.as_str() {
                return Err(Error::bad_request(format!(
                    "not a {} file: {found}",
                    format.as_str()
                )));
            }
            Ok(Info {
                format: found,
                virtual_size,
                backing_file: None,
                encrypted: false,
                format_specific: None,
            })
        }
        async fn create(&self, path: &Path, size: u64) -> Result<(), Error> {
            self.record("create", format!("{} {size}", path.display()))?;
            Self::write(path, DiskFormat::Qcow2, size).await
        }
        async fn convert(
            &self,
            src: &Path,
            from: DiskFormat,
            dst: &Path,
            to: DiskFormat,
        ) -> Result<(), Error> {
            self.record("convert", format!("{} {}", src.display(), dst.display()))?;
            let (found, size) = Self::read(src).await?;
            if found != from.as_str() {
                return Err(Error::bad_request(format!(
                    "not a {} file: {found}",
                    from.as_str()
                )));
            }
            Self::write(dst, to, size).await
        }
        async fn resize(&self, path: &Path, size: u64) -> Result<(), Error> {
            self.record("resize", format!("{} {size}", path.display()))?;
            Self::write(path, DiskFormat::Qcow2, size).await
        }
    }
}
