//! The storage agent against the real broker, file system and qemu-img: it
//! answers on its host's topic and heartbeats; its store writes chunks,
//! commits only data whose size and format check out (removing it
//! otherwise), reads it back, says where its file is, refuses ids that are
//! not UUIDs, and deletes.

use stratus_bus_protocol::AgentKind;
use stratus_storage_agent::store::Store;
use stratus_storage_agent::{StorageAgentConfig, StorageSettings};
use stratus_test_support::TempDir;

#[tokio::test]
async fn answers_pings_on_its_topic_and_heartbeats() {
    let dir = TempDir::new("stratus-storage-agent");
    let reply = stratus_test_support::agent::ping_and_heartbeat(
        AgentKind::Storage,
        StorageAgentConfig {
            storage: StorageSettings {
                root: dir.path.clone(),
                capacity_bytes: None,
            },
        },
        stratus_storage_agent::start,
        stratus_bus_protocol::StoragePing {},
    )
    .await;
    assert_eq!(reply.kind, AgentKind::Storage);
    assert!(dir.path.join("images").is_dir());
}

fn qcow2(dir: &std::path::Path, size: &str) -> Vec<u8> {
    let path = dir.join("made.qcow2");
    let out = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&path)
        .arg(size)
        .output()
        .expect("qemu-img");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&path).expect("read")
}

#[tokio::test]
async fn images_are_written_in_chunks_checked_on_commit_and_read_back() {
    let dir = TempDir::new("stratus-store");
    let store = Store::open(&dir.path.join("root")).expect("open");
    let image = qcow2(&dir.path, "64M");
    let id = uuid::Uuid::new_v4().to_string();

    let (first, second) = image.split_at(image.len() / 2);
    assert_eq!(
        store.write(&id, 0, first).await.expect("write"),
        first.len() as u64
    );
    let size = store
        .write(&id, first.len() as u64, second)
        .await
        .expect("write");
    assert_eq!(size, image.len() as u64);
    // A wrong size is refused, and the partial file goes.
    let err = store
        .commit(&id, size + 1, Some("qcow2"))
        .await
        .expect_err("wrong size");
    assert_eq!(err.status().as_u16(), 400);
    assert!(
        std::fs::read_dir(dir.path.join("root/images"))
            .expect("dir")
            .next()
            .is_none()
    );

    store.write(&id, 0, &image).await.expect("write");
    let stored = store
        .commit(&id, size, Some("qcow2"))
        .await
        .expect("commit");
    assert_eq!(stored.format, "qcow2");
    assert_eq!(stored.virtual_size, Some(64 * 1024 * 1024));
    assert!(
        store.write(&id, 0, b"more").await.is_err(),
        "committed images are immutable"
    );
    // Where a hypervisor here finds it.
    let export = store.export(&id, Some("qcow2")).await.expect("export");
    assert_eq!(
        (export.path.as_str(), export.format.as_str()),
        (
            dir.path
                .join("root/images")
                .join(&id)
                .to_string_lossy()
                .as_ref(),
            "qcow2"
        )
    );

    let mut back = Vec::new();
    loop {
        let chunk = store
            .read(&id, back.len() as u64, 1000)
            .await
            .expect("read");
        back.extend_from_slice(&chunk.data.0);
        if chunk.eof {
            break;
        }
    }
    assert_eq!(back, image);

    store.delete(&id).await.expect("delete");
    store.delete(&id).await.expect("deleting twice is fine");
    assert_eq!(
        store
            .export(&id, Some("qcow2"))
            .await
            .expect_err("gone")
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        store
            .read(&id, 0, 10)
            .await
            .expect_err("gone")
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn content_that_is_not_its_disk_format_and_foreign_paths_are_refused() {
    let dir = TempDir::new("stratus-store");
    let store = Store::open(&dir.path.join("root")).expect("open");
    let id = uuid::Uuid::new_v4().to_string();
    store.write(&id, 0, &[7u8; 4096]).await.expect("write");
    let err = store
        .commit(&id, 4096, Some("qcow2"))
        .await
        .expect_err("raw data is not qcow2");
    assert!(err.to_string().contains("not a qcow2"), "{err}");
    assert!(
        std::fs::read_dir(dir.path.join("root/images"))
            .expect("dir")
            .next()
            .is_none()
    );

    // The same bytes as a raw image are fine.
    store.write(&id, 0, &[7u8; 4096]).await.expect("write");
    let stored = store.commit(&id, 4096, Some("raw")).await.expect("raw");
    assert_eq!(
        (stored.format.as_str(), stored.virtual_size),
        ("raw", Some(4096))
    );

    // A qcow2 whose backing file points at the host's files.
    let evil = dir.path.join("evil.qcow2");
    let out = std::process::Command::new("qemu-img")
        .args([
            "create",
            "-q",
            "-f",
            "qcow2",
            "-F",
            "raw",
            "-b",
            "/etc/hostname",
        ])
        .arg(&evil)
        .arg("1M")
        .output()
        .expect("qemu-img");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&evil).expect("read");
    let id2 = uuid::Uuid::new_v4().to_string();
    store.write(&id2, 0, &bytes).await.expect("write");
    let err = store
        .commit(&id2, bytes.len() as u64, Some("qcow2"))
        .await
        .expect_err("backing file");
    assert!(err.to_string().contains("backing file"), "{err}");

    for bad in ["../../etc/passwd", "x", ""] {
        assert_eq!(
            store
                .write(bad, 0, b"x")
                .await
                .expect_err(bad)
                .status()
                .as_u16(),
            400
        );
    }
    assert!(!dir.path.join("etc").exists());
}

#[tokio::test]
async fn crafted_images_that_name_host_files_are_refused_whatever_they_claim() {
    let dir = TempDir::new("stratus-store");
    let store = Store::open(&dir.path.join("root")).expect("open");
    let secret = dir.path.join("host-secret");
    std::fs::write(&secret, "STRATUS-HOST-SECRET\n".repeat(64)).expect("secret");
    for crafted in stratus_test_support::crafted::images(&dir.path, &secret) {
        for disk_format in [Some("qcow2"), Some("raw"), Some("aki"), Some("vmdk"), None] {
            let id = uuid::Uuid::new_v4().to_string();
            store.write(&id, 0, &crafted.bytes).await.expect("write");
            let err = store
                .commit(&id, crafted.bytes.len() as u64, disk_format)
                .await
                .expect_err(crafted.what);
            assert_eq!(err.status().as_u16(), 400, "{}: {err}", crafted.what);
            assert!(
                [
                    "refused",
                    "only raw and qcow2",
                    "is accepted for",
                    "no disk_format",
                    "not a"
                ]
                .iter()
                .any(|w| err.message.contains(w)),
                "{} as {disk_format:?}: {err}",
                crafted.what
            );
        }
    }
    assert!(
        std::fs::read_dir(dir.path.join("root/images"))
            .expect("dir")
            .next()
            .is_none(),
        "a refused image left a file"
    );

    // A raw image whose bytes are a backed qcow2 (a guest can write that
    // into its disk, then make an image of it) stays raw: exported as raw,
    // and refused if called qcow2.
    let crafted = stratus_test_support::crafted::images(&dir.path, &secret);
    let id = uuid::Uuid::new_v4().to_string();
    std::fs::write(store.image_path(&id).expect("path"), &crafted[0].bytes).expect("write");
    let export = store.export(&id, Some("raw")).await.expect("raw export");
    assert_eq!(export.format, "raw");
    for claimed in [Some("qcow2"), None] {
        let err = store.export(&id, claimed).await.expect_err("not qcow2");
        assert!(err.message.contains("backing file"), "{err}");
    }
}
