//! The catalog as admins manage it (regions, services, endpoints) and as
//! tokens carry it (project placeholders filled, disabled entries left out);
//! role updates and the revocation a deleted role implies.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod common;
use common::{ADMIN_PASSWORD, Cloud, add_member, admin_project_scope, cloud, password_auth};

impl Cloud {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(method, path, token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn error_message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

async fn catalog_of(c: &Cloud, token: &str) -> Vec<Value> {
    let (status, body) = c.send(Method::GET, "/v3/auth/catalog", token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["catalog"].as_array().expect("catalog").clone()
}

fn urls_of(catalog: &[Value], service_type: &str) -> Vec<String> {
    catalog
        .iter()
        .filter(|s| s["type"] == service_type)
        .flat_map(|s| s["endpoints"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["url"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn regions_form_a_tree_that_admins_manage() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "mia", "mia-pw").await;
    let (member, _) = c
        .token(&password_auth("mia", "mia-pw", Some(admin_project_scope())))
        .await;

    let (status, body) = c
        .send(
            Method::POST,
            "/v3/regions",
            &admin,
            Some(json!({"region": {"id": "RegionTwo", "description": "second"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["region"]["id"], "RegionTwo");
    assert_eq!(body["region"]["parent_region_id"], Value::Null);
    assert!(
        body["region"]["links"]["self"]
            .as_str()
            .is_some_and(|l| l.ends_with("/v3/regions/RegionTwo"))
    );

    // A child by PUT, one with a generated id by POST.
    let (status, body) = c
        .send(
            Method::PUT,
            "/v3/regions/RegionTwo-a",
            &admin,
            Some(json!({"region": {"parent_region_id": "RegionTwo"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["region"]["parent_region_id"], "RegionTwo");
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/regions",
            &admin,
            Some(json!({"region": {"description": "anonymous"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let generated = body["region"]["id"].as_str().expect("id").to_owned();
    assert_eq!(generated.len(), 32);

    // Bad parents, cycles, duplicates, mismatched ids: 4xx naming the problem.
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/regions",
            &admin,
            Some(json!({"region": {"id": "Orphan", "parent_region_id": "Nowhere"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("parent_region_id"), "{body}");
    let (status, body) = c
        .send(
            Method::PATCH,
            "/v3/regions/RegionTwo",
            &admin,
            Some(json!({"region": {"parent_region_id": "RegionTwo-a"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a cycle: {body}");
    assert!(error_message(&body).contains("tree"), "{body}");
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/regions",
            &admin,
            Some(json!({"region": {"id": "RegionTwo"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = c
        .send(
            Method::PUT,
            "/v3/regions/X",
            &admin,
            Some(json!({"region": {"id": "Y"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/regions",
            &admin,
            Some(json!({"region": {"description": 7}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("description"), "{body}");

    // Everyone reads; only admins write.
    let (status, body) = c
        .send(
            Method::GET,
            "/v3/regions?parent_region_id=RegionTwo",
            &member,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = body["regions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["RegionTwo-a"]);
    let (status, _) = c
        .send(
            Method::POST,
            "/v3/regions",
            &member,
            Some(json!({"region": {"id": "Mine"}})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = c
        .send(Method::DELETE, "/v3/regions/RegionTwo-a", &member, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A region with children cannot go; its children can, then it can.
    let (status, body) = c
        .send(Method::DELETE, "/v3/regions/RegionTwo", &admin, None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error_message(&body).contains("RegionTwo-a"), "{body}");
    let (status, body) = c
        .send(
            Method::PATCH,
            "/v3/regions/RegionTwo-a",
            &admin,
            Some(json!({"region": {"parent_region_id": null, "description": "root now"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["region"]["parent_region_id"], Value::Null);
    assert_eq!(body["region"]["description"], "root now");
    for id in ["RegionTwo", "RegionTwo-a", generated.as_str()] {
        let (status, _) = c
            .send(Method::DELETE, &format!("/v3/regions/{id}"), &admin, None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{id}");
    }
    let (status, body) = c
        .send(Method::GET, "/v3/regions/RegionTwo", &admin, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], 404);
}

#[tokio::test]
async fn services_and_endpoints_shape_the_catalog_tokens_carry() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "max", "max-pw").await;
    let (member, member_body) = c
        .token(&password_auth("max", "max-pw", Some(admin_project_scope())))
        .await;
    let project_id = member_body["token"]["project"]["id"]
        .as_str()
        .expect("project")
        .to_owned();

    // The bootstrap catalog's volume URLs carry the token's project.
    let volume = urls_of(&catalog_of(&c, &member).await, "volumev3");
    assert_eq!(volume.len(), 3);
    assert!(
        volume
            .iter()
            .all(|u| u.ends_with(&format!("/v3/{project_id}"))),
        "{volume:?}"
    );
    // A domain-scoped token has no project: those endpoints are left out.
    let (domain_token, _) = c
        .token(&password_auth(
            "admin",
            ADMIN_PASSWORD,
            Some(json!({"domain": {"id": "default"}})),
        ))
        .await;
    let domain_catalog = catalog_of(&c, &domain_token).await;
    assert!(urls_of(&domain_catalog, "volumev3").is_empty());
    assert_eq!(urls_of(&domain_catalog, "identity").len(), 3);

    // Services: validation, then create.
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/services",
            &admin,
            Some(json!({"service": {"name": "typeless"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("'type'"), "{body}");
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/services",
            &admin,
            Some(json!({"service": {"type": "dns", "enabled": "yes"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("enabled"), "{body}");
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/services",
            &member,
            Some(json!({"service": {"type": "dns"}})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/services",
            &admin,
            Some(json!({"service": {"type": "dns", "name": "designate", "description": "names"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let service = body["service"].clone();
    let service_id = service["id"].as_str().expect("id").to_owned();
    assert_eq!(service["type"], "dns");
    assert_eq!(service["enabled"], true);

    let (status, body) = c
        .send(Method::GET, "/v3/services?type=dns", &admin, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["services"], json!([service]));
    let (status, _) = c.send(Method::GET, "/v3/services", &member, None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "readers of the catalog use their token's"
    );

    // Endpoints: every bad field is a 400 naming it, and nothing is created.
    let good = json!({"service_id": service_id, "interface": "public",
                      "url": "http://127.0.0.1:9001/v2/%(project_id)s", "region_id": "RegionOne"});
    for (field, value) in [
        ("interface", json!("external")),
        ("url", json!("ftp://x")),
        ("url", json!("http://a b")),
        ("service_id", json!("no-such-service")),
        ("region_id", json!("Atlantis")),
        ("enabled", json!("sometimes")),
    ] {
        let mut e = good.clone();
        e[field] = value;
        let (status, body) = c
            .send(
                Method::POST,
                "/v3/endpoints",
                &admin,
                Some(json!({"endpoint": e})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(error_message(&body).contains(field), "{field}: {body}");
    }
    let (status, body) = c
        .send(
            Method::GET,
            &format!("/v3/endpoints?service_id={service_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["endpoints"], json!([]), "nothing half-created");

    let (status, body) = c
        .send(
            Method::POST,
            "/v3/endpoints",
            &admin,
            Some(json!({"endpoint": good})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let endpoint = body["endpoint"].clone();
    let endpoint_id = endpoint["id"].as_str().expect("id").to_owned();
    assert_eq!(endpoint["region"], "RegionOne");
    assert_eq!(endpoint["enabled"], true);
    // The legacy `region` field works as `region_id`.
    let (status, body) = c
        .send(
            Method::POST,
            "/v3/endpoints",
            &admin,
            Some(
                json!({"endpoint": {"service_id": service_id, "interface": "internal",
                                       "url": "http://127.0.0.1:9002", "region": "RegionOne"}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["endpoint"]["region_id"], "RegionOne");

    let (status, body) = c
        .send(
            Method::GET,
            "/v3/endpoints?interface=public&region_id=RegionOne",
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["endpoints"]
            .as_array()
            .expect("list")
            .contains(&endpoint)
    );
    assert!(
        body["endpoints"]
            .as_array()
            .expect("list")
            .iter()
            .all(|e| e["interface"] == "public")
    );
    let (status, body) = c
        .send(Method::GET, "/v3/endpoints?interface=weird", &admin, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // New tokens' catalogs have it, with the project filled in.
    let (fresh, _) = c
        .token(&password_auth("max", "max-pw", Some(admin_project_scope())))
        .await;
    let dns = urls_of(&catalog_of(&c, &fresh).await, "dns");
    assert!(
        dns.contains(&format!("http://127.0.0.1:9001/v2/{project_id}")),
        "{dns:?}"
    );
    assert!(dns.contains(&"http://127.0.0.1:9002".to_owned()), "{dns:?}");

    // A disabled endpoint, then a disabled service, leave the catalog.
    let (status, body) = c
        .send(
            Method::PATCH,
            &format!("/v3/endpoints/{endpoint_id}"),
            &admin,
            Some(json!({"endpoint": {"enabled": false}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["endpoint"]["enabled"], false);
    let dns = urls_of(&catalog_of(&c, &fresh).await, "dns");
    assert_eq!(dns, vec!["http://127.0.0.1:9002".to_owned()]);
    let (status, _) = c
        .send(
            Method::PATCH,
            &format!("/v3/services/{service_id}"),
            &admin,
            Some(json!({"service": {"enabled": false}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(urls_of(&catalog_of(&c, &fresh).await, "dns").is_empty());

    // A region that has endpoints cannot be deleted.
    let (status, body) = c
        .send(Method::DELETE, "/v3/regions/RegionOne", &admin, None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error_message(&body).contains("endpoints"), "{body}");

    // Deleting the service deletes its endpoints.
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v3/services/{service_id}"),
            &member,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v3/services/{service_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v3/endpoints/{endpoint_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v3/services/{service_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_are_renamed_default_roles_are_immutable_and_deleting_one_revokes_its_tokens() {
    let c = cloud().await;
    let admin = c.admin_token().await;
    add_member(&c, "ria", "ria-pw").await;

    let (status, body) = c
        .send(
            Method::POST,
            "/v3/roles",
            &admin,
            Some(json!({"role": {"name": "auditor"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let role_id = body["role"]["id"].as_str().expect("id").to_owned();
    assert_eq!(body["role"]["options"], json!({}));

    let (status, body) = c
        .send(
            Method::PATCH,
            &format!("/v3/roles/{role_id}"),
            &admin,
            Some(json!({"role": {"name": "inspector", "description": "reads the books"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"]["name"], "inspector");
    assert_eq!(body["role"]["description"], "reads the books");
    let (status, _) = c
        .send(
            Method::PATCH,
            &format!("/v3/roles/{role_id}"),
            &admin,
            Some(json!({"role": {"name": "member"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "names are unique");
    let (status, _) = c
        .send(
            Method::PATCH,
            &format!("/v3/roles/{role_id}"),
            &admin,
            Some(json!({"role": {"name": ""}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The default roles carry `immutable` and refuse change.
    let (_, body) = c
        .send(Method::GET, "/v3/roles?name=admin", &admin, None)
        .await;
    let admin_role = body["roles"][0].clone();
    assert_eq!(admin_role["options"]["immutable"], true);
    let admin_role_id = admin_role["id"].as_str().expect("id");
    let (status, body) = c
        .send(
            Method::PATCH,
            &format!("/v3/roles/{admin_role_id}"),
            &admin,
            Some(json!({"role": {"name": "root"}})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(error_message(&body).contains("immutable"), "{body}");
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v3/roles/{admin_role_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = c
        .send(Method::GET, "/v3/roles?name=admin", &admin, None)
        .await;
    assert_eq!(
        (status, body["roles"][0]["name"].clone()),
        (StatusCode::OK, json!("admin"))
    );

    // Grant the role, issue a token carrying it, delete the role: the token
    // is revoked; tokens without it survive.
    let (_, body) = c
        .send(Method::GET, "/v3/users?name=ria", &admin, None)
        .await;
    let user_id = body["users"][0]["id"].as_str().expect("user").to_owned();
    let (_, body) = c
        .send(Method::GET, "/v3/projects?name=admin", &admin, None)
        .await;
    let project_id = body["projects"][0]["id"]
        .as_str()
        .expect("project")
        .to_owned();
    let (status, _) = c
        .send(
            Method::PUT,
            &format!("/v3/projects/{project_id}/users/{user_id}/roles/{role_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (with_role, body) = c
        .token(&password_auth("ria", "ria-pw", Some(admin_project_scope())))
        .await;
    assert!(
        body["token"]["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .any(|r| r["id"] == role_id.as_str())
    );
    let (bystander, _) = c
        .token(&password_auth(
            "admin",
            ADMIN_PASSWORD,
            Some(admin_project_scope()),
        ))
        .await;

    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v3/roles/{role_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let resp = c.subject(Method::GET, &admin, &with_role).await;
    assert_eq!(
        resp.status(),
        StatusCode::NOT_FOUND,
        "the token carrying the deleted role is revoked"
    );
    let resp = c.subject(Method::GET, &admin, &bystander).await;
    assert_eq!(resp.status(), StatusCode::OK, "other tokens survive");
    let (status, _) = c
        .send(Method::GET, &format!("/v3/roles/{role_id}"), &admin, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, body) = c
        .send(
            Method::GET,
            &format!("/v3/role_assignments?role.id={role_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(
        body["role_assignments"],
        json!([]),
        "its assignments went with it"
    );
    // The user logs in again with the roles they still have.
    let (_, body) = c
        .token(&password_auth("ria", "ria-pw", Some(admin_project_scope())))
        .await;
    let names: Vec<&str> = body["token"]["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, vec!["member"]);
}
