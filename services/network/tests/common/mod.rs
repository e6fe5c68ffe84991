//! A network cloud for tests: a live identity (`stratus-testbed`) and the
//! network API behind the real auth layer, on a database and bus namespace
//! of the test's own.
#![allow(dead_code)]

use serde_json::Value;
use stratus_bus::Bus;
use stratus_http::auth::Authenticator;
use stratus_network::app::{App, NetworkConfig};
use stratus_test_support::{TestDatabase, TestServer, bus_config};
pub use stratus_testbed::{Identity, Login};

pub struct Cloud {
    pub identity: Identity,
    pub api: TestServer,
    pub app: App,
    pub http: reqwest::Client,
    _auth: Authenticator,
    _db: TestDatabase,
}

impl Cloud {
    pub async fn start() -> Self {
        let identity = Identity::start().await;
        let bus = Bus::new(bus_config(), "test-network");
        let auth = identity.authenticator(&bus).await;
        let db = TestDatabase::new(Some(&stratus_network::MIGRATOR))
            .await
            .expect("db");
        let app = App::new(db.pool.clone(), bus.clone(), NetworkConfig::default());
        let api = TestServer::start(auth.layer(stratus_network::http::router(app.clone()))).await;
        identity.register("network", "neutron", &api.url("")).await;
        Self {
            identity,
            api,
            app,
            http: reqwest::Client::new(),
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

    /// Creates a `kind` (`network`, `subnet`, `port`, `router`,
    /// `floatingip`, ...) as `who`; it must be 201. The resource's JSON.
    pub async fn create(&self, who: &Login, kind: &str, body: Value) -> Value {
        let (status, v) = self
            .send(
                reqwest::Method::POST,
                &format!("/v2.0/{kind}s"),
                who,
                Some(serde_json::json!({kind: body})),
            )
            .await;
        assert_eq!(status, 201, "{kind}: {v}");
        v[kind].clone()
    }
}

/// A resource's id.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}
