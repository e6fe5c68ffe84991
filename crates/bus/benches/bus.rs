//! Bus benchmark against the local RabbitMQ (loopback):
//! - RPC round trips: latency (p50/p99) one at a time, and throughput with
//!   many calls in flight;
//! - casts with publisher confirms: per second one at a time, and with many
//!   in flight, each counted when the consumer has handled it.
//!
//! Run: `cargo bench -p stratus-bus` (numbers go in docs/performance.md).
//! `STRATUS_BENCH_N` sets the number of messages per measurement.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use stratus_bus::{Bus, BusConfig, Call, Incoming};
use stratus_common::RequestContext;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Echo {
    payload: String,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Work {
    n: u64,
}

stratus_bus::protocol! {
    enum BenchRequest {
        Echo(Echo) -> Echo,
        Work(Work),
    }
}

const IN_FLIGHT: usize = 64;

fn config() -> BusConfig {
    BusConfig {
        prefix: format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        expire_idle_ms: Some(120_000),
        prefetch: 128,
        ..BusConfig::default()
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: u64 = std::env::var("STRATUS_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let config = config();
    let client = Bus::new(config.clone(), "bench-client");
    let server_bus = Bus::new(config, "bench-server");
    let handled = Arc::new(AtomicU64::new(0));
    let server = {
        let handled = handled.clone();
        server_bus.serve("bench.host", move |inc: Incoming<BenchRequest>| {
            let handled = handled.clone();
            async move {
                match inc.message {
                    BenchRequest::Echo(e) => e.reply(e.clone()),
                    BenchRequest::Work(_) => {
                        handled.fetch_add(1, Ordering::Relaxed);
                        Ok(serde_json::Value::Null)
                    }
                }
            }
        })
    };
    assert!(server.wait_consuming(Duration::from_secs(30)).await);
    let ctx = RequestContext::system();
    let payload = "x".repeat(256);

    // Warm-up.
    for _ in 0..200 {
        client
            .call(
                "bench.host",
                &ctx,
                Echo {
                    payload: payload.clone(),
                },
            )
            .await
            .expect("call");
    }

    // RPC, one at a time: latency.
    let mut hist = Histogram::<u64>::new(3).expect("histogram");
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        client
            .call(
                "bench.host",
                &ctx,
                Echo {
                    payload: payload.clone(),
                },
            )
            .await
            .expect("call");
        hist.record(t.elapsed().as_micros() as u64).expect("record");
    }
    let sequential = n as f64 / started.elapsed().as_secs_f64();
    println!(
        "rpc sequential: {n} calls, {sequential:.0} calls/s, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(hist.value_at_quantile(0.5)),
        ms(hist.value_at_quantile(0.99)),
        ms(hist.max())
    );

    // RPC, many in flight: throughput.
    let mut hist = Histogram::<u64>::new(3).expect("histogram");
    let started = Instant::now();
    let per_task = n / IN_FLIGHT as u64;
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let client = client.clone();
            let ctx = ctx.clone();
            let payload = payload.clone();
            tokio::spawn(async move {
                let mut h = Histogram::<u64>::new(3).expect("histogram");
                for _ in 0..per_task {
                    let t = Instant::now();
                    client
                        .call(
                            "bench.host",
                            &ctx,
                            Echo {
                                payload: payload.clone(),
                            },
                        )
                        .await
                        .expect("call");
                    h.record(t.elapsed().as_micros() as u64).expect("record");
                }
                h
            })
        })
        .collect();
    for t in tasks {
        hist.add(t.await.expect("task")).expect("merge");
    }
    let total = per_task * IN_FLIGHT as u64;
    println!(
        "rpc {IN_FLIGHT} in flight: {total} calls, {:.0} calls/s, p50 {:.3} ms, p99 {:.3} ms",
        total as f64 / started.elapsed().as_secs_f64(),
        ms(hist.value_at_quantile(0.5)),
        ms(hist.value_at_quantile(0.99))
    );

    // Casts, one at a time, each awaited until the broker confirms it.
    let before = handled.load(Ordering::Relaxed);
    let started = Instant::now();
    for i in 0..n {
        client
            .cast::<BenchRequest>("bench.host", &ctx, Work { n: i })
            .await
            .expect("cast");
    }
    let confirmed = started.elapsed();
    while handled.load(Ordering::Relaxed) < before + n {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    println!(
        "cast sequential (confirmed): {n} casts, {:.0} casts/s confirmed, {:.0} casts/s handled",
        n as f64 / confirmed.as_secs_f64(),
        n as f64 / started.elapsed().as_secs_f64()
    );

    // Casts, many in flight.
    let before = handled.load(Ordering::Relaxed);
    let started = Instant::now();
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let client = client.clone();
            let ctx = ctx.clone();
            tokio::spawn(async move {
                for i in 0..per_task {
                    client
                        .cast::<BenchRequest>("bench.host", &ctx, Work { n: i })
                        .await
                        .expect("cast");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let confirmed = started.elapsed();
    while handled.load(Ordering::Relaxed) < before + total {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    println!(
        "cast {IN_FLIGHT} in flight (confirmed): {total} casts, {:.0} casts/s confirmed, {:.0} casts/s handled",
        total as f64 / confirmed.as_secs_f64(),
        total as f64 / started.elapsed().as_secs_f64()
    );

    server.stop().await;
    client.shutdown().await;
    server_bus.shutdown().await;
}
