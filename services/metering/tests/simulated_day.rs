//! A day of 10,000 instances in a few seconds: a fake-driver host's
//! instances (100 projects of 100) sampled every simulated hour through the
//! real bus, lifecycle events for their creates, resizes and deletes; the
//! roll-ups and the invoices of the day are checked to the byte and to the
//! minor unit against what was published.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;
use stratus_bus::Bus;
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::usage::{self, Lifecycle, LifecycleEvent};
use stratus_compute_agent::driver::Driver;
use stratus_compute_agent::driver::fake::{Fake, FakeSettings};
use stratus_test_support::poll_until;

mod common;
use common::Api;

const PROJECTS: usize = 100;
const PER_PROJECT: usize = 100;
const HOURS: i64 = 24;
/// What each simulated hour's samples carry (the agent's full set).
const SMALL_HOUR: i64 = 10;
const BIG_HOUR: i64 = 25;
const EGRESS_GB: i64 = 3;

fn lifecycle(
    id: &str,
    project: &str,
    event: Lifecycle,
    at: DateTime<Utc>,
    flavor: &str,
) -> LifecycleEvent {
    let mut e = LifecycleEvent::now("instance", id, project, event, BTreeMap::new());
    e.at = at;
    e.attributes.insert("flavor".into(), flavor.into());
    e
}

fn round_half_up(num: i128, den: i128) -> i64 {
    i64::try_from((2 * num + den) / (2 * den)).expect("fits")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_instances_over_a_simulated_day_roll_up_and_invoice_exactly() {
    let began = Instant::now();
    let api = Api::start().await;
    let (app, db) = (api.app.clone(), &api.db);
    assert!(
        app.follow_samples()
            .wait_consuming(Duration::from_secs(30))
            .await
    );
    assert!(
        app.follow_lifecycle()
            .wait_consuming(Duration::from_secs(30))
            .await
    );
    let agent = Bus::new(api.bus.clone(), "test-agent");

    // The day: created at midnight; every 7th resized to big at 06:00,
    // every 10th deleted at 12:00 (sampled up to 11:30, then gone).
    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-06-01T00:00:00Z")
        .expect("t0")
        .into();
    let hour = |h: i64| t0 + chrono::Duration::hours(h);
    let fake = Fake::new(FakeSettings::default());
    let mut instances = Vec::new();
    for p in 0..PROJECTS {
        let project = format!("proj-{p:03}");
        for i in 0..PER_PROJECT {
            let n = p * PER_PROJECT + i;
            let id = format!("vm-{n:05}");
            fake.spawn(&common::instance(&id, &project, "small", 1, 512))
                .expect("spawn");
            instances.push((n, id, project.clone()));
        }
    }
    let mut events = Vec::new();
    for (n, id, project) in &instances {
        events.push(lifecycle(id, project, Lifecycle::Created, t0, "small"));
        if n % 7 == 0 {
            events.push(lifecycle(id, project, Lifecycle::Resized, hour(6), "big"));
        }
        if n % 10 == 0 {
            events.push(lifecycle(id, project, Lifecycle::Deleted, hour(12), "big"));
        }
    }
    let ctx = stratus_common::RequestContext::system();
    for chunk in events.chunks(500) {
        let sends = chunk
            .iter()
            .map(|e| agent.notify::<Notification>(&ctx, Notification::UsageLifecycle(e.clone())));
        for r in futures_util::future::join_all(sends).await {
            r.expect("publish lifecycle");
        }
    }

    // 24 hourly rounds of the agent's samples, at half past each hour.
    let mut published = 0_i64;
    let mut last: BTreeMap<(String, String), i64> = BTreeMap::new();
    fake.advance(Duration::from_secs(1800));
    for h in 0..HOURS {
        if h == 12 {
            for (n, id, _) in &instances {
                if n % 10 == 0 {
                    fake.destroy(id).expect("destroy");
                }
            }
        }
        let at = hour(h) + chrono::Duration::minutes(30);
        let batch = stratus_compute_agent::samples_of("fake-1", &fake.stats().expect("stats"), at);
        for s in &batch.samples {
            last.insert((s.resource_id.clone(), s.metric.clone()), s.value);
        }
        published += i64::try_from(batch.samples.len()).expect("n");
        usage::publish_samples(&agent, "fake-1", &batch.samples)
            .await
            .expect("publish samples");
        fake.advance(Duration::from_secs(3600));
    }
    let stored = poll_until(Duration::from_secs(600), "every sample stored", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM samples")
            .fetch_one(&db.pool)
            .await
            .ok()?;
        (n == published).then_some(n)
    })
    .await;
    poll_until(
        Duration::from_secs(60),
        "every lifecycle event stored",
        || async {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM lifecycle_events")
                .fetch_one(&db.pool)
                .await
                .ok()?;
            (n == i64::try_from(events.len()).ok()?).then_some(())
        },
    )
    .await;
    let ingested = began.elapsed();
    assert_eq!(app.rollup().await.map(|n| n > 0), Ok(true));

    // Roll-ups: a counter's hours add up to its last reading (it counted
    // from zero), per instance and per project; a gauge's hours hold it.
    let sums: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT resource_id, metric, sum(total)::bigint, count(*) FROM usage_hourly
         GROUP BY 1, 2",
    )
    .fetch_all(&db.pool)
    .await
    .expect("sums");
    assert_eq!(
        sums.len(),
        last.len(),
        "every instance and metric rolled up"
    );
    for (rid, metric, total, hours) in &sums {
        let want_hours = if rid[3..].parse::<usize>().expect("n") % 10 == 0 {
            12
        } else {
            24
        };
        assert_eq!(*hours, want_hours, "{rid} {metric}");
        let kind_cumulative = !["vcpus", "memory"].contains(&metric.as_str());
        let want = if kind_cumulative {
            last[&(rid.clone(), metric.clone())]
        } else {
            last[&(rid.clone(), metric.clone())] * want_hours
        };
        assert_eq!(*total, want, "{rid} {metric}");
    }

    // The day's invoices, closed at once.
    let card = json!({"rate_card": {"effective_from": t0.to_rfc3339(), "currency": "EUR",
        "flavor_hour": {"small": SMALL_HOUR, "big": BIG_HOUR}, "egress_gb": EGRESS_GB}});
    let (st, v) = api
        .send(Method::POST, "/v1/rate-cards", &api.admin, Some(card))
        .await;
    assert_eq!(st, 201, "{v}");
    let closing = Instant::now();
    let (st, v) = api.send(
        Method::POST,
        "/v1/invoices/close-period",
        &api.admin,
        Some(json!({"period": {"period_start": t0.to_rfc3339(), "period_end": hour(HOURS).to_rfc3339()}})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let closed_in = closing.elapsed();

    // What each project owes, from what was published.
    let mut want: BTreeMap<String, i64> = BTreeMap::new();
    for (n, id, project) in &instances {
        let (small_h, big_h) = match (n % 7 == 0, n % 10 == 0) {
            (false, false) => (24, 0),
            (false, true) => (12, 0),
            (true, false) => (6, 18),
            (true, true) => (6, 6),
        };
        let bytes = last[&(id.clone(), "network.outgoing.bytes".to_owned())];
        let egress = round_half_up(i128::from(EGRESS_GB) * i128::from(bytes), 1 << 30);
        *want.entry(project.clone()).or_default() +=
            small_h * SMALL_HOUR + big_h * BIG_HOUR + egress;
    }
    let want_total: i64 = want.values().sum();
    assert_eq!(v["period"]["closed"], PROJECTS);
    assert_eq!(v["period"]["total"], want_total);
    let per_project: Vec<(String, i64)> = sqlx::query_as(
        "SELECT project_id, total FROM invoices WHERE status = 'closed' ORDER BY project_id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("invoices");
    assert_eq!(per_project, want.into_iter().collect::<Vec<_>>());
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invoices i
         WHERE i.total <> (SELECT sum(amount) FROM invoice_lines l WHERE l.invoice_id = i.id)",
    )
    .fetch_one(&db.pool)
    .await
    .expect("check");
    assert_eq!(mismatched, 0, "every invoice's lines add up to its total");
    eprintln!(
        "{stored} samples and {} events of {} instances stored and rolled up in {:.1} s; \
         {PROJECTS} invoices closed in {:.2} s",
        events.len(),
        instances.len(),
        ingested.as_secs_f64(),
        closed_in.as_secs_f64()
    );
}
