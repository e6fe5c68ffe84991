//! Neutron routers and floating IPs over real HTTP: an external gateway
//! with its address, interfaces holding their subnets' gateway addresses,
//! floating IPs that need a router between the port and the external
//! network, and what they keep from being removed.

mod common;

use common::{Cloud, id};
use reqwest::Method;
use serde_json::{Value, json};

fn error_type(body: &Value) -> &str {
    body["NeutronError"]["type"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn routers_connect_subnets_to_external_networks_for_floating_ips() {
    let c = Cloud::start().await;
    let (admin, alice, bob) = (&c.identity.admin, &c.identity.alice, &c.identity.bob);
    let public = c
        .create(
            admin,
            "network",
            json!({"name": "public", "router:external": true,
        "provider:network_type": "flat", "provider:physical_network": "physnet1"}),
        )
        .await;
    c.create(
        admin,
        "subnet",
        json!({"network_id": id(&public), "ip_version": 4, "cidr": "203.0.113.0/24"}),
    )
    .await;
    let net = c.create(alice, "network", json!({"name": "private"})).await;
    let subnet = c
        .create(
            alice,
            "subnet",
            json!({"network_id": id(&net), "ip_version": 4, "cidr": "10.0.0.0/24"}),
        )
        .await;
    let lonely = c.create(alice, "network", json!({"name": "lonely"})).await;
    c.create(
        alice,
        "subnet",
        json!({"network_id": id(&lonely), "ip_version": 4, "cidr": "10.9.0.0/24"}),
    )
    .await;

    let (status, body) = c
        .send(
            Method::POST,
            "/v2.0/routers",
            alice,
            Some(json!({"router": {"external_gateway_info": {"network_id": id(&net)}}})),
        )
        .await;
    assert_eq!(status, 400, "a gateway needs an external network: {body}");
    let (_, routers) = c.send(Method::GET, "/v2.0/routers", alice, None).await;
    assert_eq!(routers["routers"], json!([]), "nothing half-created");

    let router = c
        .create(
            alice,
            "router",
            json!({"name": "r1", "external_gateway_info": {"network_id": id(&public)}}),
        )
        .await;
    let rid = id(&router);
    let gw = &router["external_gateway_info"];
    assert_eq!(gw["network_id"], id(&public).as_str());
    assert_eq!(gw["enable_snat"], true);
    assert_eq!(gw["external_fixed_ips"][0]["ip_address"], "203.0.113.2");

    let add = format!("/v2.0/routers/{rid}/add_router_interface");
    let (status, iface) = c
        .send(
            Method::PUT,
            &add,
            alice,
            Some(json!({"subnet_id": id(&subnet)})),
        )
        .await;
    assert_eq!(status, 200, "{iface}");
    let (_, iface_port) = c
        .send(
            Method::GET,
            &format!("/v2.0/ports/{}", iface["port_id"].as_str().expect("port")),
            alice,
            None,
        )
        .await;
    assert_eq!(iface_port["port"]["fixed_ips"][0]["ip_address"], "10.0.0.1");
    assert_eq!(
        iface_port["port"]["device_owner"],
        "network:router_interface"
    );
    let (status, _) = c
        .send(
            Method::PUT,
            &add,
            alice,
            Some(json!({"subnet_id": id(&subnet)})),
        )
        .await;
    assert_eq!(status, 400, "one interface per subnet");

    // A floating IP for a port behind the router.
    let vm = c
        .create(alice, "port", json!({"network_id": id(&net)}))
        .await;
    let fip = c
        .create(
            alice,
            "floatingip",
            json!({"floating_network_id": id(&public), "port_id": id(&vm)}),
        )
        .await;
    assert_eq!(
        (
            fip["status"].clone(),
            fip["fixed_ip_address"].clone(),
            fip["router_id"].clone()
        ),
        (json!("ACTIVE"), json!("10.0.0.2"), json!(rid))
    );
    assert!(
        fip["floating_ip_address"]
            .as_str()
            .expect("address")
            .starts_with("203.0.113.")
    );
    let (status, body) = c
        .send(
            Method::POST,
            "/v2.0/floatingips",
            alice,
            Some(json!({"floatingip": {"floating_network_id": id(&public), "port_id": id(&vm)}})),
        )
        .await;
    assert_eq!(
        (status, error_type(&body)),
        (409, "FloatingIPPortAlreadyAssociated")
    );
    let far = c
        .create(alice, "port", json!({"network_id": id(&lonely)}))
        .await;
    let (status, body) = c
        .send(
            Method::POST,
            "/v2.0/floatingips",
            alice,
            Some(json!({"floatingip": {"floating_network_id": id(&public), "port_id": id(&far)}})),
        )
        .await;
    assert_eq!(
        (status, error_type(&body)),
        (404, "ExternalGatewayForFloatingIPNotFound")
    );
    let (status, _) = c
        .send(
            Method::POST,
            "/v2.0/floatingips",
            alice,
            Some(json!({"floatingip": {"floating_network_id": id(&net)}})),
        )
        .await;
    assert_eq!(status, 400, "floating IPs come from external networks");
    let (_, fips) = c.send(Method::GET, "/v2.0/floatingips", alice, None).await;
    assert_eq!(
        fips["floatingips"].as_array().map(Vec::len),
        Some(1),
        "failed allocations leave nothing"
    );

    // What the floating IP holds in place.
    let remove = format!("/v2.0/routers/{rid}/remove_router_interface");
    let (status, body) = c
        .send(
            Method::PUT,
            &remove,
            alice,
            Some(json!({"subnet_id": id(&subnet)})),
        )
        .await;
    assert_eq!(
        (status, error_type(&body)),
        (409, "RouterInterfaceInUseByFloatingIP")
    );
    let (status, body) = c
        .send(
            Method::PUT,
            &format!("/v2.0/routers/{rid}"),
            alice,
            Some(json!({"router": {"external_gateway_info": {}}})),
        )
        .await;
    assert_eq!(
        (status, error_type(&body)),
        (409, "RouterExternalGatewayInUseByFloatingIp")
    );
    let (status, body) = c
        .send(Method::DELETE, &format!("/v2.0/routers/{rid}"), alice, None)
        .await;
    assert_eq!((status, error_type(&body)), (409, "RouterInUse"));

    // Another project sees none of it.
    let (status, _) = c
        .send(Method::GET, &format!("/v2.0/routers/{rid}"), bob, None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v2.0/floatingips/{}", id(&fip)),
            bob,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = c
        .send(
            Method::PUT,
            &add,
            bob,
            Some(json!({"subnet_id": id(&subnet)})),
        )
        .await;
    assert_eq!(status, 404);

    // Disassociate, release, detach, delete: everything goes.
    let (status, f) = c
        .send(
            Method::PUT,
            &format!("/v2.0/floatingips/{}", id(&fip)),
            alice,
            Some(json!({"floatingip": {"port_id": null}})),
        )
        .await;
    assert_eq!(
        (
            status,
            f["floatingip"]["status"].clone(),
            f["floatingip"]["port_id"].clone()
        ),
        (200, json!("DOWN"), Value::Null)
    );
    // The description changes alone, and keeps the association as it is.
    let (status, f) = c
        .send(
            Method::PUT,
            &format!("/v2.0/floatingips/{}", id(&fip)),
            alice,
            Some(json!({"floatingip": {"description": "renamed"}})),
        )
        .await;
    assert_eq!(
        (
            status,
            f["floatingip"]["description"].clone(),
            f["floatingip"]["port_id"].clone()
        ),
        (200, json!("renamed"), Value::Null),
        "{f}"
    );
    let (status, f) = c
        .send(
            Method::PUT,
            &format!("/v2.0/floatingips/{}", id(&fip)),
            alice,
            Some(json!({"floatingip": {"description": "x".repeat(300)}})),
        )
        .await;
    assert_eq!(status, 400, "{f}");
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/floatingips/{}", id(&fip)),
            alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = c
        .send(
            Method::PUT,
            &remove,
            alice,
            Some(json!({"subnet_id": id(&subnet)})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = c
        .send(Method::DELETE, &format!("/v2.0/routers/{rid}"), alice, None)
        .await;
    assert_eq!(status, 204);
    let (_, public_ports) = c
        .send(
            Method::GET,
            &format!("/v2.0/ports?network_id={}", id(&public)),
            admin,
            None,
        )
        .await;
    assert_eq!(
        public_ports["ports"],
        json!([]),
        "the gateway and floating addresses were given back"
    );
}

#[tokio::test]
async fn quotas_cap_each_resource_also_under_racing_creates() {
    let c = Cloud::start().await;
    let (admin, alice) = (&c.identity.admin, &c.identity.alice);
    let path = format!("/v2.0/quotas/{}", alice.project_id);
    let (status, q) = c.send(Method::GET, &path, alice, None).await;
    assert_eq!((status, q["quota"]["network"].clone()), (200, json!(100)));
    let (status, _) = c
        .send(
            Method::GET,
            &format!("/v2.0/quotas/{}", c.identity.bob.project_id),
            alice,
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = c
        .send(
            Method::PUT,
            &path,
            alice,
            Some(json!({"quota": {"network": 1000}})),
        )
        .await;
    assert_eq!(status, 403, "members do not raise their own limits");
    let (status, body) = c
        .send(
            Method::PUT,
            &path,
            admin,
            Some(json!({"quota": {"network": 3, "port": 2}})),
        )
        .await;
    assert_eq!(
        (status, body["quota"]["network"].clone()),
        (200, json!(3)),
        "{body}"
    );
    let (status, _) = c
        .send(
            Method::PUT,
            &path,
            admin,
            Some(json!({"quota": {"widgets": 3}})),
        )
        .await;
    assert_eq!(status, 400);

    let racing = (0..8).map(|i| {
        c.send(
            Method::POST,
            "/v2.0/networks",
            alice,
            Some(json!({"network": {"name": format!("n{i}")}})),
        )
    });
    let results = futures_util::future::join_all(racing).await;
    assert_eq!(
        results.iter().filter(|(s, _)| *s == 201).count(),
        3,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .filter(|(s, _)| *s != 201)
            .all(|(s, b)| *s == 409 && error_type(b) == "OverQuota"),
        "{results:?}"
    );
    let net = results
        .iter()
        .find(|(s, _)| *s == 201)
        .expect("a network")
        .1["network"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for want in [201, 201, 409] {
        let (status, _) = c
            .send(
                Method::POST,
                "/v2.0/ports",
                alice,
                Some(json!({"port": {"network_id": net}})),
            )
            .await;
        assert_eq!(status, want);
    }
    let (_, details) = c
        .send(Method::GET, &format!("{path}/details"), alice, None)
        .await;
    assert_eq!(
        details["quota"]["network"],
        json!({"limit": 3, "used": 3, "reserved": 0})
    );
    assert_eq!(details["quota"]["port"]["used"], 2);
    let (status, _) = c.send(Method::DELETE, &path, admin, None).await;
    assert_eq!(status, 204);
    let (_, q) = c.send(Method::GET, &path, alice, None).await;
    assert_eq!(q["quota"]["network"], 100, "back to the default");
}
