//! How fast metering takes samples in and closes a month: the service's
//! sample follower on the real broker and PostgreSQL.
//!
//! 1. Ingest: `STRATUS_BENCH_SAMPLES` (500,000) samples, 1,000 to a batch
//!    as the agents send them, published on the bus; samples per second
//!    from the first publish until the last is stored, then the roll-up of
//!    all of them into hours.
//! 2. Close a month: `STRATUS_BENCH_PROJECTS` (1,000) projects, each with
//!    10 instances (half deleted mid-month, a third resized), 2 volumes, a
//!    floating IP, a router and an instance's 720 hours of egress; the time
//!    `POST /v1/invoices/close-period` takes to invoice and close them all.
//!
//! Run: `cargo bench -p stratus-metering --bench metering`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;
use stratus_bus::Bus;
use stratus_bus_protocol::usage::{self, Lifecycle, LifecycleEvent, SampleKind, UsageSample};
use stratus_test_support::poll_until;

#[path = "../tests/common/mod.rs"]
mod common;
use common::Api;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn event(
    kind: &str,
    id: &str,
    project: &str,
    e: Lifecycle,
    at: DateTime<Utc>,
    attrs: &[(&str, String)],
) -> LifecycleEvent {
    let mut ev = LifecycleEvent::now(kind, id, project, e, BTreeMap::new());
    ev.at = at;
    for (k, v) in attrs {
        ev.attributes.insert((*k).to_owned(), v.clone());
    }
    ev
}

fn main() {
    let n_samples = env("STRATUS_BENCH_SAMPLES", 500_000);
    let projects = env("STRATUS_BENCH_PROJECTS", 1_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let api = Api::start().await;
        let (app, db) = (api.app.clone(), &api.db);
        assert!(app.follow_samples().wait_consuming(Duration::from_secs(30)).await);
        let agent = Bus::new(api.bus.clone(), "bench-agent");

        // 1. Ingest: 10,000 instances' CPU-time counters, round after round.
        let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z").expect("t0").into();
        let resources = 10_000.min(n_samples);
        let rounds = n_samples / resources;
        let started = Instant::now();
        for r in 0..rounds {
            let at = t0 + chrono::Duration::minutes(i64::try_from(r).expect("r") * 10);
            let samples: Vec<UsageSample> = (0..resources)
                .map(|i| UsageSample {
                    resource_id: format!("vm-{i:05}"),
                    resource_type: "instance".into(),
                    project_id: format!("proj-{:03}", i % 100),
                    metric: "cpu.time".into(),
                    unit: "ns".into(),
                    kind: SampleKind::Cumulative,
                    value: i64::try_from(r).expect("r") * 600_000_000_000,
                    at,
                    attributes: BTreeMap::new(),
                })
                .collect();
            usage::publish_samples(&agent, "bench-host", &samples)
                .await
                .expect("publish");
        }
        let total = i64::try_from(rounds * resources).expect("n");
        poll_until(Duration::from_secs(3600), "every sample stored", || async {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM samples")
                .fetch_one(&db.pool)
                .await
                .ok()?;
            (n == total).then_some(())
        })
        .await;
        let ingest = started.elapsed();
        let rolling = Instant::now();
        let hours = app.rollup().await.expect("rollup");
        let rolled = rolling.elapsed();
        println!(
            "ingest: {total} samples in batches of 1,000 over the bus: {:.1} s, {:.0} samples/s; \
             roll-up into {hours} resource-hours: {:.1} s ({:.0} samples/s)",
            ingest.as_secs_f64(),
            total as f64 / ingest.as_secs_f64(),
            rolled.as_secs_f64(),
            total as f64 / rolled.as_secs_f64(),
        );

        // 2. A month of 1,000 projects.
        let month_end = t0 + chrono::Duration::days(31);
        let at = |p: usize, i: usize, day: i64| {
            t0 + chrono::Duration::days(day) + chrono::Duration::minutes(i64::try_from((p * 7 + i * 13) % 1440).expect("m"))
        };
        let mut events = Vec::new();
        for p in 0..projects {
            let project = format!("month-{p:04}");
            for i in 0..10 {
                let id = format!("{project}-vm{i}");
                let flavor = [("flavor", "small".to_owned())];
                events.push(event("instance", &id, &project, Lifecycle::Created, at(p, i, 0), &flavor));
                if i % 3 == 0 {
                    events.push(event("instance", &id, &project, Lifecycle::Resized, at(p, i, 5), &[("flavor", "big".to_owned())]));
                }
                if i % 2 == 0 {
                    events.push(event("instance", &id, &project, Lifecycle::Deleted, at(p, i, 15), &[]));
                }
            }
            for v in 0..2 {
                let id = format!("{project}-vol{v}");
                events.push(event("volume", &id, &project, Lifecycle::Created, at(p, v, 1), &[("size_gb", "10".to_owned())]));
            }
            events.push(event("floating_ip", &format!("{project}-fip"), &project, Lifecycle::Created, at(p, 0, 2), &[]));
            events.push(event("router", &format!("{project}-r"), &project, Lifecycle::Created, at(p, 0, 2), &[]));
        }
        for chunk in events.chunks(200) {
            let inserts = chunk.iter().map(|e| stratus_metering::datastore::insert_lifecycle(&db.pool, e));
            for r in futures_util::future::join_all(inserts).await {
                r.expect("event");
            }
        }
        sqlx::query(
            "INSERT INTO usage_hourly (resource_id, metric, hour, project_id, resource_type, unit,
                                       kind, total, maximum, samples)
             SELECT 'month-' || lpad(p::text, 4, '0') || '-vm1', 'network.outgoing.bytes', h,
                    'month-' || lpad(p::text, 4, '0'), 'instance', 'B', 'cumulative',
                    50000000, 0, 6
             FROM generate_series(0, $1 - 1) p,
                  generate_series($2::timestamptz, $3::timestamptz - interval '1 hour', interval '1 hour') h",
        )
        .bind(i32::try_from(projects).expect("n"))
        .bind(t0)
        .bind(month_end)
        .execute(&db.pool)
        .await
        .expect("egress hours");
        let card = json!({"rate_card": {"effective_from": t0.to_rfc3339(), "currency": "EUR",
            "flavor_hour": {"small": 2, "big": 5}, "volume_gb_month": 10, "floating_ip_hour": 1,
            "router_hour": 1, "egress_gb": 3}});
        let (st, v) = api.send(Method::POST, "/v1/rate-cards", &api.admin, Some(card)).await;
        assert_eq!(st, 201, "{v}");
        let closing = Instant::now();
        let (st, v) = api.send(
            Method::POST,
            "/v1/invoices/close-period",
            &api.admin,
            Some(json!({"period": {"period_start": t0.to_rfc3339(), "period_end": month_end.to_rfc3339()}})),
        )
        .await;
        let took = closing.elapsed();
        assert_eq!(st, 200, "{v}");
        let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM invoice_lines")
            .fetch_one(&db.pool)
            .await
            .expect("lines");
        println!(
            "close a month: {} invoices ({} lifecycle events, {} egress hours, {lines} lines, total {} {}) in {:.2} s",
            v["period"]["closed"],
            events.len(),
            projects * 744,
            v["period"]["total"],
            v["period"]["currency"].as_str().unwrap_or(""),
            took.as_secs_f64()
        );
    });
}
