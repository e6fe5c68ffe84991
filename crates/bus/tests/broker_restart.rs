//! A broker restart in the middle of a stream of casts loses none of them, and
//! the same publisher and consumer carry on without being restarted.
//!
//! This test stops and starts the whole local RabbitMQ application, so
//! `scripts/test` runs it on its own, after every other test.

mod common;

use common::*;
use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stratus_bus::{Call, Incoming};
use stratus_common::RequestContext;

const TOTAL: u32 = 1000;

fn rabbitmqctl(arg: &str) {
    let status = Command::new("rabbitmqctl")
        .args(["-q", arg])
        .status()
        .expect("run rabbitmqctl");
    assert!(status.success(), "rabbitmqctl {arg} failed");
}

/// Starts the broker app again even if the test fails half-way.
struct RestartGuard;
impl Drop for RestartGuard {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl")
            .args(["-q", "start_app"])
            .status();
    }
}

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

    // The stream: casts one after another, each awaited until confirmed.
    let stream = {
        let publisher = publisher.clone();
        tokio::spawn(async move {
            let ctx = RequestContext::system();
            for n in 0..TOTAL {
                publisher
                    .cast::<TestRequest>("agent.restart", &ctx, Work { n })
                    .await
                    .expect("cast eventually confirmed");
            }
        })
    };

    // Restart the broker once a part of the stream has been handled.
    assert!(
        poll_until(Duration::from_secs(60), || seen.lock().expect("lock").len()
            >= 100)
        .await
    );
    let guard = RestartGuard;
    tokio::task::spawn_blocking(|| rabbitmqctl("stop_app"))
        .await
        .expect("stop broker");
    assert!(
        !stream.is_finished(),
        "the stream ended before the broker went away"
    );
    tokio::task::spawn_blocking(|| rabbitmqctl("start_app"))
        .await
        .expect("start broker");
    drop(guard);

    tokio::time::timeout(Duration::from_secs(120), stream)
        .await
        .expect("stream finished in time")
        .expect("stream task");
    assert!(
        poll_until(Duration::from_secs(60), || seen.lock().expect("lock").len()
            == TOTAL as usize)
        .await,
        "only {} of {TOTAL} casts handled",
        seen.lock().expect("lock").len()
    );
    {
        let seen = seen.lock().expect("lock");
        let repeated: Vec<_> = seen.iter().filter(|(_, c)| **c != 1).collect();
        assert!(repeated.is_empty(), "handled more than once: {repeated:?}");
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
