//! The broker restarted during a burst of creates: every server the API
//! accepted ends ACTIVE or ERROR (none stuck building), a create refused
//! while the broker was away left nothing, and the claims on the hosts
//! match the servers on them.
//!
//! This test stops and starts the whole local RabbitMQ application, so
//! `scripts/test` runs it on its own, after every other test.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use stratus_test_support::broker::{RestartGuard, rabbitmqctl};

use common::Cloud;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use stratus_compute::app::ComputeConfig;

const COUNT: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_accepted_server_ends_active_or_error_across_a_broker_restart() {
    let c = Cloud::start_full(ComputeConfig {
        sweep_interval_s: 1,
        build_timeout_s: 20,
        ..ComputeConfig::default()
    })
    .await;
    let hosts: Vec<_> = (0..4)
        .map(|_| c.fake_host(16, 16384, 500, "nova"))
        .collect();
    for h in &hosts {
        c.wait_host(&h.name).await;
    }
    let alice = c.identity.alice.clone();
    let net = c.network(&alice, "burst", "10.140.0.0/23").await;
    let image = c.image(&alice, vec![3u8; 1024], json!({})).await;
    let flavor = c.flavor("burst", 1, 128, 1).await;
    let (st, _) = c
        .send(
            Method::PUT,
            &format!("/v2.1/os-quota-sets/{}", alice.project_id),
            &c.identity.admin,
            Some(json!({"quota_set": {"instances": -1, "cores": -1, "ram": -1}})),
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = c
        .net(
            Method::PUT,
            &format!("/v2.0/quotas/{}", alice.project_id),
            &c.identity.admin,
            Some(json!({"quota": {"port": -1}})),
        )
        .await;
    assert_eq!(st, 200);

    let done = AtomicUsize::new(0);
    let down = AtomicBool::new(false);
    let during = AtomicUsize::new(0);
    let creates = futures_util::stream::iter(0..COUNT)
        .map(|i| {
            let (alice, net, image, flavor) =
                (alice.clone(), net.clone(), image.clone(), flavor.clone());
            let (c, done, down, during) = (&c, &done, &down, &during);
            async move {
                if down.load(Ordering::SeqCst) {
                    during.fetch_add(1, Ordering::SeqCst);
                }
                let body = json!({"server": {"name": format!("b{i}"), "imageRef": image,
                    "flavorRef": flavor, "networks": [{"uuid": net}]}});
                let (st, v) = c
                    .send(Method::POST, "/v2.1/servers", &alice, Some(body))
                    .await;
                done.fetch_add(1, Ordering::SeqCst);
                (st, v["server"]["id"].as_str().map(str::to_owned))
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>();
    let restart = async {
        // Once the burst is under way, the broker goes away for a while.
        stratus_test_support::poll_until(
            Duration::from_secs(60),
            "the burst under way",
            || async { (done.load(Ordering::SeqCst) >= 10).then_some(()) },
        )
        .await;
        let _guard = RestartGuard;
        down.store(true, Ordering::SeqCst);
        tokio::task::spawn_blocking(|| rabbitmqctl("stop_app"))
            .await
            .expect("stop");
        tokio::time::sleep(Duration::from_secs(3)).await;
        tokio::task::spawn_blocking(|| rabbitmqctl("start_app"))
            .await
            .expect("start");
        down.store(false, Ordering::SeqCst);
    };
    let (results, ()) = tokio::join!(creates, restart);
    let accepted: Vec<String> = results
        .iter()
        .filter(|(st, _)| *st == 202)
        .filter_map(|(_, id)| id.clone())
        .collect();
    for (st, _) in &results {
        assert!(
            *st == 202 || *st >= 500,
            "a create is accepted or fails as unavailable: {st}"
        );
    }
    assert!(!accepted.is_empty(), "some creates were accepted");
    assert!(
        during.load(Ordering::SeqCst) > 0,
        "some creates were sent while the broker went away or was away"
    );

    // Every accepted server settles; none stays building.
    let mut active = 0;
    for id in &accepted {
        let s = stratus_test_support::poll_until(
            Duration::from_secs(120),
            &format!("{id} settled"),
            || async {
                let (_, v) = c
                    .send(Method::GET, &format!("/v2.1/servers/{id}"), &alice, None)
                    .await;
                let status = v["server"]["status"].as_str().unwrap_or("").to_owned();
                (status == "ACTIVE" || status == "ERROR").then_some(status)
            },
        )
        .await;
        if s == "ACTIVE" {
            active += 1;
        }
    }
    eprintln!(
        "{} of {COUNT} creates accepted, {active} ACTIVE, {} ERROR",
        accepted.len(),
        accepted.len() - active
    );
    let (_, list) = c
        .send(Method::GET, "/v2.1/servers?limit=1000", &alice, None)
        .await;
    assert_eq!(
        list["servers"].as_array().map(Vec::len),
        Some(accepted.len()),
        "refused creates left no server"
    );
    let (_, all) = c
        .send(
            Method::GET,
            "/v2.1/servers/detail?all_tenants=1&limit=1000",
            &c.identity.admin,
            None,
        )
        .await;
    let (_, hv) = c
        .send(
            Method::GET,
            "/v2.1/os-hypervisors/detail",
            &c.identity.admin,
            None,
        )
        .await;
    for h in hv["hypervisors"].as_array().expect("hypervisors") {
        let name = h["hypervisor_hostname"].as_str().expect("name");
        let placed = all["servers"]
            .as_array()
            .expect("servers")
            .iter()
            .filter(|s| s["OS-EXT-SRV-ATTR:host"] == name && s["status"] == "ACTIVE")
            .count() as i64;
        assert_eq!(
            h["memory_mb_used"].as_i64(),
            Some(placed * 128),
            "{name}: no leaked claim"
        );
    }
    drop(hosts);
}
