//! The metering API under test: its own database, the real bus, behind the
//! real auth layer of a live identity service (admin, alice of alpha, bob
//! of beta, rita reader of alpha).

#![allow(dead_code)]

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;
use stratus_bus::{Bus, BusConfig};
use stratus_bus_protocol::compute::InstanceSpec;
use stratus_http::auth::Authenticator;
use stratus_metering::app::App;
use stratus_test_support::{TestDatabase, TestServer, bus_config};
use stratus_testbed::{Identity, Login};

pub struct Api {
    pub identity: Identity,
    pub app: App,
    /// The bus namespace the service is on (for agents of a test).
    pub bus: BusConfig,
    pub server: TestServer,
    pub admin: Login,
    pub alice: Login,
    pub bob: Login,
    pub rita: Login,
    pub db: TestDatabase,
    _auth: Authenticator,
}

impl Api {
    pub async fn start() -> Self {
        let identity = Identity::start().await;
        let cfg = bus_config();
        let bus = Bus::new(cfg.clone(), "test-metering");
        let auth = identity.authenticator(&bus).await;
        let db = TestDatabase::new(Some(&stratus_metering::MIGRATOR))
            .await
            .expect("db");
        let app = App::new(db.pool.clone(), bus);
        let server =
            TestServer::start(auth.layer(stratus_metering::http::router_with(app.clone()))).await;
        Self {
            admin: identity.admin.clone(),
            alice: identity.alice.clone(),
            bob: identity.bob.clone(),
            rita: identity.rita.clone(),
            identity,
            app,
            bus: cfg,
            server,
            db,
            _auth: auth,
        }
    }

    /// `m path` as `who`, with a JSON body; the status and the JSON back.
    pub async fn send(
        &self,
        m: Method,
        path: &str,
        who: &Login,
        body: Option<Value>,
    ) -> (u16, Value) {
        stratus_testbed::send(
            &reqwest::Client::new(),
            m,
            &self.server.url(path),
            who,
            body,
        )
        .await
    }
}

/// An instance as the fake driver makes it: a flavor's name and size, no
/// disks or NICs.
pub fn instance(id: &str, project: &str, flavor: &str, vcpus: u32, memory_mb: u32) -> InstanceSpec {
    InstanceSpec {
        id: id.into(),
        name: id.into(),
        project_id: project.into(),
        flavor: flavor.into(),
        vcpus,
        memory_mb,
        image_disk: None,
        disks: vec![],
        kernel: None,
        ramdisk: None,
        cmdline: None,
        nics: vec![],
        user_data: None,
        metadata: BTreeMap::new(),
        config_drive: false,
        public_keys: BTreeMap::new(),
    }
}
