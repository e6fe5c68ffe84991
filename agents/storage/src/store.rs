//! Files under the agent's storage directory: `<root>/images/<id>.part`
//! while an upload is in progress, `<root>/images/<id>` once committed;
//! `<root>/volumes/<id>`, `<root>/snapshots/<id>` (qcow2) and
//! `<root>/cache/<image id>` (images of other hosts, fetched once). Ids are
//! checked to be UUIDs before they touch a path, so a message can never name
//! a file outside the directory.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use stratus_bus_protocol::storage::{CHUNK_BYTES, Chunk, ImageData, StoredImage};
use stratus_common::Error;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// The files of one storage host.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

fn io_error(what: &str, e: &std::io::Error) -> Error {
    tracing::error!(error = %e, "{what}");
    Error::internal(e)
}

/// Only UUIDs name files (with or without dashes, as ids come).
pub fn check_id(id: &str) -> Result<&str, Error> {
    uuid::Uuid::parse_str(id)
        .map(|_| id)
        .map_err(|_| Error::bad_request(format!("{id:?} is not an image id")))
}

impl Store {
    /// Opens (creating if needed) the directories under `root`.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        for dir in ["images", "volumes", "snapshots", "cache"] {
            std::fs::create_dir_all(root.join(dir))?;
        }
        Ok(Self {
            root: root.to_owned(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn image_path(&self, id: &str) -> Result<PathBuf, Error> {
        Ok(self.root.join("images").join(check_id(id)?))
    }

    /// Where a hypervisor on this host finds the committed image, and its
    /// format as qemu-img sees it.
    pub async fn export(
        &self,
        id: &str,
        disk_format: Option<&str>,
    ) -> Result<stratus_bus_protocol::storage::Export, Error> {
        let path = self.image_path(id)?;
        if !path.exists() {
            return Err(Error::not_found(format!(
                "Image {id} has no data on this host."
            )));
        }
        let found = crate::inspect::open_as(&path, disk_format).await?;
        Ok(stratus_bus_protocol::storage::Export {
            driver_volume_type: "file".into(),
            path: path.to_string_lossy().into_owned(),
            format: found.format.as_str().to_owned(),
        })
    }

    /// A file of `kind` (`volumes`, `snapshots`, `cache`) named by a UUID.
    pub fn path(&self, kind: &str, id: &str) -> Result<PathBuf, Error> {
        Ok(self.root.join(kind).join(check_id(id)?))
    }

    fn part_path(&self, id: &str) -> Result<PathBuf, Error> {
        Ok(self
            .root
            .join("images")
            .join(format!("{}.part", check_id(id)?)))
    }

    /// Writes `data` at `offset` of the partial file; returns its size.
    pub async fn write(&self, id: &str, offset: u64, data: &[u8]) -> Result<u64, Error> {
        if self.image_path(id)?.exists() {
            return Err(Error::conflict(format!("Image {id} already has data.")));
        }
        let path = self.part_path(id)?;
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&path)
            .await
            .map_err(|e| io_error("cannot open a partial image", &e))?;
        file.seek(SeekFrom::Start(offset))
            .await
            .map_err(|e| io_error("cannot seek in a partial image", &e))?;
        file.write_all(data)
            .await
            .map_err(|e| io_error("cannot write a partial image", &e))?;
        file.flush()
            .await
            .map_err(|e| io_error("cannot write a partial image", &e))?;
        let size = file
            .metadata()
            .await
            .map_err(|e| io_error("cannot stat a partial image", &e))?
            .len();
        Ok(size)
    }

    /// Checks the partial file (size, format) and makes it the image; a
    /// partial file that fails a check is removed.
    pub async fn commit(
        &self,
        id: &str,
        size: u64,
        disk_format: Option<&str>,
    ) -> Result<StoredImage, Error> {
        let part = self.part_path(id)?;
        let final_path = self.image_path(id)?;
        if size == 0 {
            // An empty upload: nothing was written, so make the empty file.
            tokio::fs::File::create(&part)
                .await
                .map_err(|e| io_error("cannot create an empty image", &e))?;
        }
        let result = async {
            let on_disk = tokio::fs::metadata(&part)
                .await
                .map_err(|_| Error::not_found(format!("No data was uploaded for image {id}.")))?
                .len();
            if on_disk != size {
                return Err(Error::bad_request(format!(
                    "Image {id} has {on_disk} bytes on the storage host, not the {size} uploaded."
                )));
            }
            let found = crate::inspect::inspect_as(&part, disk_format).await?;
            Ok(StoredImage {
                size,
                virtual_size: Some(found.virtual_size),
                format: found.format.as_str().to_owned(),
            })
        }
        .await;
        match result {
            Ok(stored) => {
                tokio::fs::rename(&part, &final_path)
                    .await
                    .map_err(|e| io_error("cannot commit an image", &e))?;
                Ok(stored)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&part).await;
                Err(e)
            }
        }
    }

    /// Reads up to `len` bytes (at most one chunk) from `offset`.
    pub async fn read(&self, id: &str, offset: u64, len: u32) -> Result<ImageData, Error> {
        let path = self.image_path(id)?;
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|_| Error::not_found(format!("Image {id} has no data on this host.")))?;
        let total = file
            .metadata()
            .await
            .map_err(|e| io_error("cannot stat an image", &e))?
            .len();
        let want = (len as usize).min(CHUNK_BYTES);
        let want = want.min(total.saturating_sub(offset) as usize);
        let mut data = vec![0; want];
        file.seek(SeekFrom::Start(offset))
            .await
            .map_err(|e| io_error("cannot seek in an image", &e))?;
        file.read_exact(&mut data)
            .await
            .map_err(|e| io_error("cannot read an image", &e))?;
        Ok(ImageData {
            eof: offset + want as u64 >= total,
            data: Chunk(data),
        })
    }

    /// Removes an image's files here: its data, a partial upload, and a
    /// cached copy of another host's.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        for path in [
            self.image_path(id)?,
            self.part_path(id)?,
            self.path("cache", id)?,
        ] {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => tracing::info!(path = %path.display(), "removed"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error("cannot remove an image", &e)),
            }
        }
        Ok(())
    }

    /// Total and free bytes: the file system's, or, with a `limit`, that
    /// many bytes less what the directory holds. A limit may exceed the
    /// disk: qcow2 files are thin, so that is oversubscription by choice.
    pub fn capacity(&self, limit: Option<u64>) -> std::io::Result<(u64, u64)> {
        match limit {
            None => {
                let st = rustix::fs::statvfs(&self.root)?;
                Ok((st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize))
            }
            Some(limit) => {
                let used = dir_bytes(&self.root)?;
                Ok((limit, limit.saturating_sub(used)))
            }
        }
    }
}

/// The bytes of the files under `dir`.
fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
