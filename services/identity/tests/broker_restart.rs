//! A revocation made while a service's bus connection is down still
//! reaches it: identity keeps it in its outbox until the broker is back, and
//! the service loads the revocation list again when its connection returns.
//!
//! This test stops and starts the whole local RabbitMQ application, so
//! `scripts/test` runs it on its own, after every other test.

mod common;

use common::{ADMIN_PASSWORD, admin_project_scope, password_auth, test_config};
use reqwest::StatusCode;
use std::time::Duration;
use stratus_auth::AuthError;
use stratus_identity::app::App;
use stratus_identity::app::bootstrap::{self, BootstrapOptions};
use stratus_test_support::broker::{RestartGuard, rabbitmqctl};
use stratus_test_support::{TestDatabase, TestServer, bus_config, poll_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_made_while_a_service_is_disconnected_reaches_it() {
    stratus_test_support::init_logs();
    let bus_cfg = bus_config();
    let db = TestDatabase::new(Some(&stratus_identity::MIGRATOR))
        .await
        .expect("db");
    let config = test_config();
    let identity_bus = stratus_bus::Bus::new(bus_cfg.clone(), "test-identity");
    let app = App::new(db.pool.clone(), config.clone())
        .await
        .expect("app")
        .with_bus(identity_bus.clone());
    let shutdown = tokio_util::sync::CancellationToken::new();
    app.start_background(shutdown.clone());
    let server = TestServer::start(stratus_identity::http::router(app.clone())).await;
    bootstrap::run(
        &db.pool,
        &config,
        &BootstrapOptions {
            admin_user: "admin".into(),
            admin_password: ADMIN_PASSWORD.into(),
            admin_project: "admin".into(),
            region: "RegionOne".into(),
            public_base: "http://127.0.0.1".into(),
            port_offset: server.addr.port().saturating_sub(5000),
            service_passwords: [("compute".to_owned(), "compute-pw".to_owned())].into(),
        },
    )
    .await
    .expect("bootstrap");

    // A service, with its own user, far from its periodic reload.
    let service_bus = stratus_bus::Bus::new(bus_cfg, "test-service");
    let auth = stratus_http::auth::Authenticator::start(
        &stratus_http::auth::AuthConfig {
            identity_url: server.url("/v3"),
            username: Some("compute".into()),
            password: Some("compute-pw".into()),
            revocation_reload_s: 3600,
            ..stratus_http::auth::AuthConfig::default()
        },
        &service_bus,
    )
    .await
    .expect("authenticator");
    let verifier = auth.verifier();

    let http = reqwest::Client::new();
    let issue = || async {
        let resp = http
            .post(server.url("/v3/auth/tokens"))
            .json(&password_auth(
                "admin",
                ADMIN_PASSWORD,
                Some(admin_project_scope()),
            ))
            .send()
            .await
            .expect("POST");
        assert_eq!(resp.status(), StatusCode::CREATED);
        resp.headers()["x-subject-token"]
            .to_str()
            .expect("token")
            .to_owned()
    };
    let admin = issue().await;
    let doomed = issue().await;
    verifier.verify(&doomed).await.expect("valid before");

    let _guard = RestartGuard;
    rabbitmqctl("stop_app");
    poll_until(
        Duration::from_secs(30),
        "the service to see the broker gone",
        || async { (!service_bus.is_connected()).then_some(()) },
    )
    .await;
    let resp = http
        .delete(server.url("/v3/auth/tokens"))
        .header("x-auth-token", &admin)
        .header("x-subject-token", &doomed)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(
        resp.status(),
        StatusCode::NO_CONTENT,
        "identity revokes without the broker"
    );
    assert!(
        verifier.verify(&doomed).await.is_ok(),
        "the service cannot have heard yet"
    );
    rabbitmqctl("start_app");
    poll_until(
        Duration::from_secs(90),
        "the revocation to reach the service",
        || async {
            matches!(verifier.verify(&doomed).await, Err(AuthError::Revoked)).then_some(())
        },
    )
    .await;
    assert!(verifier.verify(&admin).await.is_ok(), "only that token");
    shutdown.cancel();
    auth.stop().await;
}
