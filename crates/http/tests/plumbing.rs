//! The shared HTTP layers over a real socket, with a real bus: request ids
//! that follow a request through HTTP and the bus, bad input as clean 4xx in
//! the API's dialect, panics as a clean 500.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use stratus_bus::{Bus, BusConfig, Call, Incoming};
use stratus_common::{ErrorStyle, RequestId};
use stratus_http::context::Context;
use stratus_http::{ApiOptions, Json};

// ---- a log sink shared by the tests of this binary ----

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Sink {
    static SINK: OnceLock<Sink> = OnceLock::new();
    SINK.get_or_init(|| {
        let sink = Sink::default();
        let writer = sink.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        sink
    })
}

fn log_lines_with(needle: &str) -> Vec<String> {
    let bytes = logs().0.lock().map(|b| b.clone()).unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

// ---- a test API and a test agent ----

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WhoAsks {}
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Asker {
    request_id: String,
}

stratus_bus::protocol! {
    enum RelayRequest {
        WhoAsks(WhoAsks) -> Asker,
    }
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Thing {
    name: String,
    size: u32,
}

async fn create(Json(thing): Json<Thing>) -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::CREATED,
        Json(serde_json::json!({"name": thing.name})),
    )
}

async fn boom() -> &'static str {
    panic!("secret internals: password=hunter2")
}

async fn relay(
    State((bus, topic)): State<(Bus, String)>,
    Context(ctx): Context,
) -> Result<Json<Asker>, stratus_common::Error> {
    tracing::info!("relaying to the agent");
    Ok(Json(bus.call(&topic, &ctx, WhoAsks {}).await?))
}

fn test_bus_config() -> BusConfig {
    BusConfig {
        prefix: format!("test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        call_timeout_ms: 10_000,
        expire_idle_ms: Some(120_000),
        ..BusConfig::default()
    }
}

async fn start(style: ErrorStyle, bus: Bus, topic: &str) -> std::net::SocketAddr {
    let routes = Router::new()
        .route("/things", post(create))
        .route("/boom", get(boom))
        .route("/relay", get(relay))
        .with_state((bus, topic.to_owned()));
    let options = ApiOptions {
        body_limit: 4096,
        ..ApiOptions::new(style)
    };
    let app = stratus_http::finish(routes, options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(stratus_http::serve(listener, app, std::future::pending()));
    addr
}

#[tokio::test]
async fn a_request_id_follows_the_request_through_http_and_the_bus() {
    logs();
    let config = test_bus_config();
    let api_bus = Bus::new(config.clone(), "test-api");
    let agent_bus = Bus::new(config, "test-agent"); // its own connection, as another process
    let agent = agent_bus.serve("relay.host1", |inc: Incoming<RelayRequest>| async move {
        tracing::info!("agent handling");
        match inc.message {
            RelayRequest::WhoAsks(w) => w.reply(Asker {
                request_id: inc.context.request_id.to_string(),
            }),
        }
    });
    assert!(agent.wait_consuming(Duration::from_secs(30)).await);
    let addr = start(ErrorStyle::Nova, api_bus.clone(), "relay.host1").await;
    let client = reqwest::Client::new();

    // A fresh id is made, returned, and seen by the agent.
    let resp = client
        .get(format!("http://{addr}/relay"))
        .send()
        .await
        .expect("GET /relay");
    assert_eq!(resp.status().as_u16(), 200);
    let id = resp.headers()["x-openstack-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(RequestId::parse(&id).is_some());
    let asker: Asker = resp.json().await.expect("json");
    assert_eq!(asker.request_id, id);

    // Both sides logged under it: the API's request span and the agent's bus span.
    let lines = log_lines_with(&id);
    assert!(
        lines.iter().any(|l| l.contains("relaying to the agent")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("agent handling") && l.contains("bus{")),
        "{lines:#?}"
    );

    // A caller's valid id (another service's) is kept; a bogus one is replaced.
    let given = RequestId::new().to_string();
    let resp = client
        .get(format!("http://{addr}/relay"))
        .header("X-Openstack-Request-Id", &given)
        .send()
        .await
        .expect("GET /relay");
    assert_eq!(
        resp.headers()["x-openstack-request-id"]
            .to_str()
            .expect("ascii"),
        given
    );
    assert_eq!(resp.json::<Asker>().await.expect("json").request_id, given);
    let resp = client
        .get(format!("http://{addr}/relay"))
        .header("X-Openstack-Request-Id", "req-<script>")
        .send()
        .await
        .expect("GET /relay");
    let replaced = resp.headers()["x-openstack-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_ne!(replaced, "req-<script>");
    assert!(RequestId::parse(&replaced).is_some());

    agent.stop().await;
    agent_bus.shutdown().await;
    api_bus.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_agent_is_a_503_not_a_hang() {
    let bus = Bus::new(
        BusConfig {
            call_timeout_ms: 500,
            ..test_bus_config()
        },
        "test-api",
    );
    let addr = start(ErrorStyle::Nova, bus.clone(), "relay.nobody").await;
    let resp = reqwest::get(format!("http://{addr}/relay"))
        .await
        .expect("GET /relay");
    assert_eq!(resp.status().as_u16(), 503);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["serviceUnavailable"]["code"], 503);
    bus.shutdown().await;
}

async fn post_things(
    addr: std::net::SocketAddr,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}/things"))
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.expect("POST /things");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn bad_input_gets_a_4xx_naming_the_problem_in_the_apis_dialect() {
    let bus = Bus::new(test_bus_config(), "test-unused");
    let nova = start(ErrorStyle::Nova, bus.clone(), "unused").await;
    let json = Some("application/json");

    let (status, body) = post_things(nova, json, r#"{"name": "a", "size": 1}"#).await;
    assert_eq!((status, body["name"].as_str()), (201, Some("a")));

    let (status, body) = post_things(nova, json, r#"{"name": "a", "size": "#).await;
    assert_eq!(status, 400);
    let msg = body["badRequest"]["message"].as_str().expect("message");
    assert!(msg.starts_with("Malformed request body"), "{msg}");

    let (status, body) = post_things(nova, json, r#"{"name": "a", "size": "big"}"#).await;
    assert_eq!(status, 400);
    let msg = body["badRequest"]["message"].as_str().expect("message");
    assert!(
        msg.contains("size") && msg.contains("invalid type"),
        "{msg}"
    );

    let (status, body) = post_things(nova, json, r#"{"size": 3}"#).await;
    assert_eq!(status, 400);
    assert!(
        body["badRequest"]["message"]
            .as_str()
            .expect("message")
            .contains("name")
    );

    let (status, body) = post_things(nova, json, r#"{"name": "a", "size": -1}"#).await;
    assert_eq!(status, 400, "{body}");

    let (status, body) = post_things(nova, None, r#"{"name": "a", "size": 1}"#).await;
    assert_eq!(status, 415);
    assert_eq!(body["badMediaType"]["code"], 415);

    let huge = format!(r#"{{"name": "{}", "size": 1}}"#, "x".repeat(10_000));
    let (status, body) = post_things(nova, json, huge).await;
    assert_eq!(status, 413);
    assert_eq!(body["overLimit"]["code"], 413);

    // The same mistakes against a Neutron-style API get NeutronError bodies.
    let neutron = start(ErrorStyle::Neutron, bus.clone(), "unused").await;
    let (status, body) = post_things(neutron, json, "not json").await;
    assert_eq!(status, 400);
    assert_eq!(body["NeutronError"]["type"], "HTTPBadRequest");

    // NUL and invalid UTF-8 never reach a handler: in the body, the path
    // or the query string, 400 in the API's dialect.
    let (status, body) = post_things(neutron, json, r#"{"name": "a\u0000b", "size": 1}"#).await;
    assert_eq!(status, 400, "{body}");
    let msg = body["NeutronError"]["message"].as_str().expect("message");
    assert!(msg.contains("NUL"), "{msg}");
    let (status, _) = post_things(nova, json, r#"{"name": "a\\u0000b", "size": 1}"#).await;
    assert_eq!(status, 201, "an escaped backslash is not a NUL");
    for path in [
        "/things?%00x=",
        "/things?name=a%00",
        "/things/%00",
        "/things/%ff%fe",
        "/things?n=%c3%28",
    ] {
        let resp = reqwest::get(format!("http://{nova}{path}"))
            .await
            .expect("GET");
        assert_eq!(resp.status().as_u16(), 400, "{path}");
        let body: serde_json::Value = resp.json().await.expect("json");
        let msg = body["badRequest"]["message"].as_str().expect("message");
        assert!(
            msg.contains("NUL") || msg.contains("UTF-8"),
            "{path}: {msg}"
        );
    }
    bus.shutdown().await;
}

#[tokio::test]
async fn a_panicking_handler_is_a_clean_500_that_leaks_nothing() {
    let bus = Bus::new(test_bus_config(), "test-unused");
    let addr = start(ErrorStyle::Nova, bus.clone(), "unused").await;
    let resp = reqwest::get(format!("http://{addr}/boom"))
        .await
        .expect("GET /boom");
    assert_eq!(resp.status().as_u16(), 500);
    assert!(resp.headers().contains_key("x-openstack-request-id"));
    let text = resp.text().await.expect("body");
    assert!(!text.contains("hunter2"), "{text}");
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["computeFault"]["code"], 500);
    // The server survives it.
    let (status, _) = post_things(
        addr,
        Some("application/json"),
        r#"{"name": "a", "size": 1}"#,
    )
    .await;
    assert_eq!(status, 201);
    bus.shutdown().await;
}
