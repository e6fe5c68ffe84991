//! Volumes and snapshots as qcow2 files: made empty, copied from an image
//! (fetched once into this host's cache when another host holds it), from a
//! snapshot or from another volume; grown; snapshotted as full copies;
//! removed. Every operation writes to `<file>.part` and renames, so a
//! redelivered cast finds either nothing or the finished file.

use crate::qemu_img;
use crate::store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stratus_bus::Bus;
use stratus_bus_protocol::AgentKind;
use stratus_bus_protocol::storage::{CHUNK_BYTES, Export, ImageRead, VolumeSource};
use stratus_common::{Error, RequestContext};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

pub const GIB: u64 = 1024 * 1024 * 1024;

#[derive(Clone)]
pub struct Volumes {
    store: Store,
    bus: Bus,
    host: String,
    /// One fetch at a time per image.
    fetching: Arc<Mutex<HashMap<String, Arc<Mutex<()>>>>>,
}

fn part(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".part");
    PathBuf::from(p)
}

async fn finish(part: &Path, path: &Path) -> Result<(), Error> {
    tokio::fs::rename(part, path)
        .await
        .map_err(|e| Error::internal(&e))
}

async fn remove(path: &Path) -> Result<(), Error> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => {
            tracing::info!(path = %path.display(), "removed");
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::internal(&e)),
    }
}

impl Volumes {
    pub fn new(store: Store, bus: Bus, host: String) -> Self {
        Self {
            store,
            bus,
            host,
            fetching: Arc::default(),
        }
    }

    /// Makes the volume; returns its size in GiB.
    pub async fn create(
        &self,
        volume_id: &str,
        size_gb: u32,
        source: &VolumeSource,
    ) -> Result<u32, Error> {
        let path = self.store.path("volumes", volume_id)?;
        if path.exists() {
            // A redelivered cast: the work is done.
            let info = qemu_img::info(&path).await?;
            return Ok(u32::try_from(info.virtual_size / GIB).unwrap_or(u32::MAX));
        }
        let tmp = part(&path);
        let want = u64::from(size_gb) * GIB;
        let result = async {
            match source {
                VolumeSource::Empty => qemu_img::create(&tmp, want).await?,
                VolumeSource::Image { image_id, host } => {
                    let src = self.image_file(image_id, host).await?;
                    let info = qemu_img::info(&src).await?;
                    if info.virtual_size > want {
                        return Err(Error::bad_request(format!(
                            "Image {image_id} is {} bytes, larger than the {size_gb} GiB volume.",
                            info.virtual_size
                        )));
                    }
                    qemu_img::convert(&src, &info.format, &tmp).await?;
                }
                VolumeSource::Snapshot { snapshot_id } => {
                    qemu_img::convert(&self.store.path("snapshots", snapshot_id)?, "qcow2", &tmp)
                        .await?;
                }
                VolumeSource::Volume { volume_id: source } => {
                    qemu_img::convert(&self.store.path("volumes", source)?, "qcow2", &tmp).await?;
                }
            }
            let info = qemu_img::info(&tmp).await?;
            if info.virtual_size < want {
                qemu_img::resize(&tmp, want).await?;
            }
            finish(&tmp, &path).await
        }
        .await;
        if result.is_err() {
            let _ = remove(&tmp).await;
        }
        result.map(|()| size_gb)
    }

    /// Where a hypervisor on this host finds the volume.
    pub async fn export(&self, volume_id: &str) -> Result<Export, Error> {
        let path = self.store.path("volumes", volume_id)?;
        if !path.exists() {
            return Err(Error::not_found(format!(
                "Volume {volume_id} has no file on this host."
            )));
        }
        Ok(Export {
            driver_volume_type: "file".into(),
            path: path.to_string_lossy().into_owned(),
            format: "qcow2".into(),
        })
    }

    pub async fn extend(&self, volume_id: &str, size_gb: u32) -> Result<u32, Error> {
        let path = self.store.path("volumes", volume_id)?;
        let info = qemu_img::info(&path).await?;
        let want = u64::from(size_gb) * GIB;
        if info.virtual_size < want {
            qemu_img::resize(&path, want).await?;
        }
        Ok(size_gb)
    }

    pub async fn delete(&self, volume_id: &str) -> Result<(), Error> {
        let path = self.store.path("volumes", volume_id)?;
        remove(&part(&path)).await?;
        remove(&path).await
    }

    pub async fn snapshot(&self, snapshot_id: &str, volume_id: &str) -> Result<u32, Error> {
        let path = self.store.path("snapshots", snapshot_id)?;
        let volume = self.store.path("volumes", volume_id)?;
        if !path.exists() {
            let tmp = part(&path);
            if let Err(e) = qemu_img::convert(&volume, "qcow2", &tmp).await {
                let _ = remove(&tmp).await;
                return Err(e);
            }
            finish(&tmp, &path).await?;
        }
        let info = qemu_img::info(&path).await?;
        Ok(u32::try_from(info.virtual_size.div_ceil(GIB)).unwrap_or(u32::MAX))
    }

    pub async fn snapshot_delete(&self, snapshot_id: &str) -> Result<(), Error> {
        let path = self.store.path("snapshots", snapshot_id)?;
        remove(&part(&path)).await?;
        remove(&path).await
    }

    /// The image's data on this host: its own file, or the cached copy,
    /// fetched from `host` in chunks the first time.
    async fn image_file(&self, image_id: &str, host: &str) -> Result<PathBuf, Error> {
        if host == self.host {
            return self.store.image_path(image_id);
        }
        let cached = self.store.path("cache", image_id)?;
        let lock = {
            let mut map = self.fetching.lock().await;
            map.entry(image_id.to_owned()).or_default().clone()
        };
        let _guard = lock.lock().await;
        if cached.exists() {
            return Ok(cached);
        }
        let tmp = part(&cached);
        let result = self.fetch(image_id, host, &tmp).await;
        if let Err(e) = result {
            let _ = remove(&tmp).await;
            return Err(e);
        }
        finish(&tmp, &cached).await?;
        tracing::info!(image = image_id, from = host, "image cached");
        Ok(cached)
    }

    async fn fetch(&self, image_id: &str, host: &str, into: &Path) -> Result<(), Error> {
        let mut file = tokio::fs::File::create(into)
            .await
            .map_err(|e| Error::internal(&e))?;
        let topic = AgentKind::Storage.topic(host);
        let mut offset = 0u64;
        loop {
            let chunk = self
                .bus
                .call::<ImageRead>(
                    &topic,
                    &RequestContext::system(),
                    ImageRead {
                        image_id: image_id.to_owned(),
                        offset,
                        len: CHUNK_BYTES as u32,
                    },
                )
                .await?;
            file.write_all(&chunk.data.0)
                .await
                .map_err(|e| Error::internal(&e))?;
            offset += chunk.data.0.len() as u64;
            if chunk.eof {
                break;
            }
        }
        file.flush().await.map_err(|e| Error::internal(&e))
    }
}
