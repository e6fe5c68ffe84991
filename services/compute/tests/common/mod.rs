//! A compute cloud for tests: a live identity (`stratus-testbed`) and the
//! compute API behind the real auth layer, on a database and bus namespace
//! of the test's own. [`Cloud::start_full`] adds the network service and
//! the storage service with a storage agent (files in a temporary
//! directory), for servers.
#![allow(dead_code)]

pub mod guests;

/// The number in environment variable `name`, else `default` (benches).
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `p` quantile (0 to 1) of sorted durations (benches).
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len().saturating_sub(1))]
}

use serde_json::Value;
use stratus_bus::Bus;
use stratus_compute::app::{App, ComputeConfig};
use stratus_http::auth::Authenticator;
use stratus_test_support::{TestDatabase, TestServer, bus_config};
pub use stratus_testbed::{Identity, Login};

pub struct Cloud {
    pub identity: Identity,
    pub api: TestServer,
    pub app: App,
    pub http: reqwest::Client,
    /// The bus namespace of this cloud, for agents a test starts.
    pub bus: stratus_bus::BusConfig,
    /// The network and storage services, with [`Cloud::start_full`].
    pub full: Option<Full>,
    sweeper: Option<tokio_util::sync::DropGuard>,
    _auth: Authenticator,
    _db: TestDatabase,
}

/// The services servers need besides compute.
pub struct Full {
    pub network: TestServer,
    pub network_app: stratus_network::app::App,
    pub image: TestServer,
    pub volume: TestServer,
    pub storage_app: stratus_storage::app::App,
    pub storage_host: String,
    pub dir: stratus_test_support::TempDir,
    pub metering: stratus_metering::app::App,
    /// The metering API (rate cards, invoices, usage).
    pub metering_api: TestServer,
    _metering_db: TestDatabase,
    _network_db: TestDatabase,
    _storage_db: TestDatabase,
    _storage_agent: tokio::sync::oneshot::Sender<()>,
}

impl Cloud {
    pub async fn start() -> Self {
        Self::start_with(ComputeConfig::default()).await
    }

    pub async fn start_with(config: ComputeConfig) -> Self {
        stratus_test_support::init_logs();
        let identity = Identity::start().await;
        let bus_cfg = bus_config();
        let bus = Bus::new(bus_cfg.clone(), "test-compute");
        let auth = identity.authenticator(&bus).await;
        let db = TestDatabase::new(Some(&stratus_compute::MIGRATOR))
            .await
            .expect("db");
        let app = App::new(db.pool.clone(), bus.clone(), config);
        assert!(
            app.follow_inventory()
                .wait_consuming(std::time::Duration::from_secs(30))
                .await
        );
        assert!(
            app.follow_results()
                .wait_consuming(std::time::Duration::from_secs(30))
                .await
        );
        assert!(
            app.serve_agents()
                .wait_consuming(std::time::Duration::from_secs(30))
                .await
        );
        // As the runner serves it: writes announced for live views.
        let api = TestServer::start(auth.layer(stratus_http::changes::layer(
            stratus_compute::http::router(app.clone()),
            bus.clone(),
            "compute",
        )))
        .await;
        identity
            .register("compute", "nova", &api.url("/v2.1"))
            .await;
        Self {
            identity,
            api,
            app,
            http: reqwest::Client::new(),
            bus: bus_cfg,
            full: None,
            sweeper: None,
            _auth: auth,
            _db: db,
        }
    }

    /// [`Cloud::start_with`] and the network and storage services (with a
    /// storage agent) on the same bus, registered in the catalog; the
    /// compute service's sweeper runs until the cloud is dropped.
    pub async fn start_full(config: ComputeConfig) -> Self {
        let mut c = Self::start_with(config).await;
        let bus = Bus::new(c.bus.clone(), "test-compute-peers");
        let auth = &c._auth;

        let network_db = TestDatabase::new(Some(&stratus_network::MIGRATOR))
            .await
            .expect("db");
        let network_app = stratus_network::app::App::new(
            network_db.pool.clone(),
            bus.clone(),
            stratus_network::app::NetworkConfig::default(),
        );
        assert!(
            network_app
                .serve_agents()
                .wait_consuming(std::time::Duration::from_secs(30))
                .await
        );
        let network =
            TestServer::start(auth.layer(stratus_network::http::router(network_app.clone()))).await;
        c.identity
            .register("network", "neutron", &network.url(""))
            .await;

        let storage_db = TestDatabase::new(Some(&stratus_storage::MIGRATOR))
            .await
            .expect("db");
        let storage_app = stratus_storage::app::App::new(
            storage_db.pool.clone(),
            bus.clone(),
            stratus_storage::app::StorageConfig::default(),
        );
        drop(storage_app.follow_capacity());
        drop(storage_app.follow_volume_results());
        assert!(
            storage_app
                .serve_services()
                .wait_consuming(std::time::Duration::from_secs(30))
                .await
        );
        let image =
            TestServer::start(auth.layer(stratus_storage::http::image_router(storage_app.clone())))
                .await;
        c.identity.register("image", "glance", &image.url("")).await;
        let volume = TestServer::start(
            auth.layer(stratus_storage::http::volume_router(storage_app.clone())),
        )
        .await;
        let volume_url = volume.url("/v3/%(project_id)s");
        c.identity
            .register("volumev3", "cinderv3", &volume_url)
            .await;
        c.identity
            .register("block-storage", "cinder", &volume_url)
            .await;

        let dir = stratus_test_support::TempDir::new("stratus-compute-test");
        // QEMU (an unprivileged user) reads images from here.
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir.path, std::fs::Permissions::from_mode(0o755));
        }
        let storage_host = stratus_test_support::unique_name("storage-host");
        let agent_config = stratus_agent::AgentConfig {
            agent: stratus_agent::AgentSettings {
                host: storage_host.clone(),
                netns: None,
                heartbeat_interval_s: 1,
            },
            bus: c.bus.clone(),
            log: Default::default(),
            extra: stratus_storage_agent::StorageAgentConfig {
                storage: stratus_storage_agent::StorageSettings {
                    root: dir.path.join("storage"),
                    capacity_bytes: None,
                },
            },
        };
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(stratus_agent::run(
            stratus_bus_protocol::AgentKind::Storage,
            agent_config,
            stratus_storage_agent::start,
            async {
                let _ = stop_rx.await;
            },
        ));
        let pool = storage_db.pool.clone();
        let host = storage_host.clone();
        stratus_test_support::poll_until(
            std::time::Duration::from_secs(30),
            "the storage host to report",
            || {
                let (pool, host) = (pool.clone(), host.clone());
                async move {
                    sqlx::query_scalar::<_, String>(
                        "SELECT host FROM storage_hosts WHERE host = $1",
                    )
                    .bind(host)
                    .fetch_optional(&pool)
                    .await
                    .ok()
                    .flatten()
                }
            },
        )
        .await;
        // Metering: samples and lifecycle events in, invoices and tenant
        // usage out.
        let metering_db = TestDatabase::new(Some(&stratus_metering::MIGRATOR))
            .await
            .expect("db");
        let metering = stratus_metering::app::App::new(metering_db.pool.clone(), bus.clone());
        for follower in [metering.follow_lifecycle(), metering.follow_samples()] {
            assert!(
                follower
                    .wait_consuming(std::time::Duration::from_secs(30))
                    .await
            );
        }
        let metering_api =
            TestServer::start(auth.layer(stratus_metering::http::router_with(metering.clone())))
                .await;
        assert!(
            metering
                .serve_services()
                .wait_consuming(std::time::Duration::from_secs(30))
                .await
        );
        let shutdown = tokio_util::sync::CancellationToken::new();
        c.app.start_sweeper(shutdown.clone());
        c.sweeper = Some(shutdown.drop_guard());
        c.full = Some(Full {
            network,
            network_app,
            image,
            volume,
            storage_app,
            storage_host,
            dir,
            metering,
            metering_api,
            _metering_db: metering_db,
            _network_db: network_db,
            _storage_db: storage_db,
            _storage_agent: stop,
        });
        c
    }

    fn full(&self) -> &Full {
        self.full.as_ref().expect("a cloud from start_full")
    }

    /// A request to the network API as `who`.
    pub async fn net(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
        body: Option<Value>,
    ) -> (u16, Value) {
        stratus_testbed::send(
            &self.http,
            method,
            &self.full().network.url(path),
            who,
            body,
        )
        .await
    }

    /// A network with one IPv4 subnet (`cidr`, DHCP on) owned by `who`;
    /// the network's id.
    pub async fn network(&self, who: &Login, name: &str, cidr: &str) -> String {
        let (st, n) = self
            .net(
                reqwest::Method::POST,
                "/v2.0/networks",
                who,
                Some(serde_json::json!({"network": {"name": name}})),
            )
            .await;
        assert_eq!(st, 201, "{n}");
        let id = n["network"]["id"].as_str().expect("id").to_owned();
        let (st, sn) = self
            .net(
                reqwest::Method::POST,
                "/v2.0/subnets",
                who,
                Some(serde_json::json!({"subnet": {"network_id": id, "ip_version": 4, "cidr": cidr}})),
            )
            .await;
        assert_eq!(st, 201, "{sn}");
        id
    }

    /// A URL of the volume API.
    pub fn full_volume_url(&self, path: &str) -> String {
        self.full().volume.url(path)
    }

    /// A request to the image API as `who`.
    pub async fn img(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
        body: Option<Value>,
    ) -> (u16, Value) {
        stratus_testbed::send(&self.http, method, &self.full().image.url(path), who, body).await
    }

    /// An active image of `data` owned by `who` (`extra` merged into the
    /// create request); its id.
    pub async fn image(&self, who: &Login, data: Vec<u8>, extra: Value) -> String {
        let mut body =
            serde_json::json!({"name": "img", "disk_format": "raw", "container_format": "bare"});
        if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
            b.extend(e);
        }
        let url = self.full().image.url("/v2/images");
        let (st, img) =
            stratus_testbed::send(&self.http, reqwest::Method::POST, &url, who, Some(body)).await;
        assert_eq!(st, 201, "{img}");
        let id = img["id"].as_str().expect("id").to_owned();
        let resp = self
            .http
            .put(self.full().image.url(&format!("/v2/images/{id}/file")))
            .header("X-Auth-Token", who.token.clone())
            .header("Content-Type", "application/octet-stream")
            .body(data)
            .send()
            .await
            .expect("upload");
        assert_eq!(resp.status().as_u16(), 204, "upload");
        id
    }

    /// A request to the volume API (`/v3/<project>...`) as `who`.
    pub async fn vol(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = self
            .full()
            .volume
            .url(&format!("/v3/{}{path}", who.project_id));
        stratus_testbed::send(&self.http, method, &url, who, body).await
    }

    /// A volume of `size` GiB made by `who` (from `image` if given), once
    /// available; its id.
    pub async fn volume(&self, who: &Login, size: u32, image: Option<&str>) -> String {
        let mut body = serde_json::json!({"volume": {"size": size}});
        if let Some(i) = image {
            body["volume"]["imageRef"] = serde_json::json!(i);
        }
        let (st, v) = self
            .vol(reqwest::Method::POST, "/volumes", who, Some(body))
            .await;
        assert_eq!(st, 202, "{v}");
        let id = v["volume"]["id"].as_str().expect("id").to_owned();
        self.wait_volume(who, &id, "available").await;
        id
    }

    /// Polls a volume until its status is `status`; its view.
    pub async fn wait_volume(&self, who: &Login, id: &str, status: &str) -> Value {
        stratus_test_support::poll_until(
            std::time::Duration::from_secs(60),
            &format!("volume {id} {status}"),
            || async {
                let (_, v) = self
                    .vol(reqwest::Method::GET, &format!("/volumes/{id}"), who, None)
                    .await;
                (v["volume"]["status"] == status).then(|| v["volume"].clone())
            },
        )
        .await
    }

    /// A public flavor (admin); its id.
    pub async fn flavor(&self, name: &str, vcpus: u32, ram: u32, disk: u32) -> String {
        let (st, f) = self
            .send(
                reqwest::Method::POST,
                "/v2.1/flavors",
                &self.identity.admin,
                Some(serde_json::json!({"flavor": {"name": name, "vcpus": vcpus, "ram": ram, "disk": disk}})),
            )
            .await;
        assert_eq!(st, 200, "{f}");
        f["flavor"]["id"].as_str().expect("id").to_owned()
    }

    /// Polls a server until its status is `status` (panics on ERROR when
    /// another was wanted); its view.
    pub async fn wait_status(&self, who: &Login, id: &str, status: &str) -> Value {
        stratus_test_support::poll_until(
            std::time::Duration::from_secs(60),
            &format!("server {id} {status}"),
            || async {
                let (_, v) = self
                    .send(
                        reqwest::Method::GET,
                        &format!("/v2.1/servers/{id}"),
                        who,
                        None,
                    )
                    .await;
                let s = v["server"]["status"].as_str().unwrap_or("").to_owned();
                assert!(
                    !(s == "ERROR" && status != "ERROR"),
                    "server {id} went to ERROR: {v}"
                );
                (s == status && v["server"]["OS-EXT-STS:task_state"].is_null())
                    .then(|| v["server"].clone())
            },
        )
        .await
    }

    /// Polls until the server is gone (404).
    pub async fn wait_gone(&self, who: &Login, id: &str) {
        stratus_test_support::poll_until(
            std::time::Duration::from_secs(60),
            &format!("server {id} gone"),
            || async {
                let (st, _) = self
                    .send(
                        reqwest::Method::GET,
                        &format!("/v2.1/servers/{id}"),
                        who,
                        None,
                    )
                    .await;
                (st == 404).then_some(())
            },
        )
        .await;
    }

    /// The compute service's database.
    pub fn app_pool(&self) -> sqlx::PgPool {
        self._db.pool.clone()
    }

    /// Sends a request as `who` with an optional JSON body; the status and
    /// the JSON body (or null).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
        body: Option<Value>,
    ) -> (u16, Value) {
        stratus_testbed::send(&self.http, method, &self.api.url(path), who, body).await
    }
}

/// A compute agent with the fake driver, running in-process until dropped.
pub struct FakeHost {
    pub name: String,
    pub driver: std::sync::Arc<stratus_compute_agent::driver::fake::Fake>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakeHost {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Cloud {
    /// Starts a fake compute host reporting `vcpus`, `memory_mb`, `disk_gb`
    /// in `zone`, heartbeating every second.
    pub fn fake_host(&self, vcpus: u32, memory_mb: u64, disk_gb: u64, zone: &str) -> FakeHost {
        self.fake_host_with(
            stratus_compute_agent::driver::fake::FakeSettings {
                vcpus,
                memory_mb,
                disk_gb,
                ..Default::default()
            },
            zone,
        )
    }

    /// A fake host with the given settings (capacity, failing spawns).
    pub fn fake_host_with(
        &self,
        settings: stratus_compute_agent::driver::fake::FakeSettings,
        zone: &str,
    ) -> FakeHost {
        let driver = std::sync::Arc::new(stratus_compute_agent::driver::fake::Fake::new(settings));
        self.fake_host_as(&stratus_test_support::unique_name("fake"), driver, zone)
    }

    /// A fake host named `name` with `driver` (an agent restarted on a
    /// host, with what its hypervisor has).
    pub fn fake_host_as(
        &self,
        name: &str,
        driver: std::sync::Arc<stratus_compute_agent::driver::fake::Fake>,
        zone: &str,
    ) -> FakeHost {
        self.fake_host_reaping(name, driver, zone, false)
    }

    /// [`Cloud::fake_host_as`], with `reap_unknown_instances` as given.
    pub fn fake_host_reaping(
        &self,
        name: &str,
        driver: std::sync::Arc<stratus_compute_agent::driver::fake::Fake>,
        zone: &str,
        reap_unknown_instances: bool,
    ) -> FakeHost {
        let name = name.to_owned();
        let config = stratus_agent::AgentConfig {
            agent: stratus_agent::AgentSettings {
                host: name.clone(),
                netns: None,
                heartbeat_interval_s: 1,
            },
            bus: self.bus.clone(),
            log: Default::default(),
            extra: stratus_compute_agent::ComputeAgentConfig {
                compute: stratus_compute_agent::ComputeSettings {
                    driver: "fake".into(),
                    availability_zone: zone.into(),
                    power_sync_interval_s: 1,
                    reap_unknown_instances,
                    ..Default::default()
                },
                ..Default::default()
            },
        };
        let handle = driver.clone();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(stratus_agent::run(
            stratus_bus_protocol::AgentKind::Compute,
            config,
            move |deps| stratus_compute_agent::start_with(deps, driver),
            async {
                let _ = stop_rx.await;
            },
        ));
        FakeHost {
            name,
            driver: handle,
            stop: Some(stop),
        }
    }

    /// Polls `os-hypervisors/detail` until `host` is there; its view.
    pub async fn wait_host(&self, host: &str) -> Value {
        let admin = self.identity.admin.clone();
        stratus_test_support::poll_until(
            std::time::Duration::from_secs(30),
            &format!("{host} in os-hypervisors"),
            || {
                let admin = admin.clone();
                async move {
                    let (_, v) = self
                        .send(
                            reqwest::Method::GET,
                            "/v2.1/os-hypervisors/detail",
                            &admin,
                            None,
                        )
                        .await;
                    v["hypervisors"]
                        .as_array()?
                        .iter()
                        .find(|h| h["hypervisor_hostname"] == host)
                        .cloned()
                }
            },
        )
        .await
    }
}

/// What [`Cloud::boot_many`] saw.
pub struct Boots {
    /// Create request to ACTIVE, per server.
    pub latencies: Vec<std::time::Duration>,
    pub elapsed: std::time::Duration,
    pub ids: Vec<String>,
}

impl Cloud {
    /// Makes everything `count` servers need in alice's project (a /21
    /// network, an image, a 1-vCPU/256 MiB flavor, no quota in the way, an
    /// anti-affinity group for the first `apart` of them) and creates them
    /// `concurrency` at a time, each polled every `poll` until ACTIVE.
    pub async fn boot_many(
        &self,
        count: usize,
        concurrency: usize,
        apart: usize,
        poll: std::time::Duration,
    ) -> Boots {
        use futures_util::StreamExt;
        let alice = self.identity.alice.clone();
        let admin = self.identity.admin.clone();
        let (st, v) = self
            .send(
                reqwest::Method::PUT,
                &format!("/v2.1/os-quota-sets/{}", alice.project_id),
                &admin,
                Some(serde_json::json!({"quota_set": {"instances": -1, "cores": -1, "ram": -1, "server_group_members": -1}})),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        let (st, v) = self
            .net(
                reqwest::Method::PUT,
                &format!("/v2.0/quotas/{}", alice.project_id),
                &admin,
                Some(serde_json::json!({"quota": {"port": -1}})),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        let net = self.network(&alice, "scale", "10.128.0.0/21").await;
        let image = self
            .image(&alice, vec![5u8; 4096], serde_json::json!({}))
            .await;
        let flavor = self.flavor("scale", 1, 256, 1).await;
        let (_, g) = self
            .send(
                reqwest::Method::POST,
                "/v2.1/os-server-groups",
                &alice,
                Some(serde_json::json!({"server_group": {"name": "apart", "policies": ["anti-affinity"]}})),
            )
            .await;
        let group = g["server_group"]["id"].as_str().expect("group").to_owned();
        let start = std::time::Instant::now();
        let results: Vec<(String, std::time::Duration)> = futures_util::stream::iter(0..count)
            .map(|i| {
                let (alice, net, image, flavor, group) = (
                    alice.clone(),
                    net.clone(),
                    image.clone(),
                    flavor.clone(),
                    group.clone(),
                );
                async move {
                    let mut body = serde_json::json!({"server": {"name": format!("s{i}"),
                        "imageRef": image, "flavorRef": flavor, "networks": [{"uuid": net}]}});
                    if i < apart {
                        body["os:scheduler_hints"] = serde_json::json!({"group": group});
                    }
                    let t = std::time::Instant::now();
                    let (st, v) = self
                        .send(reqwest::Method::POST, "/v2.1/servers", &alice, Some(body))
                        .await;
                    assert_eq!(st, 202, "{v}");
                    let id = v["server"]["id"].as_str().expect("id").to_owned();
                    loop {
                        let (_, s) = self
                            .send(
                                reqwest::Method::GET,
                                &format!("/v2.1/servers/{id}"),
                                &alice,
                                None,
                            )
                            .await;
                        match s["server"]["status"].as_str() {
                            Some("ACTIVE") => break,
                            Some("ERROR") => panic!("server {id} went to ERROR: {s}"),
                            _ => {}
                        }
                        assert!(
                            t.elapsed() < std::time::Duration::from_secs(300),
                            "server {id} not ACTIVE in 300 s: {s}"
                        );
                        tokio::time::sleep(poll).await;
                    }
                    (id, t.elapsed())
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let elapsed = start.elapsed();
        let (ids, latencies) = results.into_iter().unzip();
        Boots {
            latencies,
            elapsed,
            ids,
        }
    }
}
