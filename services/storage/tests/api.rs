//! The storage service's two APIs over real HTTP: discovery, each API's error
//! bodies, and the checked-in OpenAPI documents.

mod common;

#[test]
fn openapi_documents_are_current() {
    stratus_http::openapi::assert_current(
        env!("CARGO_MANIFEST_DIR"),
        stratus_storage::http::openapi_documents(),
    );
}

#[tokio::test]
async fn image_api_discovery_and_glance_errors() {
    let cloud = common::Cloud::start().await;
    let server = &cloud.image;
    let client = reqwest::Client::new();
    let root = client.get(server.url("/")).send().await.expect("GET /");
    assert_eq!(root.status().as_u16(), 300);
    let body: serde_json::Value = root.json().await.expect("json");
    assert_eq!(body["versions"][0]["id"], "v2.16");
    assert_eq!(body["versions"][0]["links"][0]["href"], server.url("/v2/"));
    let versions = client
        .get(server.url("/versions"))
        .send()
        .await
        .expect("GET /versions");
    assert_eq!(versions.status().as_u16(), 200);

    // Glance's schemas, from the lists the API validates with.
    let (status, schema) = cloud
        .send(
            reqwest::Method::GET,
            "/v2/schemas/image",
            &cloud.alice,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(schema["name"], "image");
    assert!(
        schema["properties"]["disk_format"]["enum"]
            .as_array()
            .expect("enum")
            .contains(&"qcow2".into())
    );
    assert_eq!(schema["properties"]["checksum"]["readOnly"], true);
    assert!(schema["properties"]["name"].get("readOnly").is_none());
    assert_eq!(schema["additionalProperties"]["type"], "string");
    for path in [
        "/v2/schemas/images",
        "/v2/schemas/member",
        "/v2/schemas/members",
    ] {
        let (status, s) = cloud
            .send(reqwest::Method::GET, path, &cloud.alice, None)
            .await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            format!("/v2/schemas/{}", s["name"].as_str().expect("name")),
            path
        );
    }

    let anonymous = client
        .get(server.url("/v2/images"))
        .send()
        .await
        .expect("GET");
    assert_eq!(anonymous.status().as_u16(), 401);
    let missing = cloud
        .request(reqwest::Method::GET, "/v2/images/x", &cloud.alice)
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status().as_u16(), 404);
    let content_type = missing.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        missing
            .text()
            .await
            .expect("text")
            .contains("404 Not Found")
    );
}

#[tokio::test]
async fn volume_api_discovery_and_cinder_errors() {
    let cloud = common::Cloud::start().await;
    let server = &cloud.volume;
    let client = reqwest::Client::new();
    let root = client.get(server.url("/")).send().await.expect("GET /");
    assert_eq!(root.status().as_u16(), 300);
    let body: serde_json::Value = root.json().await.expect("json");
    assert_eq!(body["versions"][0]["id"], "v3.0");
    assert_eq!(body["versions"][0]["min_version"], "3.0");
    let v3 = client
        .get(server.url("/v3/"))
        .send()
        .await
        .expect("GET /v3/");
    assert_eq!(v3.status().as_u16(), 200);

    assert_eq!(v3.headers()["openstack-api-version"], "volume 3.0");

    let (status, body) = cloud
        .volumes(reqwest::Method::GET, "/volumes/x", &cloud.alice, None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["itemNotFound"]["code"], 404);

    // Microversions: 3.0 and `latest` are served; later ones are not.
    for (asked, want) in [
        ("volume 3.0", 200),
        ("volume latest", 200),
        ("volume 3.70", 406),
        ("volume x", 406),
    ] {
        let resp = cloud
            .http
            .get(
                cloud
                    .volume
                    .url(&format!("/v3/{}/volumes", cloud.alice.project_id)),
            )
            .header("X-Auth-Token", &cloud.alice.token)
            .header("OpenStack-API-Version", asked)
            .send()
            .await
            .expect("GET");
        assert_eq!(resp.status().as_u16(), want, "{asked}");
        assert_eq!(resp.headers()["openstack-api-version"], "volume 3.0");
    }
}
