//! The outbox on a real database and broker: an event written in a
//! transaction that rolls back is never published; one that commits is
//! published once and leaves the table.

use std::collections::BTreeMap;
use std::time::Duration;

use stratus_bus::Bus;
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::usage::{Lifecycle, LifecycleEvent};
use stratus_outbox::Outbox;
use stratus_test_support::heard::Heard;
use stratus_test_support::{TestDatabase, bus_config, poll_until};

fn event(id: &str) -> Notification {
    Notification::UsageLifecycle(LifecycleEvent::now(
        "volume",
        id,
        "p",
        Lifecycle::Created,
        BTreeMap::new(),
    ))
}

/// A database of its own with the table the services' migrations make.
async fn outbox_db() -> TestDatabase {
    let db = TestDatabase::new(None).await.expect("db");
    sqlx::query(
        "CREATE TABLE outbox (id bigserial PRIMARY KEY, event jsonb NOT NULL,
                              created_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(&db.pool)
    .await
    .expect("table");
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_events_are_published_once_and_rolled_back_ones_never() {
    let db = outbox_db().await;
    let bus = Bus::new(bus_config(), "test-outbox");
    let heard = Heard::start(&bus, &["usage.lifecycle"]).await;
    let outbox = Outbox::new(db.pool.clone(), bus.clone());

    let mut tx = db.pool.begin().await.expect("tx");
    stratus_outbox::put(&mut tx, &event("gone"))
        .await
        .expect("put");
    tx.rollback().await.expect("rollback");
    let mut tx = db.pool.begin().await.expect("tx");
    for id in ["a", "b", "c"] {
        stratus_outbox::put(&mut tx, &event(id)).await.expect("put");
    }
    tx.commit().await.expect("commit");

    assert_eq!(outbox.drain().await.expect("drain"), 3);
    assert_eq!(outbox.drain().await.expect("again"), 0, "published once");
    let mut ids = poll_until(Duration::from_secs(30), "three events heard", || async {
        let ids: Vec<String> = heard
            .lifecycle()
            .into_iter()
            .map(|e| e.resource_id)
            .collect();
        (ids.len() >= 3).then_some(ids)
    })
    .await;
    // The listener handles deliveries concurrently: the order it records
    // is not the order they were published in.
    ids.sort();
    assert_eq!(ids, ["a", "b", "c"]);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(left, 0);

    // The relay publishes what is committed without being asked to drain.
    let shutdown = tokio_util::sync::CancellationToken::new();
    outbox.start(shutdown.clone());
    let mut tx = db.pool.begin().await.expect("tx");
    stratus_outbox::put(&mut tx, &event("d"))
        .await
        .expect("put");
    tx.commit().await.expect("commit");
    outbox.wake();
    poll_until(Duration::from_secs(30), "the relay's event", || async {
        heard
            .lifecycle()
            .iter()
            .any(|e| e.resource_id == "d")
            .then_some(())
    })
    .await;
    shutdown.cancel();
    assert_eq!(heard.lifecycle().len(), 4, "nothing twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_wait_in_the_table_while_the_broker_is_away() {
    let db = outbox_db().await;
    let mut tx = db.pool.begin().await.expect("tx");
    stratus_outbox::put(&mut tx, &event("kept"))
        .await
        .expect("put");
    tx.commit().await.expect("commit");
    // A bus whose broker does not answer (a closed port on loopback).
    let mut away = bus_config();
    away.url = "amqp://guest:guest@127.0.0.1:1/%2f".into();
    away.publish_timeout_ms = 500;
    let nowhere = Outbox::new(db.pool.clone(), Bus::new(away, "test-outbox"));
    assert!(nowhere.drain().await.is_err(), "the publish fails");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(left, 1, "the event waits");

    let bus = Bus::new(bus_config(), "test-outbox");
    let heard = Heard::start(&bus, &["usage.lifecycle"]).await;
    assert_eq!(
        Outbox::new(db.pool.clone(), bus)
            .drain()
            .await
            .expect("drain"),
        1
    );
    poll_until(Duration::from_secs(30), "the kept event", || async {
        (heard.lifecycle().len() == 1).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_commits_each_flushed_are_all_published_once() {
    let db = outbox_db().await;
    let bus = Bus::new(bus_config(), "test-outbox");
    let heard = Heard::start(&bus, &["usage.lifecycle"]).await;
    let outbox = Outbox::new(db.pool.clone(), bus);
    let writers = (0..50).map(|i| {
        let (pool, outbox) = (db.pool.clone(), outbox.clone());
        tokio::spawn(async move {
            let mut tx = pool.begin().await.expect("tx");
            stratus_outbox::put(&mut tx, &event(&format!("r{i:02}")))
                .await
                .expect("put");
            tx.commit().await.expect("commit");
            outbox.flush_soon();
        })
    });
    for w in writers {
        w.await.expect("writer");
    }
    let mut ids = poll_until(Duration::from_secs(30), "fifty events", || async {
        let ids: Vec<String> = heard
            .lifecycle()
            .into_iter()
            .map(|e| e.resource_id)
            .collect();
        (ids.len() >= 50).then_some(ids)
    })
    .await;
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50, "each once");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(left, 0);
    assert_eq!(heard.lifecycle().len(), 50, "none twice");
}
