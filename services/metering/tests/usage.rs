//! Hourly roll-ups and what is priced from them and from held resources:
//! counters become increases per hour (a reset counts from zero, a late
//! sample moves the hours it touches), gauges keep their largest reading;
//! `/v1/usage` shows a member their own project only; volumes, snapshots,
//! images, floating IPs and routers are priced by size and time, egress
//! per GiB; a whole period closes at once, and only once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use stratus_bus_protocol::usage::{Lifecycle, LifecycleEvent, SampleKind, UsageBatch, UsageSample};
use stratus_metering::datastore as ds;

mod common;
use common::Api;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").into()
}

fn sample(
    project: &str,
    id: &str,
    metric: &str,
    kind: SampleKind,
    at: &str,
    value: i64,
) -> UsageSample {
    UsageSample {
        resource_id: id.into(),
        resource_type: "instance".into(),
        project_id: project.into(),
        metric: metric.into(),
        unit: "B".into(),
        kind,
        value,
        at: t(at),
        attributes: BTreeMap::new(),
    }
}

fn event(
    project: &str,
    kind: &str,
    id: &str,
    e: Lifecycle,
    at: &str,
    attrs: &[(&str, &str)],
) -> LifecycleEvent {
    LifecycleEvent {
        resource_id: id.into(),
        resource_type: kind.into(),
        project_id: project.into(),
        event: e,
        at: t(at),
        attributes: attrs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// (metric, hour) → value as `/v1/usage` shows it.
fn by_hour(v: &Value) -> BTreeMap<(String, String), i64> {
    v["usage"]
        .as_array()
        .expect("usage")
        .iter()
        .map(|h| {
            (
                (
                    h["metric"].as_str().unwrap_or("").to_owned(),
                    h["hour"].as_str().unwrap_or("").to_owned(),
                ),
                h["value"].as_i64().expect("value"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_roll_up_per_hour_and_members_see_their_own() {
    let api = Api::start().await;
    let p = api.alice.project_id.clone();
    let out = "network.outgoing.bytes";
    let (c, g) = (SampleKind::Cumulative, SampleKind::Gauge);
    let first = UsageBatch {
        host: "h".into(),
        samples: vec![
            sample(&p, "vm", out, c, "2027-03-01T10:10:00Z", 100),
            sample(&p, "vm", out, c, "2027-03-01T10:50:00Z", 400),
            // The guest restarted: its counter began again.
            sample(&p, "vm", out, c, "2027-03-01T11:20:00Z", 50),
            sample(&p, "vm", out, c, "2027-03-01T12:20:00Z", 350),
            sample(&p, "vm", "vcpus", g, "2027-03-01T10:10:00Z", 2),
            sample(&p, "vm", "vcpus", g, "2027-03-01T10:50:00Z", 4),
        ],
    };
    assert_eq!(api.app.ingest(&first).await.expect("ingest"), 6);
    assert_eq!(
        api.app.ingest(&first).await.expect("again"),
        0,
        "stored once"
    );
    let q = "/v1/usage?start=2027-03-01T00:00:00Z&end=2027-03-02T00:00:00Z";
    let (st, v) = api.send(Method::GET, q, &api.alice, None).await;
    assert_eq!(st, 200, "{v}");
    let hours = by_hour(&v);
    let h = |m: &str, hh: u32| {
        hours
            .get(&(m.to_owned(), format!("2027-03-01T{hh}:00:00+00:00")))
            .copied()
    };
    assert_eq!(h(out, 10), Some(400), "the first reading counts from zero");
    assert_eq!(h(out, 11), Some(50), "a reset counts from zero");
    assert_eq!(h(out, 12), Some(300));
    assert_eq!(h("vcpus", 10), Some(4), "a gauge shows its largest reading");

    // A late sample between 11:20 and 12:20 moves both hours it touches.
    let late = UsageBatch {
        host: "h".into(),
        samples: vec![sample(&p, "vm", out, c, "2027-03-01T11:50:00Z", 250)],
    };
    assert_eq!(api.app.ingest(&late).await.expect("late"), 1);
    let (_, v) = api.send(Method::GET, q, &api.alice, None).await;
    let hours = by_hour(&v);
    let h = |m: &str, hh: u32| {
        hours
            .get(&(m.to_owned(), format!("2027-03-01T{hh}:00:00+00:00")))
            .copied()
    };
    assert_eq!((h(out, 11), h(out, 12)), (Some(250), Some(100)));
    let total: i64 = [10, 11, 12].iter().filter_map(|hh| h(out, *hh)).sum();
    assert_eq!(total, 400 + 350, "increases add up to what was counted");

    // Members see their own project only; admins any; bad queries are 400.
    let (st, v) = api.send(Method::GET, q, &api.bob, None).await;
    assert_eq!((st, v["usage"].clone()), (200, json!([])));
    let (st, _) = api
        .send(Method::GET, &format!("{q}&project_id={p}"), &api.bob, None)
        .await;
    assert_eq!(st, 403);
    let (st, v) = api
        .send(
            Method::GET,
            &format!("{q}&project_id={p}&metric=vcpus"),
            &api.admin,
            None,
        )
        .await;
    assert_eq!((st, v["usage"].as_array().map(Vec::len)), (200, Some(1)));
    for (bad, word) in [
        ("/v1/usage?start=yesterday", "start"),
        (
            "/v1/usage?start=2027-03-02T00:00:00Z&end=2027-03-01T00:00:00Z",
            "end",
        ),
        ("/v1/usage?tenant=x", "tenant"),
    ] {
        let (st, v) = api.send(Method::GET, bad, &api.alice, None).await;
        assert_eq!(st, 400, "{bad}: {v}");
        assert!(v.to_string().contains(word), "{bad}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_resources_and_egress_are_invoiced_and_a_period_closes_at_once() {
    let api = Api::start().await;
    let (p, q) = (api.alice.project_id.clone(), api.bob.project_id.clone());
    for e in [
        // 10 GiB for 10 h, then 20 GiB until 20:00.
        event(
            &p,
            "volume",
            "v1",
            Lifecycle::Created,
            "2027-04-01T00:00:00Z",
            &[("size_gb", "10")],
        ),
        event(
            &p,
            "volume",
            "v1",
            Lifecycle::Resized,
            "2027-04-01T10:00:00Z",
            &[("size_gb", "20")],
        ),
        event(
            &p,
            "volume",
            "v1",
            Lifecycle::Deleted,
            "2027-04-01T20:00:00Z",
            &[],
        ),
        event(
            &p,
            "snapshot",
            "s1",
            Lifecycle::Created,
            "2027-04-01T00:00:00Z",
            &[("size_gb", "5")],
        ),
        event(
            &p,
            "image",
            "i1",
            Lifecycle::Created,
            "2027-04-01T00:00:00Z",
            &[("size_bytes", "536870912")],
        ),
        event(
            &p,
            "floating_ip",
            "f1",
            Lifecycle::Created,
            "2027-04-01T01:00:00Z",
            &[],
        ),
        event(
            &p,
            "floating_ip",
            "f1",
            Lifecycle::Deleted,
            "2027-04-01T03:30:00Z",
            &[],
        ),
        event(
            &q,
            "router",
            "r1",
            Lifecycle::Created,
            "2027-04-01T00:00:00Z",
            &[],
        ),
        event(
            &p,
            "instance",
            "vm",
            Lifecycle::Created,
            "2027-04-01T05:00:00Z",
            &[("flavor", "none")],
        ),
        event(
            &p,
            "instance",
            "vm",
            Lifecycle::Deleted,
            "2027-04-01T06:00:00Z",
            &[],
        ),
        // Gone before the period: not on its invoice.
        event(
            &p,
            "volume",
            "old",
            Lifecycle::Created,
            "2027-03-01T00:00:00Z",
            &[("size_gb", "99")],
        ),
        event(
            &p,
            "volume",
            "old",
            Lifecycle::Deleted,
            "2027-03-31T00:00:00Z",
            &[],
        ),
    ] {
        ds::insert_lifecycle(&api.app.pool, &e)
            .await
            .expect("event");
    }
    // Nova's tenant usage shows instances only.
    let tenant = api
        .app
        .tenant_usage(&stratus_bus_protocol::usage::TenantUsage {
            start: t("2027-04-01T00:00:00Z"),
            end: t("2027-04-02T00:00:00Z"),
            project_id: Some(p.clone()),
        })
        .await
        .expect("tenant usage");
    let servers: Vec<(&str, i64)> = tenant.tenants[0]
        .servers
        .iter()
        .map(|s| (s.instance_id.as_str(), s.millis))
        .collect();
    assert_eq!(servers, [("vm", 3_600_000)]);
    let gib = 1_i64 << 30;
    let egress = UsageBatch {
        host: "h".into(),
        samples: vec![
            sample(
                &p,
                "vm",
                "network.outgoing.bytes",
                SampleKind::Cumulative,
                "2027-04-01T05:00:00Z",
                gib,
            ),
            sample(
                &p,
                "vm",
                "network.outgoing.bytes",
                SampleKind::Cumulative,
                "2027-04-01T06:00:00Z",
                gib + gib / 2,
            ),
        ],
    };
    api.app.ingest(&egress).await.expect("egress");
    let card = json!({"rate_card": {"effective_from": "2027-04-01T00:00:00Z", "currency": "EUR",
        "volume_gb_month": 73, "snapshot_gb_month": 146, "image_gb_month": 730,
        "floating_ip_hour": 4, "router_hour": 6, "egress_gb": 9}});
    let (st, v) = api
        .send(Method::POST, "/v1/rate-cards", &api.admin, Some(card))
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["rate_card"]["egress_gb"], 9);
    let (st, v) = api
        .send(Method::POST, "/v1/rate-cards", &api.admin,
            Some(json!({"rate_card": {"effective_from": "2027-05-01T00:00:00Z", "currency": "EUR", "egress_gb": 0.5}})))
        .await;
    assert_eq!(st, 400, "{v}");
    assert!(v.to_string().contains("egress_gb"), "{v}");

    // Closing the first 20 hours: every project that used anything.
    let period = json!({"period": {"period_start": "2027-04-01T00:00:00Z",
        "period_end": "2027-04-01T20:00:00Z"}});
    let (st, _) = api
        .send(
            Method::POST,
            "/v1/invoices/close-period",
            &api.alice,
            Some(period.clone()),
        )
        .await;
    assert_eq!(st, 403);
    let (st, v) = api
        .send(Method::POST, "/v1/invoices/close-period", &api.admin,
            Some(json!({"period": {"period_start": "2027-04-01T20:00:00Z", "period_end": "2027-04-01T00:00:00Z"}})))
        .await;
    assert_eq!(st, 400, "{v}");
    let (st, v) = api
        .send(
            Method::POST,
            "/v1/invoices/close-period",
            &api.admin,
            Some(period.clone()),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    // alice: volume 10 + 20, snapshot 20, image 10, floating IP 10,
    // egress 1.5 GiB at 9 = 13.5 → 14; bob: router 20 h × 6 = 120.
    let alice_total = 10 + 20 + 20 + 10 + 10 + 14;
    assert_eq!(v["period"]["closed"], 2);
    assert_eq!(v["period"]["total"], alice_total + 120);
    assert_eq!(v["period"]["currency"], "EUR");
    let (_, again) = api
        .send(
            Method::POST,
            "/v1/invoices/close-period",
            &api.admin,
            Some(period),
        )
        .await;
    assert_eq!(again["period"]["closed"], 0, "closed for good: {again}");

    let (_, list) = api
        .send(Method::GET, "/v1/invoices", &api.alice, None)
        .await;
    let inv = &list["invoices"][0];
    assert_eq!(
        (inv["status"].clone(), inv["total"].clone()),
        (json!("closed"), json!(alice_total))
    );
    let id = inv["id"].as_str().expect("id");
    let (_, v) = api
        .send(Method::GET, &format!("/v1/invoices/{id}"), &api.alice, None)
        .await;
    let lines: Vec<(String, String, i64, String, i64)> = v["invoice"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["resource_type"].as_str().unwrap_or("").to_owned(),
                l["charge"].as_str().unwrap_or("").to_owned(),
                l["quantity"].as_i64().unwrap_or(-1),
                l["unit"].as_str().unwrap_or("").to_owned(),
                l["amount"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    let want = |rt: &str, ch: &str, qn: i64, u: &str, a: i64| {
        (rt.to_owned(), ch.to_owned(), qn, u.to_owned(), a)
    };
    assert_eq!(
        lines,
        [
            want("floating_ip", "time", 1, "floating_ip", 10),
            want("image", "time", 536_870_912, "B", 10),
            want("snapshot", "time", 5, "GiB", 20),
            want("volume", "time", 10, "GiB", 10),
            want("volume", "time", 20, "GiB", 20),
            // the instance's flavor is not on the card and it has no vCPUs
            want("instance", "time", 1, "instance", 0),
            want("instance", "egress", gib + gib / 2, "B", 14),
        ]
    );
    assert_eq!(
        lines.iter().map(|l| l.4).sum::<i64>(),
        alice_total,
        "the lines add up"
    );
}
