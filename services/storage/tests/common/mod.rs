//! A storage cloud for tests: a live identity (`stratus-testbed`: users in
//! two projects), the storage service's image and volume APIs behind the
//! real auth layer, and a storage agent in-process with its files in a temporary
//! directory, all on a bus namespace of the test's own.
#![allow(dead_code)]

use serde_json::Value;
use std::time::Duration;
use stratus_agent::{AgentConfig, AgentSettings};
use stratus_bus::Bus;
use stratus_bus_protocol::AgentKind;
use stratus_http::auth::Authenticator;
use stratus_storage::app::{App, StorageConfig};
use stratus_storage_agent::{StorageAgentConfig, StorageSettings};
use stratus_test_support::{
    TempDir, TestDatabase, TestServer, bus_config, poll_until, unique_name,
};
use stratus_testbed::Identity;

pub use stratus_testbed::Login;

pub struct Cloud {
    pub identity: Identity,
    pub image: TestServer,
    pub volume: TestServer,
    pub app: App,
    pub host: String,
    pub dir: TempDir,
    pub http: reqwest::Client,
    /// admin (project admin), alice (member of alpha), bob (member of
    /// beta), rita (reader of alpha).
    pub admin: Login,
    pub alice: Login,
    pub bob: Login,
    pub rita: Login,
    stop_agent: Option<tokio::sync::oneshot::Sender<()>>,
    agent_config: AgentConfig<StorageAgentConfig>,
    more_agents: Vec<(tokio::sync::oneshot::Sender<()>, AgentTask)>,
    agent: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _auth: Authenticator,
    _db: TestDatabase,
}

impl Cloud {
    pub async fn start() -> Self {
        Self::start_with(StorageConfig::default()).await
    }

    pub async fn start_with(config: StorageConfig) -> Self {
        stratus_test_support::init_logs();
        let http = reqwest::Client::new();

        let identity = Identity::start().await;
        let (admin, alice, bob, rita) = (
            identity.admin.clone(),
            identity.alice.clone(),
            identity.bob.clone(),
            identity.rita.clone(),
        );

        // The storage service and its agent.
        let bus_cfg = bus_config();
        let bus = Bus::new(bus_cfg.clone(), "test-storage");
        let auth = identity.authenticator(&bus).await;
        let storage_db = TestDatabase::new(Some(&stratus_storage::MIGRATOR))
            .await
            .expect("db");
        let app = App::new(storage_db.pool.clone(), bus.clone(), config);
        drop(app.follow_capacity());
        drop(app.follow_volume_results());
        let image =
            TestServer::start(auth.layer(stratus_storage::http::image_router(app.clone()))).await;
        let volume =
            TestServer::start(auth.layer(stratus_storage::http::volume_router(app.clone()))).await;

        // The catalog's image and volume endpoints point at this test's APIs.
        identity.register("image", "glance", &image.url("")).await;
        let volume_url = volume.url("/v3/%(project_id)s");
        identity.register("volumev3", "cinderv3", &volume_url).await;
        identity
            .register("block-storage", "cinder", &volume_url)
            .await;

        let dir = TempDir::new("stratus-storage-test");
        let host = unique_name("storage-host");
        let agent_config = AgentConfig {
            agent: AgentSettings {
                host: host.clone(),
                netns: None,
                heartbeat_interval_s: 1,
            },
            bus: bus_cfg,
            log: Default::default(),
            extra: StorageAgentConfig {
                storage: StorageSettings {
                    root: dir.path.join("storage"),
                    capacity_bytes: None,
                },
            },
        };
        let (stop_agent, agent) = spawn_agent(agent_config.clone());
        wait_for_host(&storage_db.pool, &host).await;
        Self {
            identity,
            image,
            volume,
            app,
            host,
            dir,
            http,
            admin,
            alice,
            bob,
            rita,
            stop_agent: Some(stop_agent),
            agent: Some(agent),
            agent_config,
            more_agents: Vec::new(),
            _auth: auth,
            _db: storage_db,
        }
    }

    /// A `clouds.yaml` in the test's directory with a cloud per user
    /// (`admin`, `alice`, `bob`, `rita`), for the `openstack` CLI.
    pub fn clouds_yaml(&self) -> std::path::PathBuf {
        self.identity.clouds_yaml(&self.dir.path)
    }

    /// A request to the image API as `who`.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.image.url(path))
            .header("X-Auth-Token", who.token.clone())
    }

    /// Sends a request to the volume API under `who`'s project
    /// (`/v3/{project}{path}`).
    pub async fn volumes(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = self.volume.url(&format!("/v3/{}{path}", who.project_id));
        stratus_testbed::send(&self.http, method, &url, who, body).await
    }

    /// Polls until the volume (or snapshot: `kind` "snapshots") has
    /// `status`; returns it.
    pub async fn wait_status(&self, who: &Login, kind: &str, id: &str, status: &str) -> Value {
        let key = if kind == "volumes" {
            "volume"
        } else {
            "snapshot"
        };
        let what = format!("{kind} {id} to be {status}");
        poll_until(Duration::from_secs(60), &what, || async {
            let (code, body) = self
                .volumes(reqwest::Method::GET, &format!("/{kind}/{id}"), who, None)
                .await;
            (code == 200 && body[key]["status"] == status).then(|| body[key].clone())
        })
        .await
    }

    /// Polls until the volume or snapshot is gone (404).
    pub async fn wait_gone(&self, who: &Login, kind: &str, id: &str) {
        let what = format!("{kind} {id} to be gone");
        poll_until(Duration::from_secs(60), &what, || async {
            let (code, _) = self
                .volumes(reqwest::Method::GET, &format!("/{kind}/{id}"), who, None)
                .await;
            (code == 404).then_some(())
        })
        .await;
    }

    /// The files under one of the agent's directories (`volumes`, `snapshots`, `cache`).
    pub fn files(&self, kind: &str) -> Vec<String> {
        let mut files: Vec<String> = std::fs::read_dir(self.dir.path.join("storage").join(kind))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// A path under the agent's storage directory.
    pub fn storage_path(&self, kind: &str, id: &str) -> std::path::PathBuf {
        self.dir.path.join("storage").join(kind).join(id)
    }

    /// Sends a request with an optional JSON body; status and JSON body (or null).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
        body: Option<Value>,
    ) -> (u16, Value) {
        stratus_testbed::send(&self.http, method, &self.image.url(path), who, body).await
    }

    /// Creates an image as `who`; returns its JSON.
    pub async fn create_image(&self, who: &Login, body: Value) -> Value {
        let (status, image) = self
            .send(reqwest::Method::POST, "/v2/images", who, Some(body))
            .await;
        assert_eq!(status, 201, "{image}");
        image
    }

    /// Uploads `data` to an image as `who`; returns the status.
    pub async fn upload(&self, who: &Login, id: &str, data: Vec<u8>) -> (u16, String) {
        let resp = self
            .request(reqwest::Method::PUT, &format!("/v2/images/{id}/file"), who)
            .header("Content-Type", "application/octet-stream")
            .body(data)
            .send()
            .await
            .expect("PUT file");
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    }

    /// Sends a JSON patch as `who`.
    pub async fn patch(&self, who: &Login, id: &str, ops: Value) -> (u16, Value) {
        let resp = self
            .request(reqwest::Method::PATCH, &format!("/v2/images/{id}"), who)
            .header(
                "Content-Type",
                "application/openstack-images-v2.1-json-patch",
            )
            .body(ops.to_string())
            .send()
            .await
            .expect("PATCH");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The files under the agent's image directory.
    pub fn image_files(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.path.join("storage/images"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Stops the storage agent (the service keeps running).
    pub async fn stop_agent_only(&mut self) {
        if let Some(stop) = self.stop_agent.take() {
            let _ = stop.send(());
        }
        if let Some(agent) = self.agent.take() {
            let _ = agent.await;
        }
    }

    /// Starts another storage host (its agent, files under the test's
    /// directory) reporting `capacity_bytes`; returns its name.
    pub async fn add_host(&mut self, name: &str, capacity_bytes: Option<u64>) -> String {
        let host = unique_name(name);
        let mut config = self.agent_config.clone();
        config.agent.host = host.clone();
        config.extra.storage.root = self.dir.path.join(&host);
        config.extra.storage.capacity_bytes = capacity_bytes;
        self.more_agents.push(spawn_agent(config));
        wait_for_host(&self.app.pool, &host).await;
        host
    }

    /// Starts the storage agent again (same host, same directory).
    pub fn restart_agent(&mut self) {
        let (stop, agent) = spawn_agent(self.agent_config.clone());
        self.stop_agent = Some(stop);
        self.agent = Some(agent);
    }

    pub async fn stop(mut self) {
        self.stop_agent_only().await;
        for (stop, agent) in self.more_agents.drain(..) {
            let _ = stop.send(());
            let _ = agent.await;
        }
    }
}

type AgentTask = tokio::task::JoinHandle<anyhow::Result<()>>;

async fn wait_for_host(pool: &sqlx::PgPool, host: &str) {
    poll_until(
        Duration::from_secs(30),
        "the storage host to report its capacity",
        || async {
            sqlx::query_scalar::<_, String>("SELECT host FROM storage_hosts WHERE host = $1")
                .bind(host)
                .fetch_optional(pool)
                .await
                .ok()
                .flatten()
        },
    )
    .await;
}

fn spawn_agent(
    config: AgentConfig<StorageAgentConfig>,
) -> (tokio::sync::oneshot::Sender<()>, AgentTask) {
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let agent = tokio::spawn(stratus_agent::run(
        AgentKind::Storage,
        config,
        stratus_storage_agent::start,
        async {
            let _ = stop_rx.await;
        },
    ));
    (stop, agent)
}

/// A qcow2 image of `size` made by qemu-img, with some data written into it.
pub fn qcow2(dir: &std::path::Path, size: &str) -> Vec<u8> {
    let path = dir.join(format!("{}.qcow2", unique_name("img")));
    let out = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&path)
        .arg(size)
        .output()
        .expect("qemu-img");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&path).expect("read");
    let _ = std::fs::remove_file(&path);
    bytes
}

/// A qcow2 image of `size` whose first 8 MiB hold a pattern, so copies can
/// be compared.
pub fn qcow2_with_data(dir: &std::path::Path, size: &str) -> Vec<u8> {
    let raw = dir.join(format!("{}.raw", unique_name("img")));
    let out_path = dir.join(format!("{}.qcow2", unique_name("img")));
    let pattern: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&raw, &pattern).expect("write");
    for args in [
        vec![
            "convert".as_ref(),
            "-q".as_ref(),
            "-f".as_ref(),
            "raw".as_ref(),
            "-O".as_ref(),
            "qcow2".as_ref(),
            raw.as_os_str(),
            out_path.as_os_str(),
        ],
        vec![
            "resize".as_ref(),
            "-q".as_ref(),
            "-f".as_ref(),
            "qcow2".as_ref(),
            out_path.as_os_str(),
            std::ffi::OsStr::new(size),
        ],
    ] {
        let out = std::process::Command::new("qemu-img")
            .args(&args)
            .output()
            .expect("qemu-img");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let bytes = std::fs::read(&out_path).expect("read");
    let _ = std::fs::remove_file(&raw);
    let _ = std::fs::remove_file(&out_path);
    bytes
}

/// Whether two disk files hold the same guest-visible data (`qemu-img compare`).
pub fn same_disk(a: &std::path::Path, b: &std::path::Path) -> bool {
    std::process::Command::new("qemu-img")
        .args(["compare", "-q"])
        .arg(a)
        .arg(b)
        .status()
        .expect("qemu-img")
        .success()
}

/// A disk file's virtual size in bytes.
pub fn virtual_size(path: &std::path::Path) -> u64 {
    let out = std::process::Command::new("qemu-img")
        .args(["info", "--output=json"])
        .arg(path)
        .output()
        .expect("qemu-img");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["virtual-size"].as_u64().expect("virtual-size")
}
