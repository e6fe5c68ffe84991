//! Compute hosts as the scheduler and admins see them: fake compute agents
//! over the real broker report their inventory; hosts show in
//! `os-hypervisors`, `os-services` and `os-availability-zone`; a disabled
//! or silent host gets no claims; concurrent claims never overcommit.

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::json;
use stratus_compute::app::ComputeConfig;
use stratus_compute::app::scheduler::{Request, SchedulerConfig};
use stratus_compute::datastore::hosts::Resources;

fn request(vcpus: i32) -> Request {
    Request {
        resources: Some(Resources {
            vcpus,
            memory_mb: 64,
            disk_gb: 1,
        }),
        ..Request::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reported_hosts_show_and_disabled_or_silent_ones_get_no_work() {
    let c = Cloud::start_with(ComputeConfig {
        scheduler: SchedulerConfig {
            service_down_time_s: 3,
            ..SchedulerConfig::default()
        },
        ..ComputeConfig::default()
    })
    .await;
    let admin = &c.identity.admin;
    let h1 = c.fake_host(8, 16384, 200, "nova");
    let h2 = c.fake_host(4, 8192, 100, "az2");
    let v = c.wait_host(&h1.name).await;
    assert_eq!(
        (
            v["vcpus"].as_i64(),
            v["memory_mb"].as_i64(),
            v["local_gb"].as_i64()
        ),
        (Some(8), Some(16384), Some(200)),
        "{v}"
    );
    assert_eq!(
        (v["state"].as_str(), v["status"].as_str()),
        (Some("up"), Some("enabled"))
    );
    assert_eq!(v["hypervisor_type"], "fake");
    c.wait_host(&h2.name).await;

    let id = v["id"].as_i64().expect("id");
    let (code, one) = c
        .send(
            Method::GET,
            &format!("/v2.1/os-hypervisors/{id}"),
            admin,
            None,
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(one["hypervisor"]["hypervisor_hostname"], h1.name.as_str());
    let (code, _) = c
        .send(Method::GET, "/v2.1/os-hypervisors/999999", admin, None)
        .await;
    assert_eq!(code, 404);
    let (_, stats) = c
        .send(Method::GET, "/v2.1/os-hypervisors/statistics", admin, None)
        .await;
    assert_eq!(stats["hypervisor_statistics"]["count"], 2);
    assert_eq!(stats["hypervisor_statistics"]["vcpus"], 12);
    for path in [
        "/v2.1/os-hypervisors",
        "/v2.1/os-services",
        "/v2.1/os-availability-zone/detail",
    ] {
        assert_eq!(
            c.send(Method::GET, path, &c.identity.alice, None).await.0,
            403,
            "{path} is for admins"
        );
    }
    let (_, zones) = c
        .send(
            Method::GET,
            "/v2.1/os-availability-zone",
            &c.identity.alice,
            None,
        )
        .await;
    let names: Vec<&str> = zones["availabilityZoneInfo"]
        .as_array()
        .expect("zones")
        .iter()
        .filter_map(|z| z["zoneName"].as_str())
        .collect();
    assert_eq!(names, ["az2", "nova"]);

    // Zone and spread: the zone's only host, then the host with most RAM.
    let mut in_az2 = request(1);
    in_az2.availability_zone = Some("az2".into());
    assert_eq!(c.app.schedule(&in_az2).await.expect("az2"), h2.name);
    assert_eq!(c.app.schedule(&request(1)).await.expect("spread"), h1.name);

    // A disabled service gets nothing.
    let (code, v) = c
        .send(
            Method::PUT,
            "/v2.1/os-services/disable-log-reason",
            admin,
            Some(json!({"host": h2.name, "binary": "nova-compute", "disabled_reason": "maintenance"})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["service"]["status"], "disabled");
    let (_, services) = c.send(Method::GET, "/v2.1/os-services", admin, None).await;
    let s2 = services["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["host"] == h2.name.as_str())
        .expect("h2's service")
        .clone();
    assert_eq!(
        (
            s2["binary"].as_str(),
            s2["status"].as_str(),
            s2["disabled_reason"].as_str()
        ),
        (Some("nova-compute"), Some("disabled"), Some("maintenance"))
    );
    let err = c.app.schedule(&in_az2).await.expect_err("disabled");
    assert!(err.message.contains("No valid host was found"), "{err:?}");
    let (code, _) = c
        .send(
            Method::PUT,
            "/v2.1/os-services/enable",
            admin,
            Some(json!({"host": h2.name, "binary": "nova-compute"})),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        c.app.schedule(&in_az2).await.expect("enabled again"),
        h2.name
    );
    let (code, _) = c
        .send(
            Method::PUT,
            "/v2.1/os-services/disable",
            admin,
            Some(json!({"host": "nowhere", "binary": "nova-compute"})),
        )
        .await;
    assert_eq!(code, 404);

    // A host that stops reporting goes down and gets nothing.
    drop(h2);
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the silent host down",
        || async {
            let (_, v) = c.send(Method::GET, "/v2.1/os-services", admin, None).await;
            v["services"]
                .as_array()?
                .iter()
                .any(|s| s["state"] == "down")
                .then_some(())
        },
    )
    .await;
    assert!(
        c.app.schedule(&in_az2).await.is_err(),
        "a down host gets no work"
    );
    // It still holds claims, so it cannot be deleted.
    let (code, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.1/os-services/{}", s2["id"]),
            admin,
            None,
        )
        .await;
    assert_eq!(code, 409);
    drop(h1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_never_overcommit_a_host() {
    let c = Cloud::start_with(ComputeConfig {
        scheduler: SchedulerConfig {
            cpu_allocation_ratio: 1.0,
            ..SchedulerConfig::default()
        },
        ..ComputeConfig::default()
    })
    .await;
    let host = c.fake_host(6, 65536, 1000, "nova");
    c.wait_host(&host.name).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let app = c.app.clone();
            tokio::spawn(async move { app.schedule(&request(1)).await })
        })
        .collect();
    let claims = futures_util::future::join_all(tasks).await;
    let won = claims
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|c| c.is_ok()))
        .count();
    assert_eq!(won, 6, "exactly the host's vCPUs at ratio 1.0");
    let v = c.wait_host(&host.name).await;
    assert_eq!(v["vcpus_used"], 6);
    assert_eq!(v["running_vms"], 6);
    for _ in 0..6 {
        c.app
            .unclaim(
                &host.name,
                Resources {
                    vcpus: 1,
                    memory_mb: 64,
                    disk_gb: 1,
                },
            )
            .await
            .expect("unclaim");
    }
    let v = c.wait_host(&host.name).await;
    assert_eq!(
        (v["vcpus_used"].as_i64(), v["memory_mb_used"].as_i64()),
        (Some(0), Some(0))
    );
}
