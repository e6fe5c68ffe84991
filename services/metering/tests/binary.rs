//! The shared service runner, exercised through the real `stratus-metering`
//! binary: configuration from the environment, migrations at start,
//! `/healthcheck`, graceful exit on SIGTERM, `db sync`, and a clear failure on
//! a bad configuration file.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use stratus_test_support::{TestDatabase, bus_config};

const BIN: &str = env!("CARGO_BIN_EXE_stratus-metering");

fn command(db: &TestDatabase) -> Command {
    let bus = bus_config();
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STRATUS_DATABASE__URL", &db.url)
        .env("STRATUS_BUS__URL", &bus.url)
        .env("STRATUS_BUS__PREFIX", &bus.prefix)
        .env("STRATUS_BUS__EXPIRE_IDLE_MS", "120000")
        .env("STRATUS_HTTP__HOST", "127.0.0.1")
        .env("STRATUS_HTTP__PORTS__METERING", "0")
        .env("STRATUS_LOG__FORMAT", "json");
    cmd
}

async fn table_exists(db: &TestDatabase) -> bool {
    sqlx::query_scalar::<_, bool>("SELECT to_regclass('bus_processed_messages') IS NOT NULL")
        .fetch_one(&db.pool)
        .await
        .expect("query")
}

/// Reads the child's JSON log until it says where it listens.
fn listening_address(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                && v["message"] == "listening"
            {
                let _ = tx.send(v["address"].as_str().unwrap_or_default().to_owned());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the service logs its address")
}

fn wait_exit(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Kills the child if the test fails half-way.
struct Reap(Child);
impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serves_after_migrating_and_stops_cleanly_on_sigterm() {
    let db = TestDatabase::new(None).await.expect("test database");
    assert!(!table_exists(&db).await);
    let child = command(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut child = Reap(child);
    let addr = listening_address(&mut child.0);
    assert!(table_exists(&db).await, "migrations applied at start");

    let resp = reqwest::get(format!("http://{addr}/healthcheck"))
        .await
        .expect("GET /healthcheck");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.text().await.expect("text"), "OK");
    let resp = reqwest::get(format!("http://{addr}/"))
        .await
        .expect("GET /");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().contains_key("x-openstack-request-id"));

    let pid = child.0.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let status = wait_exit(&mut child.0, Duration::from_secs(30)).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn db_sync_applies_migrations_and_exits() {
    let db = TestDatabase::new(None).await.expect("test database");
    let out = command(&db)
        .args(["db", "sync"])
        .output()
        .expect("run db sync");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(table_exists(&db).await);
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&db.pool)
        .await
        .expect("query");
    assert_eq!(applied, stratus_metering::MIGRATOR.iter().count() as i64);
    // Idempotent.
    let again = command(&db)
        .args(["db", "sync"])
        .output()
        .expect("run db sync");
    assert!(again.status.success());
}

#[tokio::test]
async fn a_bad_configuration_file_fails_with_a_message_naming_it() {
    let db = TestDatabase::new(None).await.expect("test database");
    let dir = stratus_test_support::TempDir::new("stratus-config");
    let file = dir.path.join("metering.toml");
    std::fs::write(&file, "[database]\nurll = \"typo\"\n").expect("write");
    let out = command(&db)
        .arg("--config")
        .arg(&file)
        .args(["db", "sync"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("metering.toml") && stderr.contains("urll"),
        "{stderr}"
    );

    let out = command(&db)
        .args(["--config", "/nonexistent/x.toml", "db", "sync"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.toml"));
}

#[test]
fn openapi_subcommand_prints_the_checked_in_document() {
    let out = Command::new(BIN).arg("openapi").output().expect("run");
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout);
    let path = stratus_http::openapi::document_path(env!("CARGO_MANIFEST_DIR"), "metering");
    let checked_in = std::fs::read_to_string(path).expect("read openapi/metering.json");
    assert_eq!(printed.trim_end(), checked_in.trim_end());
}
