//! Neutron networks over real HTTP against a live identity: segments
//! allocated from the configured ranges and never twice (also when creates
//! race), provider attributes for admins only, who sees what, Neutron's
//! error bodies for bad input, filters, `fields=` and pagination, and the
//! extensions list.

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::{Value, json};

fn error_type(body: &Value) -> &str {
    body["NeutronError"]["type"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn project_networks_get_vxlan_segments_and_admins_choose_provider_networks() {
    let c = Cloud::start().await;
    let (alice, bob, admin) = (&c.identity.alice, &c.identity.bob, &c.identity.admin);
    let (status, body) = c
        .send(
            Method::POST,
            "/v2.0/networks",
            alice,
            Some(json!({"network": {"name": "net1"}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let n1 = body["network"].clone();
    assert_eq!(n1["mtu"], 1450);
    assert_eq!(n1["project_id"], alice.project_id.as_str());
    assert_eq!(n1["status"], "ACTIVE");
    assert!(
        n1.get("provider:network_type").is_none(),
        "provider attributes are admins'"
    );
    let id1 = n1["id"].as_str().expect("id").to_owned();
    let (_, n2) = c
        .send(
            Method::POST,
            "/v2.0/networks",
            alice,
            Some(json!({"network": {"name": "net2"}})),
        )
        .await;
    let id2 = n2["network"]["id"].as_str().expect("id").to_owned();
    let (_, a1) = c
        .send(Method::GET, &format!("/v2.0/networks/{id1}"), admin, None)
        .await;
    let (_, a2) = c
        .send(Method::GET, &format!("/v2.0/networks/{id2}"), admin, None)
        .await;
    assert_eq!(a1["network"]["provider:network_type"], "vxlan");
    assert_eq!(a1["network"]["provider:segmentation_id"], 1);
    assert_eq!(a2["network"]["provider:segmentation_id"], 2);

    // Admins: flat and vlan on physnet1, each segment once.
    let (status, flat) = c
        .send(
            Method::POST,
            "/v2.0/networks",
            admin,
            Some(json!({"network": {"name": "ext", "router:external": true,
            "provider:network_type": "flat", "provider:physical_network": "physnet1"}})),
        )
        .await;
    assert_eq!(status, 201, "{flat}");
    assert_eq!(flat["network"]["mtu"], 1500);
    let (status, body) = c
        .send(
            Method::POST,
            "/v2.0/networks",
            admin,
            Some(json!({"network": {
            "provider:network_type": "flat", "provider:physical_network": "physnet1"}})),
        )
        .await;
    assert_eq!((status, error_type(&body)), (409, "SegmentInUse"), "{body}");
    let vlan = json!({"network": {"name": "v150", "shared": true, "provider:network_type": "vlan",
        "provider:physical_network": "physnet1", "provider:segmentation_id": 150}});
    let (status, body) = c
        .send(Method::POST, "/v2.0/networks", admin, Some(vlan.clone()))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["network"]["provider:segmentation_id"], 150);
    let (status, _) = c
        .send(Method::POST, "/v2.0/networks", admin, Some(vlan))
        .await;
    assert_eq!(status, 409);
    let (status, body) = c
        .send(Method::POST, "/v2.0/networks", admin, Some(json!({"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet1"}})))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["network"]["provider:segmentation_id"], 100,
        "allocated from physnet1:100:199"
    );

    // Who sees what: bob sees the shared and the external network, not alice's.
    let (status, body) = c
        .send(Method::GET, &format!("/v2.0/networks/{id1}"), bob, None)
        .await;
    assert_eq!((status, error_type(&body)), (404, "NetworkNotFound"));
    let (_, list) = c.send(Method::GET, "/v2.0/networks", bob, None).await;
    let mut names: Vec<&str> = list["networks"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["ext", "v150"]);
    for (method, body) in [
        (Method::PUT, Some(json!({"network": {"name": "mine"}}))),
        (Method::DELETE, None),
    ] {
        let (status, _) = c
            .send(method.clone(), &format!("/v2.0/networks/{id1}"), bob, body)
            .await;
        assert_eq!(status, 404, "{method}");
    }
    let shared_id = list["networks"]
        .as_array()
        .expect("list")
        .iter()
        .find(|n| n["name"] == "v150")
        .expect("v150")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, body) = c
        .send(
            Method::PUT,
            &format!("/v2.0/networks/{shared_id}"),
            bob,
            Some(json!({"network": {"name": "mine"}})),
        )
        .await;
    assert_eq!(
        (status, error_type(&body)),
        (403, "PolicyNotAuthorized"),
        "seen but not owned"
    );
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/networks/{shared_id}"),
            bob,
            None,
        )
        .await;
    assert_eq!(status, 403);
    c.send(
        Method::DELETE,
        &format!("/v2.0/networks/{id2}"),
        alice,
        None,
    )
    .await;

    // Update and delete.
    let (status, body) = c
        .send(
            Method::PUT,
            &format!("/v2.0/networks/{id1}"),
            alice,
            Some(json!({"network": {"name": "renamed", "mtu": 1400}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["network"]["name"].clone(),
            body["network"]["mtu"].clone(),
            body["network"]["revision_number"].clone()
        ),
        (json!("renamed"), json!(1400), json!(2))
    );
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/networks/{id1}"),
            &c.identity.rita,
            None,
        )
        .await;
    assert_eq!(status, 403, "readers do not delete");
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/networks/{id1}"),
            alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .send(Method::GET, &format!("/v2.0/networks/{id1}"), alice, None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_network_requests_get_neutron_errors_and_create_nothing() {
    let c = Cloud::start().await;
    let (alice, admin) = (&c.identity.alice, &c.identity.admin);
    for (who, body, want, mention) in [
        (
            alice,
            json!({"network": {"provider:network_type": "vlan"}}),
            403,
            "provider",
        ),
        (alice, json!({"network": {"shared": true}}), 403, "shared"),
        (
            alice,
            json!({"network": {"router:external": true}}),
            403,
            "external",
        ),
        (
            alice,
            json!({"network": {"tenant_id": "someone-else"}}),
            403,
            "tenant_id",
        ),
        (alice, json!({"network": {"colour": "red"}}), 400, "colour"),
        (
            alice,
            json!({"network": {"admin_state_up": "maybe"}}),
            400,
            "admin_state_up",
        ),
        (alice, json!({"network": {"name": 7}}), 400, "name"),
        (alice, json!({"network": {"mtu": 9000}}), 400, "mtu"),
        (
            alice,
            json!({"network": {"name": "x".repeat(300)}}),
            400,
            "name",
        ),
        (alice, json!({"networks": {}}), 400, "network"),
        (
            admin,
            json!({"network": {"provider:network_type": "gre"}}),
            400,
            "gre",
        ),
        (
            admin,
            json!({"network": {"provider:network_type": "vlan"}}),
            400,
            "physical_network",
        ),
        (
            admin,
            json!({"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet9"}}),
            400,
            "physnet9",
        ),
        (
            admin,
            json!({"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 5000}}),
            400,
            "segmentation_id",
        ),
        (
            admin,
            json!({"network": {"provider:network_type": "vxlan", "provider:physical_network": "physnet1"}}),
            400,
            "physical_network",
        ),
        (
            admin,
            json!({"network": {"provider:network_type": "flat", "provider:physical_network": "physnet1", "provider:segmentation_id": 3}}),
            400,
            "segmentation_id",
        ),
    ] {
        let (status, resp) = c
            .send(Method::POST, "/v2.0/networks", who, Some(body.clone()))
            .await;
        assert_eq!(status, want, "{body}: {resp}");
        assert!(
            resp["NeutronError"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(mention),
            "{body}: {resp}"
        );
    }
    let resp = c
        .http
        .post(c.api.url("/v2.0/networks"))
        .header("X-Auth-Token", &alice.token)
        .header("Content-Type", "application/json")
        .body("{\"network\": ")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 400);
    let (_, list) = c.send(Method::GET, "/v2.0/networks", admin, None).await;
    assert_eq!(list["networks"], json!([]), "nothing half-created");

    let (_, n) = c
        .send(
            Method::POST,
            "/v2.0/networks",
            alice,
            Some(json!({"network": {"name": "n"}})),
        )
        .await;
    let id = n["network"]["id"].as_str().expect("id");
    let (status, body) = c
        .send(
            Method::PUT,
            &format!("/v2.0/networks/{id}"),
            admin,
            Some(json!({"network": {"provider:segmentation_id": 9}})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = c
        .send(
            Method::PUT,
            &format!("/v2.0/networks/{id}"),
            alice,
            Some(json!({"network": {"shared": true}})),
        )
        .await;
    assert_eq!(status, 403);
    let (_, after) = c
        .send(Method::GET, &format!("/v2.0/networks/{id}"), alice, None)
        .await;
    assert_eq!(after["network"]["shared"], false);
    assert_eq!(
        after["network"]["revision_number"], 1,
        "failed updates change nothing"
    );
}

#[tokio::test]
async fn racing_creates_get_distinct_segments_and_lists_filter_and_page() {
    let c = Cloud::start().await;
    let alice = &c.identity.alice;
    // 40 at once: more than any retry budget, as Terraform's parallel
    // applies send them.
    let creates = (0..40).map(|i| {
        c.send(
            Method::POST,
            "/v2.0/networks",
            alice,
            Some(json!({"network": {"name": format!("n{i}"), "admin_state_up": i % 2 == 0}})),
        )
    });
    let results = futures_util::future::join_all(creates).await;
    assert!(results.iter().all(|(s, _)| *s == 201), "{results:?}");
    let (_, all) = c
        .send(
            Method::GET,
            "/v2.0/networks?fields=provider:segmentation_id&fields=id",
            &c.identity.admin,
            None,
        )
        .await;
    let mut segments: Vec<i64> = all["networks"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["provider:segmentation_id"].as_i64())
        .collect();
    segments.sort_unstable();
    segments.dedup();
    assert_eq!(segments.len(), 40, "every network its own VNI: {all}");
    assert!(all["networks"][0].get("name").is_none(), "fields= trims");

    let (_, down) = c
        .send(
            Method::GET,
            "/v2.0/networks?admin_state_up=false",
            alice,
            None,
        )
        .await;
    assert_eq!(down["networks"].as_array().map(Vec::len), Some(20));
    let (_, two) = c
        .send(Method::GET, "/v2.0/networks?name=n1&name=n2", alice, None)
        .await;
    assert_eq!(two["networks"].as_array().map(Vec::len), Some(2));
    // Pages of five by the next links.
    let mut seen = Vec::new();
    let mut path = "/v2.0/networks?limit=5".to_owned();
    loop {
        let (status, page) = c.send(Method::GET, &path, alice, None).await;
        assert_eq!(status, 200);
        seen.extend(
            page["networks"]
                .as_array()
                .expect("page")
                .iter()
                .map(|n| n["id"].clone()),
        );
        match page["networks_links"][0]["href"].as_str() {
            Some(next) => path = next.trim_start_matches(&c.api.url("")).to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 40);
    let (status, _) = c
        .send(Method::GET, "/v2.0/networks?limit=x", alice, None)
        .await;
    assert_eq!(status, 400);

    // Extensions: the ones served, 404 for others.
    let (_, ext) = c.send(Method::GET, "/v2.0/extensions", alice, None).await;
    let aliases: Vec<&str> = ext["extensions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["alias"].as_str())
        .collect();
    assert!(
        aliases.contains(&"provider") && aliases.contains(&"external-net"),
        "{aliases:?}"
    );
    let (status, body) = c
        .send(Method::GET, "/v2.0/extensions/qos", alice, None)
        .await;
    assert_eq!((status, error_type(&body)), (404, "ExtensionNotFound"));
    let (status, _) = c
        .send(Method::GET, "/v2.0/extensions/provider", alice, None)
        .await;
    assert_eq!(status, 200);
}
