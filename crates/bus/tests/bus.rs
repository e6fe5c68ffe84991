//! The bus against the real RabbitMQ: calls, typed remote errors, deadlines,
//! durable casts, events, redelivery after a consumer dies.

mod common;

use common::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stratus_bus::{BusError, Call, Incoming};
use stratus_common::{ErrorKind, RequestContext, RequestId};

const WAIT: Duration = Duration::from_secs(30);

fn echo_server(bus: &stratus_bus::Bus, topic: &str) -> stratus_bus::ServerHandle {
    bus.serve(topic, |inc: Incoming<TestRequest>| async move {
        match inc.message {
            TestRequest::Echo(e) => e.reply(Echoed {
                text: e.text.clone(),
                request_id: inc.context.request_id.to_string(),
            }),
            TestRequest::Fail(f) => Err(stratus_common::Error::not_found(f.message)),
            TestRequest::Work(_) => Ok(serde_json::Value::Null),
        }
    })
}

#[tokio::test]
async fn a_call_round_trips_and_carries_the_request_context() {
    let config = test_config();
    let bus = test_bus(&config, "test-call");
    let server = echo_server(&bus, "compute.host1");
    assert!(server.wait_consuming(WAIT).await);

    let ctx = RequestContext::with_request_id(RequestId::new());
    let reply = bus
        .call(
            "compute.host1",
            &ctx,
            Echo {
                text: "hello".into(),
            },
        )
        .await
        .expect("call");
    assert_eq!(reply.text, "hello");
    assert_eq!(reply.request_id, ctx.request_id.to_string());

    // Many concurrent calls each get their own reply.
    let calls = (0..50).map(|i| {
        let bus = bus.clone();
        let ctx = ctx.clone();
        async move {
            bus.call(
                "compute.host1",
                &ctx,
                Echo {
                    text: format!("m{i}"),
                },
            )
            .await
        }
    });
    let replies = futures_util::future::join_all(calls).await;
    for (i, r) in replies.into_iter().enumerate() {
        assert_eq!(r.expect("concurrent call").text, format!("m{i}"));
    }
    server.stop().await;
    bus.shutdown().await;
}

#[tokio::test]
async fn a_handler_error_comes_back_typed() {
    let config = test_config();
    let bus = test_bus(&config, "test-remote-error");
    let server = echo_server(&bus, "network.host1");
    assert!(server.wait_consuming(WAIT).await);

    let err = bus
        .call(
            "network.host1",
            &RequestContext::system(),
            Fail {
                message: "no such port".into(),
            },
        )
        .await
        .expect_err("the handler fails");
    match err {
        BusError::Remote(e) => {
            assert_eq!(e.kind, ErrorKind::NotFound);
            assert_eq!(e.message, "no such port");
        }
        other => panic!("expected a remote error, got {other:?}"),
    }
    // The common error keeps the kind, so an HTTP handler answers 404.
    let as_api: stratus_common::Error =
        BusError::Remote(stratus_common::Error::not_found("x")).into();
    assert_eq!(as_api.status().as_u16(), 404);
    server.stop().await;
    bus.shutdown().await;
}

#[tokio::test]
async fn a_message_the_consumer_does_not_understand_gets_a_bad_request_error() {
    let config = test_config();
    let bus = test_bus(&config, "test-mismatch");

    // A consumer of another protocol, addressed with a TestRequest call.
    let server = bus.serve("storage.host1", |_: Incoming<OtherRequest>| async {
        Ok(serde_json::Value::Null)
    });
    assert!(server.wait_consuming(WAIT).await);
    let err = bus
        .call(
            "storage.host1",
            &RequestContext::system(),
            Echo { text: "x".into() },
        )
        .await
        .expect_err("mismatched protocol");
    match err {
        BusError::Remote(e) => {
            assert_eq!(e.kind, ErrorKind::BadRequest);
            assert!(
                e.message.contains("echo"),
                "message names the method: {}",
                e.message
            );
        }
        other => panic!("expected a remote error, got {other:?}"),
    }
    server.stop().await;
    bus.shutdown().await;
}

#[tokio::test]
async fn a_call_nobody_consumes_times_out_at_its_deadline() {
    let config = test_config();
    let bus = test_bus(&config, "test-timeout");
    let started = Instant::now();
    let err = bus
        .call_with_timeout(
            "compute.nobody",
            &RequestContext::system(),
            Echo {
                text: "anyone?".into(),
            },
            Duration::from_millis(700),
        )
        .await
        .expect_err("nobody answers");
    let elapsed = started.elapsed();
    match &err {
        BusError::Timeout { topic, method, .. } => {
            assert_eq!(topic, "compute.nobody");
            assert_eq!(method, "echo");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        elapsed >= Duration::from_millis(700),
        "returned before its deadline: {elapsed:?}"
    );
    let as_api: stratus_common::Error = err.into();
    assert_eq!(as_api.kind, ErrorKind::Timeout);
    bus.shutdown().await;
}

#[tokio::test]
async fn a_thousand_casts_sent_before_any_consumer_are_each_handled_once() {
    let config = test_config();
    let publisher = test_bus(&config, "test-cast-publisher");
    let ctx = RequestContext::system();
    let mut sent = Vec::new();
    for n in 0..1000u32 {
        let id = publisher
            .cast::<TestRequest>("agent.cast", &ctx, Work { n })
            .await
            .expect("cast confirmed");
        sent.push(id);
    }

    // A separate process-like bus: its own connection, started afterwards.
    let consumer = test_bus(&config, "test-cast-consumer");
    let seen: Arc<Mutex<HashMap<uuid::Uuid, u32>>> = Arc::default();
    let ns: Arc<Mutex<Vec<u32>>> = Arc::default();
    let server = {
        let seen = seen.clone();
        let ns = ns.clone();
        consumer.serve("agent.cast", move |inc: Incoming<TestRequest>| {
            let seen = seen.clone();
            let ns = ns.clone();
            async move {
                if let TestRequest::Work(w) = inc.message {
                    *seen.lock().expect("lock").entry(inc.id).or_default() += 1;
                    ns.lock().expect("lock").push(w.n);
                }
                Ok(serde_json::Value::Null)
            }
        })
    };
    assert!(
        poll_until(WAIT, || seen.lock().expect("lock").len() == 1000).await,
        "not all casts arrived"
    );
    server.stop().await;
    let seen = seen.lock().expect("lock").clone();
    for id in &sent {
        assert_eq!(
            seen.get(id),
            Some(&1),
            "message {id} handled {:?} times",
            seen.get(id)
        );
    }
    let mut ns = ns.lock().expect("lock").clone();
    ns.sort_unstable();
    assert_eq!(ns, (0..1000).collect::<Vec<_>>());
    publisher.shutdown().await;
    consumer.shutdown().await;
}

#[tokio::test]
async fn events_reach_subscribers_whose_bindings_match() {
    let config = test_config();
    let bus = test_bus(&config, "test-events");
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let sub = {
        let got = got.clone();
        bus.subscribe("metering", &["usage.*"], move |inc: Incoming<TestEvent>| {
            let got = got.clone();
            async move {
                let label = match inc.message {
                    TestEvent::Beat(b) => format!("beat:{}", b.host),
                    TestEvent::Sample(s) => format!("sample:{}", s.value),
                };
                got.lock().expect("lock").push(label);
                Ok(serde_json::Value::Null)
            }
        })
    };
    assert!(sub.wait_consuming(WAIT).await);
    let ctx = RequestContext::system();
    bus.notify::<TestEvent>(&ctx, Beat { host: "h1".into() })
        .await
        .expect("notify");
    bus.notify::<TestEvent>(&ctx, Sample { value: 7 })
        .await
        .expect("notify");
    assert!(poll_until(WAIT, || !got.lock().expect("lock").is_empty()).await);
    // A later sample proves the heartbeat (sent before it) was not delivered.
    bus.notify::<TestEvent>(&ctx, Sample { value: 8 })
        .await
        .expect("notify");
    assert!(poll_until(WAIT, || got.lock().expect("lock").len() >= 2).await);
    assert_eq!(
        *got.lock().expect("lock"),
        vec!["sample:7".to_string(), "sample:8".to_string()]
    );
    sub.stop().await;
    bus.shutdown().await;
}

#[tokio::test]
async fn a_transient_handler_failure_is_retried() {
    let config = test_config();
    let bus = test_bus(&config, "test-retry");
    let attempts = Arc::new(Mutex::new(0u32));
    let server = {
        let attempts = attempts.clone();
        bus.serve("agent.retry", move |_inc: Incoming<TestRequest>| {
            let attempts = attempts.clone();
            async move {
                let mut a = attempts.lock().expect("lock");
                *a += 1;
                if *a < 3 {
                    Err(stratus_common::Error::unavailable("backend busy"))
                } else {
                    Ok(serde_json::Value::Null)
                }
            }
        })
    };
    bus.cast::<TestRequest>("agent.retry", &RequestContext::system(), Work { n: 1 })
        .await
        .expect("cast");
    assert!(poll_until(WAIT, || *attempts.lock().expect("lock") == 3).await);
    server.stop().await;
    assert_eq!(
        *attempts.lock().expect("lock"),
        3,
        "handled again after success"
    );
    bus.shutdown().await;
}

/// Entry point of the child process in the redelivery test: consumes, reports
/// what it got on stdout, and never finishes (so never acks).
#[tokio::test]
async fn child_consumer_that_never_acks() {
    let Ok(prefix) = std::env::var("STRATUS_BUS_TEST_CHILD_PREFIX") else {
        return; // only meaningful as the child of the redelivery test
    };
    let config = stratus_bus::BusConfig {
        prefix,
        ..test_config()
    };
    let bus = test_bus(&config, "test-child");
    let server = bus.serve("agent.redeliver", |inc: Incoming<TestRequest>| async move {
        println!("HANDLING {}", inc.id);
        std::future::pending::<()>().await;
        Ok(serde_json::Value::Null)
    });
    assert!(server.wait_consuming(WAIT).await);
    println!("CONSUMING");
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn a_message_whose_consumer_dies_before_acking_is_redelivered_to_another() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let config = test_config();
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "child_consumer_that_never_acks",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("STRATUS_BUS_TEST_CHILD_PREFIX", &config.prefix)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child consumer");
    let stdout = child.stdout.take().expect("child stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_line = |prefix: &str| -> Option<String> {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
                // libtest may print "test name ... " before the child's own output.
                if let Some(at) = line.find(prefix) {
                    return Some(line[at..].to_owned());
                }
            }
        }
        None
    };
    let consuming = wait_line("CONSUMING");
    if consuming.is_none() {
        let _ = child.kill();
    }
    assert!(consuming.is_some(), "child never started consuming");

    let bus = test_bus(&config, "test-survivor");
    let id = bus
        .cast::<TestRequest>("agent.redeliver", &RequestContext::system(), Work { n: 42 })
        .await
        .expect("cast");
    let handling = wait_line("HANDLING");
    child.kill().expect("kill child"); // SIGKILL: no ack, no graceful close
    let _ = child.wait();
    assert_eq!(
        handling,
        Some(format!("HANDLING {id}")),
        "the child got the message first"
    );

    let got: Arc<Mutex<Vec<(uuid::Uuid, bool)>>> = Arc::default();
    let server = {
        let got = got.clone();
        bus.serve("agent.redeliver", move |inc: Incoming<TestRequest>| {
            let got = got.clone();
            async move {
                got.lock().expect("lock").push((inc.id, inc.redelivered));
                Ok(serde_json::Value::Null)
            }
        })
    };
    assert!(
        poll_until(WAIT, || !got.lock().expect("lock").is_empty()).await,
        "never redelivered"
    );
    server.stop().await;
    assert_eq!(*got.lock().expect("lock"), vec![(id, true)]);
    bus.shutdown().await;
}

#[tokio::test]
async fn every_transient_subscriber_gets_every_event() {
    let config = test_config();
    let publisher = test_bus(&config, "test-fanout-pub");
    let replicas: Vec<_> = (0..2)
        .map(|i| test_bus(&config, &format!("test-replica-{i}")))
        .collect();
    let got: Arc<Mutex<Vec<usize>>> = Arc::default();
    let mut subs = Vec::new();
    for (i, bus) in replicas.iter().enumerate() {
        let got = got.clone();
        let sub = bus.subscribe_transient(&["usage.sample"], move |_inc: Incoming<TestEvent>| {
            let got = got.clone();
            async move {
                got.lock().expect("lock").push(i);
                Ok(serde_json::Value::Null)
            }
        });
        assert!(sub.wait_consuming(WAIT).await);
        subs.push(sub);
    }
    publisher
        .notify::<TestEvent>(&RequestContext::system(), Sample { value: 1 })
        .await
        .expect("notify");
    assert!(poll_until(WAIT, || got.lock().expect("lock").len() == 2).await);
    let mut who = got.lock().expect("lock").clone();
    who.sort_unstable();
    assert_eq!(who, vec![0, 1], "each replica got it once");
    for s in subs {
        s.stop().await;
    }
    for b in replicas {
        b.shutdown().await;
    }
    publisher.shutdown().await;
}
