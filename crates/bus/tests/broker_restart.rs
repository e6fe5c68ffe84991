//! A broker restart in the middle of a stream of casts loses none of them, and
//! the same publisher and consumer carry on without being restarted.
//!
//! This test stops and starts the whole local RabbitMQ application, so
//! `scripts/test` runs it on its own, after every other test.

mod common;

use common::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stratus_bus::{Call, Incoming};
use stratus_common::RequestContext;
use stratus_test_support::broker::{RestartGuard, rabbitmqctl};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_mid_stream_loses_no_cast() {
    let config = test_config();
    let publisher = test_bus(&config, "restart-publisher");
    let consumer = test_bus(&config, "restart-consumer");

    let seen: Arc<Mutex<HashMap<u32, u32>>> = Arc::default();
    let server = {
        let seen = seen.clone();
        consumer.serve("agent.restart", move |inc: Incoming<TestRequest>| {
            let seen = seen.clone();
            async move {
                match inc.message {
                    TestRequest::Work(w) => {
                        *seen.lock().expect("lock").entry(w.n).or_default() += 1
                    }
                    TestRequest::Echo(e) => {
                        return e.reply(Echoed {
                            text: e.text.clone(),
                            request_id: String::new(),
                        });
                    }
                    TestRequest::Fail(_) => {}
                }
                Ok(serde_json::Value::Null)
            }
        })
    };
    assert!(server.wait_consuming(Duration::from_secs(30)).await);

    // The stream: casts one after another, each awaited until confirmed,
    // until told to stop; `confirmed` counts them.
    let confirmed = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let stream = {
        let publisher = publisher.clone();
        let confirmed = confirmed.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let ctx = RequestContext::system();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                publisher
                    .cast::<TestRequest>("agent.restart", &ctx, Work { n })
                    .await
                    .expect("cast eventually confirmed");
                n += 1;
                confirmed.store(n, Ordering::SeqCst);
            }
        })
    };

    // Restart the broker once part of the stream has been handled.
    assert!(
        poll_until(Duration::from_secs(60), || seen.lock().expect("lock").len()
            >= 100)
        .await
    );
    let guard = RestartGuard;
    tokio::task::spawn_blocking(|| rabbitmqctl("stop_app"))
        .await
        .expect("stop broker");
    let at_restart = confirmed.load(Ordering::SeqCst);
    tokio::task::spawn_blocking(|| rabbitmqctl("start_app"))
        .await
        .expect("start broker");
    drop(guard);

    // The same publisher carries on: 100 more casts confirmed after the restart.
    assert!(
        poll_until(Duration::from_secs(120), || confirmed
            .load(Ordering::SeqCst)
            >= at_restart + 100)
        .await,
        "the publisher did not carry on after the restart"
    );
    stop.store(true, Ordering::SeqCst);
    tokio::time::timeout(Duration::from_secs(120), stream)
        .await
        .expect("stream finished in time")
        .expect("stream task");
    let total = confirmed.load(Ordering::SeqCst);
    assert!(
        poll_until(Duration::from_secs(60), || seen.lock().expect("lock").len()
            == total as usize)
        .await,
        "only {} of {total} casts handled",
        seen.lock().expect("lock").len()
    );
    {
        let seen = seen.lock().expect("lock");
        let repeated: Vec<_> = seen.iter().filter(|(_, c)| **c != 1).collect();
        assert!(repeated.is_empty(), "handled more than once: {repeated:?}");
        assert!(
            (0..total).all(|n| seen.contains_key(&n)),
            "a cast is missing"
        );
    }

    // The same processes also do calls again after the restart.
    assert!(server.wait_consuming(Duration::from_secs(30)).await);
    let reply = publisher
        .call(
            "agent.restart",
            &RequestContext::system(),
            Echo {
                text: "after".into(),
            },
        )
        .await
        .expect("call after restart");
    assert_eq!(reply.text, "after");

    server.stop().await;
    publisher.shutdown().await;
    consumer.shutdown().await;
}
