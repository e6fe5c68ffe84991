//! Helpers shared by the bus tests: a unique namespace per test on the real
//! broker, a test protocol, polling with a deadline.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use stratus_bus::{Bus, BusConfig};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Echo {
    pub text: String,
}
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Echoed {
    pub text: String,
    pub request_id: String,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fail {
    pub message: String,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Work {
    pub n: u32,
}

stratus_bus::protocol! {
    /// What the test consumer understands.
    pub enum TestRequest {
        Echo(Echo) -> Echoed,
        Fail(Fail) -> Echoed,
        Work(Work),
    }
}

stratus_bus::protocol! {
    /// A consumer that knows none of TestRequest's methods.
    pub enum OtherRequest {
        Other(Work),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Beat {
    pub host: String,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sample {
    pub value: u64,
}

stratus_bus::events! {
    pub enum TestEvent {
        "host.heartbeat" => Beat(Beat),
        "usage.sample" => Sample(Sample),
    }
}

/// A configuration whose exchanges and queues are this test's alone and
/// delete themselves when idle, even if the test fails.
pub fn test_config() -> BusConfig {
    BusConfig {
        url: std::env::var("STRATUS_TEST_AMQP_URL").unwrap_or_else(|_| BusConfig::default().url),
        prefix: format!("test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        call_timeout_ms: 10_000,
        publish_timeout_ms: 60_000,
        max_backoff_ms: 1_000,
        expire_idle_ms: Some(120_000),
        ..BusConfig::default()
    }
}

pub fn test_bus(config: &BusConfig, name: &str) -> Bus {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
    Bus::new(config.clone(), name)
}

/// Polls `check` until it returns true or `timeout` passes.
pub async fn poll_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
