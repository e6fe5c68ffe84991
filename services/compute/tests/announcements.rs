//! Live views hear of servers' changes with the server's own project: the
//! state a build reaches, and the server's end even when an admin of
//! another project deleted it — both compute's own announcement and the
//! HTTP layer's of the admin's DELETE (the console's live feed filters on
//! the project).

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stratus_bus_protocol::ResourceChanged;
use stratus_compute::app::ComputeConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_changes_are_announced_with_the_servers_project() {
    let c = Cloud::start_full(ComputeConfig {
        sweep_interval_s: 1,
        ..ComputeConfig::default()
    })
    .await;
    let (alice, admin) = (c.identity.alice.clone(), c.identity.admin.clone());
    let heard: Arc<Mutex<Vec<ResourceChanged>>> = Arc::default();
    let listener = stratus_bus::Bus::new(c.bus.clone(), "test-console");
    let sub = {
        let heard = heard.clone();
        stratus_bus_protocol::follow_changes(&listener, move |e| {
            heard.lock().expect("lock").push(e);
        })
    };
    assert!(sub.wait_consuming(Duration::from_secs(30)).await);
    let host = c.fake_host(4, 4096, 50, "nova");
    c.wait_host(&host.name).await;
    let net = c.network(&alice, "alpha-net", "10.31.0.0/24").await;
    let image = c.image(&alice, vec![7u8; 4096], json!({})).await;
    let flavor = c.flavor("small", 1, 256, 1).await;
    let (status, made) = c
        .send(
            Method::POST,
            "/v2.1/servers",
            &alice,
            Some(
                json!({"server": {"name": "heard", "imageRef": image, "flavorRef": flavor,
                "networks": [{"uuid": net}]}}),
            ),
        )
        .await;
    assert_eq!(status, 202, "{made}");
    let id = made["server"]["id"].as_str().expect("id").to_owned();
    c.wait_status(&alice, &id, "ACTIVE").await;
    let of_it = |heard: &Arc<Mutex<Vec<ResourceChanged>>>| -> Vec<ResourceChanged> {
        heard
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| e.id.as_deref() == Some(id.as_str()))
            .cloned()
            .collect()
    };
    stratus_test_support::poll_until(Duration::from_secs(30), "the build announced", || {
        let found = of_it(&heard);
        async move { (!found.is_empty()).then_some(()) }
    })
    .await;
    let before = of_it(&heard).len();
    // The admin, scoped to another project, deletes it.
    let (status, _) = c
        .send(Method::DELETE, &format!("/v2.1/servers/{id}"), &admin, None)
        .await;
    assert_eq!(status, 204);
    c.wait_gone(&alice, &id).await;
    stratus_test_support::poll_until(Duration::from_secs(30), "the end announced", || {
        let n = of_it(&heard).len();
        async move { (n > before).then_some(()) }
    })
    .await;
    stratus_test_support::poll_until(
        Duration::from_secs(30),
        "the admin's delete announced",
        || {
            let found = of_it(&heard).iter().any(|e| {
                e.action.as_deref() == Some("delete") && e.user_name.as_deref() == Some("admin")
            });
            async move { found.then_some(()) }
        },
    )
    .await;
    for e in of_it(&heard) {
        assert_eq!(
            (e.service.as_str(), e.kind.as_str()),
            ("compute", "servers")
        );
        assert_eq!(
            e.project_id.as_deref(),
            Some(alice.project_id.as_str()),
            "{e:?}"
        );
    }
    sub.stop().await;
}
