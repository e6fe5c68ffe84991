//! Neutron subnets over real HTTP: IPv4 and IPv6 with default gateway and
//! pools, explicit pools, DNS servers and routes; overlaps refused also when
//! creates race; bad addresses named in Neutron's errors; who may add
//! subnets to which network.

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::{Value, json};

async fn network(c: &Cloud, who: &common::Login, body: Value) -> String {
    let (status, n) = c
        .send(
            Method::POST,
            "/v2.0/networks",
            who,
            Some(json!({"network": body})),
        )
        .await;
    assert_eq!(status, 201, "{n}");
    n["network"]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn subnets_get_gateways_pools_and_never_overlap() {
    let c = Cloud::start().await;
    let alice = &c.identity.alice;
    let net = network(&c, alice, json!({"name": "n"})).await;
    let (status, s) = c
        .send(
            Method::POST,
            "/v2.0/subnets",
            alice,
            Some(json!({"subnet": {"network_id": net, "ip_version": 4,
            "cidr": "10.1.0.0/24", "name": "s4", "dns_nameservers": ["10.1.0.53"],
            "host_routes": [{"destination": "192.168.0.0/16", "nexthop": "10.1.0.254"},
                {"destination": "10.2.0.9/32", "nexthop": "10.1.0.253"}]}})),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let s4 = &s["subnet"];
    assert_eq!(s4["gateway_ip"], "10.1.0.1");
    assert_eq!(
        s4["allocation_pools"],
        json!([{"start": "10.1.0.2", "end": "10.1.0.254"}])
    );
    assert_eq!(s4["enable_dhcp"], true);
    assert_eq!(s4["dns_nameservers"], json!(["10.1.0.53"]));
    assert_eq!(
        s4["host_routes"][1],
        json!({"destination": "10.2.0.9/32", "nexthop": "10.1.0.253"}),
        "a /32 host route, as Neutron takes it"
    );
    let (status, s) = c
        .send(
            Method::POST,
            "/v2.0/subnets",
            alice,
            Some(json!({"subnet": {"network_id": net, "ip_version": 6,
            "cidr": "fd00:1::/64", "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"}})),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(s["subnet"]["gateway_ip"], "fd00:1::1");
    assert_eq!(s["subnet"]["allocation_pools"][0]["start"], "fd00:1::2");
    let (status, s) = c
        .send(Method::POST, "/v2.0/subnets", alice, Some(json!({"subnet": {"network_id": net, "ip_version": 4,
            "cidr": "10.2.0.0/24", "gateway_ip": "10.2.0.254",
            "allocation_pools": [{"start": "10.2.0.10", "end": "10.2.0.20"}, {"start": "10.2.0.100", "end": "10.2.0.110"}]}})))
        .await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(
        s["subnet"]["allocation_pools"].as_array().map(Vec::len),
        Some(2)
    );
    let s2 = s["subnet"]["id"].as_str().expect("id").to_owned();
    let (_, n) = c
        .send(Method::GET, &format!("/v2.0/networks/{net}"), alice, None)
        .await;
    assert_eq!(n["network"]["subnets"].as_array().map(Vec::len), Some(3));

    for (body, want, mention) in [
        (
            json!({"cidr": "10.1.0.128/25", "ip_version": 4}),
            400,
            "overlaps",
        ),
        (
            json!({"cidr": "10.0.0.0/8", "ip_version": 4}),
            400,
            "overlaps",
        ),
        (
            json!({"cidr": "10.3.0.5/24", "ip_version": 4}),
            400,
            "10.3.0.0/24",
        ),
        (json!({"cidr": "10.3.0.0/24", "ip_version": 6}), 400, "IPv6"),
        (json!({"cidr": "nonsense", "ip_version": 4}), 400, "cidr"),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 5}),
            400,
            "ip_version",
        ),
        (json!({"cidr": "10.3.0.0/24"}), 400, "ip_version"),
        (json!({"ip_version": 4}), 400, "cidr"),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 4, "gateway_ip": "10.9.0.1"}),
            400,
            "gateway_ip",
        ),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 4, "gateway_ip": "10.3.0.5",
                "allocation_pools": [{"start": "10.3.0.2", "end": "10.3.0.9"}]}),
            409,
            "Gateway",
        ),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 4,
                "allocation_pools": [{"start": "10.3.0.2", "end": "10.3.0.9"}, {"start": "10.3.0.5", "end": "10.3.0.20"}]}),
            400,
            "overlapping",
        ),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 4, "allocation_pools": [{"start": "10.3.0.9", "end": "10.3.0.2"}]}),
            400,
            "after",
        ),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 4, "dns_nameservers": ["fd00::53"]}),
            400,
            "dns_nameservers",
        ),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 4, "ipv6_ra_mode": "slaac"}),
            400,
            "IPv6",
        ),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 4, "enable_dhcp": "yes"}),
            400,
            "enable_dhcp",
        ),
        (
            json!({"cidr": "10.3.0.0/24", "ip_version": 4, "colour": "red"}),
            400,
            "colour",
        ),
    ] {
        let mut body = body.clone();
        body["network_id"] = json!(net);
        let (status, resp) = c
            .send(
                Method::POST,
                "/v2.0/subnets",
                alice,
                Some(json!({"subnet": body.clone()})),
            )
            .await;
        assert_eq!(status, want, "{body}: {resp}");
        assert!(
            resp["NeutronError"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(mention),
            "{body}: {resp}"
        );
    }
    let (_, all) = c.send(Method::GET, "/v2.0/subnets", alice, None).await;
    assert_eq!(
        all["subnets"].as_array().map(Vec::len),
        Some(3),
        "nothing half-created"
    );

    // Update and delete.
    let (status, s) = c
        .send(
            Method::PUT,
            &format!("/v2.0/subnets/{s2}"),
            alice,
            Some(json!({"subnet": {"gateway_ip": null, "name": "nogw"}})),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(
        (
            s["subnet"]["gateway_ip"].clone(),
            s["subnet"]["name"].clone()
        ),
        (Value::Null, json!("nogw"))
    );
    let (status, _) = c
        .send(
            Method::PUT,
            &format!("/v2.0/subnets/{s2}"),
            alice,
            Some(json!({"subnet": {"cidr": "10.5.0.0/24"}})),
        )
        .await;
    assert_eq!(status, 400, "the CIDR does not change");
    let (status, _) = c
        .send(Method::DELETE, &format!("/v2.0/subnets/{s2}"), alice, None)
        .await;
    assert_eq!(status, 204);
    let (status, body) = c
        .send(Method::GET, &format!("/v2.0/subnets/{s2}"), alice, None)
        .await;
    assert_eq!(
        (status, body["NeutronError"]["type"].clone()),
        (404, json!("SubnetNotFound"))
    );
}

#[tokio::test]
async fn only_a_networks_owner_adds_subnets_and_racing_overlaps_never_both_stick() {
    let c = Cloud::start().await;
    let (alice, bob, admin) = (&c.identity.alice, &c.identity.bob, &c.identity.admin);
    let private = network(&c, alice, json!({"name": "private"})).await;
    let shared = network(&c, admin, json!({"name": "shared", "shared": true})).await;
    let (status, body) = c
        .send(
            Method::POST,
            "/v2.0/subnets",
            bob,
            Some(
                json!({"subnet": {"network_id": private, "ip_version": 4, "cidr": "10.0.0.0/24"}}),
            ),
        )
        .await;
    assert_eq!(
        (status, body["NeutronError"]["type"].clone()),
        (404, json!("NetworkNotFound"))
    );
    let (status, _) = c
        .send(
            Method::POST,
            "/v2.0/subnets",
            bob,
            Some(json!({"subnet": {"network_id": shared, "ip_version": 4, "cidr": "10.0.0.0/24"}})),
        )
        .await;
    assert_eq!(status, 403, "seeing a shared network is not owning it");
    let (status, s) = c
        .send(
            Method::POST,
            "/v2.0/subnets",
            admin,
            Some(json!({"subnet": {"network_id": shared, "ip_version": 4, "cidr": "10.0.0.0/24"}})),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let (_, seen) = c.send(Method::GET, "/v2.0/subnets", bob, None).await;
    assert_eq!(
        seen["subnets"].as_array().map(Vec::len),
        Some(1),
        "bob sees the shared network's subnet"
    );
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/subnets/{}", s["subnet"]["id"].as_str().expect("id")),
            bob,
            None,
        )
        .await;
    assert_eq!(status, 403);

    // Eight racing creates, many overlapping: whichever win, no two stored
    // subnets overlap, and every loser got a 400.
    let cidrs = [
        "10.8.0.0/16",
        "10.8.1.0/24",
        "10.8.2.0/24",
        "10.8.0.0/20",
        "10.8.3.0/24",
        "10.8.4.0/24",
        "10.8.0.0/17",
        "10.8.5.0/24",
    ];
    let creates = cidrs.iter().map(|cidr| {
        c.send(
            Method::POST,
            "/v2.0/subnets",
            alice,
            Some(json!({"subnet": {"network_id": private, "ip_version": 4, "cidr": cidr}})),
        )
    });
    let results = futures_util::future::join_all(creates).await;
    let won = results.iter().filter(|(s, _)| *s == 201).count();
    let overlaps = results.iter().filter(|(s, _)| *s == 400).count();
    let (_, list) = c
        .send(
            Method::GET,
            &format!("/v2.0/subnets?network_id={private}"),
            alice,
            None,
        )
        .await;
    let stored: Vec<ipnet::IpNet> = list["subnets"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["cidr"].as_str()?.parse().ok())
        .collect();
    assert_eq!(stored.len(), won);
    assert_eq!(won + overlaps, cidrs.len(), "{results:?}");
    for (i, a) in stored.iter().enumerate() {
        for b in &stored[i + 1..] {
            assert!(
                !a.contains(&b.network()) && !b.contains(&a.network()),
                "{a} and {b} both stored"
            );
        }
    }
}
