//! Flavors and key pairs through the compute API behind the real auth
//! layer: admins manage flavors, extra specs and private-flavor access;
//! users see what they may use; key pairs are a user's own; bad input gets
//! Nova's faults and changes nothing; microversion headers as Nova's.

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::{Value, json};

fn flavor(name: &str, id: Option<&str>, public: bool) -> Value {
    let mut f = json!({"name": name, "ram": 512, "vcpus": 1, "disk": 1,
        "os-flavor-access:is_public": public});
    if let Some(id) = id {
        f["id"] = json!(id);
    }
    json!({ "flavor": f })
}

#[tokio::test]
async fn admins_manage_flavors_and_users_see_what_they_may_use() {
    let c = Cloud::start().await;
    let (admin, alice, bob) = (&c.identity.admin, &c.identity.alice, &c.identity.bob);

    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors",
            admin,
            Some(flavor("m1.tiny", Some("1"), true)),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let f = &v["flavor"];
    assert_eq!(
        (
            f["id"].as_str(),
            f["ram"].as_i64(),
            f["vcpus"].as_i64(),
            f["disk"].as_i64()
        ),
        (Some("1"), Some(512), Some(1), Some(1))
    );
    assert_eq!(f["swap"], "", "Nova shows no swap as an empty string");
    assert_eq!(f["OS-FLV-EXT-DATA:ephemeral"], 0);
    assert_eq!(f["OS-FLV-DISABLED:disabled"], false);
    assert_eq!(f["rxtx_factor"], 1.0);
    assert!(
        f["links"][0]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("/v2.1/flavors/1")),
        "{f}"
    );
    // Without an id, a UUID; swap and ephemeral as given.
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors",
            admin,
            Some(
                json!({"flavor": {"name": "m1.big", "ram": "2048", "vcpus": 2, "disk": 20,
                "swap": 512, "OS-FLV-EXT-DATA:ephemeral": 5, "rxtx_factor": 2.5}}),
            ),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let big = v["flavor"]["id"].as_str().expect("id").to_owned();
    assert!(uuid::Uuid::parse_str(&big).is_ok(), "{big}");
    assert_eq!(v["flavor"]["swap"], 512);
    assert_eq!(v["flavor"]["ram"], 2048);

    // A private flavor only for alice's project.
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors",
            admin,
            Some(flavor("secret", Some("p1"), false)),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors/p1/action",
            admin,
            Some(json!({"addTenantAccess": {"tenant": alice.project_id}})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(
        v["flavor_access"][0]["tenant_id"],
        alice.project_id.as_str()
    );
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors/p1/action",
            admin,
            Some(json!({"addTenantAccess": {"tenant": alice.project_id}})),
        )
        .await;
    assert_eq!(code, 409, "{v}");

    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v["flavors"]
            .as_array()
            .expect("flavors")
            .iter()
            .filter_map(|f| f["name"].as_str().map(str::to_owned))
            .collect();
        n.sort();
        n
    };
    let (_, v) = c.send(Method::GET, "/v2.1/flavors", alice, None).await;
    assert_eq!(names(&v), ["m1.big", "m1.tiny", "secret"]);
    let (_, v) = c.send(Method::GET, "/v2.1/flavors/detail", bob, None).await;
    assert_eq!(
        names(&v),
        ["m1.big", "m1.tiny"],
        "bob's project has no access"
    );
    assert_eq!(
        c.send(Method::GET, "/v2.1/flavors/p1", bob, None).await.0,
        404,
        "a private flavor of others is not found"
    );
    assert_eq!(
        c.send(Method::GET, "/v2.1/flavors/p1", alice, None).await.0,
        200
    );
    let (_, v) = c
        .send(Method::GET, "/v2.1/flavors?is_public=none", admin, None)
        .await;
    assert_eq!(names(&v), ["m1.big", "m1.tiny", "secret"]);
    let (_, v) = c
        .send(Method::GET, "/v2.1/flavors?is_public=false", admin, None)
        .await;
    assert_eq!(names(&v), ["secret"]);
    let (_, v) = c
        .send(Method::GET, "/v2.1/flavors/detail?minRam=1024", alice, None)
        .await;
    assert_eq!(names(&v), ["m1.big"]);
    let (_, v) = c
        .send(Method::GET, "/v2.1/flavors?limit=1", alice, None)
        .await;
    assert_eq!(names(&v), ["m1.tiny"], "in creation order");
    let (_, v) = c
        .send(Method::GET, "/v2.1/flavors?marker=1", alice, None)
        .await;
    assert_eq!(names(&v), ["m1.big", "secret"]);

    // Extra specs.
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors/1/os-extra_specs",
            admin,
            Some(json!({"extra_specs": {"hw:cpu_policy": "shared", "quota:disk_read_bytes_sec": 1000}})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["extra_specs"]["quota:disk_read_bytes_sec"], "1000");
    let (code, v) = c
        .send(
            Method::PUT,
            "/v2.1/flavors/1/os-extra_specs/hw:cpu_policy",
            admin,
            Some(json!({"hw:cpu_policy": "dedicated"})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let (_, v) = c
        .send(Method::GET, "/v2.1/flavors/1/os-extra_specs", alice, None)
        .await;
    assert_eq!(
        v["extra_specs"],
        json!({"hw:cpu_policy": "dedicated", "quota:disk_read_bytes_sec": "1000"})
    );
    let (code, _) = c
        .send(
            Method::PUT,
            "/v2.1/flavors/1/os-extra_specs/hw:cpu_policy",
            admin,
            Some(json!({"other": "x"})),
        )
        .await;
    assert_eq!(code, 400, "body and URI must agree");
    let (code, _) = c
        .send(
            Method::POST,
            "/v2.1/flavors/1/os-extra_specs",
            alice,
            Some(json!({"extra_specs": {"a": "b"}})),
        )
        .await;
    assert_eq!(code, 403, "users do not set extra specs");
    let (code, _) = c
        .send(
            Method::DELETE,
            "/v2.1/flavors/1/os-extra_specs/hw:cpu_policy",
            admin,
            None,
        )
        .await;
    assert_eq!(code, 200);
    let (code, v) = c
        .send(
            Method::GET,
            "/v2.1/flavors/1/os-extra_specs/hw:cpu_policy",
            admin,
            None,
        )
        .await;
    assert_eq!(code, 404, "{v}");
    assert!(
        v["itemNotFound"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("hw:cpu_policy"))
    );

    // Access list, removal, delete.
    let (code, _) = c
        .send(Method::GET, "/v2.1/flavors/1/os-flavor-access", admin, None)
        .await;
    assert_eq!(code, 404, "public flavors have no access list");
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors/p1/action",
            admin,
            Some(json!({"removeTenantAccess": {"tenant": alice.project_id}})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["flavor_access"], json!([]));
    assert_eq!(
        c.send(Method::GET, "/v2.1/flavors/p1", alice, None).await.0,
        404
    );
    assert_eq!(
        c.send(Method::DELETE, "/v2.1/flavors/1", alice, None)
            .await
            .0,
        403
    );
    assert_eq!(
        c.send(Method::DELETE, "/v2.1/flavors/1", admin, None)
            .await
            .0,
        202
    );
    let (code, v) = c.send(Method::GET, "/v2.1/flavors/1", admin, None).await;
    assert_eq!(code, 404);
    assert_eq!(v["itemNotFound"]["message"], "Flavor 1 could not be found.");
}

#[tokio::test]
async fn bad_flavors_are_refused_by_field_and_nothing_is_made() {
    let c = Cloud::start().await;
    let admin = &c.identity.admin;
    let cases = [
        (
            json!({"flavor": {"name": "x", "ram": 0, "vcpus": 1, "disk": 1}}),
            "ram",
        ),
        (
            json!({"flavor": {"name": "x", "ram": 1, "vcpus": -1, "disk": 1}}),
            "vcpus",
        ),
        (
            json!({"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": "lots"}}),
            "disk",
        ),
        (
            json!({"flavor": {"name": "x", "ram": 1, "vcpus": 1}}),
            "'disk' is a required property",
        ),
        (
            json!({"flavor": {"name": " x", "ram": 1, "vcpus": 1, "disk": 1}}),
            "name",
        ),
        (
            json!({"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "id": "a/b"}}),
            "id",
        ),
        (
            json!({"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "colour": "red"}}),
            "'colour' was unexpected",
        ),
        (
            json!({"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "rxtx_factor": 0}}),
            "rxtx_factor",
        ),
        (
            json!({"flavor": {"name": "x", "ram": 99999999999_i64, "vcpus": 1, "disk": 1}}),
            "maximum",
        ),
        (json!({"flavor": "x"}), "flavor"),
        (json!({}), "'flavor' is a required property"),
    ];
    for (body, names) in cases {
        let (code, v) = c
            .send(Method::POST, "/v2.1/flavors", admin, Some(body.clone()))
            .await;
        assert_eq!(code, 400, "{body}: {v}");
        let msg = v["badRequest"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(names), "{body}: {msg}");
    }
    // Malformed JSON and a huge body: 4xx, not 500.
    let resp = c
        .http
        .post(c.api.url("/v2.1/flavors"))
        .header("X-Auth-Token", &admin.token)
        .header("Content-Type", "application/json")
        .body("{\"flavor\": ")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 400);
    let huge = json!({"flavor": {"name": "x".repeat(20 << 20), "ram": 1, "vcpus": 1, "disk": 1}});
    let (code, _) = c
        .send(Method::POST, "/v2.1/flavors", admin, Some(huge))
        .await;
    assert!(code == 413 || code == 400, "{code}");

    // Duplicates: by id and by name.
    let ok = json!({"flavor": {"name": "a", "id": "42", "ram": 1, "vcpus": 1, "disk": 0}});
    assert_eq!(
        c.send(Method::POST, "/v2.1/flavors", admin, Some(ok))
            .await
            .0,
        200
    );
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors",
            admin,
            Some(json!({"flavor": {"name": "b", "id": "42", "ram": 1, "vcpus": 1, "disk": 0}})),
        )
        .await;
    assert_eq!(code, 409);
    assert_eq!(
        v["conflictingRequest"]["message"],
        "Flavor with ID 42 already exists."
    );
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/flavors",
            admin,
            Some(json!({"flavor": {"name": "a", "ram": 1, "vcpus": 1, "disk": 0}})),
        )
        .await;
    assert_eq!(code, 409);
    assert_eq!(
        v["conflictingRequest"]["message"],
        "Flavor with name a already exists."
    );
    let (code, _) = c
        .send(
            Method::POST,
            "/v2.1/flavors",
            &c.identity.alice,
            Some(json!({"flavor": {"name": "mine", "ram": 1, "vcpus": 1, "disk": 0}})),
        )
        .await;
    assert_eq!(code, 403);
    let (_, v) = c
        .send(Method::GET, "/v2.1/flavors?is_public=none", admin, None)
        .await;
    assert_eq!(v["flavors"].as_array().map(Vec::len), Some(1), "{v}");
    let (code, _) = c
        .send(Method::GET, "/v2.1/flavors?minRam=lots", admin, None)
        .await;
    assert_eq!(code, 400);
    let (code, _) = c
        .send(Method::GET, "/v2.1/flavors?marker=nope", admin, None)
        .await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn key_pairs_are_imported_or_generated_and_belong_to_their_user() {
    let c = Cloud::start().await;
    let (alice, bob) = (&c.identity.alice, &c.identity.bob);
    let public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGYnoXy2jbVNDcm0Ej9PODOKyFMnk52ySfUlj/RL9L34 me@laptop";
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/os-keypairs",
            alice,
            Some(json!({"keypair": {"name": "laptop", "public_key": public}})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let owner = v["keypair"]["user_id"]
        .as_str()
        .expect("user id")
        .to_owned();
    assert_eq!(
        v["keypair"]["fingerprint"],
        "4c:f4:a6:94:a6:8d:dc:45:76:15:8f:98:50:70:aa:9b"
    );
    assert!(v["keypair"].get("private_key").is_none());
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/os-keypairs",
            alice,
            Some(json!({"keypair": {"name": "made"}})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let private = v["keypair"]["private_key"].as_str().expect("private key");
    assert!(private.contains("OPENSSH PRIVATE KEY"), "{private}");
    assert!(
        v["keypair"]["public_key"]
            .as_str()
            .is_some_and(|k| k.starts_with("ssh-ed25519 ")),
        "{v}"
    );

    let (_, v) = c.send(Method::GET, "/v2.1/os-keypairs", alice, None).await;
    let names: Vec<&str> = v["keypairs"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|k| k["keypair"]["name"].as_str())
        .collect();
    assert_eq!(names, ["laptop", "made"]);
    let (_, v) = c.send(Method::GET, "/v2.1/os-keypairs", bob, None).await;
    assert_eq!(v["keypairs"], json!([]), "bob sees none of alice's");
    assert_eq!(
        c.send(Method::GET, "/v2.1/os-keypairs/laptop", bob, None)
            .await
            .0,
        404
    );
    let (code, v) = c
        .send(Method::GET, "/v2.1/os-keypairs/laptop", alice, None)
        .await;
    assert_eq!(code, 200);
    assert_eq!(v["keypair"]["deleted"], false);
    assert_eq!(v["keypair"]["user_id"], owner.as_str());

    let bad = [
        (
            json!({"keypair": {"name": "laptop", "public_key": public}}),
            409,
        ),
        (
            json!({"keypair": {"name": "x", "public_key": "ssh-rsa not-base64"}}),
            400,
        ),
        (json!({"keypair": {"name": "bad/name"}}), 400),
        (json!({"keypair": {"name": ""}}), 400),
        (json!({"keypair": {"name": "x", "type": "ssh"}}), 400),
        (json!({"keypair": {"public_key": public}}), 400),
        (json!({"keypair": {"name": "x", "public_key": 7}}), 400),
    ];
    for (body, want) in bad {
        let (code, v) = c
            .send(Method::POST, "/v2.1/os-keypairs", alice, Some(body.clone()))
            .await;
        assert_eq!(code, want, "{body}: {v}");
    }
    let (_, v) = c.send(Method::GET, "/v2.1/os-keypairs", alice, None).await;
    assert_eq!(
        v["keypairs"].as_array().map(Vec::len),
        Some(2),
        "nothing half-made"
    );

    assert_eq!(
        c.send(Method::DELETE, "/v2.1/os-keypairs/laptop", bob, None)
            .await
            .0,
        404
    );
    assert_eq!(
        c.send(Method::DELETE, "/v2.1/os-keypairs/laptop", alice, None)
            .await
            .0,
        202
    );
    assert_eq!(
        c.send(Method::GET, "/v2.1/os-keypairs/laptop", alice, None)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn key_pairs_are_limited_per_user() {
    let c = Cloud::start_with(stratus_compute::app::ComputeConfig {
        quotas: stratus_compute::app::QuotaDefaults {
            key_pairs: 2,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    for (i, want) in [(1, 200), (2, 200), (3, 403)] {
        let (code, v) = c
            .send(
                Method::POST,
                "/v2.1/os-keypairs",
                &c.identity.alice,
                Some(json!({"keypair": {"name": format!("k{i}")}})),
            )
            .await;
        assert_eq!(code, want, "{v}");
    }
}

#[tokio::test]
async fn microversion_headers_are_echoed_and_unknown_versions_refused() {
    let c = Cloud::start().await;
    let get = |headers: &[(&str, &str)]| {
        let mut r = c
            .http
            .get(c.api.url("/v2.1/flavors"))
            .header("X-Auth-Token", &c.identity.alice.token);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send()
    };
    let resp = get(&[]).await.expect("GET");
    assert_eq!(resp.status().as_u16(), 200);
    let h = resp.headers();
    assert_eq!(h["openstack-api-version"], "compute 2.1");
    assert_eq!(h["x-openstack-nova-api-version"], "2.1");
    assert!(
        h["vary"]
            .to_str()
            .is_ok_and(|v| v.contains("OpenStack-API-Version")),
        "{h:?}"
    );
    let resp = get(&[("OpenStack-API-Version", "compute latest")])
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["openstack-api-version"], "compute 2.1");
    let resp = get(&[("OpenStack-API-Version", "compute 2.90")])
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 406);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["notAcceptable"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2.90")),
        "{body}"
    );
    let resp = get(&[("X-OpenStack-Nova-API-Version", "two")])
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 400);
}
