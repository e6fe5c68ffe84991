//! Compute quotas (`os-quota-sets`, `limits`) and server groups: admins
//! set limits that members read and that creation obeys; groups are a
//! project's own, with one policy each.

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn admins_set_quotas_members_read_them_and_creation_obeys() {
    let c = Cloud::start().await;
    let (admin, alice, bob) = (&c.identity.admin, &c.identity.alice, &c.identity.bob);
    let p = alice.project_id.clone();
    let path = format!("/v2.1/os-quota-sets/{p}");

    let (code, v) = c.send(Method::GET, &path, alice, None).await;
    assert_eq!(code, 200, "{v}");
    let q = &v["quota_set"];
    assert_eq!(
        (
            q["id"].as_str(),
            q["instances"].as_i64(),
            q["cores"].as_i64(),
            q["ram"].as_i64()
        ),
        (Some(p.as_str()), Some(10), Some(20), Some(51200))
    );
    assert_eq!(q["key_pairs"], 100);
    assert_eq!(
        q["security_group_rules"], 20,
        "2.1 still shows the network proxies"
    );
    assert_eq!(
        c.send(Method::GET, &path, bob, None).await.0,
        403,
        "another project's"
    );

    let (code, v) = c
        .send(
            Method::PUT,
            &path,
            admin,
            Some(json!({"quota_set": {"instances": 50, "server_groups": 1, "key_pairs": "1"}})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["quota_set"]["instances"], 50);
    assert!(
        v["quota_set"].get("id").is_none(),
        "as Nova: no id in the update's answer"
    );
    assert_eq!(
        c.send(
            Method::PUT,
            &path,
            alice,
            Some(json!({"quota_set": {"instances": 99}}))
        )
        .await
        .0,
        403
    );
    for bad in [
        json!({"quota_set": {"instances": -2}}),
        json!({"quota_set": {"instances": "many"}}),
        json!({"quota_set": {"unicorns": 1}}),
        json!({"instances": 1}),
    ] {
        let (code, v) = c.send(Method::PUT, &path, admin, Some(bad.clone())).await;
        assert_eq!(code, 400, "{bad}: {v}");
    }

    // The limits hold: one group, one key pair.
    let group = |name: &str| json!({"server_group": {"name": name, "policies": ["anti-affinity"]}});
    assert_eq!(
        c.send(
            Method::POST,
            "/v2.1/os-server-groups",
            alice,
            Some(group("g1"))
        )
        .await
        .0,
        200
    );
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/os-server-groups",
            alice,
            Some(group("g2")),
        )
        .await;
    assert_eq!(code, 403, "{v}");
    assert!(
        v["forbidden"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Quota exceeded"))
    );
    let key = |name: &str| json!({"keypair": {"name": name}});
    assert_eq!(
        c.send(Method::POST, "/v2.1/os-keypairs", alice, Some(key("k1")))
            .await
            .0,
        200
    );
    assert_eq!(
        c.send(Method::POST, "/v2.1/os-keypairs", alice, Some(key("k2")))
            .await
            .0,
        403
    );

    let (_, v) = c
        .send(Method::GET, &format!("{path}/detail"), alice, None)
        .await;
    assert_eq!(
        v["quota_set"]["server_groups"],
        json!({"limit": 1, "in_use": 1, "reserved": 0})
    );
    assert_eq!(v["quota_set"]["key_pairs"]["in_use"], 1);
    let (_, v) = c.send(Method::GET, "/v2.1/limits", alice, None).await;
    let a = &v["limits"]["absolute"];
    assert_eq!(
        (
            a["maxTotalInstances"].as_i64(),
            a["maxServerGroups"].as_i64(),
            a["totalServerGroupsUsed"].as_i64()
        ),
        (Some(50), Some(1), Some(1))
    );
    assert_eq!(a["totalInstancesUsed"], 0);

    let (_, v) = c
        .send(Method::GET, &format!("{path}/defaults"), alice, None)
        .await;
    assert_eq!(v["quota_set"]["instances"], 10);
    assert_eq!(c.send(Method::DELETE, &path, admin, None).await.0, 202);
    let (_, v) = c.send(Method::GET, &path, alice, None).await;
    assert_eq!(v["quota_set"]["instances"], 10, "back to the defaults");
}

#[tokio::test]
async fn server_groups_are_a_projects_own_with_one_policy() {
    let c = Cloud::start().await;
    let (admin, alice, bob) = (&c.identity.admin, &c.identity.alice, &c.identity.bob);
    let (code, v) = c
        .send(
            Method::POST,
            "/v2.1/os-server-groups",
            alice,
            Some(json!({"server_group": {"name": "web", "policies": ["affinity"]}})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let g = &v["server_group"];
    assert_eq!(g["policies"], json!(["affinity"]));
    assert_eq!(g["members"], json!([]));
    assert_eq!(g["project_id"], alice.project_id.as_str());
    let id = g["id"].as_str().expect("id").to_owned();

    for bad in [
        json!({"server_group": {"name": "x", "policies": ["nearby"]}}),
        json!({"server_group": {"name": "x", "policies": ["affinity", "anti-affinity"]}}),
        json!({"server_group": {"name": "x", "policies": []}}),
        json!({"server_group": {"name": "x"}}),
        json!({"server_group": {"name": "", "policies": ["affinity"]}}),
        json!({"server_group": {"name": "x", "policies": ["affinity"], "rules": {}}}),
    ] {
        let (code, v) = c
            .send(
                Method::POST,
                "/v2.1/os-server-groups",
                alice,
                Some(bad.clone()),
            )
            .await;
        assert_eq!(code, 400, "{bad}: {v}");
    }
    let (_, v) = c
        .send(Method::GET, "/v2.1/os-server-groups", alice, None)
        .await;
    assert_eq!(
        v["server_groups"].as_array().map(Vec::len),
        Some(1),
        "nothing half-made"
    );

    let one = format!("/v2.1/os-server-groups/{id}");
    assert_eq!(c.send(Method::GET, &one, bob, None).await.0, 404);
    assert_eq!(c.send(Method::DELETE, &one, bob, None).await.0, 404);
    let (_, v) = c
        .send(Method::GET, "/v2.1/os-server-groups", bob, None)
        .await;
    assert_eq!(v["server_groups"], json!([]));
    let (_, v) = c
        .send(
            Method::GET,
            "/v2.1/os-server-groups?all_projects=True",
            admin,
            None,
        )
        .await;
    assert_eq!(v["server_groups"].as_array().map(Vec::len), Some(1));
    let (_, v) = c
        .send(
            Method::GET,
            "/v2.1/os-server-groups?all_projects=True",
            bob,
            None,
        )
        .await;
    assert_eq!(
        v["server_groups"],
        json!([]),
        "only admins see all projects"
    );
    assert_eq!(
        c.send(Method::GET, "/v2.1/os-server-groups?limit=x", alice, None)
            .await
            .0,
        400
    );
    assert_eq!(
        c.send(Method::GET, "/v2.1/os-server-groups/nope", alice, None)
            .await
            .0,
        404
    );
    assert_eq!(c.send(Method::DELETE, &one, alice, None).await.0, 204);
    assert_eq!(c.send(Method::GET, &one, alice, None).await.0, 404);
}
