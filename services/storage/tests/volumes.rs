//! Cinder volumes and snapshots end to end against a live identity, the real
//! bus and a storage agent making real qcow2 files: created empty, from an
//! image, a snapshot and another volume (contents compared with qemu-img),
//! extended, deleted with their files; quotas, isolation and bad input; and
//! an operation whose agent is gone ends in `error`, not `creating`.

mod common;

use common::{Cloud, qcow2_with_data, same_disk, virtual_size};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use stratus_storage::app::StorageConfig;
use stratus_test_support::poll_until;

const GIB: u64 = 1024 * 1024 * 1024;

async fn create_volume(c: &Cloud, body: Value) -> String {
    let (status, v) = c
        .volumes(
            Method::POST,
            "/volumes",
            &c.alice,
            Some(json!({"volume": body})),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    assert_eq!(v["volume"]["status"], "creating");
    v["volume"]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn volumes_from_nothing_images_snapshots_and_volumes_hold_the_right_data() {
    let c = Cloud::start().await;
    // An image with data.
    let data = qcow2_with_data(&c.dir.path, "64M");
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "base", "disk_format": "qcow2", "container_format": "bare"}),
        )
        .await;
    let image_id = image["id"].as_str().expect("id").to_owned();
    let (status, _) = c.upload(&c.alice, &image_id, data).await;
    assert_eq!(status, 204);

    // Live views hear of each new state, in the volume's project's name.
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let ear = heard.clone();
    let follower = stratus_bus_protocol::follow_changes(&c.app.bus, move |e| {
        if let Ok(mut h) = ear.lock() {
            h.push(e);
        }
    });
    assert!(follower.wait_consuming(Duration::from_secs(30)).await);
    let empty = create_volume(
        &c,
        json!({"size": 1, "name": "empty", "metadata": {"k": "v"}}),
    )
    .await;
    let v = c
        .wait_status(&c.alice, "volumes", &empty, "available")
        .await;
    poll_until(
        Duration::from_secs(20),
        "the volume's new state announced",
        || async {
            let h = heard.lock().ok()?;
            h.iter()
                .any(|e| {
                    e.id.as_deref() == Some(empty.as_str())
                        && e.kind == "volumes"
                        && e.action.as_deref() == Some("state")
                        && e.project_id.as_deref() == Some(c.alice.project_id.as_str())
                })
                .then_some(())
        },
    )
    .await;
    follower.stop().await;
    // Cinder's older display_name/display_description are taken too.
    let named = create_volume(
        &c,
        json!({"size": 1, "display_name": "old-style", "display_description": "from tempest"}),
    )
    .await;
    let n = c
        .wait_status(&c.alice, "volumes", &named, "available")
        .await;
    assert_eq!(
        (n["name"].clone(), n["description"].clone()),
        (json!("old-style"), json!("from tempest"))
    );
    let (status, _) = c
        .volumes(Method::DELETE, &format!("/volumes/{named}"), &c.alice, None)
        .await;
    assert_eq!(status, 202);
    c.wait_gone(&c.alice, "volumes", &named).await;
    assert_eq!(
        (
            v["size"].clone(),
            v["bootable"].clone(),
            v["metadata"].clone()
        ),
        (json!(1), json!("false"), json!({"k": "v"}))
    );
    assert_eq!(virtual_size(&c.storage_path("volumes", &empty)), GIB);

    let from_image =
        create_volume(&c, json!({"size": 1, "imageRef": image_id, "name": "boot"})).await;
    let v = c
        .wait_status(&c.alice, "volumes", &from_image, "available")
        .await;
    assert_eq!(v["bootable"], "true");
    assert_eq!(v["volume_image_metadata"]["image_id"], image_id.as_str());
    let vol_path = c.storage_path("volumes", &from_image);
    assert!(
        same_disk(
            &c.dir.path.join("storage/images").join(&image_id),
            &vol_path
        ),
        "the volume holds the image's data"
    );
    assert_eq!(virtual_size(&vol_path), GIB);

    // Snapshot, then a volume from it (size inherited) and one from the volume.
    let (status, s) = c
        .volumes(
            Method::POST,
            "/snapshots",
            &c.alice,
            Some(json!({"snapshot": {"volume_id": from_image, "name": "s1"}})),
        )
        .await;
    assert_eq!(status, 202, "{s}");
    let snap = s["snapshot"]["id"].as_str().expect("id").to_owned();
    let s = c
        .wait_status(&c.alice, "snapshots", &snap, "available")
        .await;
    assert_eq!(s["size"], 1);
    assert!(same_disk(&vol_path, &c.storage_path("snapshots", &snap)));
    let from_snap = create_volume(&c, json!({"snapshot_id": snap})).await;
    let v = c
        .wait_status(&c.alice, "volumes", &from_snap, "available")
        .await;
    assert_eq!(v["snapshot_id"], snap.as_str());
    assert_eq!(v["size"], 1);
    assert!(same_disk(&vol_path, &c.storage_path("volumes", &from_snap)));
    let clone = create_volume(&c, json!({"source_volid": from_image, "size": 2})).await;
    c.wait_status(&c.alice, "volumes", &clone, "available")
        .await;
    assert_eq!(virtual_size(&c.storage_path("volumes", &clone)), 2 * GIB);

    // Extend.
    let (status, body) = c
        .volumes(
            Method::POST,
            &format!("/volumes/{empty}/action"),
            &c.alice,
            Some(json!({"os-extend": {"new_size": 3}})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    poll_until(Duration::from_secs(60), "the extend", || async {
        let (_, v) = c
            .volumes(Method::GET, &format!("/volumes/{empty}"), &c.alice, None)
            .await;
        (v["volume"]["status"] == "available" && v["volume"]["size"] == 3).then_some(())
    })
    .await;
    assert_eq!(virtual_size(&c.storage_path("volumes", &empty)), 3 * GIB);
    let (status, body) = c
        .volumes(
            Method::POST,
            &format!("/volumes/{empty}/action"),
            &c.alice,
            Some(json!({"os-extend": {"new_size": 2}})),
        )
        .await;
    assert_eq!(status, 400, "shrinking: {body}");
    assert!(
        body["badRequest"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("greater"),
        "{body}"
    );

    // Lists, update, metadata.
    let (_, list) = c.volumes(Method::GET, "/volumes", &c.alice, None).await;
    assert_eq!(list["volumes"].as_array().map(Vec::len), Some(4));
    // Pages of three, newest first, following volumes_links.
    let (_, page) = c
        .volumes(Method::GET, "/volumes/detail?limit=3", &c.alice, None)
        .await;
    assert_eq!(page["volumes"].as_array().map(Vec::len), Some(3));
    let next = page["volumes_links"][0]["href"]
        .as_str()
        .expect("next link");
    let prefix = c.volume.url(&format!("/v3/{}", c.alice.project_id));
    let rest = next
        .strip_prefix(&prefix)
        .expect("a link into this project");
    let (_, last) = c.volumes(Method::GET, rest, &c.alice, None).await;
    let mut seen: Vec<Value> = page["volumes"]
        .as_array()
        .expect("page")
        .iter()
        .chain(last["volumes"].as_array().expect("page"))
        .map(|v| v["id"].clone())
        .collect();
    assert_eq!(last["volumes_links"], json!([]), "no page after the last");
    seen.sort_by_key(|v| v.to_string());
    seen.dedup();
    assert_eq!(seen.len(), 4, "every volume once");
    let (status, _) = c
        .volumes(Method::GET, "/volumes?marker=nope", &c.alice, None)
        .await;
    assert_eq!(status, 400);
    let (status, _) = c
        .volumes(Method::GET, "/volumes?limit=-1", &c.alice, None)
        .await;
    assert_eq!(status, 400);
    let (_, detail) = c
        .volumes(Method::GET, "/volumes/detail?name=boot", &c.alice, None)
        .await;
    assert_eq!(detail["volumes"][0]["id"], from_image.as_str());
    let (status, v) = c
        .volumes(
            Method::PUT,
            &format!("/volumes/{empty}"),
            &c.alice,
            Some(json!({"volume": {"name": "renamed"}})),
        )
        .await;
    assert_eq!(
        (status, v["volume"]["name"].clone()),
        (200, json!("renamed"))
    );
    let (status, m) = c
        .volumes(
            Method::POST,
            &format!("/volumes/{empty}/metadata"),
            &c.alice,
            Some(json!({"metadata": {"a": "1"}})),
        )
        .await;
    assert_eq!(
        (status, m["metadata"].clone()),
        (200, json!({"a": "1", "k": "v"}))
    );
    let (_, detail) = c
        .volumes(
            Method::GET,
            "/volumes/detail?metadata={\"a\":\"1\"}",
            &c.alice,
            None,
        )
        .await;
    assert_eq!(detail["volumes"].as_array().map(Vec::len), Some(1));

    // Dependencies: no deleting a volume with snapshots, nor an image with volumes.
    let (status, _) = c
        .volumes(
            Method::DELETE,
            &format!("/volumes/{from_image}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{image_id}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 409);

    // Deleting removes the rows and the files.
    let (status, _) = c
        .volumes(
            Method::DELETE,
            &format!("/snapshots/{snap}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 202);
    c.wait_gone(&c.alice, "snapshots", &snap).await;
    for id in [&empty, &from_image, &from_snap, &clone] {
        let (status, body) = c
            .volumes(Method::DELETE, &format!("/volumes/{id}"), &c.alice, None)
            .await;
        assert_eq!(status, 202, "{body}");
    }
    for id in [&empty, &from_image, &from_snap, &clone] {
        c.wait_gone(&c.alice, "volumes", id).await;
    }
    assert_eq!(c.files("volumes"), Vec::<String>::new());
    assert_eq!(c.files("snapshots"), Vec::<String>::new());
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{image_id}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    c.stop().await;
}

#[tokio::test]
async fn quotas_isolation_and_bad_input_get_4xx_and_change_nothing() {
    let c = Cloud::start().await;
    let (status, q) = c
        .volumes(
            Method::GET,
            &format!("/os-quota-sets/{}?usage=true", c.alice.project_id),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["quota_set"]["volumes"]["limit"], 10);
    // Admin sets alpha's quotas (through the admin's own project URL).
    let (status, body) = c
        .volumes(
            Method::PUT,
            &format!("/os-quota-sets/{}", c.alice.project_id),
            &c.admin,
            Some(json!({"quota_set": {"volumes": 2, "gigabytes": 5}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = c
        .volumes(
            Method::PUT,
            &format!("/os-quota-sets/{}", c.alice.project_id),
            &c.alice,
            Some(json!({"quota_set": {"volumes": 100}})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = c
        .volumes(
            Method::PUT,
            &format!("/os-quota-sets/{}", c.alice.project_id),
            &c.admin,
            Some(json!({"quota_set": {"bogus": 1}})),
        )
        .await;
    assert_eq!(status, 400);
    // Only an admin resets; a reset brings the defaults back.
    let path = format!("/os-quota-sets/{}", c.alice.project_id);
    let (status, _) = c.volumes(Method::DELETE, &path, &c.alice, None).await;
    assert_eq!(status, 403);
    let (status, body) = c.volumes(Method::DELETE, &path, &c.admin, None).await;
    assert_eq!(status, 200, "{body}");
    let (_, q) = c.volumes(Method::GET, &path, &c.alice, None).await;
    assert_eq!(q["quota_set"]["volumes"], 10, "{q}");
    let (status, body) = c
        .volumes(
            Method::PUT,
            &path,
            &c.admin,
            Some(json!({"quota_set": {"volumes": 2, "gigabytes": 5}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    for (body, want, mention) in [
        (json!({"volume": {"size": 0}}), 400, "size"),
        (json!({"volume": {"size": -3}}), 400, "size"),
        (json!({"volume": {"size": "big"}}), 400, "size"),
        (json!({"volume": {}}), 400, "size"),
        (json!({"volume": {"size": 6}}), 413, "gigabytes"),
        (
            json!({"volume": {"size": 1, "imageRef": "8f0c7f6e-1d5b-4c3e-9e59-6f1e3a2b4c5d"}}),
            400,
            "image",
        ),
        (
            json!({"volume": {"snapshot_id": "8f0c7f6e-1d5b-4c3e-9e59-6f1e3a2b4c5d"}}),
            404,
            "Snapshot",
        ),
        (
            json!({"volume": {"size": 1, "volume_type": "gold"}}),
            404,
            "gold",
        ),
        (
            json!({"volume": {"size": 1, "availability_zone": "mars"}}),
            400,
            "mars",
        ),
        (
            json!({"volume": {"size": 1, "colour": "red"}}),
            400,
            "colour",
        ),
        (
            json!({"volume": {"size": 1, "name": "x".repeat(300)}}),
            400,
            "name",
        ),
        (json!({"volumes": {"size": 1}}), 400, "volume"),
    ] {
        let (status, resp) = c
            .volumes(Method::POST, "/volumes", &c.alice, Some(body.clone()))
            .await;
        assert_eq!(status, want, "{body}: {resp}");
        assert!(resp.to_string().contains(mention), "{body}: {resp}");
    }
    let resp = c
        .http
        .post(c.volume.url(&format!("/v3/{}/volumes", c.alice.project_id)))
        .header("X-Auth-Token", &c.alice.token)
        .header("Content-Type", "application/json")
        .body("{\"volume\": {")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 400);
    let (_, list) = c.volumes(Method::GET, "/volumes", &c.alice, None).await;
    assert_eq!(list["volumes"], json!([]), "nothing half-created");

    // Two volumes fit, the third does not; extend past gigabytes neither.
    let a = create_volume(&c, json!({"size": 2})).await;
    let _b = create_volume(&c, json!({"size": 2})).await;
    let (status, body) = c
        .volumes(
            Method::POST,
            "/volumes",
            &c.alice,
            Some(json!({"volume": {"size": 1}})),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["overLimit"]["code"], 413);
    c.wait_status(&c.alice, "volumes", &a, "available").await;
    let (status, _) = c
        .volumes(
            Method::POST,
            &format!("/volumes/{a}/action"),
            &c.alice,
            Some(json!({"os-extend": {"new_size": 4}})),
        )
        .await;
    assert_eq!(status, 413);
    let (_, limits) = c.volumes(Method::GET, "/limits", &c.alice, None).await;
    assert_eq!(limits["limits"]["absolute"]["totalVolumesUsed"], 2);
    assert_eq!(limits["limits"]["absolute"]["maxTotalVolumeGigabytes"], 5);
    assert_eq!(limits["limits"]["absolute"]["totalGigabytesUsed"], 4);

    // Another project: 404 through its own URL, 403 through alpha's.
    for (method, path) in [
        (Method::GET, format!("/volumes/{a}")),
        (Method::PUT, format!("/volumes/{a}")),
        (Method::DELETE, format!("/volumes/{a}")),
        (Method::POST, format!("/volumes/{a}/action")),
    ] {
        let body = (method == Method::PUT)
            .then(|| json!({"volume": {"name": "x"}}))
            .or_else(|| (method == Method::POST).then(|| json!({"os-extend": {"new_size": 3}})));
        let (status, _) = c.volumes(method.clone(), &path, &c.bob, body).await;
        assert_eq!(status, 404, "{method} {path}");
    }
    let (status, _) = c
        .volumes(
            Method::POST,
            "/snapshots",
            &c.bob,
            Some(json!({"snapshot": {"volume_id": a}})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = c
        .volumes(
            Method::POST,
            "/volumes",
            &c.bob,
            Some(json!({"volume": {"source_volid": a}})),
        )
        .await;
    assert_eq!(status, 404);
    let resp = c
        .http
        .get(
            c.volume
                .url(&format!("/v3/{}/volumes/{a}", c.alice.project_id)),
        )
        .header("X-Auth-Token", &c.bob.token)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 403);
    let (_, list) = c
        .volumes(Method::GET, "/volumes?all_tenants=1", &c.bob, None)
        .await;
    assert_eq!(
        list["volumes"],
        json!([]),
        "all_tenants means nothing to a member"
    );
    let (_, list) = c
        .volumes(Method::GET, "/volumes?all_tenants=1", &c.admin, None)
        .await;
    assert_eq!(
        list["volumes"].as_array().map(Vec::len),
        Some(2),
        "admins see every project's"
    );

    // Readers look but do not touch.
    let (status, _) = c
        .volumes(Method::GET, &format!("/volumes/{a}"), &c.rita, None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = c
        .volumes(
            Method::POST,
            "/volumes",
            &c.rita,
            Some(json!({"volume": {"size": 1}})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = c
        .volumes(Method::DELETE, &format!("/volumes/{a}"), &c.rita, None)
        .await;
    assert_eq!(status, 403);
    let (status, v) = c
        .volumes(Method::GET, &format!("/volumes/{a}"), &c.alice, None)
        .await;
    assert_eq!(
        (
            status,
            v["volume"]["status"].clone(),
            v["volume"]["size"].clone()
        ),
        (200, json!("available"), json!(2))
    );

    // Bad actions.
    for body in [
        json!({"os-extend": {}}),
        json!({"os-extend": {"new_size": "x"}}),
        json!({"os-fly": {}}),
        json!({}),
    ] {
        let (status, resp) = c
            .volumes(
                Method::POST,
                &format!("/volumes/{a}/action"),
                &c.alice,
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 400, "{body}: {resp}");
    }
    let (status, _) = c
        .volumes(
            Method::POST,
            &format!("/volumes/{a}/action"),
            &c.alice,
            Some(json!({"os-reset_status": {"status": "error"}})),
        )
        .await;
    assert_eq!(status, 403, "only admins reset status");
    c.stop().await;
}

#[tokio::test]
async fn an_operation_whose_agent_is_gone_ends_in_error_not_creating() {
    let mut c = Cloud::start_with(StorageConfig {
        operation_timeout_s: 1,
        ..StorageConfig::default()
    })
    .await;
    let app = c.app.clone();
    let alice = c.alice.clone();
    // The agent stops; its host still looks fresh, so the cast waits for it.
    c.stop_agent_only().await;
    let volume_id = create_volume(&c, json!({"size": 1})).await;
    poll_until(
        Duration::from_secs(30),
        "the sweeper to end the stuck create",
        || async {
            app.sweep_stuck_operations().await.expect("sweep");
            let (_, v) = c
                .volumes(Method::GET, &format!("/volumes/{volume_id}"), &alice, None)
                .await;
            (v["volume"]["status"] == "error").then_some(())
        },
    )
    .await;
    // The agent comes back and does the queued work after all: the volume
    // is there, so it becomes available.
    c.restart_agent();
    c.wait_status(&alice, "volumes", &volume_id, "available")
        .await;
    assert_eq!(c.files("volumes"), vec![volume_id.clone()]);

    // A volume deleted while its agent was away: the late result finds no
    // row waiting and the file still goes.
    c.stop_agent_only().await;
    let (status, _) = c
        .volumes(
            Method::DELETE,
            &format!("/volumes/{volume_id}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(status, 202);
    poll_until(
        Duration::from_secs(30),
        "the sweeper to end the stuck delete",
        || async {
            app.sweep_stuck_operations().await.expect("sweep");
            let (_, v) = c
                .volumes(Method::GET, &format!("/volumes/{volume_id}"), &alice, None)
                .await;
            (v["volume"]["status"] == "error_deleting").then_some(())
        },
    )
    .await;
    c.restart_agent();
    c.wait_gone(&alice, "volumes", &volume_id).await;
    assert_eq!(c.files("volumes"), Vec::<String>::new());
    c.stop().await;
}

#[tokio::test]
async fn volumes_attach_and_detach_the_way_nova_asks() {
    let c = Cloud::start().await;
    let id = create_volume(&c, json!({"size": 1})).await;
    c.wait_status(&c.alice, "volumes", &id, "available").await;
    let action = |body: Value| {
        let path = format!("/volumes/{id}/action");
        let c = &c;
        async move { c.volumes(Method::POST, &path, &c.alice, Some(body)).await }
    };
    let server = "6f1f5d2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f";

    let (status, _) =
        action(json!({"os-attach": {"instance_uuid": server, "mountpoint": "/dev/vdb"}})).await;
    assert_eq!(status, 400, "attach needs a reservation first");
    let (status, _) = action(json!({"os-reserve": {}})).await;
    assert_eq!(status, 202);
    c.wait_status(&c.alice, "volumes", &id, "attaching").await;
    let (status, _) = action(json!({"os-reserve": {}})).await;
    assert_eq!(status, 400, "reserved once");

    let (status, info) =
        action(json!({"os-initialize_connection": {"connector": {"host": "hv1"}}})).await;
    assert_eq!(status, 200, "{info}");
    let data = &info["connection_info"]["data"];
    assert_eq!(info["connection_info"]["driver_volume_type"], "file");
    assert_eq!(data["format"], "qcow2");
    assert_eq!(data["storage_host"], c.host.as_str());
    let path = std::path::PathBuf::from(data["path"].as_str().expect("path"));
    assert_eq!(path, c.storage_path("volumes", &id));
    assert!(path.is_file());

    let (status, body) = action(
        json!({"os-attach": {"instance_uuid": server, "mountpoint": "/dev/vdb", "mode": "rw"}}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let v = c.wait_status(&c.alice, "volumes", &id, "in-use").await;
    let attachment = &v["attachments"][0];
    assert_eq!(attachment["server_id"], server);
    assert_eq!(attachment["device"], "/dev/vdb");
    let attachment_id = attachment["attachment_id"]
        .as_str()
        .expect("attachment")
        .to_owned();

    // In use: no delete, no extend, snapshots only with force.
    let (status, _) = c
        .volumes(Method::DELETE, &format!("/volumes/{id}"), &c.alice, None)
        .await;
    assert_eq!(status, 400);
    let (status, _) = action(json!({"os-extend": {"new_size": 2}})).await;
    assert_eq!(status, 400);
    let (status, _) = c
        .volumes(
            Method::POST,
            "/snapshots",
            &c.alice,
            Some(json!({"snapshot": {"volume_id": id}})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, s) = c
        .volumes(
            Method::POST,
            "/snapshots",
            &c.alice,
            Some(json!({"snapshot": {"volume_id": id, "force": "True"}})),
        )
        .await;
    assert_eq!(status, 202, "{s}");
    let snap = s["snapshot"]["id"].as_str().expect("id").to_owned();
    c.wait_status(&c.alice, "snapshots", &snap, "available")
        .await;

    // Another project cannot touch it; a reader cannot either.
    let (status, _) = c
        .volumes(
            Method::POST,
            &format!("/volumes/{id}/action"),
            &c.bob,
            Some(json!({"os-begin_detaching": {}})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = c
        .volumes(
            Method::POST,
            &format!("/volumes/{id}/action"),
            &c.rita,
            Some(json!({"os-begin_detaching": {}})),
        )
        .await;
    assert_eq!(status, 403);

    // Detach: begin, roll back, begin again, detach.
    let (status, _) = action(json!({"os-begin_detaching": {}})).await;
    assert_eq!(status, 202);
    c.wait_status(&c.alice, "volumes", &id, "detaching").await;
    let (status, _) = action(json!({"os-roll_detaching": {}})).await;
    assert_eq!(status, 202);
    c.wait_status(&c.alice, "volumes", &id, "in-use").await;
    let (status, _) = action(json!({"os-begin_detaching": {}})).await;
    assert_eq!(status, 202);
    let (status, _) = action(json!({"os-detach": {"attachment_id": "no-such-attachment"}})).await;
    assert_eq!(status, 404);
    let (status, _) =
        action(json!({"os-terminate_connection": {"connector": {"host": "hv1"}}})).await;
    assert_eq!(status, 202);
    let (status, _) = action(json!({"os-detach": {"attachment_id": attachment_id}})).await;
    assert_eq!(status, 202);
    let v = c.wait_status(&c.alice, "volumes", &id, "available").await;
    assert_eq!(v["attachments"], json!([]));
    let (status, _) = action(json!({"os-unreserve": {}})).await;
    assert_eq!(status, 400, "nothing to unreserve");

    // Reserve then give up.
    let (status, _) = action(json!({"os-reserve": {}})).await;
    assert_eq!(status, 202);
    let (status, _) = action(json!({"os-unreserve": {}})).await;
    assert_eq!(status, 202);
    c.wait_status(&c.alice, "volumes", &id, "available").await;
    c.stop().await;
}

#[tokio::test]
async fn an_image_held_by_another_host_is_fetched_once_and_its_copies_go_with_it() {
    let mut c = Cloud::start().await;
    let data = qcow2_with_data(&c.dir.path, "64M");
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "far", "disk_format": "qcow2", "container_format": "bare"}),
        )
        .await;
    let image_id = image["id"].as_str().expect("id").to_owned();
    let (status, _) = c.upload(&c.alice, &image_id, data).await;
    assert_eq!(status, 204);
    // A second host with far more room: new volumes go there.
    let second = c.add_host("big-host", Some(1 << 60)).await;
    let cached = c.dir.path.join(&second).join("cache").join(&image_id);

    let first = create_volume(&c, json!({"size": 1, "imageRef": image_id})).await;
    let v = c
        .wait_status(&c.alice, "volumes", &first, "available")
        .await;
    assert_eq!(v["os-vol-host-attr:host"], second.as_str());
    let original = c.dir.path.join("storage/images").join(&image_id);
    assert!(same_disk(&original, &cached), "the cache holds the image");
    assert!(same_disk(
        &original,
        &c.dir.path.join(&second).join("volumes").join(&first)
    ));
    let fetched_at = std::fs::metadata(&cached)
        .expect("cache")
        .modified()
        .expect("mtime");

    let again = create_volume(&c, json!({"size": 1, "imageRef": image_id})).await;
    c.wait_status(&c.alice, "volumes", &again, "available")
        .await;
    assert_eq!(
        std::fs::metadata(&cached)
            .expect("cache")
            .modified()
            .expect("mtime"),
        fetched_at,
        "fetched once"
    );

    // The volumes go, then the image, and with it every copy.
    for id in [&first, &again] {
        let (status, _) = c
            .volumes(Method::DELETE, &format!("/volumes/{id}"), &c.alice, None)
            .await;
        assert_eq!(status, 202);
        c.wait_gone(&c.alice, "volumes", id).await;
    }
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{image_id}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    poll_until(
        Duration::from_secs(30),
        "the image and its cached copy to be removed",
        || async { (!cached.exists() && !original.exists()).then_some(()) },
    )
    .await;
    c.stop().await;
}

#[tokio::test]
async fn concurrent_creates_never_overrun_the_quota_and_concurrent_deletes_delete_once() {
    let c = Cloud::start().await;
    let (status, _) = c
        .volumes(
            Method::PUT,
            &format!("/os-quota-sets/{}", c.alice.project_id),
            &c.admin,
            Some(json!({"quota_set": {"volumes": 3}})),
        )
        .await;
    assert_eq!(status, 200);
    let attempts = (0..8).map(|i| {
        c.volumes(
            Method::POST,
            "/volumes",
            &c.alice,
            Some(json!({"volume": {"size": 1, "name": format!("v{i}")}})),
        )
    });
    let results = futures_util::future::join_all(attempts).await;
    let created: Vec<String> = results
        .iter()
        .filter(|(s, _)| *s == 202)
        .filter_map(|(_, v)| v["volume"]["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(created.len(), 3, "{results:?}");
    assert!(
        results.iter().all(|(s, _)| *s == 202 || *s == 413),
        "{results:?}"
    );
    let (_, list) = c.volumes(Method::GET, "/volumes", &c.alice, None).await;
    assert_eq!(list["volumes"].as_array().map(Vec::len), Some(3));

    let id = &created[0];
    c.wait_status(&c.alice, "volumes", id, "available").await;
    let path = format!("/volumes/{id}");
    let deletes = (0..5).map(|_| c.volumes(Method::DELETE, &path, &c.alice, None));
    let statuses: Vec<u16> = futures_util::future::join_all(deletes)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 202 || *s == 400 || *s == 404),
        "{statuses:?}"
    );
    c.wait_gone(&c.alice, "volumes", id).await;
    c.stop().await;
}

#[tokio::test]
async fn a_volume_uploads_into_a_new_image() {
    let c = Cloud::start().await;
    let data = qcow2_with_data(&c.dir.path, "64M");
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "src", "disk_format": "qcow2", "container_format": "bare"}),
        )
        .await;
    let src = image["id"].as_str().expect("id").to_owned();
    assert_eq!(c.upload(&c.alice, &src, data).await.0, 204);
    let vol = create_volume(&c, json!({"size": 1, "imageRef": src})).await;
    c.wait_status(&c.alice, "volumes", &vol, "available").await;

    let upload = |body: Value| {
        let path = format!("/volumes/{vol}/action");
        let c = &c;
        async move {
            c.volumes(
                Method::POST,
                &path,
                &c.alice,
                Some(json!({"os-volume_upload_image": body})),
            )
            .await
        }
    };
    let (status, body) = upload(json!({"image_name": "bad", "disk_format": "vmdk"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = upload(json!({"disk_format": "qcow2"})).await;
    assert_eq!(status, 400, "image_name is required: {body}");

    let (status, body) = upload(
        json!({"image_name": "from-volume", "disk_format": "qcow2", "container_format": "bare"}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let new_image = body["os-volume_upload_image"]["image_id"]
        .as_str()
        .expect("image")
        .to_owned();
    assert_eq!(body["os-volume_upload_image"]["status"], "uploading");
    poll_until(
        Duration::from_secs(60),
        "the image to be active",
        || async {
            let (_, image) = c
                .send(
                    Method::GET,
                    &format!("/v2/images/{new_image}"),
                    &c.alice,
                    None,
                )
                .await;
            (image["status"] == "active").then_some(image)
        },
    )
    .await;
    c.wait_status(&c.alice, "volumes", &vol, "available").await;
    let bytes = c
        .request(
            Method::GET,
            &format!("/v2/images/{new_image}/file"),
            &c.alice,
        )
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("data");
    let downloaded = c.dir.path.join("downloaded.qcow2");
    std::fs::write(&downloaded, &bytes).expect("write");
    assert!(
        same_disk(&c.storage_path("volumes", &vol), &downloaded),
        "the image holds the volume's data"
    );
    let (_, image) = c
        .send(
            Method::GET,
            &format!("/v2/images/{new_image}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(image["size"], bytes.len());
    assert_eq!(image["virtual_size"], GIB);
    c.stop().await;
}
