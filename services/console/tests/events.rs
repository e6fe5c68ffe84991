//! The live feed: announcements on the bus (from a service's own state
//! changes, and from the shared HTTP layer after a write) reach each
//! viewer's `/events` stream, filtered to what the viewer may see.

use axum::Router;
use axum::routing::post;
use futures_util::StreamExt;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use stratus_bus::Bus;
use stratus_bus_protocol::{AgentKind, HostHeartbeat, Notification, ResourceChanged};
use stratus_common::RequestContext;
use stratus_console::config::ConsoleSection;
use stratus_console::{Console, router};
use stratus_test_support::{TempDir, TestServer, bus_config};
use stratus_testbed::Identity;

struct World {
    identity: Identity,
    console: TestServer,
    bus: Bus,
    _followers: [stratus_bus::ServerHandle; 2],
    _assets: TempDir,
}

async fn world() -> World {
    let identity = Identity::start().await;
    let assets = TempDir::new("console-assets");
    std::fs::write(assets.path.join("index.html"), "<!doctype html>").expect("index");
    let config = ConsoleSection {
        identity_url: identity.url(),
        assets: assets.path.clone(),
        ..ConsoleSection::default()
    };
    let bus = Bus::new(bus_config(), "test-console");
    let console = Arc::new(Console::new(&config).expect("console"));
    let followers = console.follow(&bus);
    for f in &followers {
        assert!(
            f.wait_consuming(Duration::from_secs(30)).await,
            "subscribed"
        );
    }
    let server = TestServer::start(router(console, &config)).await;
    World {
        identity,
        console: server,
        bus,
        _followers: followers,
        _assets: assets,
    }
}

impl World {
    async fn cookie(&self, user: &str, password: &str) -> String {
        let resp = Client::new()
            .post(self.console.url("/auth/login"))
            .header("x-stratus-console", "1")
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), StatusCode::OK);
        let c = resp.headers()["set-cookie"]
            .to_str()
            .expect("cookie")
            .to_owned();
        c.split(';').next().expect("pair").to_owned()
    }

    async fn announce(&self, project: Option<&str>, id: &str) {
        self.bus
            .notify::<Notification>(
                &RequestContext::system(),
                Notification::ResourceChanged(ResourceChanged {
                    service: "network".into(),
                    kind: "networks".into(),
                    id: Some(id.into()),
                    project_id: project.map(str::to_owned),
                    at: chrono::Utc::now(),
                    action: Some("update".into()),
                    user_name: Some("someone".into()),
                }),
            )
            .await
            .expect("notify");
    }
}

/// An open `/events` stream, read event by event.
struct Stream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

impl Stream {
    async fn open(w: &World, cookie: &str) -> Self {
        let resp = Client::new()
            .get(w.console.url("/events"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("events");
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .expect("ct")
                .starts_with("text/event-stream")
        );
        let mut s = Self {
            body: Box::pin(resp.bytes_stream()),
            buf: String::new(),
        };
        assert_eq!(s.next().await.0, "ready");
        s
    }

    /// The next event that is not a keep-alive: its name and data.
    async fn next(&mut self) -> (String, Value) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if name.is_empty() {
                    continue; // a keep-alive comment
                }
                return (name, serde_json::from_str(&data).unwrap_or(Value::Null));
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .expect("an event within 20 s")
                .expect("the stream is open")
                .expect("a chunk");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn each_viewer_sees_the_changes_it_may_see() {
    let w = world().await;
    let alice = w.cookie("alice", "alice-pw").await;
    let admin = w.cookie("admin", stratus_testbed::ADMIN_PASSWORD).await;
    let mut alice_sees = Stream::open(&w, &alice).await;
    let mut admin_sees = Stream::open(&w, &admin).await;

    let alpha = w.identity.alice.project_id.clone();
    let beta = w.identity.bob.project_id.clone();
    w.announce(Some(&beta), "bobs-net").await;
    w.announce(None, "cloud-wide").await;
    w.announce(Some(&alpha), "alices-net").await;

    // In order, the admin sees all three; alice only her project's.
    for id in ["bobs-net", "cloud-wide", "alices-net"] {
        let (name, data) = admin_sees.next().await;
        assert_eq!(name, "change");
        assert_eq!(data["id"], id);
    }
    let (name, data) = alice_sees.next().await;
    assert_eq!(name, "change");
    assert_eq!(
        data,
        json!({"service": "network", "kind": "networks", "id": "alices-net"})
    );
    assert!(
        data.get("project_id").is_none(),
        "events name what changed, nothing more"
    );

    // A write through an API's shared HTTP layer is announced with the
    // caller's project: alice's write reaches alice, and bob's does not.
    let api = stratus_http::changes::layer(
        Router::new().route(
            "/v2.1/servers/{id}/action",
            post(|| async { StatusCode::ACCEPTED }),
        ),
        w.bus.clone(),
        "compute",
    );
    let api = TestServer::start(api).await;
    for who in [&w.identity.bob, &w.identity.alice] {
        let resp = Client::new()
            .post(api.url("/v2.1/servers/s-1/action"))
            .header("x-auth-token", &who.token)
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
    }
    let (_, data) = alice_sees.next().await;
    assert_eq!(
        data,
        json!({"service": "compute", "kind": "servers", "id": "s-1"})
    );
    let (_, first) = admin_sees.next().await;
    let (_, second) = admin_sees.next().await;
    assert_eq!(
        (first["kind"].clone(), second["kind"].clone()),
        (json!("servers"), json!("servers"))
    );
    // A create names what it made, from its answer; the answer reaches
    // the caller whole.
    let api = stratus_http::changes::layer(
        Router::new().route(
            "/v2.1/servers",
            post(|| async {
                (
                    StatusCode::ACCEPTED,
                    axum::Json(json!({"server": {"id": "s-new", "links": []}})),
                )
            }),
        ),
        w.bus.clone(),
        "compute",
    );
    let api = TestServer::start(api).await;
    let resp = Client::new()
        .post(api.url("/v2.1/servers"))
        .header("x-auth-token", &w.identity.alice.token)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["server"]["id"],
        "s-new"
    );
    let (_, data) = alice_sees.next().await;
    assert_eq!(data["id"], "s-new", "{data}");

    // An admin's change to alice's network is announced in alice's project
    // (its answer names it), not the admin's.
    let alpha_owned = alpha.clone();
    let api = stratus_http::changes::layer(
        Router::new().route(
            "/v2.0/networks/{id}",
            axum::routing::put(move || {
                let owner = alpha_owned.clone();
                async move { axum::Json(json!({"network": {"id": "n-9", "project_id": owner}})) }
            }),
        ),
        w.bus.clone(),
        "network",
    );
    let api = TestServer::start(api).await;
    let resp = Client::new()
        .put(api.url("/v2.0/networks/n-9"))
        .header("x-auth-token", &w.identity.admin.token)
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, data) = alice_sees.next().await;
    assert_eq!(data["id"], "n-9", "{data}");

    // And nothing of bob's came to alice before or after it.
    w.announce(Some(&alpha), "marker").await;
    assert_eq!(alice_sees.next().await.1["id"], "marker");

    // The recent writes: alice's own, newest first, with who and what; the
    // admin's list has bob's too.
    let recent = |cookie: String| {
        let w = &w;
        async move {
            let resp = Client::new()
                .get(w.console.url("/events/recent"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("recent");
            assert_eq!(resp.status(), StatusCode::OK);
            resp.json::<Value>().await.expect("json")["recent"].clone()
        }
    };
    let mine = recent(alice.clone()).await;
    let ids: Vec<&str> = mine
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["marker", "n-9", "s-new", "s-1", "alices-net"],
        "{mine}"
    );
    assert_eq!(mine[1]["user_name"], "admin");
    assert_eq!(mine[2]["action"], "create");
    assert_eq!(mine[3]["action"], "action");
    assert_eq!(mine[3]["user_name"], "alice");
    let all = recent(admin.clone()).await;
    assert!(
        all.as_array()
            .expect("list")
            .iter()
            .any(|e| e["user_name"] == "bob"),
        "{all}"
    );
    let resp = Client::new()
        .get(w.console.url("/events/recent"))
        .send()
        .await
        .expect("recent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_session_no_stream() {
    let w = world().await;
    let resp = Client::new()
        .get(w.console.url("/events"))
        .send()
        .await
        .expect("events");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = Client::new()
        .get(w.console.url("/events"))
        .header("cookie", "stratus_session=forged")
        .send()
        .await
        .expect("events");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_see_each_agents_last_heartbeat() {
    let w = world().await;
    let admin = w.cookie("admin", stratus_testbed::ADMIN_PASSWORD).await;
    let alice = w.cookie("alice", "alice-pw").await;
    let host = format!(
        "agents-test-{}",
        std::process::id() ^ chrono::Utc::now().timestamp_subsec_nanos()
    );
    for kind in [AgentKind::Network, AgentKind::Storage] {
        w.bus
            .notify::<Notification>(
                &RequestContext::system(),
                Notification::HostHeartbeat(HostHeartbeat {
                    host: host.clone(),
                    kind,
                    version: "9.9.9".into(),
                    at: chrono::Utc::now(),
                    interval_s: 10,
                }),
            )
            .await
            .expect("notify");
    }
    let url = w.console.url("/agents");
    let get = |cookie: String| {
        let url = url.clone();
        async move {
            let resp = Client::new()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("agents");
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let agents =
        stratus_test_support::poll_until(Duration::from_secs(20), "both agents listed", || async {
            let (st, v) = get(admin.clone()).await;
            assert_eq!(st, StatusCode::OK, "{v}");
            let mine: Vec<Value> = v["agents"]
                .as_array()?
                .iter()
                .filter(|a| a["host"] == host.as_str())
                .cloned()
                .collect();
            (mine.len() == 2).then_some(mine)
        })
        .await;
    assert_eq!(agents[0]["kind"], "network");
    assert_eq!(agents[1]["kind"], "storage");
    assert!(
        agents
            .iter()
            .all(|a| a["alive"] == true && a["version"] == "9.9.9")
    );
    let (st, _) = get(alice).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "members do not see the hosts");
}
