//! The identity service over real HTTP with a real database: discovery,
//! tokens (issue, validate, check, revoke, rescope), failures that reveal
//! nothing, lockout, bad input, bootstrap, key rotation, and the checked-in
//! OpenAPI document.

use reqwest::StatusCode;
use serde_json::{Value, json};
use stratus_identity::app::bootstrap::{self, BootstrapOptions};
use stratus_identity::app::{App, IdentityConfig};

mod common;
use common::{ADMIN_PASSWORD, add_member, admin_project_scope, cloud, password_auth, test_config};

fn bootstrap_options(password: &str) -> BootstrapOptions {
    BootstrapOptions {
        admin_user: "admin".into(),
        admin_password: password.into(),
        admin_project: "admin".into(),
        region: "RegionOne".into(),
        public_base: "http://127.0.0.1".into(),
        port_offset: 0,
        service_passwords: stratus_identity::app::bootstrap::SERVICE_USERS
            .iter()
            .map(|u| ((*u).to_owned(), format!("s3rvice-{u}")))
            .collect(),
    }
}

#[test]
fn openapi_document_is_current() {
    stratus_http::openapi::assert_current(
        env!("CARGO_MANIFEST_DIR"),
        stratus_identity::http::openapi_documents(),
    );
}

#[tokio::test]
async fn discovery_documents_are_keystones() {
    let c = cloud().await;
    let root = c.http.get(c.server.url("/")).send().await.expect("GET /");
    assert_eq!(root.status().as_u16(), 300);
    let body: Value = root.json().await.expect("json");
    let v = &body["versions"]["values"][0];
    assert_eq!(v["id"], "v3.14");
    assert_eq!(v["links"][0]["href"], c.server.url("/v3/"));
    assert_eq!(
        v["media-types"][0]["type"],
        "application/vnd.openstack.identity-v3+json"
    );
    for path in ["/v3", "/v3/"] {
        let body: Value = c
            .http
            .get(c.server.url(path))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("json");
        assert_eq!(body["version"]["id"], "v3.14");
    }
    let missing = c
        .http
        .get(c.server.url("/v3/nothing-here"))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().contains_key("x-openstack-request-id"));
    let body: Value = missing.json().await.expect("json");
    assert_eq!(body["error"]["title"], "Not Found");
}

#[tokio::test]
async fn a_password_token_is_issued_with_its_scope_roles_and_catalog() {
    let c = cloud().await;
    let (token, body) = c
        .token(&password_auth(
            "admin",
            ADMIN_PASSWORD,
            Some(admin_project_scope()),
        ))
        .await;
    assert_eq!(token.split('.').count(), 3, "a JWT");
    let t = &body["token"];
    assert_eq!(t["methods"], json!(["password"]));
    assert_eq!(t["user"]["name"], "admin");
    assert_eq!(t["user"]["domain"]["id"], "default");
    assert_eq!(t["project"]["name"], "admin");
    let roles: Vec<&str> = t["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(roles, vec!["admin"]);
    assert_eq!(t["audit_ids"].as_array().map(Vec::len), Some(1));
    let catalog = t["catalog"].as_array().expect("catalog");
    let identity = catalog
        .iter()
        .find(|s| s["type"] == "identity")
        .expect("identity in catalog");
    assert_eq!(identity["endpoints"].as_array().map(Vec::len), Some(3));
    assert!(catalog.iter().any(|s| s["type"] == "compute"));
    assert!(t["expires_at"].as_str().expect("expiry").ends_with('Z'));

    let resp = c
        .post_tokens(
            &password_auth("admin", ADMIN_PASSWORD, Some(admin_project_scope())),
            "?nocatalog",
        )
        .await;
    let body: Value = resp.json().await.expect("json");
    assert!(body["token"].get("catalog").is_none());

    // Without a scope (and no default project) the token is unscoped.
    let (_, body) = c.token(&password_auth("admin", ADMIN_PASSWORD, None)).await;
    assert!(body["token"].get("project").is_none() && body["token"].get("roles").is_none());

    // Domain scope.
    let (_, body) = c
        .token(&password_auth(
            "admin",
            ADMIN_PASSWORD,
            Some(json!({"domain": {"id": "default"}})),
        ))
        .await;
    assert_eq!(body["token"]["domain"]["name"], "Default");
}

#[tokio::test]
async fn tokens_validate_check_and_revoke() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "alice", "alice-pw").await;
    let (user_token, body) = c
        .token(&password_auth(
            "alice",
            "alice-pw",
            Some(admin_project_scope()),
        ))
        .await;
    assert_eq!(body["token"]["roles"][0]["name"], "member");

    let resp = c.subject(reqwest::Method::GET, &admin, &user_token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-subject-token"], user_token.as_str());
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["token"]["user"]["name"], "alice");
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &user_token, &user_token)
            .await
            .status(),
        StatusCode::OK
    );

    // A non-admin may not look at someone else's token.
    let resp = c.subject(reqwest::Method::GET, &user_token, &admin).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    assert_eq!(
        c.subject(reqwest::Method::DELETE, &admin, &user_token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        c.subject(reqwest::Method::GET, &admin, &user_token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &admin, &user_token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Revoked as the caller's own token: 401 with where to authenticate.
    let resp = c.subject(reqwest::Method::GET, &user_token, &admin).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let www = resp.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(www.starts_with("Keystone uri=\"http://"), "{www}");

    // A restarted identity (new App on the same database) still knows it.
    let again = App::new(c.app.pool.clone(), test_config())
        .await
        .expect("app");
    assert!(again.validate(&user_token).await.is_err());
    assert!(again.validate(&admin).await.is_ok());

    // Garbage and missing headers.
    assert_eq!(
        c.subject(reqwest::Method::GET, "garbage", &admin)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.subject(reqwest::Method::GET, &admin, "garbage")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let resp = c
        .request(reqwest::Method::GET, "/v3/auth/tokens", &admin)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same_and_failures_lock_out() {
    let c = cloud().await;
    let wrong = c
        .post_tokens(&password_auth("admin", "nope", None), "")
        .await;
    let unknown = c
        .post_tokens(&password_auth("nobody", "nope", None), "")
        .await;
    let unknown_domain = c
        .post_tokens(
            &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Nowhere"}, "password": "nope"}}}}}),
            "",
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let bodies = [
        wrong.text().await.expect("body"),
        unknown.text().await.expect("body"),
        unknown_domain.text().await.expect("body"),
    ];
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0], bodies[2]);
    let body: Value = serde_json::from_str(&bodies[0]).expect("json");
    assert_eq!(
        body["error"]["message"],
        "The request you have made requires authentication."
    );

    // Four more failures (five in all) from this address lock the account
    // from it, even for the right password, at the cost of a hash.
    for _ in 0..4 {
        assert_eq!(
            c.post_tokens(&password_auth("admin", "nope", None), "")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let checks = stratus_identity::app::password::real_checks();
    let locked = c
        .post_tokens(&password_auth("admin", ADMIN_PASSWORD, None), "")
        .await;
    assert_eq!(locked.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(locked.text().await.expect("body"), bodies[0]);
    assert_eq!(
        stratus_identity::app::password::real_checks(),
        checks,
        "a locked account's password is not checked"
    );
    // Another user is not affected, and neither is the admin from another
    // address: a stranger cannot lock the admin out.
    assert_eq!(
        c.post_tokens(&password_auth("compute", "s3rvice", None), "")
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        from(&c, [127, 0, 0, 2])
            .post(c.server.url("/v3/auth/tokens"))
            .json(&password_auth("admin", ADMIN_PASSWORD, None))
            .send()
            .await
            .expect("POST")
            .status(),
        StatusCode::CREATED
    );
}

/// A client whose connections come from another loopback address.
fn from(_c: &common::Cloud, ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .expect("client")
}

#[tokio::test]
async fn parallel_guesses_are_checked_no_more_than_the_lockout_allows() {
    let c = cloud().await;
    add_member(&c, "mia", "mia-pw").await;
    let client = from(&c, [127, 0, 0, 3]);
    let before = stratus_identity::app::password::real_checks();
    let answers = futures_util::future::join_all((0..20).map(|i| {
        client
            .post(c.server.url("/v3/auth/tokens"))
            .json(&password_auth("mia", &format!("guess-{i}"), None))
            .send()
    }))
    .await;
    for a in answers {
        assert_eq!(a.expect("POST").status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        stratus_identity::app::password::real_checks() - before,
        u64::from(test_config().lockout_failures),
        "20 parallel guesses, and only the lockout's worth checked"
    );
}

#[tokio::test]
async fn a_source_that_keeps_failing_gets_429_with_retry_after() {
    let c = common::cloud_with(IdentityConfig {
        source_failures: 6,
        ..test_config()
    })
    .await;
    let stranger = from(&c, [127, 0, 0, 4]);
    for i in 0..6 {
        let user = format!("nobody-{i}");
        assert_eq!(
            stranger
                .post(c.server.url("/v3/auth/tokens"))
                .json(&password_auth(&user, "nope", None))
                .send()
                .await
                .expect("POST")
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let throttled = stranger
        .post(c.server.url("/v3/auth/tokens"))
        .json(&password_auth("admin", ADMIN_PASSWORD, None))
        .send()
        .await
        .expect("POST");
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = throttled
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry >= 1);
    // Everyone else still logs in.
    assert_eq!(
        c.post_tokens(&password_auth("admin", ADMIN_PASSWORD, None), "")
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_alone() {
    let proxy: std::net::IpAddr = "127.0.0.6".parse().expect("ip");
    let c = common::cloud_with(IdentityConfig {
        source_failures: 6,
        trusted_proxies: vec![proxy],
        ..test_config()
    })
    .await;
    let login = |client: &reqwest::Client, forwarded: &str, user: &str, password: &str| {
        client
            .post(c.server.url("/v3/auth/tokens"))
            .header("x-forwarded-for", forwarded)
            .json(&password_auth(user, password, None))
            .send()
    };
    // A guesser behind the proxy (the console) runs out of tries...
    let console = from(&c, [127, 0, 0, 6]);
    for i in 0..6 {
        let st = login(&console, "203.0.113.1", &format!("nobody-{i}"), "nope")
            .await
            .expect("POST")
            .status();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let st = login(&console, "203.0.113.1", "admin", ADMIN_PASSWORD)
        .await
        .expect("POST")
        .status();
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    // ...while another user of the same proxy logs in.
    let st = login(&console, "203.0.113.2", "admin", ADMIN_PASSWORD)
        .await
        .expect("POST")
        .status();
    assert_eq!(st, StatusCode::CREATED);
    // Anyone else's X-Forwarded-For is not believed: its own address counts.
    let stranger = from(&c, [127, 0, 0, 7]);
    for i in 0..6 {
        let st = login(&stranger, &format!("198.51.100.{i}"), "nobody", "nope")
            .await
            .expect("POST")
            .status();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let st = login(&stranger, "198.51.100.99", "admin", ADMIN_PASSWORD)
        .await
        .expect("POST")
        .status();
    assert_eq!(
        st,
        StatusCode::TOO_MANY_REQUESTS,
        "a forged header changes nothing"
    );
}

#[tokio::test]
async fn admin_is_admin_only_on_the_admin_project_and_service_users_have_the_service_role() {
    let c = cloud().await;
    let config = test_config();
    // Per-service passwords: each service user has its own.
    bootstrap::run(&c.app.pool, &config, &bootstrap_options(ADMIN_PASSWORD))
        .await
        .expect("bootstrap");
    for (user, password, want) in [
        ("compute", "s3rvice-compute", StatusCode::CREATED),
        ("network", "s3rvice-compute", StatusCode::UNAUTHORIZED),
        ("network", "s3rvice-network", StatusCode::CREATED),
    ] {
        let scope = json!({"project": {"name": "service", "domain": {"name": "Default"}}});
        let resp = from(&c, [127, 0, 0, 5])
            .post(c.server.url("/v3/auth/tokens"))
            .json(&password_auth(user, password, Some(scope)))
            .send()
            .await
            .expect("POST");
        assert_eq!(resp.status(), want, "{user} with {password}");
    }
    let scope = json!({"project": {"name": "service", "domain": {"name": "Default"}}});
    let (service, body) = c
        .token(&password_auth("storage", "s3rvice-storage", Some(scope)))
        .await;
    let roles: Vec<&str> = body["token"]["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(roles, vec!["service"], "a service user is no admin");
    assert_eq!(body["token"]["is_admin_project"], false);
    let get = |token: String, path: &'static str| {
        let req = c.http.get(c.server.url(path)).header("x-auth-token", token);
        async move { req.send().await.expect("GET").status() }
    };
    // Creating a project is a cloud admin's.
    let create_project = |token: String, name: &'static str| {
        let req = c
            .http
            .post(c.server.url("/v3/projects"))
            .header("x-auth-token", token)
            .json(&json!({"project": {"name": name, "domain_id": "default"}}));
        async move { req.send().await.expect("POST").status() }
    };
    assert_eq!(
        get(service.clone(), "/v3/OS-REVOKE/events").await,
        StatusCode::OK
    );
    assert_eq!(
        create_project(service, "by-service").await,
        StatusCode::FORBIDDEN
    );

    // The admin role on another project, or on a domain, is no cloud admin.
    let admin = c.admin_token().await;
    let (_, admin_body) = c
        .token(&password_auth(
            "admin",
            ADMIN_PASSWORD,
            Some(admin_project_scope()),
        ))
        .await;
    assert_eq!(admin_body["token"]["is_admin_project"], true);
    let project: Value = c
        .http
        .post(c.server.url("/v3/projects"))
        .header("x-auth-token", &admin)
        .json(&json!({"project": {"name": "other", "domain_id": "default"}}))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("json");
    let project_id = project["project"]["id"].as_str().expect("id").to_owned();
    add_member(&c, "ona", "ona-pw").await;
    let roles: Value = c
        .http
        .get(c.server.url("/v3/roles?name=admin"))
        .header("x-auth-token", &admin)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let admin_role = roles["roles"][0]["id"]
        .as_str()
        .expect("admin role")
        .to_owned();
    let users: Value = c
        .http
        .get(c.server.url("/v3/users?name=ona"))
        .header("x-auth-token", &admin)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let ona = users["users"][0]["id"].as_str().expect("ona").to_owned();
    for target in [
        format!("projects/{project_id}"),
        "domains/default".to_owned(),
    ] {
        let status = c
            .http
            .put(
                c.server
                    .url(&format!("/v3/{target}/users/{ona}/roles/{admin_role}")),
            )
            .header("x-auth-token", &admin)
            .send()
            .await
            .expect("PUT")
            .status();
        assert_eq!(status, StatusCode::NO_CONTENT, "{target}");
    }
    for scope in [
        json!({"project": {"id": project_id}}),
        json!({"domain": {"id": "default"}}),
    ] {
        let (token, body) = c
            .token(&password_auth("ona", "ona-pw", Some(scope.clone())))
            .await;
        assert_ne!(body["token"]["is_admin_project"], true, "{scope}");
        assert_eq!(
            create_project(token.clone(), "by-ona").await,
            StatusCode::FORBIDDEN,
            "{scope}"
        );
        assert_eq!(
            get(token, "/v3/OS-REVOKE/events").await,
            StatusCode::FORBIDDEN,
            "{scope}"
        );
    }
}

#[tokio::test]
async fn rescoping_keeps_the_audit_chain_and_revoking_the_original_revokes_both() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    let (unscoped, body) = c.token(&password_auth("admin", ADMIN_PASSWORD, None)).await;
    let original_audit = body["token"]["audit_ids"][0]
        .as_str()
        .expect("audit id")
        .to_owned();
    let rescope = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": unscoped}}, "scope": admin_project_scope()}});
    let (scoped, body) = c.token(&rescope).await;
    assert_eq!(body["token"]["methods"], json!(["token", "password"]));
    assert_eq!(body["token"]["audit_ids"][1], original_audit.as_str());
    assert_eq!(body["token"]["project"]["name"], "admin");

    assert_eq!(
        c.subject(reqwest::Method::DELETE, &admin, &unscoped)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &admin, &scoped)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &admin, &admin)
            .await
            .status(),
        StatusCode::OK
    );
    // A revoked token cannot be rescoped either.
    assert_eq!(
        c.post_tokens(&rescope, "").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn bad_auth_requests_get_400s_that_name_the_problem() {
    let c = cloud().await;
    let raw = |body: &'static str| {
        c.http
            .post(c.server.url("/v3/auth/tokens"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let resp = raw("{\"auth\": ").await.expect("POST");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = raw(r#"{"auth": {"identity": {"methods": "password"}}}"#)
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let msg = resp.json::<Value>().await.expect("json")["error"]["message"]
        .as_str()
        .expect("msg")
        .to_owned();
    assert!(msg.contains("methods"), "{msg}");
    let resp = raw(r#"{"auth": {"identity": {"methods": []}}}"#)
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = raw(r#"{"auth": {"identity": {"methods": ["password"]}}}"#)
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let system = c
        .post_tokens(
            &password_auth(
                "admin",
                ADMIN_PASSWORD,
                Some(json!({"system": {"all": true}})),
            ),
            "",
        )
        .await;
    assert_eq!(system.status(), StatusCode::BAD_REQUEST);
    // No roles on the project: 401, not a token.
    let no_access = c
        .post_tokens(
            &password_auth("compute", "s3rvice", Some(admin_project_scope())),
            "",
        )
        .await;
    assert_eq!(no_access.status(), StatusCode::UNAUTHORIZED);
    let huge = format!(
        r#"{{"auth": {{"identity": {{"methods": ["password"], "password": {{"user": {{"name": "admin", "domain": {{"id": "default"}}, "password": "{}"}}}}}}}}}}"#,
        "x".repeat(2_000_000)
    );
    let resp = c
        .http
        .post(c.server.url("/v3/auth/tokens"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn bootstrap_is_idempotent_and_resets_the_admin_password() {
    let c = cloud().await;
    let config = test_config();
    bootstrap::run(&c.app.pool, &config, &bootstrap_options("new-password"))
        .await
        .expect("again");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE name = 'admin'")
        .fetch_one(&c.app.pool)
        .await
        .expect("query");
    assert_eq!(count, 1);
    let endpoints: i64 = sqlx::query_scalar("SELECT count(*) FROM endpoints")
        .fetch_one(&c.app.pool)
        .await
        .expect("query");
    assert_eq!(endpoints, 7 * 3);
    assert_eq!(
        c.post_tokens(&password_auth("admin", ADMIN_PASSWORD, None), "")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.post_tokens(&password_auth("admin", "new-password", None), "")
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_rotated_signing_key_keeps_earlier_tokens_valid() {
    let c = cloud().await;
    let before = c.admin_token().await;
    let jwks: Value = c
        .http
        .get(c.server.url("/v3/auth/jwks"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");

    let rotate_now = IdentityConfig {
        key_rotation_s: 0,
        ..test_config()
    };
    c.app.keys.rotate_if_due(&rotate_now).await.expect("rotate");
    let after = c.admin_token().await;
    let jwks: Value = c
        .http
        .get(c.server.url("/v3/auth/jwks"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2));
    let kid = |t: &str| {
        use base64::Engine;
        let header = t.split('.').next().expect("header");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .expect("b64");
        serde_json::from_slice::<Value>(&bytes).expect("json")["kid"].clone()
    };
    assert_ne!(kid(&before), kid(&after));
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &after, &before)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &before, &after)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn members_see_only_their_projects_readers_and_members_cannot_administer() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "alice", "alice-pw").await;
    let alice = c
        .token(&password_auth(
            "alice",
            "alice-pw",
            Some(admin_project_scope()),
        ))
        .await
        .0;

    // The admin makes a project alice has no role on.
    let resp = c
        .request(reqwest::Method::POST, "/v3/projects", &admin)
        .json(&json!({"project": {"name": "secret", "domain_id": "default"}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let secret = resp.json::<Value>().await.expect("json")["project"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let list: Value = c
        .request(reqwest::Method::GET, "/v3/projects", &alice)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let names: Vec<&str> = list["projects"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, vec!["admin"], "alice sees only her project");
    let all: Value = c
        .request(reqwest::Method::GET, "/v3/projects", &admin)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert!(all["projects"].as_array().expect("list").len() >= 3);

    // Another project's id is "not found" to alice, for reading and writing alike.
    let path = format!("/v3/projects/{secret}");
    assert_eq!(
        c.request(reqwest::Method::GET, &path, &alice)
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::NOT_FOUND
    );
    let resp = c
        .request(reqwest::Method::PATCH, &path, &alice)
        .json(&json!({"project": {"enabled": false}}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        c.request(reqwest::Method::DELETE, &path, &alice)
            .send()
            .await
            .expect("DELETE")
            .status(),
        StatusCode::NOT_FOUND
    );
    // Her own project she may see but not change; admin-only creations are 403.
    let own: Value = c
        .request(reqwest::Method::GET, "/v3/projects", &alice)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let own_id = own["projects"][0]["id"].as_str().expect("id").to_owned();
    let resp = c
        .request(
            reqwest::Method::PATCH,
            &format!("/v3/projects/{own_id}"),
            &alice,
        )
        .json(&json!({"project": {"name": "mine"}}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = c
        .request(reqwest::Method::POST, "/v3/users", &alice)
        .json(&json!({"user": {"name": "mallory"}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Users: alice sees herself only.
    let users: Value = c
        .request(reqwest::Method::GET, "/v3/users", &alice)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(users["users"].as_array().map(Vec::len), Some(1));
    assert_eq!(users["users"][0]["name"], "alice");

    // Unknown ids and duplicate names.
    assert_eq!(
        c.request(reqwest::Method::GET, "/v3/projects/nope", &admin)
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::NOT_FOUND
    );
    let dup = c
        .request(reqwest::Method::POST, "/v3/projects", &admin)
        .json(&json!({"project": {"name": "secret"}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    let bad = c
        .request(reqwest::Method::POST, "/v3/projects", &admin)
        .json(&json!({"project": {"name": ""}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad = c
        .request(reqwest::Method::POST, "/v3/projects", &admin)
        .json(&json!({"project": {"name": 42}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM projects WHERE name = 'secret'")
        .fetch_one(&c.app.pool)
        .await
        .expect("q");
    assert_eq!(count, 1, "nothing half-created");
}

#[tokio::test]
async fn disabling_or_deleting_users_and_projects_and_new_passwords_revoke_tokens() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "alice", "alice-pw").await;
    let head = |t: &str| {
        c.request(reqwest::Method::HEAD, "/v3/auth/tokens", &admin)
            .header("X-Subject-Token", t.to_owned())
            .send()
    };
    let patch = |path: String, body: Value| {
        c.request(reqwest::Method::PATCH, &path, &admin)
            .json(&body)
            .send()
    };
    let alice_id: String = sqlx::query_scalar("SELECT id FROM users WHERE name = 'alice'")
        .fetch_one(&c.app.pool)
        .await
        .expect("q");

    // A new password set by the admin revokes alice's tokens; the new one works.
    let t1 = c
        .token(&password_auth(
            "alice",
            "alice-pw",
            Some(admin_project_scope()),
        ))
        .await
        .0;
    assert_eq!(
        patch(
            format!("/v3/users/{alice_id}"),
            json!({"user": {"password": "pw2"}})
        )
        .await
        .expect("PATCH")
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        head(&t1).await.expect("HEAD").status(),
        StatusCode::NOT_FOUND
    );
    let t2 = c
        .token(&password_auth("alice", "pw2", Some(admin_project_scope())))
        .await
        .0;

    // Her own password change proves the old one.
    let change = |original: &str, new: &str, token: &str| {
        c.request(
            reqwest::Method::POST,
            &format!("/v3/users/{alice_id}/password"),
            token,
        )
        .json(&json!({"user": {"original_password": original, "password": new}}))
        .send()
    };
    assert_eq!(
        change("wrong", "pw3", &t2).await.expect("POST").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        change("pw2", "pw3", &t2).await.expect("POST").status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        head(&t2).await.expect("HEAD").status(),
        StatusCode::NOT_FOUND
    );

    // Disabling the user.
    let t3 = c
        .token(&password_auth("alice", "pw3", Some(admin_project_scope())))
        .await
        .0;
    assert_eq!(
        patch(
            format!("/v3/users/{alice_id}"),
            json!({"user": {"enabled": false}})
        )
        .await
        .expect("PATCH")
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        head(&t3).await.expect("HEAD").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.post_tokens(&password_auth("alice", "pw3", None), "")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Disabling a project revokes the tokens scoped to it, and no new ones are issued.
    let resp = c
        .request(reqwest::Method::POST, "/v3/projects", &admin)
        .json(&json!({"project": {"name": "p2"}}))
        .send()
        .await
        .expect("POST");
    let p2 = resp.json::<Value>().await.expect("json")["project"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    {
        use stratus_identity::datastore as ds;
        let admin_id: String = sqlx::query_scalar("SELECT id FROM users WHERE name = 'admin'")
            .fetch_one(&c.app.pool)
            .await
            .expect("q");
        let role = ds::role_ensure(&c.app.pool, "member").await.expect("role");
        ds::role_assignment_ensure(&c.app.pool, "user", &admin_id, "project", &p2, &role)
            .await
            .expect("grant");
    }
    let scoped = c
        .token(&password_auth(
            "admin",
            ADMIN_PASSWORD,
            Some(json!({"project": {"id": p2}})),
        ))
        .await
        .0;
    assert_eq!(
        patch(
            format!("/v3/projects/{p2}"),
            json!({"project": {"enabled": false}})
        )
        .await
        .expect("PATCH")
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        head(&scoped).await.expect("HEAD").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        head(&admin).await.expect("HEAD").status(),
        StatusCode::OK,
        "tokens of other projects live on"
    );
    let refused = c
        .post_tokens(
            &password_auth(
                "admin",
                ADMIN_PASSWORD,
                Some(json!({"project": {"id": p2}})),
            ),
            "",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // Deleting.
    let del = c
        .request(
            reqwest::Method::DELETE,
            &format!("/v3/projects/{p2}"),
            &admin,
        )
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    let del = c
        .request(
            reqwest::Method::DELETE,
            &format!("/v3/users/{alice_id}"),
            &admin,
        )
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    let again = c
        .request(
            reqwest::Method::DELETE,
            &format!("/v3/users/{alice_id}"),
            &admin,
        )
        .send()
        .await
        .expect("DELETE");
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn grants_need_an_admin_and_existing_parts_and_their_removal_revokes() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "alice", "alice-pw").await;
    let alice_token = c
        .token(&password_auth(
            "alice",
            "alice-pw",
            Some(admin_project_scope()),
        ))
        .await
        .0;
    let pool = c.app.pool.clone();
    let id = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_one(&pool)
                .await
                .expect("q")
        }
    };
    let alice = id("SELECT id FROM users WHERE name = 'alice'").await;
    let project = id("SELECT id FROM projects WHERE name = 'admin'").await;
    let member = id("SELECT id FROM roles WHERE name = 'member'").await;
    let reader = id("SELECT id FROM roles WHERE name = 'reader'").await;
    let grant = |method: reqwest::Method, token: &str, user: &str, role: &str| {
        c.request(
            method,
            &format!("/v3/projects/{project}/users/{user}/roles/{role}"),
            token,
        )
        .send()
    };
    use reqwest::Method;
    // A member cannot grant; unknown users and roles are 404s naming them.
    assert_eq!(
        grant(Method::PUT, &alice_token, &alice, &reader)
            .await
            .expect("PUT")
            .status(),
        StatusCode::FORBIDDEN
    );
    let resp = grant(Method::PUT, &admin, "nobody", &reader)
        .await
        .expect("PUT");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("Could not find user: nobody.")
    );
    assert_eq!(
        grant(Method::PUT, &admin, &alice, "norole")
            .await
            .expect("PUT")
            .status(),
        StatusCode::NOT_FOUND
    );
    // Grant, check (alice may check her own), list with names.
    assert_eq!(
        grant(Method::PUT, &admin, &alice, &reader)
            .await
            .expect("PUT")
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        grant(Method::HEAD, &alice_token, &alice, &reader)
            .await
            .expect("HEAD")
            .status(),
        StatusCode::NO_CONTENT
    );
    let list: Value = c
        .request(
            reqwest::Method::GET,
            &format!("/v3/role_assignments?user.id={alice}&include_names"),
            &admin,
        )
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let roles: Vec<&str> = list["role_assignments"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["role"]["name"].as_str())
        .collect();
    assert_eq!(roles, vec!["member", "reader"]);
    assert_eq!(
        list["role_assignments"][0]["user"]["domain"]["name"],
        "Default"
    );
    assert_eq!(
        list["role_assignments"][0]["scope"]["project"]["name"],
        "admin"
    );
    // Alice listing everyone's sees only hers.
    let mine: Value = c
        .request(reqwest::Method::GET, "/v3/role_assignments", &alice_token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert!(
        mine["role_assignments"]
            .as_array()
            .expect("list")
            .iter()
            .all(|a| a["user"]["id"] == alice.as_str())
    );
    // Removing the member grant revokes her token on that project.
    assert_eq!(
        grant(Method::DELETE, &admin, &alice, &member)
            .await
            .expect("DELETE")
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &admin, &alice_token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        grant(Method::DELETE, &admin, &alice, &member)
            .await
            .expect("DELETE")
            .status(),
        StatusCode::NOT_FOUND
    );
    // Reader remains, so she can still get a (reader) token.
    let (_, body) = c
        .token(&password_auth(
            "alice",
            "alice-pw",
            Some(admin_project_scope()),
        ))
        .await;
    assert_eq!(body["token"]["roles"][0]["name"], "reader");
}

#[tokio::test]
async fn application_credentials_are_bounded_by_roles_expiry_and_ownership() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "alice", "alice-pw").await;
    let alice_token = c
        .token(&password_auth(
            "alice",
            "alice-pw",
            Some(admin_project_scope()),
        ))
        .await
        .0;
    let alice: String = sqlx::query_scalar("SELECT id FROM users WHERE name = 'alice'")
        .fetch_one(&c.app.pool)
        .await
        .expect("q");
    let create = |token: &str, user: &str, body: Value| {
        c.request(
            reqwest::Method::POST,
            &format!("/v3/users/{user}/application_credentials"),
            token,
        )
        .json(&json!({"application_credential": body}))
        .send()
    };
    // A role she does not hold, a past expiry, someone else's user id.
    let r = create(
        &alice_token,
        &alice,
        json!({"name": "x", "roles": [{"name": "admin"}]}),
    )
    .await
    .expect("POST");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = create(
        &alice_token,
        &alice,
        json!({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}),
    )
    .await
    .expect("POST");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let admin_id: String = sqlx::query_scalar("SELECT id FROM users WHERE name = 'admin'")
        .fetch_one(&c.app.pool)
        .await
        .expect("q");
    let r = create(&alice_token, &admin_id, json!({"name": "x"}))
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM application_credentials")
        .fetch_one(&c.app.pool)
        .await
        .expect("q");
    assert_eq!(n, 0, "nothing half-created");

    // A good one, with a generated secret shown once.
    let r = create(&alice_token, &alice, json!({"name": "bot"}))
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.expect("json");
    let cred = &body["application_credential"];
    let (id, secret) = (
        cred["id"].as_str().expect("id").to_owned(),
        cred["secret"].as_str().expect("secret").to_owned(),
    );
    assert!(secret.len() >= 40);
    assert_eq!(cred["roles"][0]["name"], "member");
    let dup = create(&alice_token, &alice, json!({"name": "bot"}))
        .await
        .expect("POST");
    assert_eq!(dup.status(), StatusCode::CONFLICT);

    let with_cred = |secret: &str| {
        json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"id": id, "secret": secret}}}})
    };
    let (token, body) = c.token(&with_cred(&secret)).await;
    assert_eq!(body["token"]["methods"], json!(["application_credential"]));
    assert_eq!(body["token"]["application_credential"]["name"], "bot");
    assert_eq!(body["token"]["project"]["name"], "admin");
    assert_eq!(
        c.post_tokens(&with_cred("wrong"), "").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // By name and user, too.
    let by_name = json!({"auth": {"identity": {"methods": ["application_credential"], "application_credential": {
        "name": "bot", "user": {"name": "alice", "domain": {"id": "default"}}, "secret": secret}}}});
    assert_eq!(
        c.post_tokens(&by_name, "").await.status(),
        StatusCode::CREATED
    );
    // Its token cannot be rescoped, nor create another credential.
    let rescope = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token}}, "scope": admin_project_scope()}});
    assert_eq!(
        c.post_tokens(&rescope, "").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        create(&token, &alice, json!({"name": "child"}))
            .await
            .expect("POST")
            .status(),
        StatusCode::FORBIDDEN
    );
    // The admin cannot see alice's credentials (they are hers).
    let r = c
        .request(
            reqwest::Method::GET,
            &format!("/v3/users/{alice}/application_credentials/{id}"),
            &admin,
        )
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Deleting it revokes its tokens and stops it from authenticating.
    let r = c
        .request(
            reqwest::Method::DELETE,
            &format!("/v3/users/{alice}/application_credentials/{id}"),
            &alice_token,
        )
        .send()
        .await
        .expect("DELETE");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &admin, &token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.subject(reqwest::Method::HEAD, &admin, &alice_token)
            .await
            .status(),
        StatusCode::OK,
        "her password token lives on"
    );
    assert_eq!(
        c.post_tokens(&with_cred(&secret), "").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn auth_projects_and_domains_list_what_the_caller_may_scope_to() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "alice", "alice-pw").await;
    let resp = c
        .request(reqwest::Method::POST, "/v3/projects", &admin)
        .json(&json!({"project": {"name": "elsewhere"}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (alice, _) = c.token(&password_auth("alice", "alice-pw", None)).await;
    let get =
        |path: &'static str, token: String| c.request(reqwest::Method::GET, path, &token).send();

    let mine: Value = get("/v3/auth/projects", alice.clone())
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let names: Vec<&str> = mine["projects"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, vec!["admin"]);
    let domains: Value = get("/v3/auth/domains", alice)
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(
        domains["domains"].as_array().map(Vec::len),
        Some(0),
        "alice has no domain role"
    );
    let domains: Value = get("/v3/auth/domains", admin)
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(domains["domains"][0]["id"], "default");
    assert_eq!(
        get("/v3/auth/projects", "junk".into())
            .await
            .expect("GET")
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// 500 bad logins at once: each answered 401 or 429 (with Retry-After),
/// never an error; hashing stays within its gate; a good login is served
/// during the burst (retried on 429, as a client does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_bad_logins_is_bounded_and_good_logins_still_work() {
    let c = common::cloud_with(IdentityConfig {
        source_failures: 100_000,
        ..test_config()
    })
    .await;
    let burst = futures_util::future::join_all((0..500).map(|i| {
        c.http
            .post(c.server.url("/v3/auth/tokens"))
            .json(&password_auth(&format!("nobody-{i}"), "nope", None))
            .send()
    }));
    let good = async {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let resp = c
                .post_tokens(&password_auth("admin", ADMIN_PASSWORD, None), "")
                .await;
            match resp.status() {
                StatusCode::CREATED => return,
                StatusCode::TOO_MANY_REQUESTS if tokio::time::Instant::now() < deadline => {
                    let wait: u64 = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse().ok())
                        .expect("Retry-After on 429");
                    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                }
                other => panic!("a good login during the burst: {other}"),
            }
        }
    };
    let (answers, ()) = tokio::join!(burst, good);
    let mut throttled = 0;
    for a in answers {
        let a = a.expect("POST");
        match a.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(a.headers().contains_key("retry-after"));
                throttled += 1;
            }
            other => panic!("a bad login answered {other}"),
        }
    }
    // How many were throttled depends on the machine; that none failed
    // otherwise and the good login got through is the point.
    println!("{throttled} of 500 throttled");
}
