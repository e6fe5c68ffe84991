//! Identity benchmark against the local PostgreSQL and RabbitMQ (loopback),
//! with the production argon2id parameters (`HashParams::default()`):
//! - password authentications (`POST /v3/auth/tokens`, project-scoped, with
//!   the catalog): latency one at a time, and throughput with several in
//!   flight;
//! - token validations in another service's auth layer: the bare
//!   `Verifier::verify` (signature, expiry, revocations) on first sight of a
//!   token and for one it has seen, and whole HTTP requests to a handler
//!   behind `Authenticator::layer`.
//!
//! Run: `cargo bench -p stratus-identity --bench auth` (numbers go in
//! docs/performance.md). `STRATUS_BENCH_N` scales the validation counts.

use axum::Router;
use axum::routing::get;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stratus_bus::Bus;
use stratus_common::ErrorStyle;
use stratus_http::auth::{AuthConfig, Authenticator, Caller};
use stratus_http::{ApiOptions, Json};
use stratus_identity::app::bootstrap::{self, BootstrapOptions};
use stratus_identity::app::{App, IdentityConfig, password};
use stratus_test_support::{TestDatabase, TestServer, bus_config};

const PASSWORD: &str = "bench-admin-password";

fn auth_body() -> Value {
    json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
}

async fn issue(http: &reqwest::Client, url: &str) -> String {
    let resp = http
        .post(url)
        .json(&auth_body())
        .send()
        .await
        .expect("POST /v3/auth/tokens");
    assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .expect("ascii")
        .to_owned();
    resp.bytes().await.expect("body");
    token
}

fn report(what: &str, n: u64, elapsed: Duration, hist: Option<&Histogram<u64>>) {
    let rate = n as f64 / elapsed.as_secs_f64();
    match hist {
        Some(h) => println!(
            "{what:<58} {rate:>10.0}/s   p50 {:.3} ms   p99 {:.3} ms",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.value_at_quantile(0.99) as f64 / 1000.0
        ),
        None => println!("{what:<58} {rate:>10.0}/s"),
    }
}

/// Runs `n` requests `in_flight` at a time; returns the elapsed time.
async fn concurrently<F, Fut>(n: u64, in_flight: u64, f: F) -> Duration
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let f = Arc::new(f);
    let started = Instant::now();
    let workers: Vec<_> = (0..in_flight)
        .map(|w| {
            let f = f.clone();
            let share = n / in_flight + u64::from(w < n % in_flight);
            tokio::spawn(async move {
                for _ in 0..share {
                    f().await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    started.elapsed()
}

async fn whoami(caller: Caller) -> Result<Json<Value>, stratus_common::Error> {
    caller.require(stratus_auth::Role::Reader)?;
    Ok(Json(json!({"user": caller.0.user.name})))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: u64 = std::env::var("STRATUS_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let config = IdentityConfig::default();
    let p = config.password_hashing;
    println!(
        "argon2id m={} KiB, t={}, p={} (the defaults)",
        p.memory_kib, p.iterations, p.parallelism
    );

    let db = TestDatabase::new(Some(&stratus_identity::MIGRATOR))
        .await
        .expect("database");
    let mut bus_cfg = bus_config();
    bus_cfg.expire_idle_ms = Some(60_000);
    let identity_bus = Bus::new(bus_cfg.clone(), "bench-identity");
    let app = App::new(db.pool.clone(), config.clone())
        .await
        .expect("app")
        .with_bus(identity_bus.clone());
    let signer = app.keys.signer();
    let identity = TestServer::start(stratus_identity::http::router(app)).await;
    let options = BootstrapOptions {
        admin_user: "admin".into(),
        admin_password: PASSWORD.into(),
        admin_project: "admin".into(),
        region: "RegionOne".into(),
        public_base: "http://127.0.0.1".into(),
        port_offset: identity.addr.port().saturating_sub(5000),
        service_passwords: stratus_identity::app::bootstrap::SERVICE_USERS
            .iter()
            .map(|u| ((*u).to_owned(), "bench-service".to_owned()))
            .collect(),
    };
    bootstrap::run(&db.pool, &config, &options)
        .await
        .expect("bootstrap");
    let tokens_url = identity.url("/v3/auth/tokens");
    let http = reqwest::Client::new();

    // ---- password authentications ----
    let rounds = 100;
    let hash = password::hash(p, PASSWORD.into()).await.expect("hash");
    let mut hist = Histogram::<u64>::new(3).expect("histogram");
    let started = Instant::now();
    for _ in 0..rounds / 2 {
        let t = Instant::now();
        assert!(
            password::verify(p, Some(hash.clone()), PASSWORD.into())
                .await
                .expect("verify")
        );
        hist.record(t.elapsed().as_micros() as u64).expect("record");
    }
    report(
        "argon2id verification alone, one at a time",
        rounds / 2,
        started.elapsed(),
        Some(&hist),
    );
    let mut hist = Histogram::<u64>::new(3).expect("histogram");
    issue(&http, &tokens_url).await;
    let started = Instant::now();
    for _ in 0..rounds {
        let t = Instant::now();
        issue(&http, &tokens_url).await;
        hist.record(t.elapsed().as_micros() as u64).expect("record");
    }
    report(
        "password auth, one at a time",
        rounds,
        started.elapsed(),
        Some(&hist),
    );
    for in_flight in [2, 8] {
        let (h, u) = (http.clone(), tokens_url.clone());
        let elapsed = concurrently(rounds * 2, in_flight, move || {
            let (h, u) = (h.clone(), u.clone());
            async move {
                issue(&h, &u).await;
            }
        })
        .await;
        report(
            &format!("password auth, {in_flight} in flight"),
            rounds * 2,
            elapsed,
            None,
        );
    }

    // ---- validation in another service ----
    let service_bus = Bus::new(bus_cfg, "bench-service");
    let auth = Authenticator::start(
        &AuthConfig {
            identity_url: identity.url("/v3"),
            username: Some("compute".into()),
            password: Some("bench-service".into()),
            ..AuthConfig::default()
        },
        &service_bus,
    )
    .await
    .expect("authenticator");
    let token = issue(&http, &tokens_url).await;
    let verifier = auth.verifier();
    // First sight: distinct tokens (as identity would sign them), each
    // verified once: the Ed25519 signature check is the cost.
    let claims = verifier.verify(&token).await.expect("valid");
    let distinct: Vec<String> = (0..n)
        .map(|i| {
            let mut c = claims.clone();
            c.jti = format!("bench-{i}");
            signer.sign(&c).expect("sign")
        })
        .collect();
    let started = Instant::now();
    for t in &distinct {
        verifier.verify(t).await.expect("valid");
    }
    report(
        "Verifier::verify, first sight of each token, one thread",
        n,
        started.elapsed(),
        None,
    );
    let started = Instant::now();
    for _ in 0..n * 5 {
        verifier.verify(&token).await.expect("valid");
    }
    report(
        "Verifier::verify, a token seen before, one thread",
        n * 5,
        started.elapsed(),
        None,
    );

    let routes = Router::new().route("/whoami", get(whoami));
    let service = TestServer::start(stratus_http::finish(
        auth.layer(routes),
        ApiOptions::new(ErrorStyle::Nova),
    ))
    .await;
    let url = service.url("/whoami");
    let get_whoami = |h: reqwest::Client, u: String, t: String| async move {
        let resp = h
            .get(&u)
            .header("X-Auth-Token", &t)
            .send()
            .await
            .expect("GET");
        assert_eq!(resp.status(), reqwest::StatusCode::OK);
        resp.bytes().await.expect("body");
    };
    let mut hist = Histogram::<u64>::new(3).expect("histogram");
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        get_whoami(http.clone(), url.clone(), token.clone()).await;
        hist.record(t.elapsed().as_micros() as u64).expect("record");
    }
    report(
        "authenticated HTTP request to another service, one at a time",
        n,
        started.elapsed(),
        Some(&hist),
    );
    let (h, u, t) = (http.clone(), url.clone(), token.clone());
    let elapsed = concurrently(n, 64, move || get_whoami(h.clone(), u.clone(), t.clone())).await;
    report(
        "authenticated HTTP request to another service, 64 in flight",
        n,
        elapsed,
        None,
    );

    auth.stop().await;
    service_bus.shutdown().await;
    identity_bus.shutdown().await;
}
