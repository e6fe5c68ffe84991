//! Image data throughput through the whole path: HTTP into the storage
//! service, 4 MiB chunks over the bus (RabbitMQ on loopback) to a storage
//! agent writing the file, and back; plus a volume made from the image.
//! Uses the test harness (live identity, real agent, qemu-img).
//!
//! Run: `cargo bench -p stratus-storage --bench data` (numbers go in
//! docs/performance.md). `STRATUS_BENCH_MIB` sets the image size (256).

#[path = "../tests/common/mod.rs"]
mod common;

use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mib: usize = std::env::var("STRATUS_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let c = common::Cloud::start().await;
    let data: Vec<u8> = (0..mib * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "bench", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let id = image["id"].as_str().expect("id").to_owned();

    let started = Instant::now();
    let (status, body) = c.upload(&c.alice, &id, data.clone()).await;
    assert_eq!(status, 204, "{body}");
    let up = started.elapsed();

    let started = Instant::now();
    let back = c
        .request(Method::GET, &format!("/v2/images/{id}/file"), &c.alice)
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("data");
    let down = started.elapsed();
    assert_eq!(back.len(), data.len());

    let started = Instant::now();
    let gib = mib.div_ceil(1024).max(1);
    let (status, v) = c
        .volumes(
            Method::POST,
            "/volumes",
            &c.alice,
            Some(json!({"volume": {"size": gib, "imageRef": id}})),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let vid = v["volume"]["id"].as_str().expect("id").to_owned();
    c.wait_status(&c.alice, "volumes", &vid, "available").await;
    let volume = started.elapsed();

    let rate = |d: Duration| mib as f64 / d.as_secs_f64();
    println!("image of {mib} MiB");
    println!(
        "upload (PUT /v2/images/{{id}}/file → agent)   {:>8.1} MiB/s  ({:.2} s)",
        rate(up),
        up.as_secs_f64()
    );
    println!(
        "download (GET /v2/images/{{id}}/file ← agent) {:>8.1} MiB/s  ({:.2} s)",
        rate(down),
        down.as_secs_f64()
    );
    println!(
        "volume from the image until available        {:>8.2} s",
        volume.as_secs_f64()
    );
    c.stop().await;
}
