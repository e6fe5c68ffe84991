//! `/v1/costs` over real HTTP behind the real auth layer: a period's use
//! priced by the rate cards day by day and by resource type; members see
//! their own project only, admins any or all; bad queries are 400s that
//! name the problem.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};
use stratus_bus_protocol::usage::{Lifecycle, LifecycleEvent};
use stratus_metering::datastore as ds;

mod common;
use common::Api;

fn ev(project: &str, id: &str, kind: &str, event: Lifecycle, at: &str) -> LifecycleEvent {
    let mut attributes = BTreeMap::new();
    attributes.insert("flavor".to_owned(), "small".to_owned());
    attributes.insert("size_gb".to_owned(), "10".to_owned());
    LifecycleEvent {
        resource_id: id.into(),
        resource_type: kind.into(),
        project_id: project.into(),
        event,
        at: chrono::DateTime::parse_from_rfc3339(at)
            .expect("time")
            .into(),
        attributes,
    }
}

fn days(v: &Value) -> Vec<(String, i64)> {
    v["costs"]["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| {
            (
                d["day"].as_str().expect("day").to_owned(),
                d["total"].as_i64().expect("total"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costs_are_priced_by_day_and_type_for_who_may_see_them() {
    let api = Api::start().await;
    let (admin, alice, bob) = (api.admin.clone(), api.alice.clone(), api.bob.clone());
    let (a, b) = (alice.project_id.clone(), bob.project_id.clone());
    for e in [
        // alice: an instance from the 5th at noon; a 10 GiB volume on the 6th.
        ev(
            &a,
            "vm1",
            "instance",
            Lifecycle::Created,
            "2027-01-05T12:00:00Z",
        ),
        ev(
            &a,
            "v1",
            "volume",
            Lifecycle::Created,
            "2027-01-06T00:00:00Z",
        ),
        ev(
            &a,
            "v1",
            "volume",
            Lifecycle::Deleted,
            "2027-01-07T00:00:00Z",
        ),
        // bob: an instance all along.
        ev(
            &b,
            "vm2",
            "instance",
            Lifecycle::Created,
            "2027-01-01T00:00:00Z",
        ),
    ] {
        ds::insert_lifecycle(&api.app.pool, &e)
            .await
            .expect("event");
    }
    let q = "/v1/costs?start=2027-01-04T00:00:00Z&end=2027-01-07T00:00:00Z";

    // Before any rate card nothing is billed, and no currency is known.
    let (st, v) = api.send(Method::GET, q, &alice, None).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["costs"]["total"], 0);
    assert!(v["costs"]["currency"].is_null(), "{v}");

    // 10 an hour for small; 73 per GiB-month (730 h) is 1 per 10 GiB-hour.
    let (st, v) = api
        .send(
            Method::POST,
            "/v1/rate-cards",
            &admin,
            Some(
                json!({"rate_card": {"effective_from": "2027-01-01T00:00:00Z", "currency": "EUR",
                "flavor_hour": {"small": 10}, "volume_gb_month": 73}}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{v}");

    let (st, v) = api.send(Method::GET, q, &alice, None).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["costs"]["currency"], "EUR");
    assert_eq!(
        days(&v),
        [
            ("2027-01-04".to_owned(), 0),
            ("2027-01-05".to_owned(), 120),
            ("2027-01-06".to_owned(), 240 + 24),
        ],
        "{v}"
    );
    assert_eq!(v["costs"]["total"], 384);
    assert_eq!(
        v["costs"]["by_type"],
        json!({"instance": 360, "volume": 24})
    );
    assert_eq!(
        v["costs"]["days"][2]["by_type"],
        json!({"instance": 240, "volume": 24})
    );

    // Another project's: 403 for a member; an admin sees it, or everyone's.
    let (st, v) = api
        .send(Method::GET, &format!("{q}&project_id={b}"), &alice, None)
        .await;
    assert_eq!(st, 403, "{v}");
    let (st, v) = api
        .send(Method::GET, &format!("{q}&project_id={b}"), &admin, None)
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["costs"]["total"], 3 * 240);
    let (_, v) = api.send(Method::GET, q, &admin, None).await;
    assert_eq!(v["costs"]["total"], 384 + 3 * 240, "all projects: {v}");
    let (_, v) = api.send(Method::GET, q, &bob, None).await;
    assert_eq!(v["costs"]["total"], 3 * 240, "bob sees his own only");

    // No period: this month so far, one day per day begun.
    let (st, v) = api.send(Method::GET, "/v1/costs", &alice, None).await;
    assert_eq!(st, 200, "{v}");
    let start = v["costs"]["start"].as_str().expect("start");
    assert!(start.contains("-01T00:00:00"), "{v}");
    let end = chrono::DateTime::parse_from_rfc3339(v["costs"]["end"].as_str().expect("end"))
        .expect("end time");
    assert_eq!(
        days(&v).len(),
        usize::try_from(chrono::Datelike::day(&end)).expect("day"),
        "{v}"
    );

    for (bad, word) in [
        ("/v1/costs?start=yesterday", "start"),
        (
            "/v1/costs?start=2027-01-02T00:00:00Z&end=2027-01-01T00:00:00Z",
            "end",
        ),
        (
            "/v1/costs?start=2020-01-01T00:00:00Z&end=2027-01-01T00:00:00Z",
            "366",
        ),
        ("/v1/costs?tenant=x", "tenant"),
    ] {
        let (st, v) = api.send(Method::GET, bad, &alice, None).await;
        assert_eq!(st, 400, "{bad}: {v}");
        assert!(v.to_string().contains(word), "{bad}: {v}");
    }
}
