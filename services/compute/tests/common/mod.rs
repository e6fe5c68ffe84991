//! A compute cloud for tests: a live identity (`stratus-testbed`) and the
//! compute API behind the real auth layer, on a database and bus namespace
//! of the test's own.
#![allow(dead_code)]

use serde_json::Value;
use stratus_bus::Bus;
use stratus_compute::app::{App, ComputeConfig};
use stratus_http::auth::{AuthConfig, Authenticator};
use stratus_test_support::{TestDatabase, TestServer, bus_config};
pub use stratus_testbed::{Identity, Login};

pub struct Cloud {
    pub identity: Identity,
    pub api: TestServer,
    pub app: App,
    pub http: reqwest::Client,
    /// The bus namespace of this cloud, for agents a test starts.
    pub bus: stratus_bus::BusConfig,
    _auth: Authenticator,
    _db: TestDatabase,
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
        let auth = Authenticator::start(
            &AuthConfig {
                identity_url: identity.url(),
                ..AuthConfig::default()
            },
            &bus,
        )
        .await
        .expect("auth");
        let db = TestDatabase::new(Some(&stratus_compute::MIGRATOR))
            .await
            .expect("db");
        let app = App::new(db.pool.clone(), bus.clone(), config);
        assert!(
            app.follow_inventory()
                .wait_consuming(std::time::Duration::from_secs(30))
                .await
        );
        let api = TestServer::start(auth.layer(stratus_compute::http::router(app.clone()))).await;
        identity
            .register("compute", "nova", &api.url("/v2.1"))
            .await;
        Self {
            identity,
            api,
            app,
            http: reqwest::Client::new(),
            bus: bus_cfg,
            _auth: auth,
            _db: db,
        }
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
        use stratus_compute_agent::driver::fake::{Fake, FakeSettings};
        let name = stratus_test_support::unique_name("fake");
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
                    ..Default::default()
                },
                ..Default::default()
            },
        };
        let driver = std::sync::Arc::new(Fake::new(FakeSettings {
            vcpus,
            memory_mb,
            disk_gb,
        }));
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
