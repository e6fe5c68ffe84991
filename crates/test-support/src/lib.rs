//! Helpers for Stratus tests: everything a test creates gets a unique name and
//! is removed after it; waiting is polling with a deadline, never a sleep.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use stratus_bus::BusConfig;
use tokio_util::sync::CancellationToken;

pub use stratus_db::TestDatabase;

pub mod agent;
pub mod broker;
pub mod clients;
pub mod crafted;
pub mod guest;
pub mod heard;

/// `<prefix>-<12 hex digits>`: unique per call, short enough for interface names.
pub fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// Logs from tests go to the test's captured output (`RUST_LOG`, default warn).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
}

/// A bus configuration with exchanges and queues of this test's own, which
/// delete themselves when idle (also when the test fails).
pub fn bus_config() -> BusConfig {
    BusConfig {
        url: std::env::var("STRATUS_TEST_AMQP_URL").unwrap_or_else(|_| BusConfig::default().url),
        prefix: unique_name("test"),
        call_timeout_ms: 10_000,
        publish_timeout_ms: 60_000,
        max_backoff_ms: 1_000,
        expire_idle_ms: Some(120_000),
        ..BusConfig::default()
    }
}

/// Polls `check` until it yields a value, panicking with `what` if `timeout`
/// passes first.
pub async fn poll_until<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A router served on 127.0.0.1 with a port the kernel picked; stopped on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: CancellationToken,
}

impl TestServer {
    pub async fn start(router: axum::Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let stop = CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(stratus_http::serve(listener, router, async move {
            token.cancelled().await
        }));
        Self { addr, stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A directory of the test's own under the system temp dir, removed when
/// dropped, so also when the test fails.
pub struct TempDir {
    pub path: std::path::PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> Self {
        let path = std::env::temp_dir().join(unique_name(prefix));
        std::fs::create_dir_all(&path).expect("create a temp dir");
        Self { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
