//! Glance images end to end against a live identity, the real bus and a real
//! storage agent writing files checked by qemu-img: the data round trip
//! (byte-identical, hashes), uploads that must fail and leave nothing,
//! interrupted uploads, who may see and change what, members, tags,
//! deactivation, JSON patch, filters and pagination.

mod common;

use common::{Cloud, qcow2};
use md5::Digest;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use stratus_test_support::poll_until;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn wait_for_files(c: &Cloud, want: &[&str]) {
    let want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
    poll_until(
        Duration::from_secs(20),
        "the image files to be as expected",
        || {
            let mut files = c.image_files();
            files.sort();
            let mut want = want.clone();
            want.sort();
            async move { (files == want).then_some(()) }
        },
    )
    .await;
}

#[tokio::test]
async fn an_image_is_uploaded_downloaded_byte_for_byte_and_deleted() {
    let c = Cloud::start().await;
    let data = qcow2(&c.dir.path, "64M");
    let md5 = hex(&md5::Md5::digest(&data));
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "guest", "disk_format": "qcow2", "container_format": "bare", "min_disk": 1,
                   "owner_specified.openstack.md5": md5, "hw_rng_model": "virtio"}),
        )
        .await;
    let id = image["id"].as_str().expect("id").to_owned();
    assert_eq!(image["status"], "queued");
    assert_eq!(image["visibility"], "shared");
    assert_eq!(image["owner"], c.alice.project_id.as_str());
    assert_eq!(image["hw_rng_model"], "virtio");
    assert_eq!(image["size"], Value::Null);
    assert_eq!(image["file"], format!("/v2/images/{id}/file"));

    let resp = c
        .request(Method::GET, &format!("/v2/images/{id}/file"), &c.alice)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 204, "no data yet");

    let (status, body) = c.upload(&c.alice, &id, data.clone()).await;
    assert_eq!(status, 204, "{body}");
    let (_, image) = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(image["status"], "active");
    assert_eq!(image["size"], data.len());
    assert_eq!(image["virtual_size"], 64 * 1024 * 1024);
    assert_eq!(image["checksum"], md5.as_str());
    assert_eq!(image["os_hash_algo"], "sha512");
    assert_eq!(image["os_hash_value"], hex(&sha2::Sha512::digest(&data)));
    assert_eq!(c.image_files(), vec![id.clone()]);

    let resp = c
        .request(Method::GET, &format!("/v2/images/{id}/file"), &c.alice)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-md5"], md5.as_str());
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(resp.bytes().await.expect("data").to_vec(), data);

    let (status, _) = c.upload(&c.alice, &id, data.clone()).await;
    assert_eq!(status, 409, "an active image's data cannot be replaced");

    let (status, _) = c
        .send(Method::DELETE, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(status, 404);
    wait_for_files(&c, &[]).await;
    c.stop().await;
}

#[tokio::test]
async fn large_data_crosses_chunks_and_comes_back_identical() {
    let c = Cloud::start().await;
    // 9 MiB and a bit: three chunks, the last one short.
    let data: Vec<u8> = (0..9 * 1024 * 1024 + 12_345u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "raw", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let id = image["id"].as_str().expect("id");
    let (status, body) = c.upload(&c.alice, id, data.clone()).await;
    assert_eq!(status, 204, "{body}");
    let (_, image) = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(image["size"], data.len());
    assert_eq!(
        image["virtual_size"],
        data.len(),
        "a raw image's virtual size is its size"
    );
    assert_eq!(image["os_hash_value"], hex(&sha2::Sha512::digest(&data)));
    let back = c
        .request(Method::GET, &format!("/v2/images/{id}/file"), &c.alice)
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("data");
    assert!(back.as_ref() == data.as_slice(), "downloaded data differs");
    c.stop().await;
}

#[tokio::test]
async fn uploads_that_do_not_check_out_leave_the_image_queued_and_no_file() {
    let c = Cloud::start().await;
    let data = qcow2(&c.dir.path, "16M");
    let lying = c
        .create_image(
            &c.alice,
            json!({"name": "lying", "disk_format": "qcow2", "container_format": "bare",
                   "owner_specified.openstack.md5": "0123456789abcdef0123456789abcdef"}),
        )
        .await;
    let id = lying["id"].as_str().expect("id");
    let (status, body) = c.upload(&c.alice, id, data.clone()).await;
    assert_eq!(status, 400);
    assert!(body.contains("MD5"), "{body}");
    let (_, image) = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(
        (image["status"].clone(), image["size"].clone()),
        (json!("queued"), Value::Null)
    );
    wait_for_files(&c, &[]).await;

    let sha = c
        .create_image(
            &c.alice,
            json!({"name": "sha", "disk_format": "qcow2", "container_format": "bare",
                   "owner_specified.openstack.sha256": hex(&sha2::Sha256::digest(b"other"))}),
        )
        .await;
    let (status, body) = c
        .upload(&c.alice, sha["id"].as_str().expect("id"), data.clone())
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("SHA-256"), "{body}");

    // Raw bytes declared qcow2.
    let wrong = c
        .create_image(
            &c.alice,
            json!({"name": "wrong", "disk_format": "qcow2", "container_format": "bare"}),
        )
        .await;
    let id = wrong["id"].as_str().expect("id");
    let (status, body) = c.upload(&c.alice, id, vec![9u8; 100_000]).await;
    assert_eq!(status, 400);
    assert!(body.contains("not a qcow2"), "{body}");
    let (_, image) = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(image["status"], "queued");
    wait_for_files(&c, &[]).await;

    // Not octet-stream: 415, nothing changes; then the right upload works.
    let resp = c
        .request(Method::PUT, &format!("/v2/images/{id}/file"), &c.alice)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("PUT");
    assert_eq!(resp.status().as_u16(), 415);
    let (status, _) = c.upload(&c.alice, id, data).await;
    assert_eq!(status, 204);
    wait_for_files(&c, &[id]).await;
    c.stop().await;
}

#[tokio::test]
async fn crafted_images_are_refused_and_leave_nothing_a_volume_could_read() {
    let c = Cloud::start().await;
    let secret = c.dir.path.join("host-secret");
    std::fs::write(&secret, "STRATUS-HOST-SECRET\n".repeat(64)).expect("secret");
    let mut crafted = stratus_test_support::crafted::images(&c.dir.path, &secret);
    crafted.push(stratus_test_support::crafted::Crafted {
        what: "raw data claiming to be qcow2",
        bytes: vec![9u8; 100_000],
    });
    for image in &crafted {
        for disk_format in ["qcow2", "raw", "vmdk"] {
            if image.what.starts_with("raw data") && disk_format == "raw" {
                continue;
            }
            let created = c
                .create_image(
                    &c.alice,
                    json!({"name": "crafted", "disk_format": disk_format, "container_format": "bare"}),
                )
                .await;
            let id = created["id"].as_str().expect("id");
            let (status, body) = c.upload(&c.alice, id, image.bytes.clone()).await;
            assert_eq!(status, 400, "{} as {disk_format}: {body}", image.what);
            assert!(
                ["refused", "only raw and qcow2", "is accepted for", "not a"]
                    .iter()
                    .any(|w| body.contains(w)),
                "{} as {disk_format}: {body}",
                image.what
            );
            let (_, shown) = c
                .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
                .await;
            assert_eq!(shown["status"], "queued", "{}", image.what);
            let (status, body) = c
                .volumes(
                    Method::POST,
                    "/volumes",
                    &c.alice,
                    Some(json!({"volume": {"size": 1, "imageRef": id}})),
                )
                .await;
            assert_eq!(status, 400, "a volume from a refused image: {body}");
        }
    }
    wait_for_files(&c, &[]).await;
    assert!(c.files("volumes").is_empty());
    c.stop().await;
}

#[tokio::test]
async fn an_interrupted_upload_puts_the_image_back_to_queued() {
    use tokio::io::AsyncWriteExt;
    let c = Cloud::start().await;
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "cut", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let id = image["id"].as_str().expect("id").to_owned();
    let mut socket = tokio::net::TcpStream::connect(c.image.addr)
        .await
        .expect("connect");
    let head = format!(
        "PUT /v2/images/{id}/file HTTP/1.1\r\nHost: {}\r\nX-Auth-Token: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: 20000000\r\n\r\n",
        c.image.addr, c.alice.token
    );
    socket.write_all(head.as_bytes()).await.expect("write");
    socket
        .write_all(&vec![1u8; 6 * 1024 * 1024])
        .await
        .expect("write");
    // Wait until the upload is under way, then hang up.
    poll_until(
        Duration::from_secs(20),
        "the upload to be saving",
        || async {
            let (_, image) = c
                .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
                .await;
            (image["status"] == "saving").then_some(())
        },
    )
    .await;
    drop(socket);
    poll_until(
        Duration::from_secs(20),
        "the image to be queued again",
        || async {
            let (_, image) = c
                .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
                .await;
            (image["status"] == "queued").then_some(())
        },
    )
    .await;
    wait_for_files(&c, &[]).await;
    // And it takes a whole upload afterwards.
    let (status, _) = c.upload(&c.alice, &id, vec![2u8; 1000]).await;
    assert_eq!(status, 204);
    c.stop().await;
}

#[tokio::test]
async fn projects_see_only_what_is_theirs_shared_with_them_or_public() {
    let c = Cloud::start().await;
    let private = c
        .create_image(
            &c.alice,
            json!({"name": "mine", "visibility": "private", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let private_id = private["id"].as_str().expect("id");
    let shared = c.create_image(&c.alice, json!({"name": "shared"})).await;
    let shared_id = shared["id"].as_str().expect("id");
    let community = c
        .create_image(
            &c.alice,
            json!({"name": "community", "visibility": "community"}),
        )
        .await;

    // Another project: 404 for everything about a private image.
    for (method, path) in [
        (Method::GET, format!("/v2/images/{private_id}")),
        (Method::DELETE, format!("/v2/images/{private_id}")),
        (Method::GET, format!("/v2/images/{private_id}/file")),
        (Method::PUT, format!("/v2/images/{private_id}/tags/x")),
    ] {
        let (status, _) = c.send(method.clone(), &path, &c.bob, None).await;
        assert_eq!(status, 404, "{method} {path}");
    }
    let (status, _) = c
        .patch(
            &c.bob,
            private_id,
            json!([{"op": "replace", "path": "/name", "value": "stolen"}]),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = c.upload(&c.bob, private_id, vec![1; 10]).await;
    assert_eq!(status, 404);
    let (_, list) = c.send(Method::GET, "/v2/images", &c.bob, None).await;
    assert_eq!(list["images"], json!([]), "bob lists nothing of alpha's");
    // Community images are seen when asked for, and never changed by others.
    let (_, list) = c
        .send(Method::GET, "/v2/images?visibility=community", &c.bob, None)
        .await;
    assert_eq!(list["images"].as_array().map(Vec::len), Some(1));
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{}", community["id"].as_str().expect("id")),
            &c.bob,
            None,
        )
        .await;
    assert_eq!(status, 403);

    // Members: shared with beta, visible at once, listed once accepted.
    let (status, member) = c
        .send(
            Method::POST,
            &format!("/v2/images/{shared_id}/members"),
            &c.alice,
            Some(json!({"member": c.bob.project_id})),
        )
        .await;
    assert_eq!(status, 200, "{member}");
    assert_eq!(member["status"], "pending");
    let (status, _) = c
        .send(
            Method::POST,
            &format!("/v2/images/{shared_id}/members"),
            &c.alice,
            Some(json!({"member": c.bob.project_id})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v2/images/{shared_id}"),
            &c.bob,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, list) = c.send(Method::GET, "/v2/images", &c.bob, None).await;
    assert_eq!(list["images"], json!([]), "pending shares are not listed");
    let member_path = format!("/v2/images/{shared_id}/members/{}", c.bob.project_id);
    let (status, _) = c
        .send(
            Method::PUT,
            &member_path,
            &c.alice,
            Some(json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(status, 403, "only the member accepts");
    let (status, m) = c
        .send(
            Method::PUT,
            &member_path,
            &c.bob,
            Some(json!({"status": "accepted"})),
        )
        .await;
    assert_eq!((status, m["status"].clone()), (200, json!("accepted")));
    let (_, list) = c.send(Method::GET, "/v2/images", &c.bob, None).await;
    let names: Vec<&str> = list["images"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(names, vec!["shared"]);
    let (status, _) = c
        .patch(
            &c.bob,
            shared_id,
            json!([{"op": "replace", "path": "/name", "value": "ours"}]),
        )
        .await;
    assert_eq!(status, 403, "members see, owners change");
    let (status, _) = c
        .send(
            Method::POST,
            &format!("/v2/images/{private_id}/members"),
            &c.alice,
            Some(json!({"member": "x"})),
        )
        .await;
    assert_eq!(status, 403, "private images have no members");

    // Readers look but do not touch; only admins publish.
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v2/images/{private_id}"),
            &c.rita,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = c
        .send(
            Method::POST,
            "/v2/images",
            &c.rita,
            Some(json!({"name": "r"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{private_id}"),
            &c.rita,
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = c
        .send(
            Method::POST,
            "/v2/images",
            &c.alice,
            Some(json!({"name": "p", "visibility": "public"})),
        )
        .await;
    assert_eq!(status, 403);
    let public = c
        .create_image(&c.admin, json!({"name": "public", "visibility": "public"}))
        .await;
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v2/images/{}", public["id"].as_str().expect("id")),
            &c.bob,
            None,
        )
        .await;
    assert_eq!(status, 200);

    // Deactivation: admins only; then the data is off limits to others.
    let (status, _) = c.upload(&c.alice, private_id, vec![3u8; 2048]).await;
    assert_eq!(status, 204);
    let (status, _) = c
        .send(
            Method::POST,
            &format!("/v2/images/{private_id}/actions/deactivate"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = c
        .send(
            Method::POST,
            &format!("/v2/images/{private_id}/actions/deactivate"),
            &c.admin,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v2/images/{private_id}/file"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = c
        .send(
            Method::POST,
            &format!("/v2/images/{private_id}/actions/reactivate"),
            &c.admin,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let resp = c
        .request(
            Method::GET,
            &format!("/v2/images/{private_id}/file"),
            &c.alice,
        )
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.bytes().await.expect("data").len(), 2048);

    // Protected images stay.
    let (status, _) = c
        .patch(
            &c.alice,
            private_id,
            json!([{"op": "replace", "path": "/protected", "value": true}]),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{private_id}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 403);
    c.stop().await;
}

#[tokio::test]
async fn json_patch_and_bad_input_name_the_problem_and_change_nothing() {
    let c = Cloud::start().await;
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "p", "os_distro": "debian", "tags": ["a", "a", "b"]}),
        )
        .await;
    let id = image["id"].as_str().expect("id");
    assert_eq!(image["tags"], json!(["a", "b"]));

    let (status, image) = c
        .patch(
            &c.alice,
            id,
            json!([
                {"op": "replace", "path": "/name", "value": "renamed"},
                {"op": "add", "path": "/os_version", "value": "12"},
                {"op": "remove", "path": "/os_distro"},
                {"op": "replace", "path": "/min_ram", "value": 512},
                {"op": "add", "path": "/kernel_id", "value": "3c2f2a5e-4a44-4d54-8c8e-7a2c8e0a9c11"}
            ]),
        )
        .await;
    assert_eq!(status, 200, "{image}");
    assert_eq!(image["name"], "renamed");
    assert_eq!(image["os_version"], "12");
    assert!(image.get("os_distro").is_none());
    assert_eq!(image["min_ram"], 512);

    let before = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await
        .1;
    for (ops, want, mention) in [
        (
            json!([{"op": "remove", "path": "/missing"}]),
            409,
            "missing",
        ),
        (
            json!([{"op": "replace", "path": "/missing", "value": "x"}]),
            409,
            "missing",
        ),
        (
            json!([{"op": "replace", "path": "/status", "value": "active"}]),
            403,
            "status",
        ),
        (
            json!([{"op": "replace", "path": "/size", "value": 1}]),
            403,
            "size",
        ),
        (json!([{"op": "remove", "path": "/name"}]), 403, "name"),
        (
            json!([{"op": "replace", "path": "/min_disk", "value": "big"}]),
            400,
            "min_disk",
        ),
        (
            json!([{"op": "replace", "path": "/min_disk", "value": -1}]),
            400,
            "min_disk",
        ),
        (
            json!([{"op": "replace", "path": "/disk_format", "value": "exe"}]),
            400,
            "disk_format",
        ),
        (
            json!([{"op": "add", "path": "/ramdisk_id", "value": "not-an-id"}]),
            400,
            "ramdisk_id",
        ),
        (
            json!([{"op": "add", "path": "/prop", "value": 5}]),
            400,
            "prop",
        ),
        (json!([{"op": "move", "path": "/name"}]), 400, "move"),
        (json!({"op": "add"}), 400, "JSON patch"),
        (
            json!([{"op": "add", "path": "/name", "value": "x"}, {"op": "remove", "path": "/nope"}]),
            409,
            "nope",
        ),
    ] {
        let (status, body) = c.patch(&c.alice, id, ops.clone()).await;
        assert_eq!(status, want, "{ops}: {body}");
        assert!(body.to_string().contains(mention), "{ops}: {body}");
    }
    let resp = c
        .request(Method::PATCH, &format!("/v2/images/{id}"), &c.alice)
        .json(&json!([{"op": "replace", "path": "/name", "value": "x"}]))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(
        resp.status().as_u16(),
        415,
        "plain JSON is not the patch media type"
    );
    let resp = c
        .request(Method::PATCH, &format!("/v2/images/{id}"), &c.alice)
        .header(
            "Content-Type",
            "application/openstack-images-v2.1-json-patch",
        )
        .body("[{")
        .send()
        .await
        .expect("PATCH");
    assert_eq!(resp.status().as_u16(), 400);
    let after = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await
        .1;
    assert_eq!(before, after, "failed patches change nothing");

    // Creation: read-only and malformed attributes.
    for (body, want) in [
        (json!({"name": "x", "status": "active"}), 403),
        (json!({"name": "x", "checksum": "abc"}), 403),
        (json!({"name": 5}), 400),
        (json!({"name": "x", "visibility": "everyone"}), 400),
        (json!({"name": "x", "container_format": "zip"}), 400),
        (json!({"name": "x", "protected": "yes"}), 400),
        (json!({"name": "x", "id": "not-a-uuid"}), 400),
        (json!({"name": "x", "tags": "a"}), 400),
        (json!(["x"]), 400),
    ] {
        let (status, resp) = c
            .send(Method::POST, "/v2/images", &c.alice, Some(body.clone()))
            .await;
        assert_eq!(status, want, "{body}: {resp}");
    }
    let resp = c
        .request(Method::POST, "/v2/images", &c.alice)
        .header("Content-Type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 400);
    let (_, list) = c.send(Method::GET, "/v2/images", &c.alice, None).await;
    assert_eq!(
        list["images"].as_array().map(Vec::len),
        Some(1),
        "nothing half-created"
    );

    // A chosen id, then the same id again.
    let chosen = "6a1e8b4e-0f5c-4f79-9d2e-2b6b0e5f0c11";
    c.create_image(&c.alice, json!({"id": chosen, "name": "chosen"}))
        .await;
    let (status, _) = c
        .send(
            Method::POST,
            "/v2/images",
            &c.alice,
            Some(json!({"id": chosen})),
        )
        .await;
    assert_eq!(status, 409);

    // Tags by URL.
    let (status, _) = c
        .send(
            Method::PUT,
            &format!("/v2/images/{id}/tags/new"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{id}/tags/a"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{id}/tags/a"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (_, image) = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(image["tags"], json!(["b", "new"]));
    c.stop().await;
}

#[tokio::test]
async fn lists_filter_and_page_with_next_links() {
    let c = Cloud::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let tags = if i % 2 == 0 {
            json!(["even"])
        } else {
            json!(["odd"])
        };
        let image = c
            .create_image(&c.alice, json!({"name": format!("img-{i}"), "tags": tags, "os_distro": if i < 2 { "debian" } else { "alpine" }}))
            .await;
        ids.push(image["id"].as_str().expect("id").to_owned());
    }
    // Pages of two, newest first, following `next`.
    let mut seen = Vec::new();
    let mut path = "/v2/images?limit=2".to_owned();
    loop {
        let (status, page) = c.send(Method::GET, &path, &c.alice, None).await;
        assert_eq!(status, 200, "{path}: {page}");
        let images = page["images"].as_array().expect("images");
        assert!(images.len() <= 2);
        seen.extend(
            images
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned)),
        );
        match page["next"].as_str() {
            Some(next) => path = next.to_owned(),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v["images"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|i| i["name"].as_str().map(str::to_owned))
            .collect();
        n.sort();
        n
    };
    let (_, v) = c
        .send(Method::GET, "/v2/images?tag=even", &c.alice, None)
        .await;
    assert_eq!(names(&v), vec!["img-0", "img-2", "img-4"]);
    let (_, v) = c
        .send(
            Method::GET,
            "/v2/images?tag=even&os_distro=debian",
            &c.alice,
            None,
        )
        .await;
    assert_eq!(names(&v), vec!["img-0"]);
    let (_, v) = c
        .send(Method::GET, "/v2/images?name=img-3", &c.alice, None)
        .await;
    assert_eq!(names(&v), vec!["img-3"]);
    let (_, v) = c
        .send(
            Method::GET,
            &format!("/v2/images?id=in:{},{}", ids[1], ids[4]),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(names(&v), vec!["img-1", "img-4"]);
    let (_, v) = c
        .send(Method::GET, "/v2/images?status=active", &c.alice, None)
        .await;
    assert_eq!(names(&v), Vec::<String>::new());
    let (_, v) = c
        .send(
            Method::GET,
            &format!("/v2/images?owner={}", c.alice.project_id),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(names(&v).len(), 5);

    for bad in [
        "/v2/images?limit=x",
        "/v2/images?limit=-1",
        "/v2/images?marker=nope",
        "/v2/images?visibility=x",
        "/v2/images?sort_key=name",
    ] {
        let (status, _) = c.send(Method::GET, bad, &c.alice, None).await;
        assert_eq!(status, 400, "{bad}");
    }
    // Another project's image is no marker.
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v2/images?marker={}", ids[0]),
            &c.bob,
            None,
        )
        .await;
    assert_eq!(status, 400);
    c.stop().await;
}

#[tokio::test]
async fn the_test_guest_uploads_as_kernel_ramdisk_and_disk_images() {
    let Some(guest) = stratus_test_support::guest::guest_images() else {
        return;
    };
    let c = Cloud::start().await;
    let mut ids = Vec::new();
    for (name, path, disk, container) in [
        ("guest-kernel", &guest.kernel, "aki", "aki"),
        ("guest-ramdisk", &guest.ramdisk, "ari", "ari"),
    ] {
        let image = c
            .create_image(
                &c.alice,
                json!({"name": name, "disk_format": disk, "container_format": container}),
            )
            .await;
        let id = image["id"].as_str().expect("id").to_owned();
        let (status, body) = c
            .upload(&c.alice, &id, std::fs::read(path).expect("read"))
            .await;
        assert_eq!(status, 204, "{name}: {body}");
        ids.push(id);
    }
    let disk = c
        .create_image(
            &c.alice,
            json!({"name": "guest", "disk_format": "qcow2", "container_format": "bare",
                   "kernel_id": ids[0], "ramdisk_id": ids[1], "os_command_line": "console=ttyS0"}),
        )
        .await;
    let id = disk["id"].as_str().expect("id");
    let data = std::fs::read(&guest.disk).expect("read");
    let (status, body) = c.upload(&c.alice, id, data.clone()).await;
    assert_eq!(status, 204, "{body}");
    let (_, image) = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(image["status"], "active");
    assert_eq!(image["kernel_id"], ids[0].as_str());
    assert_eq!(image["ramdisk_id"], ids[1].as_str());
    assert_eq!(image["virtual_size"], 64 * 1024 * 1024);
    for (id, path) in [(&ids[0], &guest.kernel), (&ids[1], &guest.ramdisk)] {
        let (_, image) = c
            .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
            .await;
        assert_eq!(image["size"], std::fs::metadata(path).expect("stat").len());
        assert_eq!(
            image["checksum"],
            hex(&md5::Md5::digest(std::fs::read(path).expect("read")))
        );
    }

    // Another service asks over the bus where the disk is, to boot from it.
    let server = c.app.serve_services();
    assert!(
        server
            .wait_consuming(std::time::Duration::from_secs(30))
            .await
    );
    let location = stratus_bus_protocol::StorageService::of(&c.app.bus)
        .call(
            &stratus_common::RequestContext::system(),
            stratus_bus_protocol::storage::ImageLocate {
                image_id: id.to_owned(),
                caller: None,
                project_id: None,
            },
        )
        .await
        .expect("locate");
    assert_eq!(location.host, c.host);
    assert_eq!(location.format, "qcow2");
    assert_eq!(location.properties.get("kernel_id"), Some(&ids[0]));
    assert_eq!(
        std::fs::read(&location.path).expect("the file is where it says"),
        data
    );
    // Located for a project (a server's kernel): alice's private kernel
    // is found for alice's project and not for bob's.
    assert!(
        c.app
            .image_locate(&ids[0], None, Some(&c.alice.project_id))
            .await
            .is_ok()
    );
    assert_eq!(
        c.app
            .image_locate(&ids[0], None, Some(&c.bob.project_id))
            .await
            .expect_err("another project's private kernel")
            .status()
            .as_u16(),
        404
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        c.app
            .image_locate(&unknown, None, None)
            .await
            .expect_err("unknown")
            .status()
            .as_u16(),
        404
    );
    let queued = c
        .create_image(
            &c.alice,
            json!({"name": "empty", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    assert_eq!(
        c.app
            .image_locate(queued["id"].as_str().expect("id"), None, None)
            .await
            .expect_err("no data")
            .status()
            .as_u16(),
        409
    );
    c.stop().await;
}

#[tokio::test]
async fn concurrent_uploads_to_one_image_store_one_and_refuse_the_other() {
    let c = Cloud::start().await;
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "race", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let id = image["id"].as_str().expect("id");
    let (a, b) = tokio::join!(
        c.upload(&c.alice, id, vec![1u8; 6 * 1024 * 1024]),
        c.upload(&c.alice, id, vec![2u8; 6 * 1024 * 1024])
    );
    let mut statuses = vec![a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, vec![204, 409], "{a:?} {b:?}");
    let (_, image) = c
        .send(Method::GET, &format!("/v2/images/{id}"), &c.alice, None)
        .await;
    assert_eq!(image["status"], "active");
    let data = c
        .request(Method::GET, &format!("/v2/images/{id}/file"), &c.alice)
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("data");
    assert!(
        data.iter().all(|b| *b == data[0]),
        "one upload's data, not a mix"
    );
    wait_for_files(&c, &[id]).await;
    c.stop().await;
}

#[tokio::test]
async fn images_are_counted_and_sized_per_project() {
    let c = Cloud::start_with(stratus_storage::app::StorageConfig {
        image_count_per_project: 2,
        image_bytes_per_project: 3000,
        ..stratus_storage::app::StorageConfig::default()
    })
    .await;
    let raw = json!({"name": "q", "disk_format": "raw", "container_format": "bare"});
    let first = c.create_image(&c.alice, raw.clone()).await;
    let second = c.create_image(&c.alice, raw.clone()).await;
    let (status, body) = c
        .send(Method::POST, "/v2/images", &c.alice, Some(raw.clone()))
        .await;
    assert_eq!(status, 403, "a third image: {body}");
    // Another project has its own count.
    c.create_image(&c.bob, raw).await;

    let (status, body) = c
        .upload(&c.alice, first["id"].as_str().expect("id"), vec![1u8; 2048])
        .await;
    assert_eq!(status, 204, "{body}");
    let second_id = second["id"].as_str().expect("id");
    let (status, body) = c.upload(&c.alice, second_id, vec![2u8; 2048]).await;
    assert_eq!(status, 413, "2048 + 2048 is over 3000 bytes: {body}");
    let (_, shown) = c
        .send(
            Method::GET,
            &format!("/v2/images/{second_id}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(shown["status"], "queued");
    let (status, body) = c.upload(&c.alice, second_id, vec![2u8; 512]).await;
    assert_eq!(status, 204, "what is left fits: {body}");
    c.stop().await;
}
