//! The metering service over real HTTP: discovery, error bodies, and the
//! checked-in OpenAPI document.

use stratus_test_support::TestServer;

#[test]
fn openapi_document_is_current() {
    stratus_http::openapi::assert_current(
        env!("CARGO_MANIFEST_DIR"),
        stratus_metering::http::openapi_documents(),
    );
}

#[tokio::test]
async fn discovery_lists_v1_and_unknown_paths_are_404() {
    let server = TestServer::start(stratus_metering::http::router()).await;
    let client = reqwest::Client::new();
    let body: serde_json::Value = client
        .get(server.url("/"))
        .send()
        .await
        .expect("GET /")
        .json()
        .await
        .expect("json");
    assert_eq!(body["versions"][0]["id"], "v1");
    let missing = client
        .get(server.url("/v1/nope"))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status().as_u16(), 404);
    let body: serde_json::Value = missing.json().await.expect("json");
    assert_eq!(body["error"]["code"], 404);
}
