//! Usage samples over the real broker into the metering service's
//! database: a batch delivered twice and a late sample are each stored
//! once; samples published while the service is away arrive when it comes
//! back; a compute agent (fake driver) publishes its instances' samples on
//! its interval, with counters that grow.

use std::collections::BTreeMap;
use std::time::Duration;

use stratus_bus::{Bus, BusConfig};
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::usage::{SampleKind, UsageBatch, UsageSample};
use stratus_common::RequestContext;
use stratus_compute_agent::driver::Driver;
use stratus_compute_agent::driver::fake::{Fake, FakeSettings};
use stratus_metering::app::App;
use stratus_metering::datastore as ds;
use stratus_test_support::{TestDatabase, bus_config, poll_until, unique_name};

mod common;

fn sample(
    resource: &str,
    project: &str,
    at: chrono::DateTime<chrono::Utc>,
    value: i64,
) -> UsageSample {
    UsageSample {
        resource_id: resource.into(),
        resource_type: "instance".into(),
        project_id: project.into(),
        metric: "cpu.time".into(),
        unit: "ns".into(),
        kind: SampleKind::Cumulative,
        value,
        at,
        attributes: BTreeMap::new(),
    }
}

/// The metering service's app on a database of its own and a bus namespace
/// of its own (followers are the test's to start).
async fn service() -> (TestDatabase, BusConfig, App) {
    stratus_test_support::init_logs();
    let db = TestDatabase::new(Some(&stratus_metering::MIGRATOR))
        .await
        .expect("db");
    let cfg = bus_config();
    let app = App::new(db.pool.clone(), Bus::new(cfg.clone(), "test-metering"));
    (db, cfg, app)
}

async fn count(app: &App, project: &str, want: i64) {
    poll_until(
        Duration::from_secs(30),
        &format!("{want} samples of {project}"),
        || async {
            let n = ds::sample_count(&app.pool, project).await.ok()?;
            (n == want).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_are_stored_once_and_wait_for_the_service() {
    let (_db, cfg, app) = service().await;
    let follower = app.follow_samples();
    assert!(follower.wait_consuming(Duration::from_secs(30)).await);
    let publisher = Bus::new(cfg.clone(), "test-agent");
    let project = unique_name("p");
    let t0 = chrono::DateTime::from_timestamp_millis(chrono::Utc::now().timestamp_millis())
        .expect("now");
    let batch = UsageBatch {
        host: "h1".into(),
        samples: vec![
            sample("i1", &project, t0, 100),
            sample("i1", &project, t0 + chrono::Duration::seconds(60), 200),
        ],
    };
    let ctx = RequestContext::system();
    for _ in 0..2 {
        publisher
            .notify::<Notification>(&ctx, Notification::UsageSample(batch.clone()))
            .await
            .expect("publish");
    }
    // A late one (older than those stored) is kept; its duplicate is not.
    let late = UsageBatch {
        host: "h1".into(),
        samples: vec![sample(
            "i1",
            &project,
            t0 - chrono::Duration::seconds(60),
            50,
        )],
    };
    for _ in 0..2 {
        publisher
            .notify::<Notification>(&ctx, Notification::UsageSample(late.clone()))
            .await
            .expect("publish");
    }
    count(&app, &project, 3).await;
    let stored = ds::samples_of(&app.pool, "i1", "cpu.time")
        .await
        .expect("samples");
    let values: Vec<i64> = stored
        .iter()
        .filter(|s| s.project_id == project)
        .map(|s| s.value)
        .collect();
    assert_eq!(values, [50, 100, 200], "each once, in time order");
    assert_eq!(app.ingest(&batch).await.expect("ingest"), 0, "nothing new");

    // The service goes away; samples wait in its queue.
    follower.stop().await;
    let while_away = UsageBatch {
        host: "h1".into(),
        samples: vec![sample(
            "i1",
            &project,
            t0 + chrono::Duration::seconds(120),
            300,
        )],
    };
    publisher
        .notify::<Notification>(&ctx, Notification::UsageSample(while_away))
        .await
        .expect("publish");
    let back = app.follow_samples();
    assert!(back.wait_consuming(Duration::from_secs(30)).await);
    count(&app, &project, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compute_agent_samples_its_instances() {
    let (_db, cfg, app) = service().await;
    assert!(
        app.follow_samples()
            .wait_consuming(Duration::from_secs(30))
            .await
    );
    let fake = std::sync::Arc::new(Fake::new(FakeSettings::default()));
    let project = unique_name("p");
    let id = uuid::Uuid::new_v4().to_string();
    fake.spawn(&common::instance(&id, &project, "m1.small", 2, 2048))
        .expect("spawn");
    let config = stratus_agent::AgentConfig {
        agent: stratus_agent::AgentSettings {
            host: unique_name("fake"),
            netns: None,
            heartbeat_interval_s: 1,
        },
        bus: cfg,
        log: Default::default(),
        extra: stratus_compute_agent::ComputeAgentConfig {
            compute: stratus_compute_agent::ComputeSettings {
                driver: "fake".into(),
                sample_interval_s: 1,
                ..Default::default()
            },
            ..Default::default()
        },
    };
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let driver = fake.clone();
    tokio::spawn(stratus_agent::run(
        stratus_bus_protocol::AgentKind::Compute,
        config,
        move |deps| stratus_compute_agent::start_with(deps, driver),
        async {
            let _ = rx.await;
        },
    ));
    let cpu = poll_until(Duration::from_secs(30), "two CPU samples", || async {
        let s = ds::samples_of(&app.pool, &id, "cpu.time").await.ok()?;
        (s.len() >= 2).then_some(s)
    })
    .await;
    assert!(cpu[1].value > cpu[0].value, "CPU time grows");
    assert!(
        cpu.iter()
            .all(|s| s.project_id == project && s.unit == "ns" && s.kind == "cumulative")
    );
    let vcpus = ds::samples_of(&app.pool, &id, "vcpus")
        .await
        .expect("vcpus");
    assert_eq!(vcpus[0].value, 2);
    let memory = ds::samples_of(&app.pool, &id, "memory")
        .await
        .expect("memory");
    assert_eq!(memory[0].value, 2048);
    for metric in [
        "disk.read.bytes",
        "disk.write.bytes",
        "network.incoming.bytes",
        "network.outgoing.bytes",
    ] {
        assert!(
            !ds::samples_of(&app.pool, &id, metric)
                .await
                .expect("samples")
                .is_empty(),
            "{metric}"
        );
    }
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_events_bound_billable_time_once_each() {
    use stratus_bus_protocol::usage::{Lifecycle, LifecycleEvent};
    use stratus_metering::app::billing;
    let (_db, cfg, app) = service().await;
    assert!(
        app.follow_lifecycle()
            .wait_consuming(Duration::from_secs(30))
            .await
    );
    let publisher = Bus::new(cfg, "test-compute");
    let project = unique_name("p");
    let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
    let mut attributes = BTreeMap::new();
    attributes.insert("flavor".to_owned(), "small".to_owned());
    let ev = |event, at| LifecycleEvent {
        resource_id: "vm1".into(),
        resource_type: "instance".into(),
        project_id: project.clone(),
        event,
        at,
        attributes: attributes.clone(),
    };
    let ctx = RequestContext::system();
    // Delivered twice, and the delete before the create.
    for e in [
        ev(Lifecycle::Deleted, t0 + chrono::Duration::seconds(5400)),
        ev(Lifecycle::Created, t0),
        ev(Lifecycle::Created, t0),
    ] {
        publisher
            .notify::<Notification>(&ctx, Notification::UsageLifecycle(e))
            .await
            .expect("publish");
    }
    let rows = poll_until(Duration::from_secs(30), "two lifecycle events", || async {
        let r = ds::lifecycle_all(&app.pool, Some(&project), None)
            .await
            .ok()?;
        (r.len() == 2).then_some(r)
    })
    .await;
    let events: Vec<billing::Event> = rows.into_iter().map(billing::Event::from).collect();
    let segs = billing::segments(&events, t0, t0 + chrono::Duration::days(1));
    assert_eq!(segs.len(), 1);
    assert_eq!(
        (segs[0].end - segs[0].start).num_seconds(),
        5400,
        "90 minutes, once"
    );
    let card = billing::RateCard {
        id: 1,
        effective_from: t0,
        currency: "EUR".into(),
        flavor_hour: [("small".to_owned(), 120)].into_iter().collect(),
        prices: BTreeMap::new(),
    };
    let lines = billing::price(&segs, &[card]);
    assert_eq!(lines.iter().map(|l| l.amount).sum::<i64>(), 180);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_stream_loses_no_sample() {
    let (db, cfg, first) = service().await;
    let follower = first.follow_samples();
    assert!(follower.wait_consuming(Duration::from_secs(30)).await);
    let publisher = Bus::new(cfg.clone(), "test-agent");
    let project = unique_name("p");
    let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
    let ctx = RequestContext::system();
    const BATCHES: i64 = 300;
    const PER: i64 = 10;
    let stream = async {
        for b in 0..BATCHES {
            let samples = (0..PER)
                .map(|i| {
                    sample(
                        &format!("vm{i}"),
                        &project,
                        t0 + chrono::Duration::seconds(b),
                        b,
                    )
                })
                .collect();
            publisher
                .notify::<Notification>(
                    &ctx,
                    Notification::UsageSample(UsageBatch {
                        host: "h".into(),
                        samples,
                    }),
                )
                .await
                .expect("publish");
        }
    };
    let restart = async {
        // Once some are in, the service stops; a new one (another process,
        // in effect: its own connection) takes the queue over.
        poll_until(Duration::from_secs(30), "the stream under way", || async {
            (ds::sample_count(&first.pool, &project).await.ok()? >= 200).then_some(())
        })
        .await;
        follower.stop().await;
        first.bus.shutdown().await;
        let second = App::new(db.pool.clone(), Bus::new(cfg.clone(), "test-metering-2"));
        let f = second.follow_samples();
        assert!(f.wait_consuming(Duration::from_secs(30)).await);
        (second, f)
    };
    let ((), (second, _f)) = tokio::join!(stream, restart);
    count(&second, &project, BATCHES * PER).await;
}
