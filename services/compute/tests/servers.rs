//! Servers with fake compute hosts over the real broker, beside the real
//! network and storage services: create to ACTIVE with Nova's fields and an
//! address from the network service, stop/start/reboot, instance actions,
//! delete giving back port and claim; bad input, other projects, quotas, no
//! valid host, retries on another host, server groups, power drift.

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::{Value, json};
use stratus_compute::app::ComputeConfig;
use stratus_compute_agent::driver::fake::FakeSettings;

struct World {
    c: Cloud,
    net: String,
    image: String,
    flavor: String,
}

async fn world() -> World {
    let c = Cloud::start_full(ComputeConfig {
        sweep_interval_s: 1,
        ..ComputeConfig::default()
    })
    .await;
    let alice = c.identity.alice.clone();
    let net = c.network(&alice, "alpha-net", "10.30.0.0/24").await;
    let image = c.image(&alice, vec![7u8; 4096], json!({})).await;
    let flavor = c.flavor("small", 1, 256, 1).await;
    World {
        c,
        net,
        image,
        flavor,
    }
}

fn server(name: &str, w: &World, extra: Value) -> Value {
    let mut s = json!({"name": name, "imageRef": w.image, "flavorRef": w.flavor,
        "networks": [{"uuid": w.net}]});
    if let (Some(o), Value::Object(e)) = (s.as_object_mut(), extra) {
        o.extend(e);
    }
    json!({"server": s})
}

async fn create(w: &World, who: &common::Login, body: Value) -> (u16, Value) {
    w.c.send(Method::POST, "/v2.1/servers", who, Some(body))
        .await
}

async fn action(w: &World, id: &str, body: Value) -> (u16, Value) {
    w.c.send(
        Method::POST,
        &format!("/v2.1/servers/{id}/action"),
        &w.c.identity.alice,
        Some(body),
    )
    .await
}

async fn hypervisor(w: &World, host: &str) -> Value {
    let (_, v) =
        w.c.send(
            Method::GET,
            "/v2.1/os-hypervisors/detail",
            &w.c.identity.admin,
            None,
        )
        .await;
    v["hypervisors"]
        .as_array()
        .and_then(|a| a.iter().find(|h| h["hypervisor_hostname"] == host).cloned())
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_builds_runs_and_goes_without_leaving_anything() {
    let w = world().await;
    let (alice, bob, admin) = (
        w.c.identity.alice.clone(),
        w.c.identity.bob.clone(),
        w.c.identity.admin.clone(),
    );
    let host = w.c.fake_host(4, 4096, 50, "nova");
    w.c.wait_host(&host.name).await;
    // What metering hears of the server's life.
    let heard: std::sync::Arc<std::sync::Mutex<Vec<stratus_bus_protocol::usage::LifecycleEvent>>> =
        std::sync::Arc::default();
    let listener = stratus_bus::Bus::new(w.c.bus.clone(), "test-metering");
    let sub = {
        let heard = heard.clone();
        listener.subscribe_transient(
            &["usage.lifecycle"],
            move |inc: stratus_bus::Incoming<stratus_bus_protocol::Notification>| {
                let heard = heard.clone();
                async move {
                    if let stratus_bus_protocol::Notification::UsageLifecycle(e) = inc.message
                        && let Ok(mut h) = heard.lock()
                    {
                        h.push(e);
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    };
    assert!(sub.wait_consuming(std::time::Duration::from_secs(30)).await);

    let (st, v) = create(
        &w,
        &alice,
        server(
            "web",
            &w,
            json!({"metadata": {"role": "web"}, "user_data": "cGluZw=="}),
        ),
    )
    .await;
    assert_eq!(st, 202, "{v}");
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    assert!(v["server"]["adminPass"].is_string());
    assert_eq!(v["server"]["security_groups"], json!([{"name": "default"}]));

    let s = w.c.wait_status(&alice, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-STS:vm_state"], "active");
    assert_eq!(s["OS-EXT-STS:power_state"], 1);
    assert_eq!(s["metadata"]["role"], "web");
    assert_eq!(s["image"]["id"], w.image.as_str());
    assert_eq!(s["flavor"]["id"], w.flavor.as_str());
    assert_eq!(s["OS-EXT-AZ:availability_zone"], "nova");
    assert!(s["OS-SRV-USG:launched_at"].is_string());
    assert_eq!(s["hostId"].as_str().map(str::len), Some(56));
    assert!(
        s.get("OS-EXT-SRV-ATTR:host").is_none(),
        "members do not see hosts"
    );
    let addr = s["addresses"]["alpha-net"][0].clone();
    assert_eq!(addr["version"], 4);
    assert!(
        addr["addr"]
            .as_str()
            .is_some_and(|a| a.starts_with("10.30.0.")),
        "{addr}"
    );

    // The network service's side: a port made for it, bound to its host.
    let (_, ports) =
        w.c.net(
            Method::GET,
            &format!("/v2.0/ports?device_id={id}"),
            &alice,
            None,
        )
        .await;
    let port = ports["ports"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["device_id"] == id.as_str()).cloned())
        .expect("the server's port");
    assert!(
        port.get("binding:host_id").is_none(),
        "binding:* is an admin's"
    );
    let (_, bound) =
        w.c.net(
            Method::GET,
            &format!("/v2.0/ports/{}", port["id"].as_str().expect("id")),
            &w.c.identity.admin,
            None,
        )
        .await;
    assert_eq!(bound["port"]["binding:host_id"], host.name.as_str());
    assert_eq!(port["device_owner"], "compute:nova");
    assert_eq!(port["fixed_ips"][0]["ip_address"], addr["addr"]);
    let port_id = port["id"].as_str().expect("id").to_owned();

    // Admins see the host; its claim shows in the hypervisor.
    let (_, s_admin) =
        w.c.send(Method::GET, &format!("/v2.1/servers/{id}"), &admin, None)
            .await;
    assert_eq!(
        s_admin["server"]["OS-EXT-SRV-ATTR:host"],
        host.name.as_str()
    );
    let hv = hypervisor(&w, &host.name).await;
    assert_eq!(hv["vcpus_used"], 1);
    assert_eq!(hv["memory_mb_used"], 256);
    assert_eq!(hv["running_vms"], 1);

    // Another project sees nothing of it.
    let (st, _) =
        w.c.send(Method::GET, &format!("/v2.1/servers/{id}"), &bob, None)
            .await;
    assert_eq!(st, 404);
    let (_, list) = w.c.send(Method::GET, "/v2.1/servers", &bob, None).await;
    assert_eq!(list["servers"], json!([]));
    let (st, _) =
        w.c.send(Method::DELETE, &format!("/v2.1/servers/{id}"), &bob, None)
            .await;
    assert_eq!(st, 404);
    let (_, list) =
        w.c.send(
            Method::GET,
            "/v2.1/servers/detail?status=ACTIVE",
            &alice,
            None,
        )
        .await;
    assert_eq!(list["servers"][0]["id"], id.as_str());
    let (_, list) =
        w.c.send(Method::GET, "/v2.1/servers?name=^we", &alice, None)
            .await;
    assert_eq!(list["servers"][0]["name"], "web");
    let (_, list) =
        w.c.send(Method::GET, "/v2.1/servers?status=SHUTOFF", &alice, None)
            .await;
    assert_eq!(list["servers"], json!([]));

    // Power.
    let (st, v) = action(&w, &id, json!({"os-stop": null})).await;
    assert_eq!(st, 202, "{v}");
    let s = w.c.wait_status(&alice, &id, "SHUTOFF").await;
    assert_eq!(s["OS-EXT-STS:power_state"], 4);
    let (st, v) = action(&w, &id, json!({"os-stop": null})).await;
    assert_eq!(st, 409, "stopping a stopped server: {v}");
    let (st, _) = action(&w, &id, json!({"os-start": null})).await;
    assert_eq!(st, 202);
    w.c.wait_status(&alice, &id, "ACTIVE").await;
    for kind in ["SOFT", "HARD"] {
        let (st, v) = action(&w, &id, json!({"reboot": {"type": kind}})).await;
        assert_eq!(st, 202, "{v}");
        w.c.wait_status(&alice, &id, "ACTIVE").await;
    }
    let (st, v) = action(&w, &id, json!({"reboot": {"type": "GENTLE"}})).await;
    assert_eq!(st, 400, "{v}");
    let (st, v) = action(&w, &id, json!({"os-getConsoleOutput": {"length": 5}})).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["output"].is_string());
    let (st, v) = action(&w, &id, json!({"os-frobnicate": null})).await;
    assert_eq!(st, 400, "{v}");

    // What was done, by whom.
    let (_, acts) =
        w.c.send(
            Method::GET,
            &format!("/v2.1/servers/{id}/os-instance-actions"),
            &alice,
            None,
        )
        .await;
    let names: Vec<&str> = acts["instanceActions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert_eq!(names, ["reboot", "reboot", "start", "stop", "create"]);
    let req = acts["instanceActions"][4]["request_id"]
        .as_str()
        .expect("req")
        .to_owned();
    let (_, one) =
        w.c.send(
            Method::GET,
            &format!("/v2.1/servers/{id}/os-instance-actions/{req}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(one["instanceAction"]["events"][0]["result"], "Success");

    // Delete: the server, its port and its claim go.
    let (st, _) =
        w.c.send(Method::DELETE, &format!("/v2.1/servers/{id}"), &alice, None)
            .await;
    assert_eq!(st, 204);
    w.c.wait_gone(&alice, &id).await;
    let (st, _) =
        w.c.net(Method::GET, &format!("/v2.0/ports/{port_id}"), &alice, None)
            .await;
    assert_eq!(st, 404, "the port made for the server went with it");
    let hv = hypervisor(&w, &host.name).await;
    assert_eq!(hv["vcpus_used"], 0);
    assert_eq!(hv["running_vms"], 0);
    let (_, acts) =
        w.c.send(
            Method::GET,
            &format!("/v2.1/servers/{id}/os-instance-actions"),
            &alice,
            None,
        )
        .await;
    assert_eq!(
        acts["instanceActions"][0]["action"], "delete",
        "actions outlive the server"
    );

    // Its billable time's bounds went to metering: created, then deleted.
    use stratus_bus_protocol::usage::Lifecycle;
    let events = stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "created and deleted heard",
        || async {
            let h = heard.lock().ok()?.clone();
            let mine: Vec<_> = h.into_iter().filter(|e| e.resource_id == id).collect();
            (mine.len() == 2).then_some(mine)
        },
    )
    .await;
    assert_eq!(events[0].event, Lifecycle::Created);
    assert_eq!(events[1].event, Lifecycle::Deleted);
    assert!(events[0].at <= events[1].at);
    assert_eq!(events[0].project_id, alice.project_id);
    assert_eq!(
        events[0].attributes.get("flavor").map(String::as_str),
        Some("small")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_name_the_problem_and_leave_nothing() {
    let w = world().await;
    let (alice, bob) = (w.c.identity.alice.clone(), w.c.identity.bob.clone());
    let host = w.c.fake_host(4, 4096, 50, "nova");
    w.c.wait_host(&host.name).await;
    let unknown = "8c5b1a3e-1b2c-4d5e-8f90-123456789abc";
    let bob_net = w.c.network(&bob, "beta-net", "10.31.0.0/24").await;
    let bob_image = w.c.image(&bob, vec![1u8; 1024], json!({})).await;
    let cases = [
        (json!({"imageRef": unknown}), 400, "Image"),
        (json!({"imageRef": bob_image}), 400, "Image"),
        (
            json!({"flavorRef": "nope"}),
            400,
            "Flavor nope could not be found",
        ),
        (json!({"networks": [{"uuid": unknown}]}), 400, "Network"),
        (json!({"networks": [{"uuid": bob_net}]}), 400, "Network"),
        (json!({"networks": [{"port": unknown}]}), 400, "Port"),
        (json!({"key_name": "nokey"}), 400, "key_name"),
        (
            json!({"security_groups": [{"name": "nogroup"}]}),
            400,
            "nogroup",
        ),
        (json!({"availability_zone": "nowhere"}), 400, "nowhere"),
        (json!({"min_count": "x"}), 400, "min_count"),
        (json!({"networks": "all"}), 400, "networks"),
        (json!({"metadata": {"k": 1}}), 400, "metadata"),
        (json!({"flavorRef": ["1"]}), 400, "flavorRef"),
        (json!({"surprise": true}), 400, "'surprise'"),
    ];
    for (extra, status, words) in cases {
        let (st, v) = create(&w, &alice, server("bad", &w, extra.clone())).await;
        assert_eq!(st, status, "{extra}: {v}");
        assert!(v.to_string().contains(words), "{extra}: {v}");
    }
    let (st, v) =
        w.c.send(Method::POST, "/v2.1/servers", &alice, Some(json!("server")))
            .await;
    assert_eq!(st, 400, "{v}");
    let resp =
        w.c.http
            .post(w.c.api.url("/v2.1/servers"))
            .header("X-Auth-Token", alice.token.clone())
            .header("Content-Type", "application/json")
            .body("{\"server\": {")
            .send()
            .await
            .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let (st, _) =
        w.c.send(Method::GET, "/v2.1/servers/not-a-uuid", &alice, None)
            .await;
    assert_eq!(st, 404);
    let (st, _) =
        w.c.send(
            Method::POST,
            &format!("/v2.1/servers/{unknown}/action"),
            &alice,
            Some(json!({"os-stop": null})),
        )
        .await;
    assert_eq!(st, 404);
    let rita = w.c.identity.rita.clone();
    let (st, _) = create(&w, &rita, server("ro", &w, json!({}))).await;
    assert_eq!(st, 403, "readers make no servers");

    // Nothing was made: no server, no port.
    let (_, list) = w.c.send(Method::GET, "/v2.1/servers", &alice, None).await;
    assert_eq!(list["servers"], json!([]));
    let (_, ports) = w.c.net(Method::GET, "/v2.0/ports", &alice, None).await;
    assert!(
        ports["ports"]
            .as_array()
            .is_some_and(|a| a.iter().all(|p| p["device_owner"] != "compute:nova")),
        "{ports}"
    );

    // Quotas: 403 with Nova's words, and min/max counts.
    let (st, v) =
        w.c.send(
            Method::PUT,
            &format!("/v2.1/os-quota-sets/{}", alice.project_id),
            &w.c.identity.admin,
            Some(json!({"quota_set": {"instances": 2}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = create(&w, &alice, server("many", &w, json!({"min_count": 3}))).await;
    assert_eq!(st, 403, "{v}");
    assert!(
        v.to_string().contains("Quota exceeded for instances"),
        "{v}"
    );
    let (st, v) = create(
        &w,
        &alice,
        server(
            "some",
            &w,
            json!({"min_count": 1, "max_count": 5, "return_reservation_id": true}),
        ),
    )
    .await;
    assert_eq!(st, 202, "{v}");
    let r = v["reservation_id"]
        .as_str()
        .expect("reservation")
        .to_owned();
    let (_, list) =
        w.c.send(
            Method::GET,
            &format!("/v2.1/servers/detail?reservation_id={r}"),
            &alice,
            None,
        )
        .await;
    let mut names: Vec<String> = list["servers"]
        .as_array()
        .expect("servers")
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(names, ["some-1", "some-2"], "as many as the quota allows");
    let (_, q) =
        w.c.send(
            Method::GET,
            &format!("/v2.1/os-quota-sets/{}/detail", alice.project_id),
            &alice,
            None,
        )
        .await;
    assert_eq!(q["quota_set"]["instances"]["in_use"], 2);
    assert_eq!(q["quota_set"]["cores"]["in_use"], 2);
    assert_eq!(q["quota_set"]["ram"]["in_use"], 512);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_valid_host_retries_and_groups() {
    let w = world().await;
    let alice = w.c.identity.alice.clone();
    let admin = w.c.identity.admin.clone();
    let h1 = w.c.fake_host(2, 2048, 20, "nova");
    let h2 = w.c.fake_host(2, 2048, 20, "nova");
    w.c.wait_host(&h1.name).await;
    w.c.wait_host(&h2.name).await;

    // Too big for any host: ERROR with Nova's fault, holding nothing.
    let huge = w.c.flavor("huge", 1, 8192, 1).await;
    let (st, v) = create(&w, &alice, server("huge", &w, json!({"flavorRef": huge}))).await;
    assert_eq!(st, 202, "{v}");
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    let s = w.c.wait_status(&alice, &id, "ERROR").await;
    assert!(
        s["fault"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("No valid host was found")),
        "{s}"
    );
    assert_eq!(s["fault"]["code"], 500);
    let (st, _) =
        w.c.send(Method::DELETE, &format!("/v2.1/servers/{id}"), &alice, None)
            .await;
    assert_eq!(st, 204);
    w.c.wait_gone(&alice, &id).await;

    // The image wants a hypervisor these fake hosts are not.
    let qemu_only =
        w.c.image(&alice, vec![1u8; 512], json!({"hypervisor_type": "qemu"}))
            .await;
    let (_, v) = create(
        &w,
        &alice,
        server("picky", &w, json!({"imageRef": qemu_only})),
    )
    .await;
    let picky = v["server"]["id"].as_str().expect("id").to_owned();
    let s = w.c.wait_status(&alice, &picky, "ERROR").await;
    assert!(
        s["fault"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("No valid host")),
        "{s}"
    );
    let fake_only =
        w.c.image(&alice, vec![1u8; 512], json!({"hypervisor_type": "fake"}))
            .await;
    let (_, v) = create(
        &w,
        &alice,
        server("fits", &w, json!({"imageRef": fake_only})),
    )
    .await;
    let fits = v["server"]["id"].as_str().expect("id").to_owned();
    w.c.wait_status(&alice, &fits, "ACTIVE").await;
    for id in [&picky, &fits] {
        w.c.send(Method::DELETE, &format!("/v2.1/servers/{id}"), &alice, None)
            .await;
        w.c.wait_gone(&alice, id).await;
    }

    // Anti-affinity: two members on two hosts, a third finds no host.
    let (_, g) =
        w.c.send(
            Method::POST,
            "/v2.1/os-server-groups",
            &alice,
            Some(json!({"server_group": {"name": "apart", "policies": ["anti-affinity"]}})),
        )
        .await;
    let group = g["server_group"]["id"].as_str().expect("group").to_owned();
    let mut hosts = Vec::new();
    let mut members = Vec::new();
    for i in 0..3 {
        let mut body = server(&format!("apart-{i}"), &w, json!({}));
        body["os:scheduler_hints"] = json!({"group": group});
        let (st, v) = create(&w, &alice, body).await;
        assert_eq!(st, 202, "{v}");
        let id = v["server"]["id"].as_str().expect("id").to_owned();
        if i < 2 {
            w.c.wait_status(&alice, &id, "ACTIVE").await;
            let (_, s) =
                w.c.send(Method::GET, &format!("/v2.1/servers/{id}"), &admin, None)
                    .await;
            hosts.push(
                s["server"]["OS-EXT-SRV-ATTR:host"]
                    .as_str()
                    .expect("host")
                    .to_owned(),
            );
        } else {
            let s = w.c.wait_status(&alice, &id, "ERROR").await;
            assert!(
                s["fault"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("No valid host"))
            );
        }
        members.push(id);
    }
    assert_ne!(hosts[0], hosts[1], "anti-affinity");
    let (_, g) =
        w.c.send(
            Method::GET,
            &format!("/v2.1/os-server-groups/{group}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(
        g["server_group"]["members"].as_array().map(Vec::len),
        Some(3)
    );
    for id in &members {
        w.c.send(Method::DELETE, &format!("/v2.1/servers/{id}"), &alice, None)
            .await;
    }
    for id in &members {
        w.c.wait_gone(&alice, id).await;
    }

    // Affinity: both on the first one's host.
    let (_, g) =
        w.c.send(
            Method::POST,
            "/v2.1/os-server-groups",
            &alice,
            Some(json!({"server_group": {"name": "together", "policies": ["affinity"]}})),
        )
        .await;
    let group = g["server_group"]["id"].as_str().expect("group").to_owned();
    let mut hosts = Vec::new();
    for i in 0..2 {
        let mut body = server(&format!("together-{i}"), &w, json!({}));
        body["os:scheduler_hints"] = json!({"group": group});
        let (_, v) = create(&w, &alice, body).await;
        let id = v["server"]["id"].as_str().expect("id").to_owned();
        w.c.wait_status(&alice, &id, "ACTIVE").await;
        let (_, s) =
            w.c.send(Method::GET, &format!("/v2.1/servers/{id}"), &admin, None)
                .await;
        hosts.push(
            s["server"]["OS-EXT-SRV-ATTR:host"]
                .as_str()
                .expect("host")
                .to_owned(),
        );
    }
    assert_eq!(hosts[0], hosts[1], "affinity");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_spawn_is_retried_on_another_host_and_drift_shows() {
    let w = world().await;
    let alice = w.c.identity.alice.clone();
    let admin = w.c.identity.admin.clone();
    // The failing host has the most free RAM, so it is tried first.
    let bad = w.c.fake_host_with(
        FakeSettings {
            vcpus: 8,
            memory_mb: 65536,
            disk_gb: 100,
            fail_spawns: true,
        },
        "nova",
    );
    let good = w.c.fake_host(2, 2048, 20, "nova");
    w.c.wait_host(&bad.name).await;
    w.c.wait_host(&good.name).await;
    let (_, v) = create(&w, &alice, server("retry", &w, json!({}))).await;
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    w.c.wait_status(&alice, &id, "ACTIVE").await;
    let (_, s) =
        w.c.send(Method::GET, &format!("/v2.1/servers/{id}"), &admin, None)
            .await;
    assert_eq!(s["server"]["OS-EXT-SRV-ATTR:host"], good.name.as_str());
    let hv = hypervisor(&w, &bad.name).await;
    assert_eq!(
        hv["vcpus_used"], 0,
        "the failed host's claim was given back"
    );

    // The guest powers itself off: the API shows it stopped.
    good.driver
        .set_power_state(&id, stratus_bus_protocol::compute::PowerState::Shutdown)
        .expect("fake instance");
    let s = w.c.wait_status(&alice, &id, "SHUTOFF").await;
    assert_eq!(s["OS-EXT-STS:power_state"], 4);

    // Only failing hosts left: ERROR after the attempts, nothing held.
    let (_, svcs) =
        w.c.send(Method::GET, "/v2.1/os-services", &admin, None)
            .await;
    assert!(
        svcs["services"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s["host"] == good.name.as_str()))
    );
    let (st, v) =
        w.c.send(
            Method::PUT,
            "/v2.1/os-services/disable",
            &admin,
            Some(json!({"host": good.name, "binary": "nova-compute"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, v) = create(&w, &alice, server("doomed", &w, json!({}))).await;
    let id2 = v["server"]["id"].as_str().expect("id").to_owned();
    let s = w.c.wait_status(&alice, &id2, "ERROR").await;
    assert!(s["fault"]["message"].is_string(), "{s}");
    assert_eq!(s["addresses"], json!({}), "ports given back");
    let hv = hypervisor(&w, &bad.name).await;
    assert_eq!(hv["vcpus_used"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volumes_attach_detach_and_boot_servers() {
    let w = world().await;
    let (alice, bob) = (w.c.identity.alice.clone(), w.c.identity.bob.clone());
    let host = w.c.fake_host(4, 4096, 50, "nova");
    w.c.wait_host(&host.name).await;
    let (_, v) = create(&w, &alice, server("vm", &w, json!({}))).await;
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    w.c.wait_status(&alice, &id, "ACTIVE").await;

    // Attach: the host gets the disk, the volume is in use by the server.
    let vol = w.c.volume(&alice, 1, None).await;
    let path = format!("/v2.1/servers/{id}/os-volume_attachments");
    let (st, a) =
        w.c.send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"volumeAttachment": {"volumeId": vol}})),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["volumeAttachment"]["device"], "/dev/vdb");
    assert_eq!(a["volumeAttachment"]["serverId"], id.as_str());
    let v = w.c.wait_volume(&alice, &vol, "in-use").await;
    assert_eq!(v["attachments"][0]["server_id"], id.as_str(), "{v}");
    let spec = host.driver.spec(&id).expect("instance");
    assert!(
        spec.disks
            .iter()
            .any(|d| d.device == "vdb" && d.volume_id.as_deref() == Some(vol.as_str()))
    );
    let (_, list) = w.c.send(Method::GET, &path, &alice, None).await;
    assert_eq!(list["volumeAttachments"][0]["volumeId"], vol.as_str());
    let (_, s) =
        w.c.send(Method::GET, &format!("/v2.1/servers/{id}"), &alice, None)
            .await;
    assert_eq!(
        s["server"]["os-extended-volumes:volumes_attached"][0]["id"],
        vol.as_str()
    );

    // Bad attaches: twice, unknown, another project's, malformed.
    let (st, _) =
        w.c.send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"volumeAttachment": {"volumeId": vol}})),
        )
        .await;
    assert_eq!(st, 400, "already attached");
    let (st, _) =
        w.c.send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"volumeAttachment": {"volumeId": "8c5b1a3e-1b2c-4d5e-8f90-123456789abc"}})),
        )
        .await;
    assert_eq!(st, 404);
    let bobs = w.c.volume(&bob, 1, None).await;
    let (st, _) =
        w.c.send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"volumeAttachment": {"volumeId": bobs}})),
        )
        .await;
    assert_eq!(st, 404, "another project's volume");
    let (st, _) =
        w.c.send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"volumeAttachment": {"volumeId": 7}})),
        )
        .await;
    assert_eq!(st, 400);
    w.c.wait_volume(&bob, &bobs, "available").await;

    // Detach runs in the background, as Nova's: while the guest holds the
    // disk the volume is detaching and still listed; neither a second
    // detach nor another plug on the server goes through meanwhile.
    host.driver.hold_detaches(true);
    let (st, v) =
        w.c.send(Method::DELETE, &format!("{path}/{vol}"), &alice, None)
            .await;
    assert_eq!(st, 202, "{v}");
    w.c.wait_volume(&alice, &vol, "detaching").await;
    let (st, v) =
        w.c.send(Method::GET, &format!("{path}/{vol}"), &alice, None)
            .await;
    assert_eq!(st, 200, "still attached while the guest holds it: {v}");
    let (st, v) =
        w.c.send(Method::DELETE, &format!("{path}/{vol}"), &alice, None)
            .await;
    assert_eq!(st, 400, "a second detach while the first runs: {v}");
    let other = w.c.volume(&alice, 1, None).await;
    for volume in [&vol, &other] {
        let (st, v) =
            w.c.send(
                Method::POST,
                &path,
                &alice,
                Some(json!({"volumeAttachment": {"volumeId": volume}})),
            )
            .await;
        assert_eq!(st, 409, "a plug while a detach runs: {v}");
        assert!(v.to_string().contains("detaching volume"), "{v}");
    }
    host.driver.hold_detaches(false);
    w.c.wait_volume(&alice, &vol, "available").await;
    let gone = |vid: String| {
        let w = &w;
        let alice = &alice;
        let path = &path;
        async move {
            stratus_test_support::poll_until(
                std::time::Duration::from_secs(30),
                "the attachment gone from the server",
                || async {
                    let (st, _) =
                        w.c.send(Method::GET, &format!("{path}/{vid}"), alice, None)
                            .await;
                    (st == 404).then_some(())
                },
            )
            .await
        }
    };
    gone(vol.clone()).await;
    let spec = host.driver.spec(&id).expect("instance");
    assert!(spec.disks.iter().all(|d| d.device != "vdb"));
    // The device is free again at once.
    let (st, a) =
        w.c.send(
            Method::POST,
            &path,
            &alice,
            Some(json!({"volumeAttachment": {"volumeId": other}})),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["volumeAttachment"]["device"], "/dev/vdb");
    w.c.wait_volume(&alice, &other, "in-use").await;

    // An unplug that fails puts the volume back in use, still attached,
    // with the host's error in the server's action log.
    host.driver.fail_detaches(true);
    let (st, v) =
        w.c.send(Method::DELETE, &format!("{path}/{other}"), &alice, None)
            .await;
    assert_eq!(st, 202, "{v}");
    let actions_path = format!("/v2.1/servers/{id}/os-instance-actions");
    let failed = stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the failed detach recorded",
        || async {
            let (_, l) = w.c.send(Method::GET, &actions_path, &alice, None).await;
            let a = l["instanceActions"]
                .as_array()?
                .iter()
                .find(|a| a["action"] == "detach_volume" && !a["message"].is_null())?
                .clone();
            Some(a)
        },
    )
    .await;
    assert!(
        failed["message"]
            .as_str()
            .unwrap_or("")
            .contains("did not release"),
        "{failed}"
    );
    let v = w.c.wait_volume(&alice, &other, "in-use").await;
    assert_eq!(v["attachments"][0]["server_id"], id.as_str(), "{v}");
    host.driver.fail_detaches(false);
    let (st, v) =
        w.c.send(Method::DELETE, &format!("{path}/{other}"), &alice, None)
            .await;
    assert_eq!(st, 202, "a detach after a failed one: {v}");
    w.c.wait_volume(&alice, &other, "available").await;
    gone(other.clone()).await;
    let (st, _) =
        w.c.send(Method::DELETE, &format!("{path}/{vol}"), &alice, None)
            .await;
    assert_eq!(st, 404, "not attached any more");

    // Boot from a volume made from the image; deleted with the server.
    let boot = w.c.volume(&alice, 1, Some(&w.image)).await;
    let body = json!({"server": {"name": "bfv", "flavorRef": w.flavor, "networks": [{"uuid": w.net}],
        "block_device_mapping_v2": [{"boot_index": 0, "uuid": boot, "source_type": "volume",
            "destination_type": "volume", "delete_on_termination": true}]}});
    let (st, v) = create(&w, &alice, body).await;
    assert_eq!(st, 202, "{v}");
    let bfv = v["server"]["id"].as_str().expect("id").to_owned();
    let s = w.c.wait_status(&alice, &bfv, "ACTIVE").await;
    assert_eq!(s["image"], "", "no image: it boots from its volume");
    assert_eq!(
        s["os-extended-volumes:volumes_attached"][0]["id"],
        boot.as_str()
    );
    let spec = host.driver.spec(&bfv).expect("instance");
    assert!(spec.image_disk.is_none());
    assert_eq!(spec.disks[0].device, "vda");
    assert_eq!(spec.disks[0].volume_id.as_deref(), Some(boot.as_str()));
    let (st, v) =
        w.c.send(
            Method::DELETE,
            &format!("/v2.1/servers/{bfv}/os-volume_attachments/{boot}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(st, 400, "the root volume stays: {v}");
    // A volume in use cannot boot another server.
    let body = json!({"server": {"name": "bfv2", "flavorRef": w.flavor, "networks": [{"uuid": w.net}],
        "block_device_mapping_v2": [{"boot_index": 0, "uuid": boot, "source_type": "volume",
            "destination_type": "volume"}]}});
    let (st, v) = create(&w, &alice, body).await;
    assert_eq!(st, 400, "{v}");
    w.c.send(
        Method::DELETE,
        &format!("/v2.1/servers/{bfv}"),
        &alice,
        None,
    )
    .await;
    w.c.wait_gone(&alice, &bfv).await;
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(60),
        "the boot volume deleted",
        || async {
            let (st, _) =
                w.c.vol(Method::GET, &format!("/volumes/{boot}"), &alice, None)
                    .await;
            (st == 404).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_agent_finishes_builds_and_puts_its_host_right() {
    use stratus_bus_protocol::compute::PowerState;
    use stratus_compute_agent::driver::Driver;
    use stratus_compute_agent::driver::fake::Fake;
    let w = world().await;
    let alice = w.c.identity.alice.clone();
    let settings = FakeSettings {
        vcpus: 4,
        memory_mb: 4096,
        disk_gb: 50,
        fail_spawns: false,
    };
    let host = w.c.fake_host_with(settings.clone(), "nova");
    let name = host.name.clone();
    w.c.wait_host(&name).await;
    let mut ids = Vec::new();
    for n in ["running", "stopped"] {
        let (_, v) = create(&w, &alice, server(n, &w, json!({}))).await;
        let id = v["server"]["id"].as_str().expect("id").to_owned();
        w.c.wait_status(&alice, &id, "ACTIVE").await;
        ids.push(id);
    }
    action(&w, &ids[1], json!({"os-stop": null})).await;
    w.c.wait_status(&alice, &ids[1], "SHUTOFF").await;
    // A server deleted in full: its record says so.
    let (_, v) = create(&w, &alice, server("gone", &w, json!({}))).await;
    let gone = v["server"]["id"].as_str().expect("id").to_owned();
    w.c.wait_status(&alice, &gone, "ACTIVE").await;
    let (code, _) =
        w.c.send(
            Method::DELETE,
            &format!("/v2.1/servers/{gone}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(code, 204);
    w.c.wait_gone(&alice, &gone).await;

    // The agent dies; a server is placed on its host meanwhile.
    drop(host);
    let (_, v) = create(&w, &alice, server("during", &w, json!({}))).await;
    let during = v["server"]["id"].as_str().expect("id").to_owned();
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the build sent to the dead host",
        || async {
            let (_, s) =
                w.c.send(
                    Method::GET,
                    &format!("/v2.1/servers/{during}"),
                    &alice,
                    None,
                )
                .await;
            (s["server"]["OS-EXT-STS:task_state"] == "spawning").then_some(())
        },
    )
    .await;

    // It comes back with a hypervisor that lost its instances, still has
    // the deleted server's, and has one the service has no record of (as
    // after the database was restored from an older backup).
    let fresh = std::sync::Arc::new(Fake::new(settings));
    let orphan = uuid::Uuid::new_v4().to_string();
    let mut spec =
        w.c.app
            .host_instances(&name, &[])
            .await
            .expect("wanted")
            .wanted[0]
            .spec
            .clone();
    spec.id.clone_from(&orphan);
    fresh.spawn(&spec).expect("orphan");
    spec.id.clone_from(&gone);
    fresh.spawn(&spec).expect("the deleted server's instance");
    let host = w.c.fake_host_as(&name, fresh.clone(), "nova");

    w.c.wait_status(&alice, &during, "ACTIVE").await;
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the host put right",
        || async {
            let list = fresh.list().ok()?;
            let state = |id: &str| list.iter().find(|i| i.id == id).map(|i| i.power_state);
            (state(&gone).is_none()
                && state(&ids[0]) == Some(PowerState::Running)
                && state(&ids[1]) == Some(PowerState::Shutdown)
                && state(&during) == Some(PowerState::Running))
            .then_some(())
        },
    )
    .await;
    w.c.wait_status(&alice, &ids[0], "ACTIVE").await;
    w.c.wait_status(&alice, &ids[1], "SHUTOFF").await;
    let hv = hypervisor(&w, &name).await;
    assert_eq!(
        hv["vcpus_used"], 3,
        "one claim per server, none leaked: {hv}"
    );
    // The instance nobody deleted is left alone and shown to admins.
    let list = fresh.list().expect("list");
    assert!(
        list.iter()
            .any(|i| i.id == orphan && i.power_state == PowerState::Running),
        "an instance the service has no record of is never destroyed: {list:?}"
    );
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the unknown instance in the hypervisor view",
        || async {
            let hv = hypervisor(&w, &name).await;
            (hv["stratus:unknown_instances"] == json!([orphan])).then_some(())
        },
    )
    .await;

    // An operator who opts in has such instances removed.
    drop(host);
    let host = w.c.fake_host_reaping(&name, fresh.clone(), "nova", true);
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the unknown instance reaped",
        || async {
            let list = fresh.list().ok()?;
            (!list.iter().any(|i| i.id == orphan) && list.len() == 3).then_some(())
        },
    )
    .await;
    drop(host);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_resize_and_snapshots() {
    let w = world().await;
    let alice = w.c.identity.alice.clone();
    let host = w.c.fake_host(8, 8192, 100, "nova");
    w.c.wait_host(&host.name).await;
    let (_, v) = create(&w, &alice, server("shape", &w, json!({}))).await;
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    w.c.wait_status(&alice, &id, "ACTIVE").await;

    // Rebuild from another image.
    let other =
        w.c.image(&alice, vec![9u8; 2048], json!({"name": "other"}))
            .await;
    let (st, v) = action(
        &w,
        &id,
        json!({"rebuild": {"imageRef": other, "name": "reshaped"}}),
    )
    .await;
    assert_eq!(st, 202, "{v}");
    assert_eq!(v["server"]["status"], "REBUILD");
    let s = w.c.wait_status(&alice, &id, "ACTIVE").await;
    assert_eq!(s["image"]["id"], other.as_str());
    assert_eq!(s["name"], "reshaped");
    let spec = host.driver.spec(&id).expect("instance");
    assert_eq!(spec.image_disk.map(|d| d.image_id), Some(other.clone()));
    let (st, _) = action(
        &w,
        &id,
        json!({"rebuild": {"imageRef": "8c5b1a3e-1b2c-4d5e-8f90-123456789abc"}}),
    )
    .await;
    assert_eq!(st, 400, "unknown image");

    // Resize, confirm: the host holds both sizes until confirmed.
    let medium = w.c.flavor("medium", 2, 512, 1).await;
    let (st, v) = action(&w, &id, json!({"resize": {"flavorRef": medium}})).await;
    assert_eq!(st, 202, "{v}");
    let s = w.c.wait_status(&alice, &id, "VERIFY_RESIZE").await;
    assert_eq!(s["OS-EXT-STS:vm_state"], "resized");
    assert_eq!(hypervisor(&w, &host.name).await["vcpus_used"], 3);
    assert_eq!(host.driver.spec(&id).map(|s| s.vcpus), Some(2));
    let (st, _) = action(&w, &id, json!({"confirmResize": null})).await;
    assert_eq!(st, 204);
    let s = w.c.wait_status(&alice, &id, "ACTIVE").await;
    assert_eq!(s["flavor"]["id"], medium.as_str());
    assert_eq!(hypervisor(&w, &host.name).await["vcpus_used"], 2);
    let (st, _) = action(&w, &id, json!({"confirmResize": null})).await;
    assert_eq!(st, 409, "nothing to confirm");

    // Resize, revert: back to the old flavor and claim.
    let large = w.c.flavor("large", 4, 1024, 2).await;
    action(&w, &id, json!({"resize": {"flavorRef": large}})).await;
    w.c.wait_status(&alice, &id, "VERIFY_RESIZE").await;
    let (st, _) = action(&w, &id, json!({"revertResize": null})).await;
    assert_eq!(st, 202);
    let s = w.c.wait_status(&alice, &id, "ACTIVE").await;
    assert_eq!(s["flavor"]["id"], medium.as_str());
    assert_eq!(host.driver.spec(&id).map(|s| s.vcpus), Some(2));
    assert_eq!(hypervisor(&w, &host.name).await["vcpus_used"], 2);
    for (body, status) in [
        (json!({"resize": {"flavorRef": medium}}), 400),
        (json!({"resize": {"flavorRef": "nope"}}), 400),
        (json!({"resize": {}}), 400),
        (json!({"resize": {"flavorRef": large, "x": 1}}), 400),
    ] {
        let (st, v) = action(&w, &id, body.clone()).await;
        assert_eq!(st, status, "{body}: {v}");
    }
    // Within the RAM quota (51200 MiB), beyond the host.
    let huge = w.c.flavor("huge", 4, 40_000, 1).await;
    let (st, v) = action(&w, &id, json!({"resize": {"flavorRef": huge}})).await;
    assert_eq!(st, 400, "no room on the host: {v}");
    let s = w.c.wait_status(&alice, &id, "ACTIVE").await;
    assert_eq!(s["flavor"]["id"], medium.as_str());

    // A snapshot becomes an image of the project that boots.
    let resp =
        w.c.http
            .post(w.c.api.url(&format!("/v2.1/servers/{id}/action")))
            .header("X-Auth-Token", alice.token.clone())
            .json(&json!({"createImage": {"name": "snap", "metadata": {"purpose": "test"}}}))
            .send()
            .await
            .expect("createImage");
    assert_eq!(resp.status().as_u16(), 202);
    let location = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let image = location.rsplit('/').next().expect("id").to_owned();
    let full = w.c.full.as_ref().expect("full");
    let img = stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the snapshot active",
        || async {
            let (_, v) = stratus_testbed::send(
                &w.c.http,
                Method::GET,
                &full.image.url(&format!("/v2/images/{image}")),
                &alice,
                None,
            )
            .await;
            (v["status"] == "active").then_some(v)
        },
    )
    .await;
    assert_eq!(img["instance_uuid"], id.as_str());
    assert_eq!(img["purpose"], "test");
    assert_eq!(img["image_type"], "snapshot");
    let data =
        w.c.http
            .get(full.image.url(&format!("/v2/images/{image}/file")))
            .header("X-Auth-Token", alice.token.clone())
            .send()
            .await
            .expect("download")
            .text()
            .await
            .expect("text");
    assert_eq!(data, format!("fake snapshot of {id}\n"));
    w.c.wait_status(&alice, &id, "ACTIVE").await;
    let mut body = server("from-snap", &w, json!({}));
    body["server"]["imageRef"] = json!(image);
    let (st, v) = create(&w, &alice, body).await;
    assert_eq!(st, 202, "{v}");
    let s2 = v["server"]["id"].as_str().expect("id").to_owned();
    w.c.wait_status(&alice, &s2, "ACTIVE").await;
    let (st, _) = action(&w, &id, json!({"createImage": {}})).await;
    assert_eq!(st, 400, "a name is needed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_an_existing_port_keeps_it_and_can_be_renamed() {
    let w = world().await;
    let (alice, bob) = (w.c.identity.alice.clone(), w.c.identity.bob.clone());
    let host = w.c.fake_host(4, 4096, 50, "nova");
    w.c.wait_host(&host.name).await;
    let (st, p) =
        w.c.net(
            Method::POST,
            "/v2.0/ports",
            &alice,
            Some(
                json!({"port": {"network_id": w.net, "fixed_ips": [{"ip_address": "10.30.0.77"}]}}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let port = p["port"]["id"].as_str().expect("port").to_owned();
    let (st, v) = create(
        &w,
        &alice,
        json!({"server": {"name": "on-port", "imageRef": w.image,
        "flavorRef": w.flavor, "networks": [{"port": port}]}}),
    )
    .await;
    assert_eq!(st, 202, "{v}");
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    let s = w.c.wait_status(&alice, &id, "ACTIVE").await;
    assert_eq!(s["addresses"]["alpha-net"][0]["addr"], "10.30.0.77");
    // The port is in use: another server cannot take it, nor can bob.
    let (st, v) = create(
        &w,
        &alice,
        json!({"server": {"name": "thief", "imageRef": w.image,
        "flavorRef": w.flavor, "networks": [{"port": port}]}}),
    )
    .await;
    assert_eq!(st, 409, "{v}");
    let (st, _) = create(
        &w,
        &bob,
        json!({"server": {"name": "bobs", "imageRef": w.image,
        "flavorRef": w.flavor, "networks": [{"port": port}]}}),
    )
    .await;
    assert_eq!(st, 400, "another project's port is not found");

    // Renamed and given an access address; bad updates refused.
    let (st, v) =
        w.c.send(
            Method::PUT,
            &format!("/v2.1/servers/{id}"),
            &alice,
            Some(json!({"server": {"name": "renamed", "accessIPv4": "192.0.2.7"}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["server"]["name"], "renamed");
    assert_eq!(v["server"]["accessIPv4"], "192.0.2.7");
    for bad in [
        json!({"server": {"name": ""}}),
        json!({"server": {"accessIPv4": "x"}}),
        json!({"server": {"flavor": 1}}),
    ] {
        let (st, v) =
            w.c.send(
                Method::PUT,
                &format!("/v2.1/servers/{id}"),
                &alice,
                Some(bad.clone()),
            )
            .await;
        assert_eq!(st, 400, "{bad}: {v}");
    }
    let (st, _) =
        w.c.send(
            Method::PUT,
            &format!("/v2.1/servers/{id}"),
            &bob,
            Some(json!({"server": {"name": "mine"}})),
        )
        .await;
    assert_eq!(st, 404);

    // A body over the limit is refused whole. (On a client of its own: the
    // server closes a connection whose body it did not read, and a pooled
    // connection would carry that into the next request.)
    let huge = "A".repeat(2 * 1024 * 1024);
    let (st, _) = stratus_testbed::send(
        &reqwest::Client::new(),
        Method::POST,
        &w.c.api.url("/v2.1/servers"),
        &alice,
        Some(server("huge", &w, json!({"user_data": huge}))),
    )
    .await;
    assert_eq!(st, 413);

    // Deleting the server gives the port back to its project, unbound.
    w.c.send(Method::DELETE, &format!("/v2.1/servers/{id}"), &alice, None)
        .await;
    w.c.wait_gone(&alice, &id).await;
    let (st, p) =
        w.c.net(Method::GET, &format!("/v2.0/ports/{port}"), &alice, None)
            .await;
    assert_eq!(st, 200, "a port the project made outlives the server");
    assert_eq!(p["port"]["device_id"], "");
    let (_, p) =
        w.c.net(
            Method::GET,
            &format!("/v2.0/ports/{port}"),
            &w.c.identity.admin,
            None,
        )
        .await;
    assert_eq!(p["port"]["binding:host_id"], "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_usage_comes_from_metering() {
    let w = world().await;
    let (alice, bob, admin) = (
        w.c.identity.alice.clone(),
        w.c.identity.bob.clone(),
        w.c.identity.admin.clone(),
    );
    let host = w.c.fake_host(4, 4096, 50, "nova");
    w.c.wait_host(&host.name).await;
    let start = chrono::Utc::now() - chrono::Duration::seconds(5);
    let (_, v) = create(&w, &alice, server("metered", &w, json!({}))).await;
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    w.c.wait_status(&alice, &id, "ACTIVE").await;
    w.c.send(Method::DELETE, &format!("/v2.1/servers/{id}"), &alice, None)
        .await;
    w.c.wait_gone(&alice, &id).await;
    let range = format!(
        "start={}&end={}",
        start.format("%Y-%m-%dT%H:%M:%S"),
        (chrono::Utc::now() + chrono::Duration::seconds(60)).format("%Y-%m-%dT%H:%M:%S")
    );
    let path = format!("/v2.1/os-simple-tenant-usage/{}?{range}", alice.project_id);
    let u = stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the server in the usage",
        || async {
            let (_, v) = w.c.send(Method::GET, &path, &alice, None).await;
            let servers = v["tenant_usage"]["server_usages"].as_array()?.clone();
            (servers
                .iter()
                .any(|s| s["instance_id"] == id.as_str() && s["state"] == "terminated"))
            .then_some(v["tenant_usage"].clone())
        },
    )
    .await;
    assert_eq!(u["tenant_id"], alice.project_id.as_str());
    let s = &u["server_usages"][0];
    assert_eq!(s["name"], "metered");
    assert_eq!(s["flavor"], "small");
    assert_eq!(s["vcpus"], 1);
    assert_eq!(s["memory_mb"], 256);
    assert!(
        u["total_hours"]
            .as_f64()
            .is_some_and(|h| h > 0.0 && h < 0.1),
        "{u}"
    );
    let (st, _) = w.c.send(Method::GET, &path, &bob, None).await;
    assert_eq!(st, 403, "another project's usage");
    let (st, _) =
        w.c.send(
            Method::GET,
            &format!("/v2.1/os-simple-tenant-usage?{range}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(st, 403, "all projects: admins");
    let (st, all) =
        w.c.send(
            Method::GET,
            &format!("/v2.1/os-simple-tenant-usage?{range}&detailed=1"),
            &admin,
            None,
        )
        .await;
    assert_eq!(st, 200, "{all}");
    assert!(all["tenant_usages"].as_array().is_some_and(|a| {
        a.iter()
            .any(|t| t["tenant_id"] == alice.project_id.as_str())
    }));
    let (st, _) =
        w.c.send(
            Method::GET,
            "/v2.1/os-simple-tenant-usage?start=yesterday",
            &admin,
            None,
        )
        .await;
    assert_eq!(st, 400);
}

/// Quotas hold where a second request could slip past: a resize is counted
/// by its growth under the project's lock (and the larger flavor counts
/// until it is confirmed), metadata items and group members are limited,
/// and parallel key pair creates stop at the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_hold_through_resizes_metadata_groups_and_parallel_keypairs() {
    let w = world().await;
    let (admin, alice) = (w.c.identity.admin.clone(), w.c.identity.alice.clone());
    let host = w.c.fake_host(16, 16384, 100, "nova");
    w.c.wait_host(&host.name).await;
    let quota = |set: Value| {
        let path = format!("/v2.1/os-quota-sets/{}", alice.project_id);
        let (c, admin) = (&w.c, &admin);
        async move {
            let (st, v) = c
                .send(Method::PUT, &path, admin, Some(json!({"quota_set": set})))
                .await;
            assert_eq!(st, 200, "{v}");
        }
    };
    quota(json!({"cores": 2})).await;
    let (_, v) = create(&w, &alice, server("q1", &w, json!({}))).await;
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    w.c.wait_status(&alice, &id, "ACTIVE").await;

    let big = w.c.flavor("big", 3, 256, 1).await;
    let (st, v) = action(&w, &id, json!({"resize": {"flavorRef": big}})).await;
    assert_eq!(st, 403, "1 + 2 more cores is over 2: {v}");
    assert!(v.to_string().contains("Quota exceeded for cores"), "{v}");
    let s = w.c.wait_status(&alice, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-STS:task_state"], Value::Null);
    assert_eq!(s["flavor"]["id"], w.flavor.as_str());

    let medium = w.c.flavor("medium", 2, 256, 1).await;
    let (st, v) = action(&w, &id, json!({"resize": {"flavorRef": medium}})).await;
    assert_eq!(st, 202, "{v}");
    w.c.wait_status(&alice, &id, "VERIFY_RESIZE").await;
    let (st, v) = create(&w, &alice, server("q2", &w, json!({}))).await;
    assert_eq!(st, 403, "the resized server holds 2 cores: {v}");
    let (st, _) = action(&w, &id, json!({"confirmResize": null})).await;
    assert_eq!(st, 204);
    w.c.wait_status(&alice, &id, "ACTIVE").await;

    // Metadata items.
    quota(json!({"cores": 20, "metadata_items": 2})).await;
    let (st, v) = create(
        &w,
        &alice,
        server(
            "meta",
            &w,
            json!({"metadata": {"a": "1", "b": "2", "c": "3"}}),
        ),
    )
    .await;
    assert_eq!(st, 403, "{v}");
    assert!(v.to_string().contains("metadata_items"), "{v}");

    // Server group members.
    quota(json!({"server_group_members": 1})).await;
    let (st, g) =
        w.c.send(
            Method::POST,
            "/v2.1/os-server-groups",
            &alice,
            Some(json!({"server_group": {"name": "g", "policies": ["affinity"]}})),
        )
        .await;
    assert_eq!(st, 200, "{g}");
    let hints = json!({"os:scheduler_hints": {"group": g["server_group"]["id"]}});
    let in_group = |name: &'static str| {
        let mut body = server(name, &w, json!({}));
        body["os:scheduler_hints"] = hints["os:scheduler_hints"].clone();
        body
    };
    let (st, v) = create(&w, &alice, in_group("member1")).await;
    assert_eq!(st, 202, "{v}");
    let (st, v) = create(&w, &alice, in_group("member2")).await;
    assert_eq!(st, 403, "one member only: {v}");

    // Ten key pairs at once against a limit of three.
    quota(json!({"key_pairs": 3})).await;
    let answers = futures_util::future::join_all((0..10).map(|i| {
        w.c.send(
            Method::POST,
            "/v2.1/os-keypairs",
            &alice,
            Some(json!({"keypair": {"name": format!("k{i}")}})),
        )
    }))
    .await;
    let made = answers.iter().filter(|(st, _)| *st == 200).count();
    let refused = answers.iter().filter(|(st, _)| *st == 403).count();
    assert_eq!((made, refused), (3, 7), "{answers:?}");
    drop(host);
}
