//! Acceptance with the real `openstack` CLI against live identity, storage
//! service and storage agent: images created from a file, listed, shown,
//! saved back byte for byte, given properties and deleted. Outputs are
//! checked, not just exit codes.

mod common;

use common::{Cloud, qcow2};
use stratus_test_support::clients::{Openstack, openstack_cli};

#[tokio::test]
async fn openstack_image_create_list_show_save_set_delete() {
    let Some(cli) = openstack_cli() else { return };
    let c = Cloud::start().await;
    let clouds = c.clouds_yaml();
    let data = qcow2(&c.dir.path, "32M");
    let file = c.dir.path.join("guest.qcow2");
    std::fs::write(&file, &data).expect("write");
    let saved = c.dir.path.join("saved.qcow2");
    let alice = Openstack::new(cli.clone(), clouds.clone(), "alice");
    let bob = Openstack::new(cli, clouds, "bob");

    let (created, listed, shown, after_set, bob_list, after_delete) =
        tokio::task::spawn_blocking({
            let (file, saved) = (file.clone(), saved.clone());
            move || {
                let created = alice.json(&[
                    "image",
                    "create",
                    "--file",
                    file.to_str().expect("path"),
                    "--disk-format",
                    "qcow2",
                    "--container-format",
                    "bare",
                    "--min-disk",
                    "1",
                    "guest",
                ]);
                let listed = alice.json(&["image", "list"]);
                let shown = alice.json(&["image", "show", "guest"]);
                let out = alice.run(&[
                    "image",
                    "save",
                    "--file",
                    saved.to_str().expect("path"),
                    "guest",
                ]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let out = alice.run(&[
                    "image",
                    "set",
                    "--property",
                    "os_distro=debian",
                    "--tag",
                    "test",
                    "guest",
                ]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let after_set = alice.json(&["image", "show", "guest"]);
                let bob_list = bob.json(&["image", "list"]);
                let out = alice.run(&["image", "delete", "guest"]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let after_delete = alice.json(&["image", "list"]);
                (created, listed, shown, after_set, bob_list, after_delete)
            }
        })
        .await
        .expect("client");

    assert_eq!(created["name"], "guest", "{created}");
    assert_eq!(created["status"], "active", "{created}");
    assert_eq!(created["disk_format"], "qcow2", "{created}");
    assert_eq!(created["size"], data.len(), "{created}");
    let names: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["Name"].as_str())
        .collect();
    assert_eq!(names, vec!["guest"], "{listed}");
    assert_eq!(shown["min_disk"], 1, "{shown}");
    assert_eq!(
        std::fs::read(&saved).expect("saved"),
        data,
        "the saved image is the uploaded one"
    );
    assert_eq!(
        after_set["properties"]["os_distro"], "debian",
        "{after_set}"
    );
    assert!(
        after_set["tags"].to_string().contains("test"),
        "{after_set}"
    );
    assert_eq!(
        bob_list,
        serde_json::json!([]),
        "another project sees nothing"
    );
    assert_eq!(after_delete, serde_json::json!([]));
    c.stop().await;
}

#[tokio::test]
async fn openstack_volume_and_snapshot_commands() {
    let Some(cli) = openstack_cli() else { return };
    let c = Cloud::start().await;
    let clouds = c.clouds_yaml();
    let data = common::qcow2_with_data(&c.dir.path, "64M");
    let file = c.dir.path.join("base.qcow2");
    std::fs::write(&file, &data).expect("write");
    let alice = Openstack::new(cli.clone(), clouds.clone(), "alice");
    let bob = Openstack::new(cli, clouds, "bob");

    let wait = |osc: &Openstack, kind: &[&str], name: &str, status: &str| -> serde_json::Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let mut args = kind.to_vec();
            args.extend(["show", name]);
            let v = osc.json(&args);
            if v["status"] == status {
                return v;
            }
            assert!(v["status"] != "error", "{v}");
            assert!(
                std::time::Instant::now() < deadline,
                "{name} never became {status}: {v}"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };

    tokio::task::spawn_blocking(move || {
        let empty = alice.json(&[
            "volume",
            "create",
            "--size",
            "1",
            "--property",
            "tier=gold",
            "empty",
        ]);
        assert_eq!(empty["size"], 1, "{empty}");
        assert_eq!(empty["name"], "empty", "{empty}");
        let empty = wait(&alice, &["volume"], "empty", "available");
        assert!(empty["properties"].to_string().contains("gold"), "{empty}");

        alice.json(&[
            "image",
            "create",
            "--file",
            file.to_str().expect("path"),
            "--disk-format",
            "qcow2",
            "base",
        ]);
        alice.json(&["volume", "create", "--size", "1", "--image", "base", "boot"]);
        let boot = wait(&alice, &["volume"], "boot", "available");
        assert_eq!(boot["bootable"], true, "{boot}");

        alice.json(&["volume", "snapshot", "create", "--volume", "boot", "snap"]);
        let snap = wait(&alice, &["volume", "snapshot"], "snap", "available");
        assert_eq!(snap["size"], 1, "{snap}");
        alice.json(&["volume", "create", "--snapshot", "snap", "restored"]);
        let restored = wait(&alice, &["volume"], "restored", "available");
        assert_eq!(restored["snapshot_id"], snap["id"], "{restored}");

        let out = alice.run(&["volume", "set", "--size", "2", "empty"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let v = alice.json(&["volume", "show", "empty"]);
            if v["size"] == 2 && v["status"] == "available" {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "never extended: {v}");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        // Shrinking is refused with Cinder's message.
        let out = alice.run(&["volume", "set", "--size", "1", "empty"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() || stderr.contains("greater"),
            "{stderr}"
        );

        let list = alice.json(&["volume", "list"]);
        let mut names: Vec<&str> = list
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|v| v["Name"].as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(names, vec!["boot", "empty", "restored"], "{list}");
        assert_eq!(
            bob.json(&["volume", "list"]),
            serde_json::json!([]),
            "another project sees none"
        );

        for args in [
            &["volume", "delete", "restored"][..],
            &["volume", "snapshot", "delete", "snap"][..],
        ] {
            let out = alice.run(args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !alice
            .json(&["volume", "snapshot", "list"])
            .as_array()
            .expect("list")
            .is_empty()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the snapshot never went"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        for name in ["boot", "empty"] {
            let out = alice.run(&["volume", "delete", name]);
            assert!(
                out.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !alice
            .json(&["volume", "list"])
            .as_array()
            .expect("list")
            .is_empty()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the volumes never went"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    })
    .await
    .expect("client");
    assert_eq!(c.files("volumes"), Vec::<String>::new());
    c.stop().await;
}
