//! Interfaces attached and detached (`os-interface`) with a fake compute
//! host over the real broker, beside the real network service: a new port
//! on a network and a port of the project, plugged on the host and shown
//! in the server's addresses; detached, unplugged, and given back (the
//! port made for the server deleted, the project's own unbound); bad and
//! foreign requests refused, changing nothing. Then the real `openstack`
//! CLI: `server add/remove network`, `server add/remove port`, and
//! `server set/unset --property` (server metadata).

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::{Value, json};
use stratus_compute::app::ComputeConfig;
use stratus_test_support::TempDir;
use stratus_test_support::clients::{Openstack, openstack_cli};

fn ids(list: &Value) -> Vec<String> {
    list["interfaceAttachments"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["port_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A cloud with a fake host, and alice's server `<prefix>-vm` ACTIVE on
/// her network `<prefix>-net` (`10.<octet>.0.0/24`) with metadata `a=1`.
struct World {
    c: Cloud,
    host: common::FakeHost,
    net: String,
    id: String,
}

async fn world(prefix: &str, octet: u8) -> World {
    let c = Cloud::start_full(ComputeConfig {
        sweep_interval_s: 1,
        ..ComputeConfig::default()
    })
    .await;
    let alice = c.identity.alice.clone();
    let net = c
        .network(
            &alice,
            &format!("{prefix}-net"),
            &format!("10.{octet}.0.0/24"),
        )
        .await;
    let image = c.image(&alice, vec![7u8; 4096], json!({})).await;
    let flavor = c.flavor(&format!("{prefix}-small"), 1, 256, 1).await;
    let host = c.fake_host(4, 4096, 50, "nova");
    c.wait_host(&host.name).await;
    let (st, v) = c
        .send(
            Method::POST,
            "/v2.1/servers",
            &alice,
            Some(
                json!({"server": {"name": format!("{prefix}-vm"), "imageRef": image,
                "flavorRef": flavor, "networks": [{"uuid": net}], "metadata": {"a": "1"}}}),
            ),
        )
        .await;
    assert_eq!(st, 202, "{v}");
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    c.wait_status(&alice, &id, "ACTIVE").await;
    World { c, host, net, id }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interfaces_attach_and_detach_in_place() {
    let World { c, host, net, id } = world("if", 31).await;
    let (alice, bob) = (c.identity.alice.clone(), c.identity.bob.clone());
    let other = c.network(&alice, "if-other", "10.31.1.0/24").await;
    let bobs = c.network(&bob, "if-bob", "10.31.2.0/24").await;
    let path = format!("/v2.1/servers/{id}/os-interface");
    let (st, list) = c.send(Method::GET, &path, &alice, None).await;
    assert_eq!(st, 200, "{list}");
    let first = ids(&list);
    assert_eq!(first.len(), 1, "{list}");

    // A new port on another network, with the address asked for.
    let (st, a) = c
        .send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"interfaceAttachment": {"net_id": other,
                "fixed_ips": [{"ip_address": "10.31.1.50"}]}})),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    let made = a["interfaceAttachment"]["port_id"]
        .as_str()
        .expect("port")
        .to_owned();
    assert_eq!(a["interfaceAttachment"]["net_id"], other.as_str());
    assert_eq!(
        a["interfaceAttachment"]["fixed_ips"][0]["ip_address"],
        "10.31.1.50"
    );
    assert!(
        a["interfaceAttachment"]["fixed_ips"][0]["subnet_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{a}"
    );
    let spec = host.driver.spec(&id).expect("instance");
    assert!(spec.nics.iter().any(|n| n.port_id == made), "plugged");
    let (_, s) = c
        .send(Method::GET, &format!("/v2.1/servers/{id}"), &alice, None)
        .await;
    assert_eq!(
        s["server"]["addresses"]["if-other"][0]["addr"],
        "10.31.1.50"
    );
    let (_, p) = c
        .net(Method::GET, &format!("/v2.0/ports/{made}"), &alice, None)
        .await;
    assert_eq!(p["port"]["device_id"], id.as_str(), "{p}");

    // A port the project made.
    let (st, p) = c
        .net(
            Method::POST,
            "/v2.0/ports",
            &alice,
            Some(json!({"port": {"network_id": net}})),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let own = p["port"]["id"].as_str().expect("port").to_owned();
    let (st, a) = c
        .send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"interfaceAttachment": {"port_id": own}})),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    let (_, list) = c.send(Method::GET, &path, &alice, None).await;
    assert_eq!(ids(&list).len(), 3, "{list}");
    let (st, one) = c
        .send(Method::GET, &format!("{path}/{own}"), &alice, None)
        .await;
    assert_eq!(
        (st, one["interfaceAttachment"]["port_id"].clone()),
        (200, json!(own))
    );

    // Refused, changing nothing: twice the same port, neither or both of
    // port and network, a bad id, two addresses, another project's
    // network, bob on alice's server, a port not attached.
    for (body, want) in [
        (json!({"interfaceAttachment": {"port_id": own}}), 409),
        (json!({"interfaceAttachment": {}}), 400),
        (
            json!({"interfaceAttachment": {"port_id": own, "net_id": net}}),
            400,
        ),
        (
            json!({"interfaceAttachment": {"net_id": "not-a-uuid"}}),
            400,
        ),
        (
            json!({"interfaceAttachment": {"net_id": net, "fixed_ips": [{"ip_address": "10.31.0.9"}, {"ip_address": "10.31.0.10"}]}}),
            400,
        ),
        (
            json!({"interfaceAttachment": {"net_id": net, "fixed_ips": [{"ip_address": "x'; drop"}]}}),
            400,
        ),
        (json!({"interfaceAttachment": {"net_id": bobs}}), 400),
        (
            json!({"interfaceAttachment": {"net_id": net, "colour": "red"}}),
            400,
        ),
        (json!({"interfaceAttachments": {"net_id": net}}), 400),
    ] {
        let (st, v) = c
            .send(Method::POST, &path, &alice, Some(body.clone()))
            .await;
        assert_eq!(st, want, "{body}: {v}");
    }
    let (st, _) = c
        .send(
            Method::POST,
            &path,
            &bob,
            Some(json!({"interfaceAttachment": {"net_id": bobs}})),
        )
        .await;
    assert_eq!(st, 404, "bob does not see alice's server");
    let (st, _) = c
        .send(Method::DELETE, &format!("{path}/{own}"), &bob, None)
        .await;
    assert_eq!(st, 404);
    let (st, _) = c
        .send(
            Method::DELETE,
            &format!("{path}/8f0c7f6e-1d5b-4c3e-9e59-6f1e3a2b4c5d"),
            &alice,
            None,
        )
        .await;
    assert_eq!(st, 404);
    let (_, list) = c.send(Method::GET, &path, &alice, None).await;
    assert_eq!(ids(&list).len(), 3, "nothing changed: {list}");

    // Detach: unplugged; the port made for the server is deleted, the
    // project's own is left to it, unbound.
    for port in [&made, &own] {
        let (st, v) = c
            .send(Method::DELETE, &format!("{path}/{port}"), &alice, None)
            .await;
        assert_eq!(st, 202, "{v}");
        let spec = host.driver.spec(&id).expect("instance");
        assert!(!spec.nics.iter().any(|n| &n.port_id == port), "unplugged");
    }
    let (st, _) = c
        .net(Method::GET, &format!("/v2.0/ports/{made}"), &alice, None)
        .await;
    assert_eq!(st, 404, "the port made for the server is gone");
    let (st, p) = c
        .net(Method::GET, &format!("/v2.0/ports/{own}"), &alice, None)
        .await;
    assert_eq!((st, p["port"]["device_id"].clone()), (200, json!("")));
    let (_, list) = c.send(Method::GET, &path, &alice, None).await;
    assert_eq!(ids(&list), first, "{list}");

    // Stopped servers take interfaces too; the next start keeps them.
    let (st, _) = c
        .send(
            Method::POST,
            &format!("/v2.1/servers/{id}/action"),
            &alice,
            Some(json!({"os-stop": null})),
        )
        .await;
    assert_eq!(st, 202);
    c.wait_status(&alice, &id, "SHUTOFF").await;
    let (st, a) = c
        .send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"interfaceAttachment": {"port_id": own}})),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    let spec = host.driver.spec(&id).expect("instance");
    assert!(spec.nics.iter().any(|n| n.port_id == own));

    // Deleting the server gives every port back.
    c.send(Method::DELETE, &format!("/v2.1/servers/{id}"), &alice, None)
        .await;
    c.wait_gone(&alice, &id).await;
    let (_, p) = c
        .net(Method::GET, &format!("/v2.0/ports/{own}"), &alice, None)
        .await;
    assert_eq!(p["port"]["device_id"], "", "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openstack_client_adds_and_removes_networks_ports_and_properties() {
    let Some(cli) = openstack_cli() else { return };
    let World {
        c,
        net,
        id,
        host: _host,
    } = world("cli", 32).await;
    let other = c
        .network(&c.identity.alice, "cli-other", "10.32.1.0/24")
        .await;
    let dir = TempDir::new("stratus-osc-interfaces");
    let osc = Openstack::new(cli, c.identity.clouds_yaml(&dir.path), "alice");
    let ports_of = |osc: &Openstack, id: &str| -> usize {
        osc.json(&["port", "list", "--server", id])
            .as_array()
            .map_or(0, Vec::len)
    };
    let ok = |osc: &Openstack, args: &[&str]| {
        let out = osc.run(args);
        assert!(
            out.status.success(),
            "openstack {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    tokio::task::spawn_blocking(move || {
        ok(&osc, &["server", "add", "network", &id, &other]);
        assert_eq!(ports_of(&osc, &id), 2);
        let shown = osc.json(&["server", "show", &id]);
        assert!(
            shown["addresses"].to_string().contains("cli-other"),
            "{shown}"
        );
        ok(&osc, &["server", "remove", "network", &id, &other]);
        assert_eq!(ports_of(&osc, &id), 1);

        let port = osc.json(&["port", "create", "--network", &net, "cli-port"]);
        let port_id = port["id"].as_str().expect("port").to_owned();
        ok(&osc, &["server", "add", "port", &id, &port_id]);
        assert_eq!(ports_of(&osc, &id), 2);
        ok(&osc, &["server", "remove", "port", &id, &port_id]);
        assert_eq!(ports_of(&osc, &id), 1);
        let port = osc.json(&["port", "show", &port_id]);
        assert_eq!(port["device_id"], "", "{port}");

        ok(
            &osc,
            &[
                "server",
                "set",
                "--property",
                "b=2",
                "--property",
                "c=3",
                &id,
            ],
        );
        ok(&osc, &["server", "unset", "--property", "a", &id]);
        let shown = osc.json(&["server", "show", &id]);
        // (A dict in newer clients, `b='2', c='3'` in older ones.)
        let props = &shown["properties"];
        let has = |k: &str, v: &str| {
            props[k] == v
                || props
                    .as_str()
                    .is_some_and(|p| p.contains(&format!("{k}='{v}'")))
        };
        assert!(has("b", "2") && has("c", "3") && !has("a", "1"), "{shown}");
    })
    .await
    .expect("the client steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_metadata_is_read_replaced_merged_and_deleted() {
    let World {
        c, id, host: _host, ..
    } = world("md", 33).await;
    let (alice, bob, admin) = (
        c.identity.alice.clone(),
        c.identity.bob.clone(),
        c.identity.admin.clone(),
    );
    let path = format!("/v2.1/servers/{id}/metadata");
    let send = |m: Method, p: String, who: common::Login, body: Option<Value>| {
        let c = &c;
        async move { c.send(m, &p, &who, body).await }
    };
    let (st, m) = send(Method::GET, path.clone(), alice.clone(), None).await;
    assert_eq!((st, m), (200, json!({"metadata": {"a": "1"}})));
    let (st, m) = send(
        Method::POST,
        path.clone(),
        alice.clone(),
        Some(json!({"metadata": {"b": "2"}})),
    )
    .await;
    assert_eq!((st, m), (200, json!({"metadata": {"a": "1", "b": "2"}})));
    let (st, m) = send(
        Method::PUT,
        path.clone(),
        alice.clone(),
        Some(json!({"metadata": {"c": "3"}})),
    )
    .await;
    assert_eq!((st, m), (200, json!({"metadata": {"c": "3"}})));
    let (st, m) = send(
        Method::PUT,
        format!("{path}/d"),
        alice.clone(),
        Some(json!({"meta": {"d": "4"}})),
    )
    .await;
    assert_eq!((st, m), (200, json!({"meta": {"d": "4"}})));
    let (st, m) = send(Method::GET, format!("{path}/d"), alice.clone(), None).await;
    assert_eq!((st, m), (200, json!({"meta": {"d": "4"}})));
    let (st, _) = send(Method::DELETE, format!("{path}/c"), alice.clone(), None).await;
    assert_eq!(st, 204);
    let (st, _) = send(Method::DELETE, format!("{path}/c"), alice.clone(), None).await;
    assert_eq!(st, 404);
    let (_, s) = send(
        Method::GET,
        format!("/v2.1/servers/{id}"),
        alice.clone(),
        None,
    )
    .await;
    assert_eq!(s["server"]["metadata"], json!({"d": "4"}));

    // Refused, changing nothing.
    for (m, p, body, want) in [
        (
            Method::PUT,
            format!("{path}/d"),
            json!({"meta": {"e": "5"}}),
            400,
        ),
        (
            Method::PUT,
            format!("{path}/d"),
            json!({"meta": {"d": "4", "e": "5"}}),
            400,
        ),
        (
            Method::POST,
            path.clone(),
            json!({"metadata": {"": "x"}}),
            400,
        ),
        (
            Method::POST,
            path.clone(),
            json!({"metadata": {"k": "x".repeat(256)}}),
            400,
        ),
        (
            Method::POST,
            path.clone(),
            json!({"metadata": {"k": 1}}),
            400,
        ),
        (Method::POST, path.clone(), json!({"metadatas": {}}), 400),
    ] {
        let (st, v) = send(m, p, alice.clone(), Some(body.clone())).await;
        assert_eq!(st, want, "{body}: {v}");
    }
    let (st, _) = send(Method::GET, path.clone(), bob.clone(), None).await;
    assert_eq!(st, 404, "bob does not see alice's server");
    let (st, _) = send(
        Method::POST,
        path.clone(),
        bob.clone(),
        Some(json!({"metadata": {"x": "y"}})),
    )
    .await;
    assert_eq!(st, 404);
    // The metadata_items quota holds for a merge.
    let (st, v) = send(
        Method::PUT,
        format!("/v2.1/os-quota-sets/{}", alice.project_id),
        admin.clone(),
        Some(json!({"quota_set": {"metadata_items": 2}})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = send(
        Method::POST,
        path.clone(),
        alice.clone(),
        Some(json!({"metadata": {"e": "5", "f": "6"}})),
    )
    .await;
    assert_eq!(st, 403, "{v}");
    let (_, m) = send(Method::GET, path.clone(), alice.clone(), None).await;
    assert_eq!(m, json!({"metadata": {"d": "4"}}), "nothing changed");
}
