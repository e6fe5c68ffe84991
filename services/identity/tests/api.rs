//! The identity service over real HTTP: discovery documents, error bodies,
//! request ids, and the checked-in OpenAPI document.

use stratus_test_support::TestServer;

#[test]
fn openapi_document_is_current() {
    stratus_http::openapi::assert_current(
        env!("CARGO_MANIFEST_DIR"),
        stratus_identity::http::openapi_documents(),
    );
}

#[tokio::test]
async fn discovery_documents_are_keystones() {
    let server = TestServer::start(stratus_identity::http::router()).await;
    let client = reqwest::Client::new();

    let root = client.get(server.url("/")).send().await.expect("GET /");
    assert_eq!(root.status().as_u16(), 300);
    let body: serde_json::Value = root.json().await.expect("json");
    let v = &body["versions"]["values"][0];
    assert_eq!(v["id"], "v3.14");
    assert_eq!(v["status"], "stable");
    assert_eq!(v["links"][0]["href"], server.url("/v3/"));
    assert_eq!(
        v["media-types"][0]["type"],
        "application/vnd.openstack.identity-v3+json"
    );

    for path in ["/v3", "/v3/"] {
        let doc = client.get(server.url(path)).send().await.expect("GET /v3");
        assert_eq!(doc.status().as_u16(), 200);
        let body: serde_json::Value = doc.json().await.expect("json");
        assert_eq!(body["version"]["id"], "v3.14");
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_get_keystone_error_bodies_and_a_request_id() {
    let server = TestServer::start(stratus_identity::http::router()).await;
    let client = reqwest::Client::new();

    let missing = client
        .get(server.url("/v3/nothing-here"))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status().as_u16(), 404);
    let id = missing
        .headers()
        .get("x-openstack-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("request id header");
    assert!(stratus_common::RequestId::parse(&id).is_some(), "{id}");
    let body: serde_json::Value = missing.json().await.expect("json");
    assert_eq!(body["error"]["code"], 404);
    assert_eq!(body["error"]["title"], "Not Found");

    let wrong_method = client
        .delete(server.url("/v3"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(wrong_method.status().as_u16(), 405);
    let body: serde_json::Value = wrong_method.json().await.expect("json");
    assert_eq!(body["error"]["code"], 405);
}
