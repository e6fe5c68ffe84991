//! A live identity service for tests: a fresh database, the service on a
//! loopback port, bootstrapped with a catalog that points at that port.
#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use stratus_identity::app::bootstrap::{self, BootstrapOptions};
use stratus_identity::app::password::HashParams;
use stratus_identity::app::{App, IdentityConfig};
use stratus_test_support::{TestDatabase, TestServer};

/// Cheap hashing keeps the suite fast; production uses the defaults.
pub fn test_config() -> IdentityConfig {
    IdentityConfig {
        password_hashing: HashParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        },
        lockout_s: 3600,
        ..IdentityConfig::default()
    }
}

pub struct Identity {
    pub server: TestServer,
    pub app: App,
    pub db: TestDatabase,
}

/// Bootstraps `admin`/`admin_password` (and service users if
/// `service_password`) and serves identity, announcing revocations on `bus`.
pub async fn start_identity(
    config: IdentityConfig,
    admin_password: &str,
    service_password: Option<&str>,
    bus: Option<stratus_bus::Bus>,
) -> Identity {
    stratus_test_support::init_logs();
    let db = TestDatabase::new(Some(&stratus_identity::MIGRATOR))
        .await
        .expect("database");
    let mut app = App::new(db.pool.clone(), config.clone())
        .await
        .expect("app");
    if let Some(bus) = bus {
        app = app.with_bus(bus);
    }
    let server = TestServer::start(stratus_identity::http::router(app.clone())).await;
    let port = server.addr.port();
    assert!(
        port >= 5000,
        "the catalog's ports are offsets from the standard ones"
    );
    let options = BootstrapOptions {
        admin_user: "admin".into(),
        admin_password: admin_password.into(),
        admin_project: "admin".into(),
        region: "RegionOne".into(),
        public_base: "http://127.0.0.1".into(),
        port_offset: port - 5000,
        service_passwords: service_password
            .map(|p| {
                bootstrap::SERVICE_USERS
                    .iter()
                    .map(|u| ((*u).to_owned(), p.to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
    };
    bootstrap::run(&db.pool, &config, &options)
        .await
        .expect("bootstrap");
    Identity { server, app, db }
}

/// Writes a clouds.yaml with one cloud per `(name, user, password, project)`
/// (no project: an unscoped login) in `dir`.
pub fn clouds_yaml(dir: &Path, port: u16, clouds: &[(&str, &str, &str, Option<&str>)]) -> PathBuf {
    let mut yaml = String::from("clouds:\n");
    for (name, user, password, project) in clouds {
        yaml.push_str(&format!(
            "  {name}:\n    auth:\n      auth_url: http://127.0.0.1:{port}/v3\n      username: {user}\n      password: {password}\n      user_domain_name: Default\n"
        ));
        if let Some(project) = project {
            yaml.push_str(&format!(
                "      project_name: {project}\n      project_domain_name: Default\n"
            ));
        }
        yaml.push_str("    region_name: RegionOne\n    identity_api_version: 3\n");
    }
    let path = dir.join("clouds.yaml");
    std::fs::write(&path, yaml).expect("write clouds.yaml");
    path
}

pub const ADMIN_PASSWORD: &str = "s3cret-admin";

/// A bootstrapped identity service and an HTTP client for it.
pub struct Cloud {
    pub server: TestServer,
    pub app: App,
    pub _db: TestDatabase,
    pub http: reqwest::Client,
}

pub async fn cloud_with(config: IdentityConfig) -> Cloud {
    let started = start_identity(config, ADMIN_PASSWORD, Some("s3rvice"), None).await;
    Cloud {
        server: started.server,
        app: started.app,
        _db: started.db,
        http: reqwest::Client::new(),
    }
}

/// A user with only the member role on the admin project.
pub async fn add_member(c: &Cloud, name: &str, password: &str) {
    use stratus_identity::datastore as ds;
    let hash =
        stratus_identity::app::password::hash(test_config().password_hashing, password.into())
            .await
            .expect("hash");
    let user = ds::user_ensure(&c.app.pool, "default", name, &hash)
        .await
        .expect("user");
    let project = ds::project_get_by_name(&c.app.pool, "default", "admin")
        .await
        .expect("query")
        .expect("project");
    let member = ds::role_ensure(&c.app.pool, "member").await.expect("role");
    ds::role_assignment_ensure(&c.app.pool, "user", &user, "project", &project.id, &member)
        .await
        .expect("grant");
}

pub async fn cloud() -> Cloud {
    cloud_with(test_config()).await
}

pub fn password_auth(user: &str, password: &str, scope: Option<Value>) -> Value {
    let mut auth = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": password}}}}});
    if let Some(scope) = scope {
        auth["auth"]["scope"] = scope;
    }
    auth
}

pub fn admin_project_scope() -> Value {
    json!({"project": {"name": "admin", "domain": {"id": "default"}}})
}

impl Cloud {
    /// A request to `path` authenticated with `token`.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.server.url(path))
            .header("X-Auth-Token", token.to_owned())
    }

    pub async fn post_tokens(&self, body: &Value, query: &str) -> reqwest::Response {
        self.http
            .post(self.server.url(&format!("/v3/auth/tokens{query}")))
            .json(body)
            .send()
            .await
            .expect("POST /v3/auth/tokens")
    }

    /// Issues a token and returns it with its body.
    pub async fn token(&self, body: &Value) -> (String, Value) {
        let resp = self.post_tokens(body, "").await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let token = resp.headers()["x-subject-token"]
            .to_str()
            .expect("ascii")
            .to_owned();
        (token, resp.json().await.expect("json"))
    }

    pub async fn admin_token(&self) -> String {
        self.token(&password_auth(
            "admin",
            ADMIN_PASSWORD,
            Some(admin_project_scope()),
        ))
        .await
        .0
    }

    pub async fn subject(
        &self,
        method: reqwest::Method,
        auth: &str,
        subject: &str,
    ) -> reqwest::Response {
        self.request(method, "/v3/auth/tokens", auth)
            .header("X-Subject-Token", subject)
            .send()
            .await
            .expect("request")
    }
}
