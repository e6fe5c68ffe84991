//! How fast the control plane boots servers with the fake driver: the
//! compute service beside the real network and storage services, 100 fake
//! hosts in this process, `STRATUS_BENCH_SERVERS` servers (1,000) created
//! through the API `STRATUS_BENCH_CONCURRENCY` (50) at a time, each polled
//! every 50 ms until ACTIVE. Prints create-to-ACTIVE p50/p99 and servers
//! per second (numbers go in docs/performance.md; Nova's published
//! control-plane-only median is 6.2 s at concurrency 50 over 1,000 fake
//! computes).
//!
//! Run: `cargo bench -p stratus-compute --bench boot`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::{Cloud, env_or, percentile};
use stratus_compute::app::ComputeConfig;

fn main() {
    let servers = env_or("STRATUS_BENCH_SERVERS", 1000) as usize;
    let concurrency = env_or("STRATUS_BENCH_CONCURRENCY", 50) as usize;
    let hosts = env_or("STRATUS_BENCH_HOSTS", 100);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = Cloud::start_full(ComputeConfig::default()).await;
        let fakes: Vec<_> = (0..hosts).map(|_| c.fake_host(4, 2048, 100, "nova")).collect();
        for h in &fakes {
            c.wait_host(&h.name).await;
        }
        let boots = c
            .boot_many(servers, concurrency, 0, Duration::from_millis(50))
            .await;
        let mut l = boots.latencies.clone();
        l.sort();
        println!(
            "boot: {servers} servers on {hosts} fake hosts at concurrency {concurrency}: \
             create-to-ACTIVE p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {:.1} servers/s ({:.1} s in all)",
            percentile(&l, 0.5).as_secs_f64() * 1e3,
            percentile(&l, 0.99).as_secs_f64() * 1e3,
            l.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            servers as f64 / boots.elapsed.as_secs_f64(),
            boots.elapsed.as_secs_f64(),
        );
        drop(fakes);
    });
}
