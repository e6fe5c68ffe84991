//! The network agent's data plane, for real: bridges, DHCP leases from
//! dnsmasq, pings between instance namespaces, and isolation between
//! networks, all inside namespaces the test made.

mod common;

use common::*;
use serde_json::json;
use stratus_network_agent::links::LinkOps;

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
    let table = stratus_network_agent::firewall::table_name(&f.bus.prefix, &f.hosts[0].name);
    let read = || {
        stratus_network_agent::nft::Listing::read(Some(&host_ns), "bridge", &table).expect("nft")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vxlan_networks_span_hosts_and_stay_apart() {
    let f = Fabric::start(2).await;
    let alice = f.identity.alice.clone();
    let (net_x, _) = f.network(&alice, "10.30.0.0/24").await;
    let (net_y, sub_y) = f.network(&alice, "10.30.0.0/24").await;
    let x1 = f.port(&alice, &net_x, 0, json!({})).await;
    let x2 = f.port(&alice, &net_x, 1, json!({})).await;
    let y1 = f.port(&alice, &net_y, 0, json!({})).await;
    let y2 = f
        .port(
            &alice,
            &net_y,
            1,
            json!({"fixed_ips": [{"subnet_id": sub_y, "ip_address": "10.30.0.77"}]}),
        )
        .await;
    let i_x1 = f.instance(0, &x1).await;
    let i_x2 = f.instance(1, &x2).await;
    let i_y1 = f.instance(0, &y1).await;
    let i_y2 = f.instance(1, &y2).await;
    for p in [&x1, &x2, &y1, &y2] {
        f.wait_active(p["id"].as_str().expect("id")).await;
    }
    // One DHCP server per network, on whichever host claimed it: the other
    // host's instance gets its lease across the tunnel.
    for (inst, port) in [(&i_x1, &x1), (&i_x2, &x2), (&i_y1, &y1), (&i_y2, &y2)] {
        let got = tokio::task::block_in_place(|| inst.dhcp()).expect("a lease");
        assert_eq!(
            got,
            port["fixed_ips"][0]["ip_address"].as_str().expect("ip")
        );
    }
    let x2_ip = x2["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    eventually_pings(&i_x1.ns, &x2_ip).await;
    eventually_pings(&i_y1.ns, "10.30.0.77").await;
    assert!(
        never_pings(&i_x1.ns, "10.30.0.77").await,
        "the other VXLAN network between the same hosts is out of reach"
    );
    // Each host's VXLAN devices carry the networks' VNIs.
    for h in 0..2 {
        let names: Vec<String> = f
            .links(h)
            .await
            .list()
            .await
            .expect("links")
            .into_iter()
            .filter(|l| l.kind.as_deref() == Some("vxlan"))
            .map(|l| l.name)
            .collect();
        assert_eq!(names.len(), 2, "host {h}: {names:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn floating_ips_and_router_snat() {
    let f = Fabric::start(1).await;
    let admin = f.identity.admin.clone();
    let alice = f.identity.alice.clone();
    let ext = f
        .post(
            "/v2.0/networks",
            &admin,
            json!({"network": {"name": "public", "router:external": true,
                "provider:network_type": "flat", "provider:physical_network": EXTERNAL_PHYSNET}}),
        )
        .await["network"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    f.post(
        "/v2.0/subnets",
        &admin,
        json!({"subnet": {"network_id": ext, "ip_version": 4, "cidr": "172.24.4.0/24",
            "gateway_ip": "172.24.4.1", "enable_dhcp": false,
            "allocation_pools": [{"start": "172.24.4.10", "end": "172.24.4.100"}]}}),
    )
    .await;
    let (net, sub) = f.network(&alice, "10.40.0.0/24").await;
    let router = f
        .post(
            "/v2.0/routers",
            &alice,
            json!({"router": {"name": "r", "external_gateway_info": {"network_id": ext}}}),
        )
        .await["router"]
        .clone();
    let router_id = router["id"].as_str().expect("id").to_owned();
    let gw_ip = router["external_gateway_info"]["external_fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("gateway address")
        .to_owned();
    let (code, v) = f
        .send(
            reqwest::Method::PUT,
            &format!("/v2.0/routers/{router_id}/add_router_interface"),
            &alice,
            Some(json!({"subnet_id": sub})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    // The default group lets nothing in from outside: open ICMP and 6000.
    let default_sg = {
        let (_, v) = f
            .send(
                reqwest::Method::GET,
                "/v2.0/security-groups?name=default",
                &alice,
                None,
            )
            .await;
        v["security_groups"][0]["id"]
            .as_str()
            .expect("default group")
            .to_owned()
    };
    for (proto, port) in [("icmp", None), ("tcp", Some(6000))] {
        let mut r =
            json!({"security_group_id": default_sg, "direction": "ingress", "protocol": proto});
        if let Some(p) = port {
            r["port_range_min"] = json!(p);
            r["port_range_max"] = json!(p);
        }
        f.post(
            "/v2.0/security-group-rules",
            &alice,
            json!({"security_group_rule": r}),
        )
        .await;
    }
    let p = f.port(&alice, &net, 0, json!({})).await;
    let inst = f.instance(0, &p).await;
    f.wait_active(p["id"].as_str().expect("id")).await;
    tokio::task::block_in_place(|| inst.dhcp()).expect("a lease with the router as gateway");
    let ext_ns = format!("{}ext", f.prefix);
    let _outside = serve_echo(&ext_ns, 7000);

    // Without a floating IP, traffic leaves with the router's address.
    let flow = poll_until_connect(&inst.ns, "172.24.4.1:7000").await;
    let mut flow = flow;
    assert_eq!(
        exchange(&mut flow, "out").expect("echo"),
        format!("out from {gw_ip}")
    );

    // With one, the port is reachable from outside and leaves with it.
    let fip = f
        .post(
            "/v2.0/floatingips",
            &alice,
            json!({"floatingip": {"floating_network_id": ext, "port_id": p["id"]}}),
        )
        .await["floatingip"]
        .clone();
    let fip_ip = fip["floating_ip_address"]
        .as_str()
        .expect("address")
        .to_owned();
    eventually_pings(&ext_ns, &fip_ip).await;
    let _inside = inst.serve_echo(6000);
    let mut inbound = poll_until_connect(&ext_ns, &format!("{fip_ip}:6000")).await;
    assert_eq!(
        exchange(&mut inbound, "in").expect("echo"),
        "in from 172.24.4.1"
    );
    let mut out = poll_until_connect(&inst.ns, "172.24.4.1:7000").await;
    assert_eq!(
        exchange(&mut out, "again").expect("echo"),
        format!("again from {fip_ip}")
    );

    // Disassociated, the address answers no more.
    let fip_id = fip["id"].as_str().expect("id");
    let (code, _) = f
        .send(
            reqwest::Method::PUT,
            &format!("/v2.0/floatingips/{fip_id}"),
            &alice,
            Some(json!({"floatingip": {"port_id": null}})),
        )
        .await;
    assert_eq!(code, 200);
    eventually_blocked(&ext_ns, &fip_ip).await;
    let router_ns = format!("{}-qrouter-{router_id}", f.hosts[0].ns);
    assert!(stratus_netns::exists(&router_ns), "{router_ns}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_agent_keeps_traffic_and_removes_what_was_deleted() {
    let mut f = Fabric::start(1).await;
    let alice = f.identity.alice.clone();
    let (net, _) = f.network(&alice, "10.50.0.0/24").await;
    let (gone_net, _) = f.network(&alice, "10.51.0.0/24").await;
    let a = f.port(&alice, &net, 0, json!({})).await;
    let b = f.port(&alice, &net, 0, json!({})).await;
    let g = f.port(&alice, &gone_net, 0, json!({})).await;
    let i_a = f.instance(0, &a).await;
    let i_b = f.instance(0, &b).await;
    let _i_g = f.instance(0, &g).await;
    for p in [&a, &b, &g] {
        f.wait_active(p["id"].as_str().expect("id")).await;
    }
    for i in [&i_a, &i_b] {
        tokio::task::block_in_place(|| i.dhcp()).expect("a lease");
    }
    let b_ip = b["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    eventually_pings(&i_a.ns, &b_ip).await;
    let _echo = i_b.serve_echo(5000);
    // The default group lets members in: a TCP flow a → b.
    let mut flow = connect_from(&i_a.ns, &format!("{b_ip}:5000")).expect("tcp within the group");
    let a_ip = a["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    assert_eq!(
        exchange(&mut flow, "before").expect("echo"),
        format!("before from {a_ip}")
    );

    let host_ns = f.hosts[0].ns.clone();
    let gone_bridge = stratus_network_agent::plumbing::bridge_name(&gone_net);
    let kept_bridge = stratus_network_agent::plumbing::bridge_name(&net);
    let gone_dhcp = format!("{host_ns}-qdhcp-{gone_net}");
    assert!(stratus_netns::exists(&gone_dhcp));
    let table = stratus_network_agent::firewall::table_name(&f.bus.prefix, &f.hosts[0].name);
    let read = || {
        stratus_network_agent::nft::Listing::read(Some(&host_ns), "bridge", &table).expect("nft")
    };
    let links_before = f.links(0).await.list().await.expect("links");
    let chains_before = read().chains;

    // The agent stops; meanwhile a port and its network are deleted.
    f.stop_agent(0)
        .await
        .expect("join")
        .expect("agent stopped cleanly");
    let g_id = g["id"].as_str().expect("id");
    for path in [
        format!("/v2.0/ports/{g_id}"),
        format!("/v2.0/networks/{gone_net}"),
    ] {
        let (code, v) = f.send(reqwest::Method::DELETE, &path, &alice, None).await;
        assert_eq!(code, 204, "{path}: {v}");
    }
    // Pings go on while the agent is away and while it comes back.
    let pinger = {
        let (ns, ip) = (i_a.ns.clone(), b_ip.clone());
        std::thread::spawn(move || {
            let mut cmd = std::process::Command::new("busybox");
            cmd.args(["ping", "-c", "40", "-i", "0.1", "-W", "1", &ip]);
            stratus_netns::output(Some(&ns), cmd).expect("ping")
        })
    };
    f.start_agent(0);
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "stale network removed",
        || async {
            let names: Vec<String> = f
                .links(0)
                .await
                .list()
                .await
                .ok()?
                .into_iter()
                .map(|l| l.name)
                .collect();
            (!names.contains(&gone_bridge) && !stratus_netns::exists(&gone_dhcp)).then_some(())
        },
    )
    .await;
    let out = tokio::task::block_in_place(|| pinger.join()).expect("pinger");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("40 packets transmitted, 40 packets received"),
        "{text}"
    );
    assert_eq!(
        exchange(&mut flow, "after").expect("the flow survived the restart"),
        format!("after from {a_ip}")
    );

    // What stayed was not rebuilt: same bridge, same taps, same rules.
    let links_after = f.links(0).await.list().await.expect("links");
    let index = |links: &[stratus_network_agent::links::Link], name: &str| {
        links.iter().find(|l| l.name == name).map(|l| l.index)
    };
    assert_eq!(
        index(&links_before, &kept_bridge),
        index(&links_after, &kept_bridge)
    );
    let chains_after = read().chains;
    let g_chain = stratus_network_agent::firewall::port_chain('f', g_id);
    assert!(
        !chains_after.contains_key(&g_chain),
        "the deleted port's chain is gone"
    );
    for (name, rules) in &chains_after {
        assert_eq!(
            Some(rules),
            chains_before.get(name),
            "chain {name} untouched"
        );
    }
    // The deleted network's dnsmasq is gone with its namespace.
    let pid_file = f
        .dir
        .path
        .join("h1")
        .join("dhcp")
        .join(&gone_net)
        .join("pid");
    assert!(!pid_file.exists(), "{}", pid_file.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vlan_uplinks_where_the_kernel_has_8021q() {
    let ns = stratus_test_support::unique_name("sxvlan");
    stratus_netns::add(&ns).await.expect("namespace");
    struct Cleanup(String);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = stratus_netns::del_blocking(&self.0);
        }
    }
    let _cleanup = Cleanup(ns.clone());
    let links = stratus_network_agent::links::Links::open(Some(&ns))
        .await
        .expect("netlink");
    links
        .add_veth("phys0", "peer0")
        .await
        .expect("a NIC stand-in");
    let nic = links.get("phys0").await.expect("get").expect("phys0");
    let net = stratus_bus_protocol::network::NetworkSpec {
        id: "7a1c0b2d-0000-4000-8000-000000000001".into(),
        network_type: "vlan".into(),
        physical_network: Some("physnet1".into()),
        segmentation_id: Some(101),
        mtu: 1500,
        peers: vec![],
    };
    let have = links.list().await.expect("links");
    match stratus_network_agent::plumbing::ensure_network(
        &links,
        &have,
        &net,
        Some("phys0"),
        None,
        "stratus-network-agent test",
    )
    .await
    {
        Ok(bridge) => {
            let vlan = links
                .get("phys0.101")
                .await
                .expect("get")
                .expect("the VLAN device");
            assert_eq!(vlan.kind.as_deref(), Some("vlan"));
            assert_eq!(vlan.master, Some(bridge));
            assert_ne!(vlan.index, nic.index);
        }
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.contains("VLAN"),
                "only the VLAN device may fail: {text}"
            );
            // A skip must prove the kernel cannot do it; any other failure
            // of the VLAN path fails the test.
            let proof = kernel_lacks_8021q(&ns).unwrap_or_else(|why| {
                panic!("the agent could not make a VLAN device ({text}), yet the kernel has 802.1Q: {why}")
            });
            println!(
                "SKIPPED: this kernel cannot create 802.1Q devices ({proof}); the agent said: {text}; \
                 the VLAN requests are covered by the unit tests in links.rs"
            );
        }
    }
}

/// Why this kernel has no 802.1Q support, proved three ways: the module is
/// not loaded, there is no module file to load, and the kernel itself
/// refuses a VLAN device (asked by iproute2, not by the agent's code). An
/// error if any of them says otherwise.
fn kernel_lacks_8021q(ns: &str) -> Result<String, String> {
    if std::path::Path::new("/sys/module/8021q").exists() {
        return Err("the 8021q module is loaded (/sys/module/8021q)".into());
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_err(|e| format!("kernel release: {e}"))?;
    let modules = std::path::PathBuf::from("/lib/modules").join(release.trim());
    let mut stack = vec![modules.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("8021q.ko"))
            {
                return Err(format!("the module file {} exists", path.display()));
            }
        }
    }
    let out = std::process::Command::new("ip")
        .args([
            "-n",
            ns,
            "link",
            "add",
            "link",
            "phys0",
            "name",
            "sxvlanprobe",
            "type",
            "vlan",
            "id",
            "4000",
        ])
        .output()
        .map_err(|e| format!("running ip: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if out.status.success() {
        return Err("ip link add ... type vlan succeeded".into());
    }
    if !(err.contains("Unknown device type") || err.contains("not supported")) {
        return Err(format!("ip link add ... type vlan failed otherwise: {err}"));
    }
    Ok(format!(
        "8021q not loaded, no module under {}, and the kernel refused `ip link add ... type vlan`: {err}",
        modules.display()
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stateless_groups_let_replies_through_only_by_their_own_rules() {
    let f = Fabric::start(1).await;
    let alice = f.identity.alice.clone();
    let (net, _) = f.network(&alice, "10.12.0.0/24").await;
    let sg = f
        .post(
            "/v2.0/security-groups",
            &alice,
            json!({"security_group": {"name": "raw", "stateful": false}}),
        )
        .await["security_group"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let tcp_in = |lo: u16, hi: u16| {
        json!({"security_group_rule": {"security_group_id": sg, "direction": "ingress",
            "protocol": "tcp", "port_range_min": lo, "port_range_max": hi}})
    };
    f.post("/v2.0/security-group-rules", &alice, tcp_in(5000, 5000))
        .await;
    let client = f
        .port(&alice, &net, 0, json!({"security_groups": [sg]}))
        .await;
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
    let _echo = i_server.serve_echo(5000);
    // The SYN gets in; the SYN-ACK back to the client's ephemeral port has
    // no rule and no conntrack shortcut.
    let ns = i_client.ns.clone();
    let target = format!("{server_ip}:5000");
    let refused = tokio::task::spawn_blocking(move || connect_from(&ns, &target).is_err())
        .await
        .expect("connect");
    assert!(refused, "a stateless group without a rule for replies");

    // A rule for the replies (Linux's ephemeral ports) lets the flow work.
    f.post("/v2.0/security-group-rules", &alice, tcp_in(32768, 60999))
        .await;
    let mut flow = poll_until_connect(&i_client.ns, &format!("{server_ip}:5000")).await;
    assert!(
        exchange(&mut flow, "hi")
            .expect("echo")
            .starts_with("hi from "),
        "the flow works with its replies allowed"
    );

    // A stateful group on the same port is refused, as Neutron refuses it.
    let stateful = f
        .post(
            "/v2.0/security-groups",
            &alice,
            json!({"security_group": {"name": "tracked"}}),
        )
        .await["security_group"]["id"]
        .clone();
    let (code, v) = f
        .send(
            reqwest::Method::PUT,
            &format!("/v2.0/ports/{}", client["id"].as_str().expect("id")),
            &alice,
            Some(json!({"port": {"security_groups": [sg, stateful]}})),
        )
        .await;
    assert_eq!(code, 400, "{v}");
    assert!(
        v["NeutronError"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("stateful and stateless")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subnet_added_later_is_served_by_dhcp_too() {
    let f = Fabric::start(1).await;
    let alice = f.identity.alice.clone();
    let (net, _) = f.network(&alice, "10.13.0.0/24").await;
    let first = f.port(&alice, &net, 0, json!({})).await;
    let i_first = f.instance(0, &first).await;
    f.wait_active(first["id"].as_str().expect("id")).await;
    let got = tokio::task::block_in_place(|| i_first.dhcp()).expect("a lease");
    assert_eq!(got, first["fixed_ips"][0]["ip_address"]);

    let second = f
        .post(
            "/v2.0/subnets",
            &alice,
            json!({"subnet": {"network_id": net, "ip_version": 4, "cidr": "10.14.0.0/24"}}),
        )
        .await["subnet"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let port = f
        .port(
            &alice,
            &net,
            0,
            json!({"fixed_ips": [{"subnet_id": second}]}),
        )
        .await;
    let ip = port["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    assert!(ip.starts_with("10.14.0."), "{port}");
    let inst = f.instance(0, &port).await;
    f.wait_active(port["id"].as_str().expect("id")).await;
    // The DHCP port gains an address on the new subnet.
    let dhcp = stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the DHCP port on both subnets",
        || async {
            let (_, v) = f
                .send(
                    reqwest::Method::GET,
                    &format!("/v2.0/ports?network_id={net}&device_owner=network:dhcp"),
                    &f.identity.admin,
                    None,
                )
                .await;
            let p = v["ports"][0].clone();
            (p["fixed_ips"].as_array().map(Vec::len) == Some(2)).then_some(p)
        },
    )
    .await;
    assert!(dhcp["fixed_ips"].to_string().contains("10.14.0."), "{dhcp}");
    let got = tokio::task::block_in_place(|| inst.dhcp()).expect("a lease on the new subnet");
    assert_eq!(got, ip);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agents_sharing_a_namespace_leave_each_others_bridges_alone() {
    let mut f = Fabric::start(1).await;
    let other = f.add_agent_beside(0);
    let alice = f.identity.alice.clone();
    let (net_a, _) = f.network(&alice, "10.15.0.0/24").await;
    let (net_b, _) = f.network(&alice, "10.16.0.0/24").await;
    let port_a = f.port(&alice, &net_a, 0, json!({})).await;
    f.port(&alice, &net_b, other, json!({})).await;
    let links = f.links(0).await;
    let bridge_a = stratus_network_agent::plumbing::bridge_name(&net_a);
    let bridge_b = stratus_network_agent::plumbing::bridge_name(&net_b);
    let link_of = |name: String| {
        let links = &links;
        async move {
            links
                .list()
                .await
                .ok()?
                .into_iter()
                .find(|l| l.name == name)
        }
    };
    let alias_of =
        |name: String| async move { link_of(name).await.map(|l| l.alias.unwrap_or_default()) };
    let owner_a = stratus_network_agent::reconcile::owner_tag(&f.bus.prefix, &f.hosts[0].name);
    let owner_b = stratus_network_agent::reconcile::owner_tag(&f.bus.prefix, &f.hosts[other].name);
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "both bridges, each marked by its agent",
        || async {
            (alias_of(bridge_a.clone()).await.as_deref() == Some(owner_a.as_str())
                && alias_of(bridge_b.clone()).await.as_deref() == Some(owner_b.as_str()))
            .then_some(())
        },
    )
    .await;
    // Its index: a bridge deleted and made again would get another.
    let index_b = link_of(bridge_b.clone()).await.expect("bridge").index;

    // The first network goes: its agent removes its bridge; the other's
    // stays through all the passes both agents made meanwhile.
    let (code, _) = f
        .send(
            reqwest::Method::DELETE,
            &format!("/v2.0/ports/{}", port_a["id"].as_str().expect("id")),
            &alice,
            None,
        )
        .await;
    assert_eq!(code, 204);
    let (code, _) = f
        .send(
            reqwest::Method::DELETE,
            &format!("/v2.0/networks/{net_a}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(code, 204);
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the deleted network's bridge gone",
        || async { alias_of(bridge_a.clone()).await.is_none().then_some(()) },
    )
    .await;
    let b = link_of(bridge_b.clone()).await.expect("the other bridge");
    assert_eq!(
        (b.index, b.alias.as_deref()),
        (index_b, Some(owner_b.as_str())),
        "the other agent's bridge is untouched, never deleted and made again"
    );
}

/// DHCP follows the ports exactly: an address given back and taken by a
/// port of another MAC is served to the new MAC at once (the old lease
/// released), an address change is served without restarting dnsmasq, and
/// DHCP stays while the network has DHCP subnets, also with no port left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dhcp_follows_the_ports_exactly() {
    let f = Fabric::start(1).await;
    let alice = f.identity.alice.clone();
    let (net, subnet) = f.network(&alice, "10.18.0.0/24").await;
    let at = |ip: &str| json!({"fixed_ips": [{"subnet_id": subnet, "ip_address": ip}]});
    let lease_of = |inst: &common::Instance| {
        tokio::task::block_in_place(|| inst.dhcp()).expect("a DHCP lease")
    };

    // A port and its lease.
    let first = f.port(&alice, &net, 0, at("10.18.0.50")).await;
    let inst = f.instance(0, &first).await;
    f.wait_active(first["id"].as_str().expect("id")).await;
    assert_eq!(lease_of(&inst), "10.18.0.50");
    let first_mac = first["mac_address"].as_str().expect("mac").to_owned();
    assert!(
        f.leases(0, &net).contains(&first_mac),
        "{}",
        f.leases(0, &net)
    );
    let dnsmasq = f.dnsmasq_pid(0, &net).expect("dnsmasq runs");

    // The port goes; another, of another MAC, takes its address.
    stratus_netns::del(&inst.ns).await.expect("instance gone");
    let (code, _) = f
        .send(
            reqwest::Method::DELETE,
            &format!("/v2.0/ports/{}", first["id"].as_str().expect("id")),
            &alice,
            None,
        )
        .await;
    assert_eq!(code, 204);
    let second = f.port(&alice, &net, 0, at("10.18.0.50")).await;
    let second_mac = second["mac_address"].as_str().expect("mac").to_owned();
    assert_ne!(first_mac, second_mac);
    let inst = f.instance(0, &second).await;
    f.wait_active(second["id"].as_str().expect("id")).await;
    assert_eq!(lease_of(&inst), "10.18.0.50", "the address with a new MAC");
    let leases = f.leases(0, &net);
    assert!(
        leases.contains(&second_mac) && !leases.contains(&first_mac),
        "only the new MAC holds the address: {leases}"
    );

    // Its address changes: served at the next request, same dnsmasq.
    let (code, moved) = f
        .send(
            reqwest::Method::PUT,
            &format!("/v2.0/ports/{}", second["id"].as_str().expect("id")),
            &alice,
            Some(json!({"port": at("10.18.0.60")})),
        )
        .await;
    assert_eq!(code, 200, "{moved}");
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the new address served",
        || async {
            let inst = &inst;
            tokio::task::block_in_place(|| inst.dhcp())
                .ok()
                .filter(|ip| ip == "10.18.0.60")
        },
    )
    .await;
    assert_eq!(
        f.dnsmasq_pid(0, &net),
        Some(dnsmasq),
        "ports and addresses changed by SIGHUP, not a restart"
    );

    // Every port goes: DHCP stays while the subnet has DHCP, and the
    // address the last port had is served to a new MAC again.
    stratus_netns::del(&inst.ns).await.expect("instance gone");
    let (code, _) = f
        .send(
            reqwest::Method::DELETE,
            &format!("/v2.0/ports/{}", second["id"].as_str().expect("id")),
            &alice,
            None,
        )
        .await;
    assert_eq!(code, 204);
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the deleted port's lease released",
        || async { (!f.leases(0, &net).contains(&second_mac)).then_some(()) },
    )
    .await;
    assert_eq!(
        f.dnsmasq_pid(0, &net),
        Some(dnsmasq),
        "DHCP stays up with no port"
    );
    let third = f.port(&alice, &net, 0, at("10.18.0.60")).await;
    let inst = f.instance(0, &third).await;
    assert_eq!(lease_of(&inst), "10.18.0.60");
    assert_eq!(f.dnsmasq_pid(0, &net), Some(dnsmasq));

    // With DHCP off on its only subnet the network's DHCP goes; back on,
    // it is served again.
    let dhcp_ns = format!("{}-qdhcp-{net}", f.hosts[0].ns);
    let set_dhcp = |on: bool| {
        let (f, alice) = (&f, &alice);
        let subnet = subnet.clone();
        async move {
            let (code, v) = f
                .send(
                    reqwest::Method::PUT,
                    &format!("/v2.0/subnets/{subnet}"),
                    alice,
                    Some(json!({"subnet": {"enable_dhcp": on}})),
                )
                .await;
            assert_eq!(code, 200, "{v}");
        }
    };
    set_dhcp(false).await;
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "DHCP gone with the last DHCP subnet",
        || async {
            (f.dnsmasq_pid(0, &net).is_none() && !stratus_netns::exists(&dhcp_ns)).then_some(())
        },
    )
    .await;
    set_dhcp(true).await;
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        "the address served again",
        || async {
            let inst = &inst;
            tokio::task::block_in_place(|| inst.dhcp())
                .ok()
                .filter(|ip| ip == "10.18.0.60")
        },
    )
    .await;
}

/// Records that got into the database bad (by an older API, or by hand)
/// never reach nft or dnsmasq and never stop the host's work: with one
/// port's MAC and address pairs and one subnet's DNS servers and routes
/// rewritten to injection strings, the other ports keep their traffic, a
/// new port gets its lease and pings, and the host's table is still ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_records_never_stop_the_hosts_other_work() {
    let f = Fabric::start(1).await;
    let alice = f.identity.alice.clone();
    let (net, sub) = f.network(&alice, "10.12.0.0/24").await;
    let (other_net, other_sub) = f.network(&alice, "10.13.0.0/24").await;
    let a1 = f.port(&alice, &net, 0, json!({})).await;
    let a2 = f.port(&alice, &net, 0, json!({})).await;
    let bad = f.port(&alice, &other_net, 0, json!({})).await;
    let i_a1 = f.instance(0, &a1).await;
    let i_a2 = f.instance(0, &a2).await;
    let i_bad = f.instance(0, &bad).await;
    for p in [&a1, &a2, &bad] {
        f.wait_active(p["id"].as_str().expect("id")).await;
    }
    for i in [&i_a1, &i_a2] {
        tokio::task::block_in_place(|| i.dhcp()).expect("a lease");
    }
    let a2_ip = a2["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    eventually_pings(&i_a1.ns, &a2_ip).await;

    sqlx::query(
        "UPDATE ports SET mac_address = $2, allowed_address_pairs = $3 WHERE id = $1",
    )
    .bind(bad["id"].as_str().expect("id"))
    .bind("zz; } add table ip pwned")
    .bind(sqlx::types::Json(json!([
        {"ip_address": "10.13.0.0/24; flush ruleset", "mac_address": "fa:16:3e:00:00:01\nadd table ip pwned"}
    ])))
    .execute(&f.app.pool)
    .await
    .expect("corrupt the port");
    sqlx::query("UPDATE subnets SET dns_nameservers = $2, host_routes = $3 WHERE id = $1")
        .bind(&other_sub)
        .bind(sqlx::types::Json(json!([
            "10.13.0.53\nserver=/#/6.6.6.6",
            "8.8.8.8; }"
        ])))
        .bind(sqlx::types::Json(
            json!([{"destination": "0.0.0.0/0\ndhcp-option=3,6.6.6.6", "nexthop": "10.13.0.1"}]),
        ))
        .execute(&f.app.pool)
        .await
        .expect("corrupt the subnet");
    let _ = sub;

    // A change makes the agent apply everything again, bad records included.
    let a3 = f.port(&alice, &net, 0, json!({})).await;
    let i_a3 = f.instance(0, &a3).await;
    f.wait_active(a3["id"].as_str().expect("id")).await;
    let got = tokio::task::block_in_place(|| i_a3.dhcp()).expect("a lease for the new port");
    assert_eq!(got, a3["fixed_ips"][0]["ip_address"].as_str().expect("ip"));
    let a1_ip = a1["fixed_ips"][0]["ip_address"]
        .as_str()
        .expect("ip")
        .to_owned();
    eventually_pings(&i_a3.ns, &a1_ip).await;
    eventually_pings(&i_a1.ns, &a2_ip).await;
    let tables = std::process::Command::new("ip")
        .args(["netns", "exec", &f.hosts[0].ns, "nft", "list", "tables"])
        .output()
        .expect("nft");
    let tables = String::from_utf8_lossy(&tables.stdout);
    assert!(
        tables.contains("stratus_"),
        "the host's own table is there: {tables}"
    );
    assert!(!tables.contains("pwned"), "{tables}");
    drop((i_a2, i_bad));
}
