//! What the network service tells metering, heard on the real bus: a
//! floating IP and a router are held from their create to their delete
//! (each event once, and none for a create that failed), and each one held
//! is sampled, stamped at the start of the interval.

mod common;

use std::time::Duration;

use common::{Cloud, id};
use reqwest::Method;
use serde_json::json;
use stratus_bus_protocol::usage::Lifecycle;
use stratus_test_support::heard::Heard;
use stratus_test_support::poll_until;

#[tokio::test]
async fn floating_ips_and_routers_are_held_from_create_to_delete() {
    let c = Cloud::start().await;
    let heard = Heard::start(&c.app.bus, &["usage.lifecycle", "usage.sample"]).await;
    let (admin, alice) = (&c.identity.admin, &c.identity.alice);
    let public = id(&c
        .create(
            admin,
            "network",
            json!({"name": "public", "router:external": true,
            "provider:network_type": "flat", "provider:physical_network": "physnet1"}),
        )
        .await);
    c.create(
        admin,
        "subnet",
        json!({"network_id": public, "ip_version": 4, "cidr": "198.51.100.0/30"}),
    )
    .await;
    let router = id(&c.create(alice, "router", json!({"name": "r"})).await);
    let fip = id(&c
        .create(alice, "floatingip", json!({"floating_network_id": public}))
        .await);
    // A /30 has one address after the gateway's: a second create fails,
    // and is never metered.
    let (st, v) = c
        .send(
            Method::POST,
            "/v2.0/floatingips",
            alice,
            Some(json!({"floatingip": {"floating_network_id": public}})),
        )
        .await;
    assert_eq!(st, 409, "{v}");

    let events = |rid: &str| -> Vec<(String, Lifecycle)> {
        heard
            .lifecycle()
            .into_iter()
            .filter(|e| e.resource_id == rid)
            .map(|e| (e.resource_type, e.event))
            .collect()
    };
    poll_until(Duration::from_secs(30), "the creates", || async {
        (events(&router) == [("router".to_owned(), Lifecycle::Created)]
            && events(&fip) == [("floating_ip".to_owned(), Lifecycle::Created)]
            && heard.lifecycle().len() == 2)
            .then_some(())
    })
    .await;

    let every = Duration::from_secs(30);
    assert_eq!(c.app.sample_held(every).await.expect("samples"), 2);
    let samples = poll_until(Duration::from_secs(30), "two samples", || async {
        let s = heard.samples();
        (s.len() == 2).then_some(s)
    })
    .await;
    assert!(samples.iter().all(|s| s.value == 1
        && s.project_id == alice.project_id
        && s.at.timestamp_millis() % 30_000 == 0));
    assert!(
        samples
            .iter()
            .any(|s| s.resource_id == router && s.metric == "router")
    );
    assert!(
        samples
            .iter()
            .any(|s| s.resource_id == fip && s.metric == "ip.floating")
    );

    for path in [
        format!("/v2.0/floatingips/{fip}"),
        format!("/v2.0/routers/{router}"),
    ] {
        let (st, _) = c.send(Method::DELETE, &path, alice, None).await;
        assert_eq!(st, 204);
        let (st, _) = c.send(Method::DELETE, &path, alice, None).await;
        assert_eq!(st, 404);
    }
    poll_until(
        Duration::from_secs(30),
        "the deletes, once each",
        || async { (events(&router).len() == 2 && events(&fip).len() == 2).then_some(()) },
    )
    .await;
    assert_eq!(
        events(&fip)[1],
        ("floating_ip".to_owned(), Lifecycle::Deleted)
    );
    assert_eq!(
        events(&router)[1],
        ("router".to_owned(), Lifecycle::Deleted)
    );
}
