//! The compute service over real HTTP: discovery documents, Nova error
//! bodies, request ids, and the checked-in OpenAPI document.

mod common;

use common::Cloud;

#[test]
fn openapi_document_is_current() {
    stratus_http::openapi::assert_current(
        env!("CARGO_MANIFEST_DIR"),
        stratus_compute::http::openapi_documents(),
    );
}

#[tokio::test]
async fn discovery_lists_v2_0_then_v2_1() {
    let c = Cloud::start().await;
    let server = &c.api;
    let client = reqwest::Client::new();
    let root = client.get(server.url("/")).send().await.expect("GET /");
    assert_eq!(root.status().as_u16(), 200);
    let body: serde_json::Value = root.json().await.expect("json");
    assert_eq!(body["versions"][0]["id"], "v2.0");
    assert_eq!(body["versions"][1]["id"], "v2.1");
    assert_eq!(body["versions"][1]["status"], "CURRENT");
    assert_eq!(
        body["versions"][1]["links"][0]["href"],
        server.url("/v2.1/")
    );

    let doc = client
        .get(server.url("/v2.1/"))
        .send()
        .await
        .expect("GET /v2.1/");
    assert_eq!(doc.status().as_u16(), 200);
    let body: serde_json::Value = doc.json().await.expect("json");
    assert_eq!(body["version"]["min_version"], "2.1");
    assert_eq!(body["version"]["version"], "2.1");
}

#[tokio::test]
async fn errors_are_nova_faults_and_carry_both_request_id_headers() {
    let c = Cloud::start().await;
    let server = &c.api;
    let resp = reqwest::Client::new()
        .get(server.url("/v2.1/no-such-resource"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 404);
    let h = resp.headers();
    let id = h.get("x-openstack-request-id").expect("request id");
    assert_eq!(Some(id), h.get("x-compute-request-id"));
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["itemNotFound"]["code"], 404);
}
