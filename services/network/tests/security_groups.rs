//! Neutron security groups and rules over real HTTP: each project's default
//! group (made once, even when first uses race) with Neutron's default
//! rules, ports joining it by default, rule validation and duplicates, and
//! what may not be deleted.

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::{Value, json};

fn error_type(body: &Value) -> &str {
    body["NeutronError"]["type"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn default_groups_rules_and_ports() {
    let c = Cloud::start().await;
    let (alice, bob) = (&c.identity.alice, &c.identity.bob);
    // Racing first uses make one default group.
    let lists = (0..6).map(|_| c.send(Method::GET, "/v2.0/security-groups", alice, None));
    let results = futures_util::future::join_all(lists).await;
    assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
    let ids: Vec<&Value> = results
        .iter()
        .map(|(_, b)| &b["security_groups"][0]["id"])
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one default group: {ids:?}"
    );
    let (_, groups) = c
        .send(Method::GET, "/v2.0/security-groups", alice, None)
        .await;
    let default = groups["security_groups"][0].clone();
    assert_eq!(default["name"], "default");
    let rules = default["security_group_rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 4);
    let default_id = default["id"].as_str().expect("id").to_owned();
    assert!(rules.iter().any(|r| r["direction"] == "ingress"
        && r["ethertype"] == "IPv4"
        && r["remote_group_id"] == default_id.as_str()));
    assert!(rules.iter().any(|r| r["direction"] == "egress"
        && r["ethertype"] == "IPv6"
        && r["remote_group_id"].is_null()));

    // Ports join the default group unless told otherwise.
    let (_, net) = c
        .send(
            Method::POST,
            "/v2.0/networks",
            alice,
            Some(json!({"network": {"name": "n"}})),
        )
        .await;
    let net_id = net["network"]["id"].as_str().expect("id").to_owned();
    let (_, port) = c
        .send(
            Method::POST,
            "/v2.0/ports",
            alice,
            Some(json!({"port": {"network_id": net_id}})),
        )
        .await;
    assert_eq!(port["port"]["security_groups"], json!([default_id]));

    // A group of our own, with rules.
    let (status, web) = c
        .send(
            Method::POST,
            "/v2.0/security-groups",
            alice,
            Some(json!({"security_group": {"name": "web"}})),
        )
        .await;
    assert_eq!(status, 201, "{web}");
    let web_id = web["security_group"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        web["security_group"]["security_group_rules"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "egress anywhere"
    );
    let rule = |body: Value| {
        let c = &c;
        let mut body = body;
        body["security_group_id"] = json!(web_id);
        async move {
            c.send(
                Method::POST,
                "/v2.0/security-group-rules",
                alice,
                Some(json!({"security_group_rule": body})),
            )
            .await
        }
    };
    let (status, http) = rule(json!({"direction": "ingress", "protocol": "tcp", "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0"})).await;
    assert_eq!(status, 201, "{http}");
    let (status, body) = rule(json!({"direction": "ingress", "protocol": "tcp", "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0"})).await;
    assert_eq!(
        (status, error_type(&body)),
        (409, "SecurityGroupRuleExists")
    );
    let (status, icmp) =
        rule(json!({"direction": "ingress", "protocol": "icmp", "remote_ip_prefix": "10.0.0.0/8"}))
            .await;
    assert_eq!(status, 201, "{icmp}");
    for (body, want, kind) in [
        (json!({"direction": "sideways"}), 400, "HTTPBadRequest"),
        (
            json!({"direction": "ingress", "protocol": "carrier-pigeon"}),
            400,
            "SecurityGroupRuleInvalidProtocol",
        ),
        (
            json!({"direction": "ingress", "protocol": "tcp", "port_range_min": 90, "port_range_max": 80}),
            400,
            "SecurityGroupInvalidPortRange",
        ),
        (
            json!({"direction": "ingress", "port_range_min": 22, "port_range_max": 22}),
            400,
            "SecurityGroupProtocolRequiredWithPorts",
        ),
        (
            json!({"direction": "ingress", "protocol": "tcp", "port_range_min": 70000, "port_range_max": 70000}),
            400,
            "HTTPBadRequest",
        ),
        (
            json!({"direction": "ingress", "ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"}),
            400,
            "SecurityGroupRuleParameterConflict",
        ),
        (
            json!({"direction": "ingress", "remote_ip_prefix": "10.0.0.0/8", "remote_group_id": default_id}),
            400,
            "SecurityGroupRemoteGroupAndRemoteIpPrefix",
        ),
        (
            json!({"direction": "ingress", "remote_group_id": "nope"}),
            404,
            "SecurityGroupNotFound",
        ),
        (
            json!({"direction": "ingress", "colour": "red"}),
            400,
            "HTTPBadRequest",
        ),
    ] {
        let (status, resp) = rule(body.clone()).await;
        assert_eq!((status, error_type(&resp)), (want, kind), "{body}: {resp}");
    }
    let (_, all) = c
        .send(
            Method::GET,
            &format!("/v2.0/security-group-rules?security_group_id={web_id}"),
            alice,
            None,
        )
        .await;
    assert_eq!(
        all["security_group_rules"].as_array().map(Vec::len),
        Some(4),
        "two egress, http and icmp; nothing from the bad ones"
    );

    // A port in the web group; the group is then in use.
    let (status, p2) = c
        .send(
            Method::POST,
            "/v2.0/ports",
            alice,
            Some(json!({"port": {"network_id": net_id, "security_groups": [web_id]}})),
        )
        .await;
    assert_eq!(status, 201, "{p2}");
    let (status, body) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/security-groups/{web_id}"),
            alice,
            None,
        )
        .await;
    assert_eq!((status, error_type(&body)), (409, "SecurityGroupInUse"));
    let (status, body) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/security-groups/{default_id}"),
            alice,
            None,
        )
        .await;
    assert_eq!(
        (status, error_type(&body)),
        (409, "SecurityGroupCannotRemoveDefault")
    );
    let (status, _) = c.send(Method::POST, "/v2.0/ports", alice, Some(json!({"port": {"network_id": net_id, "port_security_enabled": false, "security_groups": [web_id]}}))).await;
    assert_eq!(status, 400, "no groups without port security");

    // Another project sees none of it and cannot use it.
    let (status, body) = c
        .send(
            Method::GET,
            &format!("/v2.0/security-groups/{web_id}"),
            bob,
            None,
        )
        .await;
    assert_eq!((status, error_type(&body)), (404, "SecurityGroupNotFound"));
    let (_, bobs) = c
        .send(Method::GET, "/v2.0/security-groups", bob, None)
        .await;
    assert_eq!(
        bobs["security_groups"].as_array().map(Vec::len),
        Some(1),
        "bob has his own default only"
    );
    assert_ne!(bobs["security_groups"][0]["id"], default_id.as_str());
    let (status, _) = c.send(Method::POST, "/v2.0/security-group-rules", bob, Some(json!({"security_group_rule": {"security_group_id": web_id, "direction": "ingress"}}))).await;
    assert_eq!(status, 404);

    // Rules go; the group goes once no port uses it.
    let http_id = http["security_group_rule"]["id"].as_str().expect("id");
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/security-group-rules/{http_id}"),
            alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v2.0/security-group-rules/{http_id}"),
            alice,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/ports/{}", p2["port"]["id"].as_str().expect("id")),
            alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/security-groups/{web_id}"),
            alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
}
