//! The config drive: a small vfat disk (label `config-2`) with Nova's
//! `openstack/latest/` layout (`meta_data.json`, `user_data`), which a guest
//! reads without any network.

use std::io::Write as _;
use std::path::Path;

use base64::Engine;
use serde_json::json;
use stratus_bus_protocol::compute::InstanceSpec;

use super::DriverError;

const SIZE: u64 = 4 * 1024 * 1024;

fn err(e: impl std::fmt::Display) -> DriverError {
    DriverError::Disk(format!("config drive: {e}"))
}

/// Nova's `meta_data.json` for the instance.
pub fn meta_data(spec: &InstanceSpec) -> serde_json::Value {
    json!({
        "uuid": spec.id,
        "name": spec.name,
        "hostname": spec.name,
        "launch_index": 0,
        "availability_zone": "nova",
        "project_id": spec.project_id,
        "meta": spec.metadata,
        "public_keys": spec.public_keys,
    })
}

/// Writes the config drive of `spec` to `path` (a raw image).
pub fn write(path: &Path, spec: &InstanceSpec) -> Result<(), DriverError> {
    let user_data = match &spec.user_data {
        Some(b64) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| DriverError::Invalid(format!("user_data is not base64: {e}")))?,
        ),
        None => None,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| DriverError::Io(path.display().to_string(), e))?;
    file.set_len(SIZE)
        .map_err(|e| DriverError::Io(path.display().to_string(), e))?;
    let mut disk = file;
    fatfs::format_volume(
        &mut disk,
        fatfs::FormatVolumeOptions::new().volume_label(*b"config-2   "),
    )
    .map_err(err)?;
    let fs = fatfs::FileSystem::new(disk, fatfs::FsOptions::new()).map_err(err)?;
    {
        let root = fs.root_dir();
        let latest = root
            .create_dir("openstack")
            .and_then(|d| d.create_dir("latest"))
            .map_err(err)?;
        let mut meta = latest.create_file("meta_data.json").map_err(err)?;
        meta.write_all(meta_data(spec).to_string().as_bytes())
            .map_err(err)?;
        if let Some(data) = user_data {
            let mut f = latest.create_file("user_data").map_err(err)?;
            f.write_all(&data).map_err(err)?;
        }
    }
    fs.unmount().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn the_drive_holds_meta_and_user_data() {
        let dir = std::env::temp_dir().join(format!("stratus-cd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("disk.config");
        let spec = InstanceSpec {
            id: "6f1c5a2e-0000-4000-8000-000000000001".into(),
            name: "vm".into(),
            project_id: "p".into(),
            flavor: "tiny".into(),
            vcpus: 1,
            memory_mb: 64,
            image_disk: None,
            disks: vec![],
            kernel: None,
            ramdisk: None,
            cmdline: None,
            nics: vec![],
            user_data: Some(base64::engine::general_purpose::STANDARD.encode("ping 10.0.0.3\n")),
            metadata: [("role".to_owned(), "web".to_owned())].into(),
            config_drive: true,
            public_keys: [("k".to_owned(), "ssh-ed25519 AAAA".to_owned())].into(),
        };
        write(&path, &spec).expect("write");
        let file = std::fs::File::open(&path).expect("open");
        let fs = fatfs::FileSystem::new(file, fatfs::FsOptions::new()).expect("a FAT file system");
        assert_eq!(fs.volume_label(), "config-2");
        let mut text = String::new();
        fs.root_dir()
            .open_file("openstack/latest/user_data")
            .expect("user_data")
            .read_to_string(&mut text)
            .expect("read");
        assert_eq!(text, "ping 10.0.0.3\n");
        let mut meta = String::new();
        fs.root_dir()
            .open_file("openstack/latest/meta_data.json")
            .expect("meta_data.json")
            .read_to_string(&mut meta)
            .expect("read");
        let meta: serde_json::Value = serde_json::from_str(&meta).expect("json");
        assert_eq!(meta["uuid"], spec.id.as_str());
        assert_eq!(meta["meta"]["role"], "web");
        assert_eq!(meta["public_keys"]["k"], "ssh-ed25519 AAAA");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
