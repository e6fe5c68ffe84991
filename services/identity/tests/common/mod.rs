//! A live identity service for tests: a fresh database, the service on a
//! loopback port, bootstrapped with a catalog that points at that port.
#![allow(dead_code)]

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
        service_password: service_password.map(Into::into),
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
