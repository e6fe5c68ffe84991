//! Neutron ports over real HTTP: default and requested addresses, MACs,
//! IPAM that never hands out one address twice (also under racing creates),
//! release on delete, what may not be deleted while ports exist, and who
//! sees which port.

mod common;

use common::Cloud;
use reqwest::Method;
use serde_json::{Value, json};

fn error_type(body: &Value) -> &str {
    body["NeutronError"]["type"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn ports_get_unique_addresses_and_macs_and_give_them_back() {
    let c = Cloud::start().await;
    let (alice, bob) = (&c.identity.alice, &c.identity.bob);
    let net = c.create(alice, "network", json!({"name": "n"})).await;
    let net_id = net["id"].as_str().expect("id");
    // 10.0.0.0/29: gateway .1, pool .2–.6 (five addresses).
    let v4 = c
        .create(
            alice,
            "subnet",
            json!({"network_id": net_id, "ip_version": 4, "cidr": "10.0.0.0/29"}),
        )
        .await;
    let v4_id = v4["id"].as_str().expect("id").to_owned();
    let v6 = c
        .create(
            alice,
            "subnet",
            json!({"network_id": net_id, "ip_version": 6, "cidr": "fd00:9::/64"}),
        )
        .await;

    let p1 = c
        .create(alice, "port", json!({"network_id": net_id, "name": "p1"}))
        .await;
    let ips: Vec<&str> = p1["fixed_ips"]
        .as_array()
        .expect("ips")
        .iter()
        .filter_map(|i| i["ip_address"].as_str())
        .collect();
    assert_eq!(ips.len(), 2, "{p1}");
    assert!(
        ips.contains(&"10.0.0.2") && ips.contains(&"fd00:9::2"),
        "{ips:?}"
    );
    assert!(
        p1["mac_address"]
            .as_str()
            .expect("mac")
            .starts_with("fa:16:3e:")
    );
    assert_eq!(p1["status"], "DOWN");
    assert!(
        p1.get("binding:vif_type").is_none(),
        "binding:* is for admins: {p1}"
    );

    // A chosen address, once.
    let p2 = c.create(alice, "port", json!({"network_id": net_id, "fixed_ips": [{"subnet_id": v4_id, "ip_address": "10.0.0.5"}]})).await;
    assert_eq!(
        p2["fixed_ips"],
        json!([{"subnet_id": v4_id, "ip_address": "10.0.0.5"}])
    );
    for (fixed, want, kind) in [
        (
            json!([{"subnet_id": v4_id, "ip_address": "10.0.0.5"}]),
            409,
            "IpAddressAlreadyAllocated",
        ),
        (
            json!([{"subnet_id": v4_id, "ip_address": "10.9.0.5"}]),
            400,
            "InvalidIpForSubnet",
        ),
        (
            json!([{"subnet_id": v6["id"], "ip_address": "10.0.0.3"}]),
            400,
            "InvalidIpForSubnet",
        ),
        (
            json!([{"subnet_id": "no-such-subnet"}]),
            400,
            "HTTPBadRequest",
        ),
        (json!([{"ip_address": "not-an-ip"}]), 400, "HTTPBadRequest"),
        (json!([{}]), 400, "HTTPBadRequest"),
    ] {
        let (status, body) = c
            .send(
                Method::POST,
                "/v2.0/ports",
                alice,
                Some(json!({"port": {"network_id": net_id, "fixed_ips": fixed}})),
            )
            .await;
        assert_eq!((status, error_type(&body)), (want, kind), "{body}");
    }
    let (status, body) = c
        .send(
            Method::POST,
            "/v2.0/ports",
            alice,
            Some(json!({"port": {"network_id": net_id, "mac_address": p1["mac_address"]}})),
        )
        .await;
    assert_eq!((status, error_type(&body)), (409, "MacAddressInUse"));
    let (status, _) = c
        .send(
            Method::POST,
            "/v2.0/ports",
            alice,
            Some(json!({"port": {"network_id": net_id, "mac_address": "01:00:5e:00:00:01"}})),
        )
        .await;
    assert_eq!(status, 400, "multicast MACs are refused");

    // Eight racing creates for the three addresses left: three win, each a
    // different address; the rest hear there is none left.
    let racing = (0..8).map(|_| {
        c.send(
            Method::POST,
            "/v2.0/ports",
            alice,
            Some(json!({"port": {"network_id": net_id, "fixed_ips": [{"subnet_id": v4_id}]}})),
        )
    });
    let results = futures_util::future::join_all(racing).await;
    let won: Vec<String> = results
        .iter()
        .filter(|(s, _)| *s == 201)
        .filter_map(|(_, p)| {
            p["port"]["fixed_ips"][0]["ip_address"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(won.len(), 3, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|(s, _)| *s != 201)
            .all(|(s, b)| *s == 409 && error_type(b) == "IpAddressGenerationFailure"),
        "{results:?}"
    );
    let (_, all) = c
        .send(
            Method::GET,
            &format!("/v2.0/ports?network_id={net_id}"),
            alice,
            None,
        )
        .await;
    let mut v4_addresses: Vec<String> = all["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .flat_map(|p| p["fixed_ips"].as_array().cloned().unwrap_or_default())
        .filter(|i| i["subnet_id"] == v4_id.as_str())
        .filter_map(|i| i["ip_address"].as_str().map(str::to_owned))
        .collect();
    v4_addresses.sort();
    assert_eq!(
        v4_addresses,
        vec!["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"],
        "every address once"
    );

    // Deleting a port gives its address back; the next port gets it.
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/ports/{}", p2["id"].as_str().expect("id")),
            alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let p3 = c
        .create(
            alice,
            "port",
            json!({"network_id": net_id, "fixed_ips": [{"subnet_id": v4_id}]}),
        )
        .await;
    assert_eq!(p3["fixed_ips"][0]["ip_address"], "10.0.0.5");
    // Moving a port to another address.
    let p1_id = p1["id"].as_str().expect("id");
    let (status, moved) = c
        .send(
            Method::PUT,
            &format!("/v2.0/ports/{p1_id}"),
            alice,
            Some(json!({"port": {"fixed_ips": [{"subnet_id": v4_id, "ip_address": "10.0.0.5"}]}})),
        )
        .await;
    assert_eq!(
        (status, error_type(&moved)),
        (409, "IpAddressAlreadyAllocated"),
        "{moved}"
    );
    let (_, unchanged) = c
        .send(Method::GET, &format!("/v2.0/ports/{p1_id}"), alice, None)
        .await;
    assert_eq!(
        unchanged["port"]["fixed_ips"].as_array().map(Vec::len),
        Some(2),
        "a failed move changes nothing"
    );

    // Nothing under ports goes away.
    let (status, body) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/networks/{net_id}"),
            alice,
            None,
        )
        .await;
    assert_eq!((status, error_type(&body)), (409, "NetworkInUse"));
    let (status, body) = c
        .send(
            Method::DELETE,
            &format!("/v2.0/subnets/{v4_id}"),
            alice,
            None,
        )
        .await;
    assert_eq!((status, error_type(&body)), (409, "SubnetInUse"));

    // Another project sees none of it.
    let (status, body) = c
        .send(Method::GET, &format!("/v2.0/ports/{p1_id}"), bob, None)
        .await;
    assert_eq!((status, error_type(&body)), (404, "PortNotFound"));
    let (status, _) = c
        .send(
            Method::PUT,
            &format!("/v2.0/ports/{p1_id}"),
            bob,
            Some(json!({"port": {"name": "mine"}})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = c
        .send(
            Method::POST,
            "/v2.0/ports",
            bob,
            Some(json!({"port": {"network_id": net_id}})),
        )
        .await;
    assert_eq!(status, 404);
    let (_, list) = c.send(Method::GET, "/v2.0/ports", bob, None).await;
    assert_eq!(list["ports"], json!([]));
    let (status, _) = c
        .send(
            Method::POST,
            "/v2.0/ports",
            &c.identity.rita,
            Some(json!({"port": {"network_id": net_id}})),
        )
        .await;
    assert_eq!(status, 403, "readers make no ports");
}

#[tokio::test]
async fn ports_on_a_shared_network_belong_to_their_creator() {
    let c = Cloud::start().await;
    let (admin, bob, alice) = (&c.identity.admin, &c.identity.bob, &c.identity.alice);
    let net = c
        .create(admin, "network", json!({"name": "public", "shared": true}))
        .await;
    let net_id = net["id"].as_str().expect("id");
    c.create(
        admin,
        "subnet",
        json!({"network_id": net_id, "ip_version": 4, "cidr": "192.0.2.0/24"}),
    )
    .await;
    let port = c
        .create(bob, "port", json!({"network_id": net_id, "name": "bobs"}))
        .await;
    assert_eq!(port["project_id"], bob.project_id.as_str());
    let id = port["id"].as_str().expect("id");
    let (status, _) = c
        .send(Method::GET, &format!("/v2.0/ports/{id}"), alice, None)
        .await;
    assert_eq!(
        status, 404,
        "another tenant of the shared network does not see it"
    );
    let (status, _) = c
        .send(Method::GET, &format!("/v2.0/ports/{id}"), admin, None)
        .await;
    assert_eq!(status, 200);
    let (status, p) = c
        .send(
            Method::PUT,
            &format!("/v2.0/ports/{id}"),
            bob,
            Some(json!({"port": {"binding:host_id": "hv1", "device_id": "vm-1"}})),
        )
        .await;
    assert_eq!(status, 403, "binding:* is an admin's: {p}");
    let (status, p) = c
        .send(
            Method::PUT,
            &format!("/v2.0/ports/{id}"),
            admin,
            Some(json!({"port": {"binding:host_id": "hv1", "device_id": "vm-1"}})),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (
            p["port"]["binding:vif_type"].clone(),
            p["port"]["revision_number"].clone()
        ),
        (json!("bridge"), json!(2))
    );
    let (status, _) = c
        .send(Method::DELETE, &format!("/v2.0/ports/{id}"), bob, None)
        .await;
    assert_eq!(status, 204);
}

/// Address pairs reach every host's firewall: anything but an address (or
/// CIDR) and a unicast MAC is refused on create and on update, with nothing
/// changed, and what is stored is canonical.
#[tokio::test]
async fn address_pairs_are_addresses_and_macs_only() {
    let c = Cloud::start().await;
    let alice = &c.identity.alice;
    let net = c.create(alice, "network", json!({"name": "n"})).await;
    let net_id = net["id"].as_str().expect("id");
    c.create(
        alice,
        "subnet",
        json!({"network_id": net_id, "ip_version": 4, "cidr": "10.3.0.0/24"}),
    )
    .await;
    let bad = [
        json!([{"ip_address": "10.3.0.9", "mac_address": "zz; }"}]),
        json!([{"ip_address": "10.3.0.9", "mac_address": "fa:16:3e:00:00:09\nadd table ip x"}]),
        json!([{"ip_address": "10.3.0.9", "mac_address": "+a:16:3e:00:00:09"}]),
        json!([{"ip_address": "10.3.0.9", "mac_address": "01:16:3e:00:00:09"}]),
        json!([{"ip_address": "10.3.0.9; drop"}]),
        json!([{"ip_address": "10.3.0.9", "mac_address": 5}]),
        json!([{"ip_address": "10.3.0.9", "extra": "x"}]),
        json!(["10.3.0.9"]),
        json!(
            (0..11)
                .map(|i| json!({"ip_address": format!("10.3.0.{i}")}))
                .collect::<Vec<_>>()
        ),
    ];
    for pairs in &bad {
        let (st, v) = c
            .send(
                Method::POST,
                "/v2.0/ports",
                alice,
                Some(json!({"port": {"network_id": net_id, "allowed_address_pairs": pairs}})),
            )
            .await;
        assert_eq!(st, 400, "{pairs}: {v}");
        assert!(
            v["NeutronError"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("allowed_address_pairs") || m.contains("mac_address")),
            "the error names the field: {v}"
        );
    }
    let (_, ports) = c.send(Method::GET, "/v2.0/ports", alice, None).await;
    assert_eq!(ports["ports"], json!([]), "nothing half-created");

    let port = c
        .create(
            alice,
            "port",
            json!({"network_id": net_id, "allowed_address_pairs": [
                {"ip_address": "10.3.0.0/28", "mac_address": "FA:16:3E:00:00:0A"}]}),
        )
        .await;
    assert_eq!(
        port["allowed_address_pairs"],
        json!([{"ip_address": "10.3.0.0/28", "mac_address": "fa:16:3e:00:00:0a"}])
    );
    let id = port["id"].as_str().expect("id");
    for pairs in &bad {
        let (st, v) = c
            .send(
                Method::PUT,
                &format!("/v2.0/ports/{id}"),
                alice,
                Some(json!({"port": {"allowed_address_pairs": pairs}})),
            )
            .await;
        assert_eq!(st, 400, "{pairs}: {v}");
    }
    let (st, v) = c
        .send(
            Method::PUT,
            &format!("/v2.0/ports/{id}"),
            alice,
            Some(json!({"port": {"allowed_address_pairs": [{"ip_address": "10.3.0.20"}]}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["port"]["allowed_address_pairs"],
        json!([{"ip_address": "10.3.0.20"}]),
        "an update replaces the pairs"
    );
}

/// A token without a project scope (a user with no role anywhere, unscoped;
/// or a member's domain-scoped token) sees no project's networks, ports,
/// routers or floating IPs: 403, never every project's.
#[tokio::test]
async fn tokens_without_a_project_see_nothing_project_scoped() {
    let c = Cloud::start().await;
    let (alice, admin) = (&c.identity.alice, &c.identity.admin);
    let net = c.create(alice, "network", json!({"name": "n"})).await;
    let net_id = net["id"].as_str().expect("id");
    c.create(alice, "port", json!({"network_id": net_id})).await;
    c.create(alice, "router", json!({"name": "r"})).await;

    let identity = |path: &str| c.identity.server.url(path);
    let (st, v) = stratus_testbed::send(
        &c.http,
        Method::POST,
        &identity("/v3/users"),
        admin,
        Some(json!({"user": {"name": "nobody", "password": "nobody-pw", "domain_id": "default"}})),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let login = |scope: Option<Value>| {
        let http = c.http.clone();
        let url = identity("/v3/auth/tokens");
        async move {
            let mut auth = json!({"identity": {"methods": ["password"], "password": {"user": {
                "name": "nobody", "domain": {"id": "default"}, "password": "nobody-pw"}}}});
            if let Some(s) = scope {
                auth["scope"] = s;
            }
            let resp = http
                .post(url)
                .json(&json!({"auth": auth}))
                .send()
                .await
                .expect("login");
            assert_eq!(resp.status().as_u16(), 201);
            resp.headers()["x-subject-token"]
                .to_str()
                .expect("token")
                .to_owned()
        }
    };
    let unscoped = stratus_testbed::Login {
        token: login(None).await,
        project_id: String::new(),
    };
    // A member of a project, with a role on the domain too, scoped to it.
    let (st, v) = stratus_testbed::send(
        &c.http,
        Method::GET,
        &identity("/v3/roles?name=member"),
        admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let member = v["roles"][0]["id"]
        .as_str()
        .expect("member role")
        .to_owned();
    let (_, users) = stratus_testbed::send(
        &c.http,
        Method::GET,
        &identity("/v3/users?name=nobody"),
        admin,
        None,
    )
    .await;
    let user = users["users"][0]["id"].as_str().expect("user").to_owned();
    let (st, v) = stratus_testbed::send(
        &c.http,
        Method::PUT,
        &identity(&format!("/v3/domains/default/users/{user}/roles/{member}")),
        admin,
        None,
    )
    .await;
    assert_eq!(st, 204, "{v}");
    let domain_scoped = stratus_testbed::Login {
        token: login(Some(json!({"domain": {"id": "default"}}))).await,
        project_id: String::new(),
    };
    for who in [&unscoped, &domain_scoped] {
        for kind in ["networks", "ports", "routers", "floatingips", "subnets"] {
            let (st, v) = c
                .send(Method::GET, &format!("/v2.0/{kind}"), who, None)
                .await;
            assert_eq!(st, 403, "{kind}: {v}");
        }
    }
}

/// Neutron's default port policy: on a network it does not own, a member
/// makes plain ports only (no MAC, address, address pairs or port security
/// of its choosing); binding:* and the services' device owners are an
/// admin's; the network's owner sees other projects' ports on its network
/// but does not change them; floating IPs and router interfaces follow.
#[tokio::test]
async fn port_attributes_follow_neutrons_default_policy() {
    let c = Cloud::start().await;
    let (admin, alice, bob) = (&c.identity.admin, &c.identity.alice, &c.identity.bob);
    let shared = c
        .create(admin, "network", json!({"name": "shared", "shared": true}))
        .await;
    let shared_id = shared["id"].as_str().expect("id").to_owned();
    let shared_subnet = c
        .create(
            admin,
            "subnet",
            json!({"network_id": shared_id, "ip_version": 4, "cidr": "10.50.0.0/24"}),
        )
        .await;
    let own = c.create(alice, "network", json!({"name": "own"})).await;
    let own_id = own["id"].as_str().expect("id").to_owned();
    c.create(
        alice,
        "subnet",
        json!({"network_id": own_id, "ip_version": 4, "cidr": "10.51.0.0/24"}),
    )
    .await;
    let (_, before) = c.send(Method::GET, "/v2.0/ports", alice, None).await;

    let refused = [
        ("mac_address", json!({"mac_address": "fa:16:3e:00:00:99"})),
        (
            "port_security_enabled",
            json!({"port_security_enabled": false}),
        ),
        (
            "allowed_address_pairs",
            json!({"allowed_address_pairs": [{"ip_address": "10.50.0.0/24"}]}),
        ),
        (
            "fixed_ips:ip_address",
            json!({"fixed_ips": [{"ip_address": "10.50.0.1"}]}),
        ),
    ];
    for (rule, extra) in &refused {
        let mut body = extra.clone();
        body["network_id"] = json!(shared_id);
        let (status, v) = c
            .send(
                Method::POST,
                "/v2.0/ports",
                alice,
                Some(json!({"port": body})),
            )
            .await;
        assert_eq!(status, 403, "{rule} on a shared network: {v}");
        assert_eq!(v["NeutronError"]["type"], "PolicyNotAuthorized", "{v}");
        assert!(
            v["NeutronError"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(rule)),
            "{v}"
        );
    }
    for (network, attrs) in [
        (&shared_id, json!({"binding:host_id": "hv1"})),
        (&own_id, json!({"binding:host_id": "hv1"})),
        (&own_id, json!({"device_owner": "network:router_interface"})),
        (&own_id, json!({"device_owner": "network:dhcp"})),
        (&shared_id, json!({"device_owner": "compute:nova"})),
    ] {
        let mut body = attrs.clone();
        body["network_id"] = json!(network);
        let (status, v) = c
            .send(
                Method::POST,
                "/v2.0/ports",
                alice,
                Some(json!({"port": body})),
            )
            .await;
        assert_eq!(status, 403, "{attrs}: {v}");
    }
    let (_, after) = c.send(Method::GET, "/v2.0/ports", alice, None).await;
    assert_eq!(before, after, "nothing half-created");

    // Allowed: a plain port (a subnet may be chosen) on the shared network,
    // everything on its own network but binding:* and reserved owners.
    let plain = c
        .create(
            alice,
            "port",
            json!({"network_id": shared_id, "device_owner": "mine",
                   "fixed_ips": [{"subnet_id": shared_subnet["id"]}]}),
        )
        .await;
    assert!(plain.get("binding:host_id").is_none(), "{plain}");
    // (mac_address is not updatable at all: 400 before any policy.)
    for (rule, extra) in refused.iter().filter(|(rule, _)| *rule != "mac_address") {
        let (status, v) = c
            .send(
                Method::PUT,
                &format!("/v2.0/ports/{}", plain["id"].as_str().expect("id")),
                alice,
                Some(json!({"port": extra})),
            )
            .await;
        assert_eq!(status, 403, "update {rule}: {v}");
    }
    let mine = c
        .create(
            alice,
            "port",
            json!({"network_id": own_id, "mac_address": "fa:16:3e:00:00:98",
                   "fixed_ips": [{"ip_address": "10.51.0.9"}], "port_security_enabled": false}),
        )
        .await;
    assert_eq!(mine["mac_address"], "fa:16:3e:00:00:98");

    // A port of bob's project on alice's network (only an admin makes one):
    // alice, the network's owner, sees it and may not change it.
    let bobs = c
        .create(
            admin,
            "port",
            json!({"network_id": own_id, "project_id": bob.project_id}),
        )
        .await;
    let bobs_id = bobs["id"].as_str().expect("id").to_owned();
    assert!(
        bobs.get("binding:host_id").is_some(),
        "admins see binding:*"
    );
    let (status, _) = c
        .send(Method::GET, &format!("/v2.0/ports/{bobs_id}"), alice, None)
        .await;
    assert_eq!(status, 200);
    let (status, v) = c
        .send(
            Method::PUT,
            &format!("/v2.0/ports/{bobs_id}"),
            alice,
            Some(json!({"port": {"name": "taken"}})),
        )
        .await;
    assert_eq!(status, 403, "{v}");

    // A floating IP goes only onto a port of the caller's project.
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
        json!({"network_id": public["id"], "ip_version": 4, "cidr": "203.0.113.0/24"}),
    )
    .await;
    let (status, v) = c
        .send(
            Method::POST,
            "/v2.0/floatingips",
            alice,
            Some(json!({"floatingip": {"floating_network_id": public["id"], "port_id": bobs_id}})),
        )
        .await;
    assert_eq!(status, 404, "another project's port: {v}");

    // Router interfaces on another project's shared subnet are its owner's.
    let router = c.create(bob, "router", json!({"name": "r"})).await;
    let (status, v) = c
        .send(
            Method::PUT,
            &format!(
                "/v2.0/routers/{}/add_router_interface",
                router["id"].as_str().expect("id")
            ),
            bob,
            Some(json!({"subnet_id": shared_subnet["id"]})),
        )
        .await;
    assert_eq!(status, 403, "the shared subnet's gateway is not bob's: {v}");
}

/// Strings built to break out of an nft script, a dnsmasq file or a
/// command line (`;`, `}`, newlines, quotes, very long values), posted to
/// every field that reaches an agent: each is a 400 naming the field, and
/// nothing is created.
#[tokio::test]
async fn injection_strings_in_fields_that_reach_hosts_are_refused() {
    let c = Cloud::start().await;
    let alice = &c.identity.alice;
    let net = c.create(alice, "network", json!({"name": "inj"})).await;
    let net_id = net["id"].as_str().expect("id").to_owned();
    let (status, sg) = c
        .send(
            Method::POST,
            "/v2.0/security-groups",
            alice,
            Some(json!({"security_group": {"name": "inj-sg"}})),
        )
        .await;
    assert_eq!(status, 201, "{sg}");
    let sg_id = sg["security_group"]["id"].as_str().expect("id").to_owned();
    let long = "x".repeat(300);
    let subnet = |extra: Value| {
        let mut body = json!({"network_id": net_id, "ip_version": 4, "cidr": "10.70.0.0/24"});
        if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
            b.extend(e);
        }
        ("subnet", body)
    };
    let port = |extra: Value| {
        let mut body = json!({"network_id": net_id});
        if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
            b.extend(e);
        }
        ("port", body)
    };
    let rule = |extra: Value| {
        let mut body = json!({"security_group_id": sg_id, "direction": "ingress"});
        if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
            b.extend(e);
        }
        ("security_group_rule", body)
    };
    let cases = vec![
        subnet(json!({"cidr": "10.70.0.0/24; flush ruleset"})),
        subnet(json!({"cidr": "10.70.0.0/24\n"})),
        subnet(json!({"gateway_ip": "10.70.0.1\""})),
        subnet(json!({"dns_nameservers": ["10.70.0.53\nserver=/#/6.6.6.6"]})),
        subnet(json!({"dns_nameservers": ["10.70.0.53; }"]})),
        subnet(json!({"host_routes": [{"destination": "0.0.0.0/0 }", "nexthop": "10.70.0.1"}]})),
        subnet(json!({"host_routes": [{"destination": "10.9.0.0/16", "nexthop": "10.70.0.1'"}]})),
        subnet(json!({"allocation_pools": [{"start": "10.70.0.2\n", "end": "10.70.0.9"}]})),
        subnet(json!({"name": long})),
        port(json!({"mac_address": "fa:16:3e:00:00:01\ndhcp-host=x"})),
        port(json!({"mac_address": "fa:16:3e:00:00:01; }"})),
        port(json!({"fixed_ips": [{"ip_address": "10.70.0.5\n"}]})),
        port(json!({"fixed_ips": [{"ip_address": "10.70.0.5; drop"}]})),
        port(json!({"name": long})),
        rule(json!({"remote_ip_prefix": "0.0.0.0/0; accept"})),
        rule(json!({"remote_ip_prefix": "0.0.0.0/0 }"})),
        rule(json!({"protocol": "tcp; accept"})),
        rule(json!({"protocol": "tcp", "port_range_min": "22; accept", "port_range_max": 22})),
        rule(json!({"protocol": "tcp", "port_range_min": 22, "port_range_max": 70000})),
        rule(json!({"ethertype": "IPv4 }"})),
        ("network", json!({"name": long})),
        ("router", json!({"name": long})),
    ];
    let (_, before) = c.send(Method::GET, "/v2.0/ports", alice, None).await;
    for (kind, body) in cases {
        let (status, v) = c
            .send(
                Method::POST,
                &format!("/v2.0/{}s", kind.replace('_', "-")),
                alice,
                Some(json!({kind: body})),
            )
            .await;
        assert_eq!(status, 400, "{kind} {body}: {v}");
        assert!(
            v["NeutronError"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
    }
    let (_, after) = c.send(Method::GET, "/v2.0/ports", alice, None).await;
    assert_eq!(before, after);
    let (_, subnets) = c.send(Method::GET, "/v2.0/subnets", alice, None).await;
    assert_eq!(subnets["subnets"], json!([]), "no subnet half-made");
    let (_, rules) = c
        .send(
            Method::GET,
            &format!("/v2.0/security-group-rules?security_group_id={sg_id}"),
            alice,
            None,
        )
        .await;
    assert!(
        !rules.to_string().contains("accept"),
        "no rule made from an injection: {rules}"
    );
}
