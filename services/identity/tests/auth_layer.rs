//! The shared auth layer (`stratus_http::auth`) as another service uses it,
//! against a live identity and the real bus: local validation with the JWKS
//! fetched over HTTP, Keystone's default roles, revocations applied from the
//! bus, and a restarted service that still knows earlier revocations.

use axum::Router;
use axum::routing::{get, post};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use stratus_bus::Bus;
use stratus_common::ErrorStyle;
use stratus_http::auth::{AuthConfig, Authenticator, Caller};
use stratus_http::{ApiOptions, Json};
use stratus_test_support::{TestServer, bus_config, poll_until};

mod common;

async fn whoami(caller: Caller) -> Result<Json<Value>, stratus_common::Error> {
    caller.require(stratus_auth::Role::Reader)?;
    Ok(Json(
        json!({"user": caller.0.user.name, "project": caller.project_id()}),
    ))
}

async fn write(caller: Caller) -> Result<&'static str, stratus_common::Error> {
    caller.require(stratus_auth::Role::Member)?;
    Ok("written")
}

async fn admin_only(caller: Caller) -> Result<&'static str, stratus_common::Error> {
    caller.require(stratus_auth::Role::Admin)?;
    Ok("admin")
}

fn service_router(auth: &Authenticator) -> Router {
    let routes = Router::new()
        .route("/whoami", get(whoami))
        .route("/write", post(write))
        .route("/admin", get(admin_only));
    stratus_http::finish(auth.layer(routes), ApiOptions::new(ErrorStyle::Nova))
}

async fn token(
    http: &reqwest::Client,
    identity: &TestServer,
    user: &str,
    password: &str,
) -> String {
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}});
    let resp = http
        .post(identity.url("/v3/auth/tokens"))
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::CREATED, "{user}");
    resp.headers()["x-subject-token"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

#[tokio::test]
async fn another_service_validates_locally_enforces_roles_and_follows_revocations() {
    stratus_test_support::init_logs();
    let bus_cfg = bus_config();
    let config = common::test_config();
    let identity_bus = Bus::new(bus_cfg.clone(), "test-identity");
    let started = common::start_identity(
        config.clone(),
        "admin-pw",
        Some("svc-pw"),
        Some(identity_bus.clone()),
    )
    .await;
    let (db, identity) = (&started.db, &started.server);
    // Two users with lesser roles on the admin project.
    {
        use stratus_identity::datastore as ds;
        let project = ds::project_get_by_name(&db.pool, "default", "admin")
            .await
            .expect("q")
            .expect("project");
        for (name, role) in [("mia", "member"), ("rex", "reader")] {
            let hash = stratus_identity::app::password::hash(
                config.password_hashing,
                format!("{name}-pw"),
            )
            .await
            .expect("hash");
            let user = ds::user_ensure(&db.pool, "default", name, &hash)
                .await
                .expect("user");
            let role = ds::role_ensure(&db.pool, role).await.expect("role");
            ds::role_assignment_ensure(&db.pool, "user", &user, "project", &project.id, &role)
                .await
                .expect("grant");
        }
    }

    let auth_config = AuthConfig {
        identity_url: identity.url("/v3"),
        username: Some("compute".into()),
        password: Some("svc-pw".into()),
        ..AuthConfig::default()
    };
    let service_bus = Bus::new(bus_cfg.clone(), "test-service");
    let auth = Authenticator::start(&auth_config, &service_bus)
        .await
        .expect("authenticator");
    let service = TestServer::start(service_router(&auth)).await;
    let http = reqwest::Client::new();

    let admin = token(&http, identity, "admin", "admin-pw").await;
    let mia = token(&http, identity, "mia", "mia-pw").await;
    let rex = token(&http, identity, "rex", "rex-pw").await;
    let call = |method: reqwest::Method, path: &str, token: Option<&str>| {
        let mut req = http.request(method, service.url(path));
        if let Some(t) = token {
            req = req.header("X-Auth-Token", t);
        }
        req.send()
    };
    use reqwest::Method;

    let resp = call(Method::GET, "/whoami", Some(&mia)).await.expect("GET");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.expect("json")["user"], "mia");
    // Roles: reader reads only; member writes; only admin is admin.
    assert_eq!(
        call(Method::GET, "/whoami", Some(&rex))
            .await
            .expect("GET")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        call(Method::POST, "/write", Some(&rex))
            .await
            .expect("POST")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(Method::POST, "/write", Some(&mia))
            .await
            .expect("POST")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        call(Method::GET, "/admin", Some(&mia))
            .await
            .expect("GET")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(Method::POST, "/write", Some(&admin))
            .await
            .expect("POST")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        call(Method::GET, "/admin", Some(&admin))
            .await
            .expect("GET")
            .status(),
        StatusCode::OK
    );
    // No token, garbage: 401 in the service's own dialect.
    let resp = call(Method::GET, "/whoami", None).await.expect("GET");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["unauthorized"]["code"],
        401
    );
    assert_eq!(
        call(Method::GET, "/whoami", Some("x.y.z"))
            .await
            .expect("GET")
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Revoke mia's token at identity: the service stops accepting it.
    let revoked = http
        .delete(identity.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &admin)
        .header("X-Subject-Token", &mia)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let started = Instant::now();
    poll_until(
        Duration::from_secs(10),
        "the service to refuse the revoked token",
        || async {
            let status = call(Method::GET, "/whoami", Some(&mia))
                .await
                .ok()?
                .status();
            (status == StatusCode::UNAUTHORIZED).then_some(())
        },
    )
    .await;
    eprintln!(
        "revocation reached the service after {:?}",
        started.elapsed()
    );
    assert_eq!(
        call(Method::GET, "/whoami", Some(&rex))
            .await
            .expect("GET")
            .status(),
        StatusCode::OK
    );

    // A service started later loads the revocation from identity.
    auth.stop().await;
    let restarted = Authenticator::start(&auth_config, &service_bus)
        .await
        .expect("authenticator");
    let service2 = TestServer::start(service_router(&restarted)).await;
    let resp = http
        .get(service2.url("/whoami"))
        .header("X-Auth-Token", &mia)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = http
        .get(service2.url("/whoami"))
        .header("X-Auth-Token", &rex)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::OK);

    restarted.stop().await;
    service_bus.shutdown().await;
    identity_bus.shutdown().await;
}
