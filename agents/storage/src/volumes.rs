//! Volumes and snapshots as qcow2 files: made empty, copied from an image
//! (fetched once into this host's cache when another host holds it), from a
//! snapshot or from another volume; grown; snapshotted as full copies;
//! removed. Every operation writes to `<file>.part` and renames, so a
//! redelivered cast finds either nothing or the finished file.

use crate::backend::{DiskTool, QemuImg};
use crate::inspect::{self, DiskFormat};
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

/// Volume and snapshot work on this host's store, with disk tool `D`
/// (qemu-img; a fake in unit tests).
#[derive(Clone)]
pub struct Volumes<D: DiskTool = QemuImg> {
    disks: D,
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
        Self::with_disks(QemuImg, store, bus, host)
    }
}

impl<D: DiskTool> Volumes<D> {
    /// Volume work done with `disks`.
    pub fn with_disks(disks: D, store: Store, bus: Bus, host: String) -> Self {
        Self {
            disks,
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
            let info = self.disks.info(&path, DiskFormat::Qcow2).await?;
            return Ok(u32::try_from(info.virtual_size / GIB).unwrap_or(u32::MAX));
        }
        let tmp = part(&path);
        let want = u64::from(size_gb) * GIB;
        let result = async {
            match source {
                VolumeSource::Empty => self.disks.create(&tmp, want).await?,
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
                    self.disks
                        .convert(&src, info.format, &tmp, DiskFormat::Qcow2)
                        .await?;
                }
                VolumeSource::Snapshot { snapshot_id } => {
                    self.disks
                        .convert(
                            &self.store.path("snapshots", snapshot_id)?,
                            DiskFormat::Qcow2,
                            &tmp,
                            DiskFormat::Qcow2,
                        )
                        .await?;
                }
                VolumeSource::Volume { volume_id: source } => {
                    self.disks
                        .convert(
                            &self.store.path("volumes", source)?,
                            DiskFormat::Qcow2,
                            &tmp,
                            DiskFormat::Qcow2,
                        )
                        .await?;
                }
            }
            let info = self.disks.info(&tmp, DiskFormat::Qcow2).await?;
            if info.virtual_size < want {
                self.disks.resize(&tmp, want).await?;
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
        let info = self.disks.info(&path, DiskFormat::Qcow2).await?;
        let want = u64::from(size_gb) * GIB;
        if info.virtual_size < want {
            self.disks.resize(&path, want).await?;
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
            if let Err(e) = self
                .disks
                .convert(&volume, DiskFormat::Qcow2, &tmp, DiskFormat::Qcow2)
                .await
            {
                let _ = remove(&tmp).await;
                return Err(e);
            }
            finish(&tmp, &path).await?;
        }
        let info = self.disks.info(&path, DiskFormat::Qcow2).await?;
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
            self.disks
                .convert(&volume, DiskFormat::Qcow2, &tmp, out_format)
                .await?;
            let info = self.disks.info(&tmp, out_format).await?;
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

#[cfg(test)]
mod tests {
    //! The volume logic against the fake disk tool: fast, no qemu.
    use super::*;
    use crate::backend::fake::FakeDisks;

    /// A store in a fresh directory, removed when the test ends.
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn volumes() -> (Volumes<FakeDisks>, FakeDisks, Scratch) {
        let dir = std::env::temp_dir().join(format!("stratus-volumes-{}", uuid::Uuid::new_v4()));
        let store = Store::open(&dir).expect("store");
        let disks = FakeDisks::default();
        let bus = Bus::new(stratus_bus::BusConfig::default(), "volumes-unit");
        let v = Volumes::with_disks(disks.clone(), store, bus, "h1".into());
        (v, disks, Scratch(dir))
    }

    fn id() -> String {
        uuid::Uuid::new_v4().to_string()
    }

    fn count(disks: &FakeDisks, op: &str) -> usize {
        disks
            .calls()
            .iter()
            .filter(|c| c.starts_with(&format!("{op} ")))
            .count()
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        ["volumes", "snapshots", "images", "cache"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(dir.join(d))
                    .into_iter()
                    .flatten()
                    .flatten()
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".part"))
            .collect()
    }

    #[tokio::test]
    async fn an_empty_volume_is_made_once_even_when_the_cast_comes_twice() {
        let (v, disks, _dir) = volumes();
        let vol = id();
        assert_eq!(
            v.create(&vol, 2, &VolumeSource::Empty)
                .await
                .expect("create"),
            2
        );
        assert_eq!(count(&disks, "create"), 1);
        // Redelivered: the file is there, its size is read back, nothing made.
        assert_eq!(
            v.create(&vol, 2, &VolumeSource::Empty)
                .await
                .expect("again"),
            2
        );
        assert_eq!(count(&disks, "create"), 1);
        let export = v.export(&vol).await.expect("export");
        assert_eq!(export.format, "qcow2");
        assert!(export.path.ends_with(&vol));
    }

    #[tokio::test]
    async fn a_volume_from_an_image_is_grown_to_its_size_and_a_too_large_image_is_refused() {
        let (v, disks, dir) = volumes();
        let image = id();
        let raw = v.store.image_path(&image).expect("path");
        std::fs::write(&raw, vec![0u8; 4096]).expect("image");
        let source = VolumeSource::Image {
            image_id: image.clone(),
            host: "h1".into(),
            disk_format: Some("raw".into()),
        };
        let vol = id();
        assert_eq!(v.create(&vol, 1, &source).await.expect("create"), 1);
        assert_eq!((count(&disks, "convert"), count(&disks, "resize")), (1, 1));
        let path = v.store.path("volumes", &vol).expect("path");
        let info = disks.info(&path, DiskFormat::Qcow2).await.expect("info");
        assert_eq!(info.virtual_size, GIB);

        // An image bigger than the volume: 400, and nothing left behind.
        std::fs::write(&raw, vec![0u8; 4096]).expect("image");
        let big = id();
        let f = std::fs::File::options()
            .write(true)
            .open(&raw)
            .expect("open");
        f.set_len(GIB + 1).expect("grow");
        let refused = v.create(&big, 1, &source).await.expect_err("too large");
        assert_eq!(refused.kind, stratus_common::ErrorKind::BadRequest);
        assert!(!v.store.path("volumes", &big).expect("path").exists());
        assert!(leftovers(&dir.0).is_empty(), "{:?}", leftovers(&dir.0));
    }

    #[tokio::test]
    async fn a_failed_copy_leaves_no_part_file_and_a_retry_succeeds() {
        let (v, disks, dir) = volumes();
        let source_vol = id();
        v.create(&source_vol, 1, &VolumeSource::Empty)
            .await
            .expect("source");
        let vol = id();
        let from = VolumeSource::Volume {
            volume_id: source_vol.clone(),
        };
        disks.fail_next("convert");
        v.create(&vol, 1, &from).await.expect_err("convert fails");
        assert!(!v.store.path("volumes", &vol).expect("path").exists());
        assert!(leftovers(&dir.0).is_empty(), "{:?}", leftovers(&dir.0));
        assert_eq!(v.create(&vol, 1, &from).await.expect("retry"), 1);
    }

    #[tokio::test]
    async fn extend_only_grows_and_snapshots_are_full_copies_made_once() {
        let (v, disks, _dir) = volumes();
        let vol = id();
        v.create(&vol, 2, &VolumeSource::Empty)
            .await
            .expect("create");
        v.extend(&vol, 1).await.expect("shrink is a no-op");
        assert_eq!(count(&disks, "resize"), 0);
        v.extend(&vol, 3).await.expect("grow");
        assert_eq!(count(&disks, "resize"), 1);

        let snap = id();
        assert_eq!(v.snapshot(&snap, &vol).await.expect("snapshot"), 3);
        assert_eq!(v.snapshot(&snap, &vol).await.expect("again"), 3);
        assert_eq!(
            count(&disks, "convert"),
            1,
            "a redelivered snapshot copies nothing"
        );
        let restored = id();
        let from = VolumeSource::Snapshot {
            snapshot_id: snap.clone(),
        };
        assert_eq!(v.create(&restored, 3, &from).await.expect("restore"), 3);
        v.snapshot_delete(&snap).await.expect("delete snapshot");
        v.snapshot_delete(&snap)
            .await
            .expect("deleting twice is fine");
        v.delete(&vol).await.expect("delete");
        assert!(
            v.export(&vol).await.is_err(),
            "a deleted volume has no export"
        );
    }

    #[tokio::test]
    async fn ids_that_are_not_uuids_never_become_paths() {
        let (v, disks, _dir) = volumes();
        for bad in ["../../etc/passwd", "", "a/b", "x; rm -rf /"] {
            assert!(
                v.create(bad, 1, &VolumeSource::Empty).await.is_err(),
                "{bad}"
            );
            assert!(v.delete(bad).await.is_err(), "{bad}");
        }
        assert!(disks.calls().is_empty(), "{:?}", disks.calls());
    }
}
