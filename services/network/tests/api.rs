//! The network service over real HTTP: discovery documents, Neutron error
//! bodies, request ids, and the checked-in OpenAPI document.

mod common;

#[test]
fn openapi_document_is_current() {
    stratus_http::openapi::assert_current(
        env!("CARGO_MANIFEST_DIR"),
        stratus_network::http::openapi_documents(),
    );
}

#[tokio::test]
async fn discovery_lists_v2_0() {
    let cloud = common::Cloud::start().await;
    let server = &cloud.api;
    let client = reqwest::Client::new();
    let body: serde_json::Value = client
        .get(server.url("/"))
        .send()
        .await
        .expect("GET /")
        .json()
        .await
        .expect("json");
    assert_eq!(body["versions"][0]["id"], "v2.0");
    assert_eq!(
        body["versions"][0]["links"][0]["href"],
        server.url("/v2.0/")
    );
    let resources = client
        .get(server.url("/v2.0/"))
        .send()
        .await
        .expect("GET /v2.0/");
    assert_eq!(resources.status().as_u16(), 200);
    let body: serde_json::Value = resources.json().await.expect("json");
    assert!(body["resources"].is_array());
}

#[tokio::test]
async fn errors_are_neutron_errors() {
    let cloud = common::Cloud::start().await;
    let server = &cloud.api;
    let resp = reqwest::Client::new()
        .get(server.url("/v2.0/unknown"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 404);
    assert!(resp.headers().contains_key("x-openstack-request-id"));
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["NeutronError"]["type"], "HTTPNotFound");
    assert_eq!(body["NeutronError"]["detail"], "");
}
