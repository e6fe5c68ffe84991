//! Rate cards and invoices over real HTTP behind the real auth layer: only
//! admins manage them; prices are whole minor units; an invoice's lines add
//! up to its total; a draft follows the rate cards, a closed invoice never
//! changes; members see their own project's invoices only; CSV export.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};
use stratus_bus_protocol::usage::{Lifecycle, LifecycleEvent};
use stratus_metering::datastore as ds;
use stratus_testbed::Login;

mod common;
use common::Api;

async fn send(api: &Api, m: Method, path: &str, who: &Login, body: Option<Value>) -> (u16, Value) {
    api.send(m, path, who, body).await
}

fn ev(project: &str, id: &str, event: Lifecycle, at: &str, flavor: &str) -> LifecycleEvent {
    let mut attributes = BTreeMap::new();
    attributes.insert("flavor".to_owned(), flavor.to_owned());
    attributes.insert("vcpus".to_owned(), "2".to_owned());
    attributes.insert("ram_mb".to_owned(), "2048".to_owned());
    LifecycleEvent {
        resource_id: id.into(),
        resource_type: "instance".into(),
        project_id: project.into(),
        event,
        at: chrono::DateTime::parse_from_rfc3339(at)
            .expect("time")
            .into(),
        attributes,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_add_up_follow_rate_cards_and_close_for_good() {
    let api = Api::start().await;
    let app = api.app.clone();
    let (admin, alice, bob, rita) = (
        api.admin.clone(),
        api.alice.clone(),
        api.bob.clone(),
        api.rita.clone(),
    );
    let p = alice.project_id.clone();
    // January: vm1 (small) runs 10 days; vm2 (big, not listed) 36 hours
    // with a resize to small after 12 of them.
    for e in [
        ev(
            &p,
            "vm1",
            Lifecycle::Created,
            "2027-01-05T00:00:00Z",
            "small",
        ),
        ev(
            &p,
            "vm1",
            Lifecycle::Deleted,
            "2027-01-15T00:00:00Z",
            "small",
        ),
        ev(&p, "vm2", Lifecycle::Created, "2027-01-20T00:00:00Z", "big"),
        ev(
            &p,
            "vm2",
            Lifecycle::Resized,
            "2027-01-20T12:00:00Z",
            "small",
        ),
        ev(
            &p,
            "vm2",
            Lifecycle::Deleted,
            "2027-01-21T12:00:00Z",
            "small",
        ),
        ev(
            &bob.project_id,
            "vm3",
            Lifecycle::Created,
            "2027-01-01T00:00:00Z",
            "small",
        ),
    ] {
        ds::insert_lifecycle(&app.pool, &e).await.expect("event");
    }

    // Rate cards: admins only, whole minor units, one currency.
    let card = json!({"rate_card": {"effective_from": "2027-01-01T00:00:00Z", "currency": "EUR",
        "flavor_hour": {"small": 7}, "vcpu_hour": 3, "ram_gb_hour": 1}});
    let (st, _) = send(
        &api,
        Method::POST,
        "/v1/rate-cards",
        &alice,
        Some(card.clone()),
    )
    .await;
    assert_eq!(st, 403);
    for (bad, word) in [
        (
            json!({"rate_card": {"effective_from": "2027-01-01T00:00:00Z", "currency": "EUR", "vcpu_hour": 2.5}}),
            "vcpu_hour",
        ),
        (
            json!({"rate_card": {"effective_from": "2027-01-01T00:00:00Z", "currency": "EUR", "flavor_hour": {"x": -1}}}),
            "flavor_hour.x",
        ),
        (
            json!({"rate_card": {"effective_from": "2027-01-01T00:00:00Z", "currency": "euro"}}),
            "currency",
        ),
        (
            json!({"rate_card": {"effective_from": "soon", "currency": "EUR"}}),
            "effective_from",
        ),
        (
            json!({"rate_card": {"effective_from": "2027-01-01T00:00:00Z", "currency": "EUR", "tax": 1}}),
            "tax",
        ),
        (json!({"card": {}}), "rate_card"),
    ] {
        let (st, v) = send(
            &api,
            Method::POST,
            "/v1/rate-cards",
            &admin,
            Some(bad.clone()),
        )
        .await;
        assert_eq!(st, 400, "{bad}: {v}");
        assert!(v.to_string().contains(word), "{bad}: {v}");
    }
    let (st, v) = send(
        &api,
        Method::POST,
        "/v1/rate-cards",
        &admin,
        Some(card.clone()),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let (st, _) = send(&api, Method::POST, "/v1/rate-cards", &admin, Some(card)).await;
    assert_eq!(st, 409, "one card per effective time");
    let (st, _) = send(
        &api,
        Method::POST,
        "/v1/rate-cards",
        &admin,
        Some(json!({"rate_card": {"effective_from": "2027-06-01T00:00:00Z", "currency": "USD"}})),
    )
    .await;
    assert_eq!(st, 409, "one currency");

    // A draft for alice's January.
    let jan = json!({"invoice": {"project_id": p, "period_start": "2027-01-01T00:00:00Z",
        "period_end": "2027-02-01T00:00:00Z"}});
    let (st, _) = send(
        &api,
        Method::POST,
        "/v1/invoices",
        &alice,
        Some(jan.clone()),
    )
    .await;
    assert_eq!(st, 403);
    let (st, v) = send(
        &api,
        Method::POST,
        "/v1/invoices",
        &admin,
        Some(jan.clone()),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let id = v["invoice"]["id"].as_str().expect("id").to_owned();
    assert_eq!(v["invoice"]["status"], "draft");
    let (st, _) = send(&api, Method::POST, "/v1/invoices", &admin, Some(jan)).await;
    assert_eq!(st, 409);

    let (st, v) = send(
        &api,
        Method::GET,
        &format!("/v1/invoices/{id}"),
        &rita,
        None,
    )
    .await;
    assert_eq!(st, 200, "readers of the project see it: {v}");
    let inv = &v["invoice"];
    let amounts: Vec<i64> = inv["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["amount"].as_i64().expect("amount"))
        .collect();
    // vm1: 240 h × 7; vm2: 12 h × (2×3 + 2×1) then 24 h × 7.
    assert_eq!(amounts, [1680, 96, 168]);
    assert_eq!(inv["total"], 1680 + 96 + 168, "the lines add up");
    assert_eq!(inv["currency"], "EUR");
    let (st, _) = send(&api, Method::GET, &format!("/v1/invoices/{id}"), &bob, None).await;
    assert_eq!(st, 404, "another project's invoice");
    let (_, list) = send(&api, Method::GET, "/v1/invoices", &bob, None).await;
    assert_eq!(list["invoices"], json!([]));

    // A card from mid-January changes the draft from that time only.
    let (st, _) = send(
        &api,
        Method::POST,
        "/v1/rate-cards",
        &admin,
        Some(
            json!({"rate_card": {"effective_from": "2027-01-10T00:00:00Z", "currency": "EUR",
            "flavor_hour": {"small": 10}, "vcpu_hour": 3, "ram_gb_hour": 1}}),
        ),
    )
    .await;
    assert_eq!(st, 201);
    let (_, v) = send(
        &api,
        Method::GET,
        &format!("/v1/invoices/{id}"),
        &alice,
        None,
    )
    .await;
    // vm1: 5 days at 7 and 5 at 10; vm2 after the 10th: 12 h × 8, 24 h × 10.
    assert_eq!(v["invoice"]["total"], 120 * 7 + 120 * 10 + 96 + 240);

    // Closed: stored, immutable, and no card may reach back into it.
    let (st, _) = send(
        &api,
        Method::POST,
        &format!("/v1/invoices/{id}/close"),
        &alice,
        None,
    )
    .await;
    assert_eq!(st, 403);
    let (st, v) = send(
        &api,
        Method::POST,
        &format!("/v1/invoices/{id}/close"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["invoice"]["status"], "closed");
    let total = v["invoice"]["total"].as_i64().expect("total");
    assert_eq!(total, 120 * 7 + 120 * 10 + 96 + 240);
    let (st, _) = send(
        &api,
        Method::POST,
        &format!("/v1/invoices/{id}/close"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 409);
    let (st, _) = send(
        &api,
        Method::POST,
        "/v1/rate-cards",
        &admin,
        Some(json!({"rate_card": {"effective_from": "2027-01-20T00:00:00Z", "currency": "EUR"}})),
    )
    .await;
    assert_eq!(st, 409, "not into a closed period");
    ds::insert_lifecycle(
        &app.pool,
        &ev(
            &p,
            "late",
            Lifecycle::Created,
            "2027-01-30T00:00:00Z",
            "small",
        ),
    )
    .await
    .expect("late event");
    let (_, v) = send(
        &api,
        Method::GET,
        &format!("/v1/invoices/{id}"),
        &alice,
        None,
    )
    .await;
    assert_eq!(
        v["invoice"]["total"], total,
        "a closed invoice never changes"
    );
    let lines_total: i64 = v["invoice"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["amount"].as_i64().expect("amount"))
        .sum();
    assert_eq!(lines_total, total);

    // CSV: a line per row and a total row that matches.
    let resp = reqwest::Client::new()
        .get(api.server.url(&format!("/v1/invoices/{id}/csv")))
        .header("X-Auth-Token", alice.token.clone())
        .send()
        .await
        .expect("csv");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let text = resp.text().await.expect("text");
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "resource_id,resource_type,flavor,charge,quantity,unit,rate_card,start,end,seconds,amount,currency"
    );
    let sum: i64 = rows[1..rows.len() - 1]
        .iter()
        .map(|r| {
            r.split(',')
                .nth(10)
                .and_then(|a| a.parse::<i64>().ok())
                .expect("amount")
        })
        .sum();
    assert_eq!(sum, total);
    assert!(
        rows[rows.len() - 1].starts_with("total,")
            && rows[rows.len() - 1].contains(&format!(",{total},EUR"))
    );
    let (st, _) = send(&api, Method::GET, "/v1/invoices/not-an-id", &alice, None).await;
    assert_eq!(st, 404);
}
