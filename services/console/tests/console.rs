//! The console process against a live identity: login and its cookie, the
//! session, the project switcher, logout revoking the token, the proxy
//! passing the user's own token and nothing more, CSRF refusals, and the
//! security headers on the app's pages.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use stratus_console::config::ConsoleSection;
use stratus_console::{Console, router};
use stratus_test_support::{TempDir, TestServer};
use stratus_testbed::Identity;

struct World {
    identity: Identity,
    console: TestServer,
    http: Client,
    _assets: TempDir,
}

async fn world_with(secure_cookie: bool) -> World {
    let identity = Identity::start().await;
    let assets = TempDir::new("console-assets");
    std::fs::write(
        assets.path.join("index.html"),
        "<!doctype html><title>Stratus</title>",
    )
    .expect("index.html");
    std::fs::create_dir_all(assets.path.join("assets")).expect("assets dir");
    std::fs::write(assets.path.join("assets/app-1234.js"), "console.log(1)").expect("js");
    let config = ConsoleSection {
        identity_url: identity.url(),
        assets: assets.path.clone(),
        secure_cookie,
        ..ConsoleSection::default()
    };
    let console = Arc::new(Console::new(&config).expect("console"));
    let server = TestServer::start(router(console, &config)).await;
    World {
        identity,
        console: server,
        http: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        _assets: assets,
    }
}

async fn world() -> World {
    world_with(false).await
}

/// A browser's session: the cookie's value.
struct Browser {
    cookie: String,
}

impl World {
    fn url(&self, path: &str) -> String {
        self.console.url(path)
    }

    async fn login(&self, user: &str, password: &str) -> (Browser, Value) {
        let resp = self
            .http
            .post(self.url("/auth/login"))
            .header("x-stratus-console", "1")
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), StatusCode::OK, "login of {user}");
        let cookie = set_cookie(&resp).expect("a session cookie");
        let body: Value = resp.json().await.expect("json");
        (Browser { cookie }, body)
    }

    /// `m path` from the browser, with the CSRF header and the cookie.
    async fn send(
        &self,
        b: &Browser,
        m: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(m, self.url(path))
            .header("x-stratus-console", "1")
            .header("cookie", format!("stratus_session={}", b.cookie));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The `stratus_session` value a response sets (with its attributes checked
/// by the callers through [`cookie_attrs`]).
fn set_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("stratus_session="))
        .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
}

fn cookie_attrs(resp: &reqwest::Response) -> String {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("stratus_session="))
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn login_sets_a_strict_httponly_cookie_and_never_shows_the_token() {
    let w = world().await;
    let resp = w
        .http
        .post(w.url("/auth/login"))
        .header("x-stratus-console", "1")
        .json(&json!({"username": "alice", "password": "alice-pw"}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::OK);
    let attrs = cookie_attrs(&resp);
    for wanted in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attrs.contains(wanted), "cookie {attrs:?} lacks {wanted}");
    }
    assert!(!attrs.contains("Secure"), "no TLS, no Secure: {attrs:?}");
    assert!(resp.headers().get("x-subject-token").is_none());
    let token = set_cookie(&resp).expect("cookie");
    let text = resp.text().await.expect("body");
    assert!(!text.contains(&token), "the token is in the body");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["user"]["name"], "alice");
    assert_eq!(body["project"]["name"], "alpha");
    assert_eq!(body["admin"], false);
    assert!(
        body["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .any(|r| r == "member")
    );
    let projects: Vec<&str> = body["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(projects, ["alpha"]);
    assert!(body["endpoints"]["identity"]["url"].is_string(), "{body}");

    // The admin's session says so.
    let (_, admin) = w.login("admin", stratus_testbed::ADMIN_PASSWORD).await;
    assert_eq!(admin["admin"], true);
}

#[tokio::test]
async fn the_cookie_is_secure_when_configured() {
    let w = world_with(true).await;
    let resp = w
        .http
        .post(w.url("/auth/login"))
        .header("x-stratus-console", "1")
        .json(&json!({"username": "bob", "password": "bob-pw"}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        cookie_attrs(&resp).contains("Secure"),
        "{}",
        cookie_attrs(&resp)
    );
}

#[tokio::test]
async fn bad_logins_are_refused_clearly_and_set_no_cookie() {
    let w = world().await;
    let cases: Vec<(&str, Option<&str>, StatusCode, &str)> = vec![
        (
            r#"{"username":"alice","password":"wrong"}"#,
            Some("1"),
            StatusCode::UNAUTHORIZED,
            "",
        ),
        (
            r#"{"username":"alice""#,
            Some("1"),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            r#"{"username":"alice","password":7}"#,
            Some("1"),
            StatusCode::BAD_REQUEST,
            "password",
        ),
        (
            r#"{"username":"","password":"x"}"#,
            Some("1"),
            StatusCode::BAD_REQUEST,
            "username",
        ),
        (
            r#"{"username":"alice","password":"alice-pw","admin":true}"#,
            Some("1"),
            StatusCode::BAD_REQUEST,
            "admin",
        ),
        (
            r#"{"username":"alice","password":"alice-pw"}"#,
            None,
            StatusCode::FORBIDDEN,
            "X-Stratus-Console",
        ),
        (
            r#"{"username":"alice","password":"alice-pw","project":"beta"}"#,
            Some("1"),
            StatusCode::UNAUTHORIZED,
            "",
        ),
    ];
    for (body, csrf, status, names) in cases {
        let mut req = w
            .http
            .post(w.url("/auth/login"))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(v) = csrf {
            req = req.header("x-stratus-console", v);
        }
        let resp = req.send().await.expect("login");
        assert_eq!(resp.status(), status, "{body}");
        assert!(set_cookie(&resp).is_none(), "{body} set a cookie");
        let err: Value = resp.json().await.expect("json error");
        let message = err["error"]["message"].as_str().expect("a message");
        assert!(
            message.contains(names),
            "{body}: {message:?} does not name {names:?}"
        );
    }
    let huge = json!({"username": "alice", "password": "x".repeat(200_000)});
    let resp = w
        .http
        .post(w.url("/auth/login"))
        .header("x-stratus-console", "1")
        .json(&huge)
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_session_is_the_cookies_and_logout_revokes_the_token() {
    let w = world().await;
    let (alice, _) = w.login("alice", "alice-pw").await;
    let (status, me) = w.send(&alice, Method::GET, "/auth/session", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["name"], "alice");

    let resp = w
        .http
        .get(w.url("/auth/session"))
        .send()
        .await
        .expect("session");
    assert_eq!(
        resp.status(),
        StatusCode::NO_CONTENT,
        "no cookie, no session"
    );
    let resp = w
        .http
        .get(w.url("/auth/session"))
        .header("cookie", "stratus_session=not-a-token")
        .send()
        .await
        .expect("session");
    assert_eq!(
        resp.status(),
        StatusCode::NO_CONTENT,
        "a forged cookie is no session"
    );
    assert!(
        cookie_attrs(&resp).contains("Max-Age=0"),
        "and it is cleared"
    );

    // Logout needs the CSRF header like every write.
    let resp = w
        .http
        .post(w.url("/auth/logout"))
        .header("cookie", format!("stratus_session={}", alice.cookie))
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = w
        .http
        .post(w.url("/auth/logout"))
        .header("x-stratus-console", "1")
        .header("cookie", format!("stratus_session={}", alice.cookie))
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(
        cookie_attrs(&resp).contains("Max-Age=0"),
        "{}",
        cookie_attrs(&resp)
    );
    // The token itself is dead at identity, not only forgotten by the browser.
    let resp = w
        .http
        .get(w.identity.server.url("/v3/auth/tokens"))
        .header("x-auth-token", &w.identity.admin.token)
        .header("x-subject-token", &alice.cookie)
        .send()
        .await
        .expect("validate");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let (status, _) = w.send(&alice, Method::GET, "/auth/session", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = w
        .send(&alice, Method::GET, "/api/identity/v3/auth/projects", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_proxy_carries_the_users_own_token_and_nothing_more() {
    let w = world().await;
    let (alice, me) = w.login("alice", "alice-pw").await;
    let (admin, _) = w.login("admin", stratus_testbed::ADMIN_PASSWORD).await;

    // Alice sees her projects only, and herself in the user list; the
    // admin sees every user.
    let names = |body: &Value, list: &str| -> Vec<String> {
        body[list]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    };
    let (status, body) = w
        .send(&alice, Method::GET, "/api/identity/v3/auth/projects", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&body, "projects"), ["alpha"]);
    let (status, body) = w
        .send(&alice, Method::GET, "/api/identity/v3/users", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&body, "users"), ["alice"]);
    let project = json!({"project": {"name": "console-made", "domain_id": "default"}});
    let (status, _) = w
        .send(
            &alice,
            Method::POST,
            "/api/identity/v3/projects",
            Some(project.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = w
        .send(
            &admin,
            Method::POST,
            "/api/identity/v3/projects",
            Some(project),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = w
        .send(&admin, Method::GET, "/api/identity/v3/users", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(names(&body, "users").len() >= 4);

    // Another project is not alice's to read through the console either.
    let beta = &w.identity.bob.project_id;
    let (status, _) = w
        .send(
            &alice,
            Method::GET,
            &format!("/api/identity/v3/projects/{beta}"),
            None,
        )
        .await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{status}"
    );

    // A write through the proxy, as alice, lands as alice's.
    let alice_id = me["user"]["id"].as_str().expect("id").to_owned();
    let path = format!("/api/identity/v3/users/{alice_id}/application_credentials");
    let (status, made) = w
        .send(
            &alice,
            Method::POST,
            &path,
            Some(json!({"application_credential": {"name": "console-test"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(
        made["application_credential"]["project_id"],
        me["project"]["id"]
    );
    let (bob, _) = w.login("bob", "bob-pw").await;
    let (status, _) = w.send(&bob, Method::GET, &path, None).await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{status}"
    );

    // The browser's own headers do not pass: a stolen admin token in
    // X-Auth-Token beside alice's cookie changes nothing.
    let resp = w
        .http
        .get(w.url("/api/identity/v3/users"))
        .header("cookie", format!("stratus_session={}", alice.cookie))
        .header("x-auth-token", &w.identity.admin.token)
        .send()
        .await
        .expect("users");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(names(&body, "users"), ["alice"]);

    // No cookie, an unknown service, a climbing path.
    let resp = w
        .http
        .get(w.url("/api/identity/v3/auth/projects"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = w
        .send(&alice, Method::GET, "/api/nosuch/v1/things", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("nosuch")
    );
    // Clients normalise `..` away; a raw request does not.
    for path in [
        "/api/identity/v3/../v3/users",
        "/api/identity/v3//users",
        "/api/identity/./v3/users",
    ] {
        let status = raw_get(&w, path, &alice.cookie).await;
        assert_eq!(status, 400, "{path}");
    }
}

/// A GET sent byte for byte, as no HTTP client library would send it.
async fn raw_get(w: &World, path: &str, cookie: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(w.console.addr)
        .await
        .expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: stratus_session={cookie}\r\nConnection: close\r\n\r\n",
        w.console.addr
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line")
}

#[tokio::test]
async fn writes_without_the_header_or_from_another_origin_are_refused() {
    let w = world().await;
    let (alice, me) = w.login("alice", "alice-pw").await;
    let alice_id = me["user"]["id"].as_str().expect("id");
    let path = format!("/api/identity/v3/users/{alice_id}/application_credentials");
    let body = json!({"application_credential": {"name": "csrf"}});
    let cookie = format!("stratus_session={}", alice.cookie);

    let resp = w
        .http
        .post(w.url(&path))
        .header("cookie", &cookie)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let err: Value = resp.json().await.expect("json");
    assert!(
        err["error"]["message"]
            .as_str()
            .expect("message")
            .contains("X-Stratus-Console")
    );

    let resp = w
        .http
        .post(w.url(&path))
        .header("cookie", &cookie)
        .header("x-stratus-console", "1")
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let (status, list) = w.send(&alice, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["application_credentials"]
            .as_array()
            .expect("list")
            .len(),
        0,
        "nothing was made"
    );

    // From the console's own origin, it passes.
    let origin = format!("http://{}", w.console.addr);
    let resp = w
        .http
        .post(w.url(&path))
        .header("cookie", &cookie)
        .header("x-stratus-console", "1")
        .header("origin", origin)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_project_switcher_rescopes_to_the_users_other_projects_only() {
    let w = world().await;
    // Give alice a role on beta too.
    let admin = &w.identity.admin;
    let http = Client::new();
    let id_of = |body: &Value, list: &str, name: &str| -> String {
        body[list]
            .as_array()
            .expect("list")
            .iter()
            .find(|x| x["name"] == name)
            .and_then(|x| x["id"].as_str())
            .expect("id")
            .to_owned()
    };
    let (_, users) = stratus_testbed::send(
        &http,
        Method::GET,
        &w.identity.server.url("/v3/users"),
        admin,
        None,
    )
    .await;
    let (_, roles) = stratus_testbed::send(
        &http,
        Method::GET,
        &w.identity.server.url("/v3/roles"),
        admin,
        None,
    )
    .await;
    let alice_id = id_of(&users, "users", "alice");
    let member = id_of(&roles, "roles", "member");
    let beta = w.identity.bob.project_id.clone();
    let (status, _) = stratus_testbed::send(
        &http,
        Method::PUT,
        &w.identity.server.url(&format!(
            "/v3/projects/{beta}/users/{alice_id}/roles/{member}"
        )),
        admin,
        None,
    )
    .await;
    assert_eq!(status, 204);

    let (alice, me) = w.login("alice", "alice-pw").await;
    assert_eq!(me["projects"].as_array().expect("projects").len(), 2);
    let (status, switched) = w
        .send(
            &alice,
            Method::POST,
            "/auth/project",
            Some(json!({"project_id": beta})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{switched}");
    assert_eq!(switched["project"]["name"], "beta");

    // A project alice has no role on is refused, and the session stays.
    let admin_project = &w.identity.admin.project_id;
    let (status, _) = w
        .send(
            &alice,
            Method::POST,
            "/auth/project",
            Some(json!({"project_id": admin_project})),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let (status, me) = w.send(&alice, Method::GET, "/auth/session", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me["project"]["name"], "alpha",
        "the old cookie still holds alpha's token"
    );
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_deep_links_load_the_app() {
    let w = world().await;
    for path in [
        "/",
        "/instances/0c6f5b0e-1b1f-4d36-9d7e-2f7b8f0a0c11",
        "/admin/hypervisors",
    ] {
        let resp = w.http.get(w.url(path)).send().await.expect("page");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .to_owned();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert_eq!(resp.headers()["x-frame-options"], "DENY");
        assert_eq!(resp.headers()["cache-control"], "no-cache");
        assert!(
            resp.text()
                .await
                .expect("html")
                .contains("<title>Stratus</title>"),
            "{path}"
        );
    }
    let resp = w
        .http
        .get(w.url("/assets/app-1234.js"))
        .send()
        .await
        .expect("js");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
    let resp = w
        .http
        .get(w.url("/healthcheck"))
        .send()
        .await
        .expect("health");
    assert_eq!(resp.text().await.expect("ok"), "OK");
}
