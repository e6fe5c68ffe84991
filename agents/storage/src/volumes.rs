//! Volumes and snapshots as qcow2 files: made empty, copied from an image
//! (fetched once into this host's cache when another host holds it), from a
//! snapshot or from another volume; grown; snapshotted as full copies;
//! removed. Every operation writes to `<file>.part` and renames, so a
//! redelivered cast finds either nothing or the finished file.

use crate::inspect::{self, DiskFormat};
use crate::qemu_img;
use crate::store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stratus_bus::Bus;
use stratus_bus_protocol::StorageAgent;
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
            let info = qemu_img::info(&path, DiskFormat::Qcow2).await?;
            return Ok(u32::try_from(info.virtual_size / GIB).unwrap_or(u32::MAX));
        }
        let tmp = part(&path);
        let want = u64::from(size_gb) * GIB;
        let result = async {
            match source {
                VolumeSource::Empty => qemu_img::create(&tmp, want).await?,
                VolumeSource::Image {
                    image_id,
                    host,
                    disk_format,
                } => {
                    let src = self.image_file(image_id, host).await?;
                    // Checked at upload, and again here: a copy fetched
                    // from another host is only as good as that host.
                    let info = inspect::open_as(&src, disk_format.as_deref()).await?;
                    if info.virtual_size > want {
                        return Err(Error::bad_request(format!(
                            "Image {image_id} is {} bytes, larger than the {size_gb} GiB volume.",
                            info.virtual_size
                        )));
                    }
                    qemu_img::convert(&src, info.format, &tmp).await?;
                }
                VolumeSource::Snapshot { snapshot_id } => {
                    qemu_img::convert(
                        &self.store.path("snapshots", snapshot_id)?,
                        DiskFormat::Qcow2,
                        &tmp,
                    )
                    .await?;
                }
                VolumeSource::Volume { volume_id: source } => {
                    qemu_img::convert(
                        &self.store.path("volumes", source)?,
                        DiskFormat::Qcow2,
                        &tmp,
                    )
                    .await?;
                }
            }
            let info = qemu_img::info(&tmp, DiskFormat::Qcow2).await?;
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
        let info = qemu_img::info(&path, DiskFormat::Qcow2).await?;
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
            if let Err(e) = qemu_img::convert(&volume, DiskFormat::Qcow2, &tmp).await {
                let _ = remove(&tmp).await;
                return Err(e);
            }
            finish(&tmp, &path).await?;
        }
        let info = qemu_img::info(&path, DiskFormat::Qcow2).await?;
        Ok(u32::try_from(info.virtual_size.div_ceil(GIB)).unwrap_or(u32::MAX))
    }

    /// Copies a volume into `images/<image_id>` in `disk_format`; returns
    /// the image's size, virtual size, MD5 and SHA-512.
    pub async fn to_image(
        &self,
        volume_id: &str,
        image_id: &str,
        disk_format: &str,
    ) -> Result<(u64, u64, String, String), Error> {
        let volume = self.store.path("volumes", volume_id)?;
        let path = self.store.image_path(image_id)?;
        let tmp = part(&path);
        let out_format = DiskFormat::parse(disk_format)?;
        let result = async {
            qemu_img::convert_to(&volume, DiskFormat::Qcow2, &tmp, out_format).await?;
            let info = qemu_img::info(&tmp, out_format).await?;
            let (size, md5, sha512) = hash_file(&tmp).await?;
            finish(&tmp, &path).await?;
            Ok((size, info.virtual_size, md5, sha512))
        }
        .await;
        if result.is_err() {
            let _ = remove(&tmp).await;
        }
        result
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
        let agent = StorageAgent::on(&self.bus, host);
        let mut offset = 0u64;
        loop {
            let chunk = agent
                .call(
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

/// Size, MD5 and SHA-512 (hex) of a file, read in chunks off the runtime.
async fn hash_file(path: &Path) -> Result<(u64, String, String), Error> {
    use md5::Digest;
    use std::io::Read;
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path).map_err(|e| Error::internal(&e))?;
        let (mut md5, mut sha512) = (md5::Md5::new(), sha2::Sha512::new());
        let mut buf = vec![0; CHUNK_BYTES];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(|e| Error::internal(&e))?;
            if n == 0 {
                break;
            }
            md5.update(&buf[..n]);
            sha512.update(&buf[..n]);
            size += n as u64;
        }
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        Ok((size, hex(&md5.finalize()), hex(&sha512.finalize())))
    })
    .await
    .map_err(|e| Error::internal(&e))?
}
