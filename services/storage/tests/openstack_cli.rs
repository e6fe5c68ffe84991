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
