//! A live identity service for the tests of the other services: its own
//! database, bootstrapped, with users in two projects and their tokens:
//!
//! | login | user  | project | role   |
//! |-------|-------|---------|--------|
//! | admin | admin | admin   | admin  |
//! | alice | alice | alpha   | member |
//! | bob   | bob   | beta    | member |
//! | rita  | rita  | alpha   | reader |
//!
//! Services under test point their auth layer at [`Identity::url`], register
//! their test ports in the catalog with [`Identity::register`], and hand the
//! real `openstack` client [`Identity::clouds_yaml`].

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use stratus_identity::app::password::HashParams;
use stratus_identity::app::{App, IdentityConfig};
use stratus_test_support::{TestDatabase, TestServer};

pub const ADMIN_PASSWORD: &str = "testbed-admin";

/// The users besides the admin: name, project, role (passwords `<name>-pw`).
pub const USERS: &[(&str, &str, &str)] = &[
    ("alice", "alpha", "member"),
    ("bob", "beta", "member"),
    ("rita", "alpha", "reader"),
];

/// A user's token and project.
#[derive(Clone, Debug)]
pub struct Login {
    pub token: String,
    pub project_id: String,
}

pub struct Identity {
    pub server: TestServer,
    pub db: TestDatabase,
    pub admin: Login,
    pub alice: Login,
    pub bob: Login,
    pub rita: Login,
}

/// Logs `user` in to `project` with a password; panics if refused.
pub async fn login(identity: &TestServer, user: &str, password: &str, project: &str) -> Login {
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}});
    let resp = reqwest::Client::new()
        .post(identity.url("/v3/auth/tokens"))
        .json(&body)
        .send()
        .await
        .expect("POST /v3/auth/tokens");
    assert_eq!(resp.status().as_u16(), 201, "login of {user}");
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = resp.json().await.expect("json");
    Login {
        token,
        project_id: body["token"]["project"]["id"]
            .as_str()
            .expect("project")
            .to_owned(),
    }
}

/// Sends `method url` as `who` with an optional JSON body; the status and
/// the JSON body (null when there is none, or it is not JSON).
pub async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    who: &Login,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http
        .request(method, url)
        .header("X-Auth-Token", who.token.clone());
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

impl Identity {
    /// The auth layer of a service under test: validates this identity's
    /// tokens locally and follows revocations on `bus`.
    pub async fn authenticator(&self, bus: &stratus_bus::Bus) -> stratus_http::auth::Authenticator {
        stratus_http::auth::Authenticator::start(
            &stratus_http::auth::AuthConfig {
                identity_url: self.url(),
                ..stratus_http::auth::AuthConfig::default()
            },
            bus,
        )
        .await
        .expect("auth layer")
    }

    pub async fn start() -> Self {
        stratus_test_support::init_logs();
        let db = TestDatabase::new(Some(&stratus_identity::MIGRATOR))
            .await
            .expect("db");
        // Cheap hashing keeps the suites fast.
        let config = IdentityConfig {
            password_hashing: HashParams {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            },
            ..IdentityConfig::default()
        };
        let app = App::new(db.pool.clone(), config.clone())
            .await
            .expect("identity");
        let server = TestServer::start(stratus_identity::http::router(app)).await;
        let options = stratus_identity::app::bootstrap::BootstrapOptions {
            admin_user: "admin".into(),
            admin_password: ADMIN_PASSWORD.into(),
            admin_project: "admin".into(),
            region: "RegionOne".into(),
            public_base: "http://127.0.0.1".into(),
            port_offset: server.addr.port().saturating_sub(5000),
            service_passwords: Default::default(),
        };
        stratus_identity::app::bootstrap::run(&db.pool, &config, &options)
            .await
            .expect("bootstrap");
        {
            use stratus_identity::datastore as ds;
            let pool = &db.pool;
            for (user, project, role) in USERS {
                let hash = stratus_identity::app::password::hash(
                    config.password_hashing,
                    format!("{user}-pw"),
                )
                .await
                .expect("hash");
                let project_id = ds::project_ensure(pool, "default", project, "")
                    .await
                    .expect("project");
                let user_id = ds::user_ensure(pool, "default", user, &hash)
                    .await
                    .expect("user");
                let role_id = ds::role_ensure(pool, role).await.expect("role");
                ds::role_assignment_ensure(
                    pool,
                    "user",
                    &user_id,
                    "project",
                    &project_id,
                    &role_id,
                )
                .await
                .expect("grant");
            }
        }
        let admin = login(&server, "admin", ADMIN_PASSWORD, "admin").await;
        let alice = login(&server, "alice", "alice-pw", "alpha").await;
        let bob = login(&server, "bob", "bob-pw", "beta").await;
        let rita = login(&server, "rita", "rita-pw", "alpha").await;
        Self {
            server,
            db,
            admin,
            alice,
            bob,
            rita,
        }
    }

    /// The v3 URL services' auth layers point at.
    pub fn url(&self) -> String {
        self.server.url("/v3")
    }

    /// Points the catalog's endpoints of `service_type` (all interfaces,
    /// RegionOne) at `url`.
    pub async fn register(&self, service_type: &str, name: &str, url: &str) {
        use stratus_identity::datastore as ds;
        let mut conn = self.db.pool.acquire().await.expect("conn");
        let service = ds::service_ensure(&mut conn, service_type, name)
            .await
            .expect("service");
        for interface in ["public", "internal", "admin"] {
            ds::endpoint_ensure(&mut conn, &service, interface, "RegionOne", url)
                .await
                .expect("endpoint");
        }
    }

    /// A `clouds.yaml` in `dir` with a cloud per login (`admin`, `alice`,
    /// `bob`, `rita`), for the `openstack` CLI.
    pub fn clouds_yaml(&self, dir: &Path) -> PathBuf {
        let mut yaml = String::from("clouds:\n");
        let mut all = vec![("admin", ADMIN_PASSWORD.to_owned(), "admin")];
        all.extend(USERS.iter().map(|(u, p, _)| (*u, format!("{u}-pw"), *p)));
        for (user, password, project) in all {
            yaml.push_str(&format!(
                "  {user}:\n    auth:\n      auth_url: {}\n      username: {user}\n      password: {password}\n      user_domain_name: Default\n      project_name: {project}\n      project_domain_name: Default\n    region_name: RegionOne\n    identity_api_version: 3\n",
                self.url()
            ));
        }
        let path = dir.join("clouds.yaml");
        std::fs::write(&path, yaml).expect("write clouds.yaml");
        path
    }
}
