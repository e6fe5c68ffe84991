//! The network agent's data plane, for real: bridges, DHCP leases from
//! dnsmasq, pings between instance namespaces, and isolation between
//! networks, all inside namespaces the test made.

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ports_get_leases_and_ping_each_other_but_not_across_networks() {
    let f = Fabric::start(1).await;
    let alice = f.identity.alice.clone();
    let (net_a, _) = f.network(&alice, "10.10.0.0/24").await;
    // A second network with the same addresses: only isolation keeps them apart.
    let (net_b, sub_b) = f.network(&alice, "10.10.0.0/24").await;

    let a1 = f.port(&alice, &net_a, 0, json!({})).await;
    let a2 = f.port(&alice, &net_a, 0, json!({})).await;
    let b1 = f
        .port(
            &alice,
            &net_b,
            0,
            json!({"fixed_ips": [{"subnet_id": sub_b, "ip_address": "10.10.0.50"}]}),
        )
        .await;
    let i_a1 = f.instance(0, &a1).await;
    let i_a2 = f.instance(0, &a2).await;
    let i_b1 = f.instance(0, &b1).await;
    for p in [&a1, &a2, &b1] {
        f.wait_active(p["id"].as_str().expect("id")).await;
    }

    // Leases: each instance gets exactly its port's address.
    for (inst, port) in [(&i_a1, &a1), (&i_a2, &a2), (&i_b1, &b1)] {
        let got = tokio::task::block_in_place(|| inst.dhcp()).expect("a lease");
        assert_eq!(
            got,
            port["fixed_ips"][0]["ip_address"].as_str().expect("ip")
        );
    }
    let a2_ip = a2["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    eventually_pings(&i_a1.ns, &a2_ip).await;
    assert!(
        never_pings(&i_a1.ns, "10.10.0.50").await,
        "a port on another network with an address of this subnet is unreachable"
    );
    assert!(
        never_pings(&i_b1.ns, &a2_ip).await,
        "and the other way round"
    );

    // The bridges and the DHCP namespace are where the agent keeps them.
    let links = f.links(0).await;
    let names: Vec<String> = links
        .list()
        .await
        .expect("links")
        .into_iter()
        .map(|l| l.name)
        .collect();
    for net in [&net_a, &net_b] {
        let br = stratus_network_agent::plumbing::bridge_name(net);
        assert!(names.contains(&br), "{br} in {names:?}");
    }
    let dhcp_ns = format!("{}-qdhcp-{net_a}", f.hosts[0].ns);
    assert!(stratus_netns::exists(&dhcp_ns), "{dhcp_ns}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn security_group_rules_change_one_at_a_time_and_established_flows_survive() {
    let f = Fabric::start(1).await;
    let alice = f.identity.alice.clone();
    let (net, _) = f.network(&alice, "10.11.0.0/24").await;
    let sg = f
        .post(
            "/v2.0/security-groups",
            &alice,
            json!({"security_group": {"name": "web"}}),
        )
        .await["security_group"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let rule = |proto: &str, port: Option<u16>| {
        let mut r = json!({"security_group_id": sg, "direction": "ingress", "ethertype": "IPv4", "protocol": proto});
        if let Some(p) = port {
            r["port_range_min"] = json!(p);
            r["port_range_max"] = json!(p);
        }
        json!({"security_group_rule": r})
    };
    let icmp = f
        .post("/v2.0/security-group-rules", &alice, rule("icmp", None))
        .await;
    let icmp_id = icmp["security_group_rule"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let tcp = f
        .post(
            "/v2.0/security-group-rules",
            &alice,
            rule("tcp", Some(5000)),
        )
        .await;
    let tcp_id = tcp["security_group_rule"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let client = f.port(&alice, &net, 0, json!({})).await;
    let server = f
        .port(&alice, &net, 0, json!({"security_groups": [sg]}))
        .await;
    let i_client = f.instance(0, &client).await;
    let i_server = f.instance(0, &server).await;
    for p in [&client, &server] {
        f.wait_active(p["id"].as_str().expect("id")).await;
    }
    for i in [&i_client, &i_server] {
        tokio::task::block_in_place(|| i.dhcp()).expect("a lease");
    }
    let server_ip = server["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    let client_ip = client["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    eventually_pings(&i_client.ns, &server_ip).await;
    let _echo = i_server.serve_echo(5000);
    let _other = i_server.serve_echo(5001);
    let mut flow = i_client
        .connect(&format!("{server_ip}:5000"))
        .expect("tcp 5000 allowed");
    assert_eq!(
        exchange(&mut flow, "hello").expect("echo"),
        format!("hello from {client_ip}")
    );
    assert!(
        i_client.connect(&format!("{server_ip}:5001")).is_err(),
        "tcp 5001 is not allowed in"
    );

    // The rule chain of the group, with the handle of each rule.
    let host_ns = f.hosts[0].ns.clone();
    let chain = format!("sgi_{}", sg.replace('-', ""));
    let handles = |listing: &stratus_network_agent::nft::Listing| -> Vec<(u64, Option<String>)> {
        listing.chains.get(&chain).cloned().unwrap_or_default()
    };
    let read = || {
        stratus_network_agent::nft::Listing::read(Some(&host_ns), "bridge", "stratus").expect("nft")
    };
    let before = handles(&read());
    let tcp_handle = before
        .iter()
        .find(|(_, c)| c.as_deref() == Some(tcp_id.as_str()))
        .expect("the tcp rule in the group's chain")
        .0;

    // Removing the ICMP rule blocks ping; the TCP flow goes on.
    let (code, _) = f
        .send(
            reqwest::Method::DELETE,
            &format!("/v2.0/security-group-rules/{icmp_id}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(code, 204);
    eventually_blocked(&i_client.ns, &server_ip).await;
    assert_eq!(
        exchange(&mut flow, "still there").expect("the established flow keeps working"),
        format!("still there from {client_ip}")
    );
    let after = handles(&read());
    assert_eq!(
        after,
        vec![(tcp_handle, Some(tcp_id.clone()))],
        "only the removed rule went; the other kept its handle"
    );

    // Adding it back restores ping, again touching nothing else.
    let icmp = f
        .post("/v2.0/security-group-rules", &alice, rule("icmp", None))
        .await;
    let icmp_id = icmp["security_group_rule"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    eventually_pings(&i_client.ns, &server_ip).await;
    let again = handles(&read());
    assert_eq!(again.len(), 2);
    assert_eq!(again[0], (tcp_handle, Some(tcp_id)));
    assert_eq!(again[1].1.as_deref(), Some(icmp_id.as_str()));
}
