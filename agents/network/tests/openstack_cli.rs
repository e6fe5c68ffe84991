//! Acceptance with the real `openstack` CLI against live identity, network
//! service and network agent: every command the operator and the user type
//! is checked by its output and by what it did to the data plane (leases,
//! pings, a floating IP reachable from outside, namespaces and bridges gone
//! after deletes).

mod common;

use common::*;
use serde_json::Value;
use stratus_network_agent::links::LinkOps;
use stratus_test_support::TempDir;
use stratus_test_support::clients::{Openstack, openstack_cli};

/// Runs `openstack <args> -f json` without blocking the runtime's other tasks.
fn json(osc: &Openstack, args: &[&str]) -> Value {
    tokio::task::block_in_place(|| osc.json(args))
}

/// Runs a command that prints nothing, asserting it succeeded.
fn ok(osc: &Openstack, args: &[&str]) {
    let out = tokio::task::block_in_place(|| osc.run(args));
    assert!(
        out.status.success(),
        "openstack {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a command that must fail; its error output.
fn fails(osc: &Openstack, args: &[&str]) -> String {
    let out = tokio::task::block_in_place(|| osc.run(args));
    assert!(
        !out.status.success(),
        "openstack {} succeeded",
        args.join(" ")
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn first_ip(port: &Value) -> String {
    // The client prints fixed_ips as a list of objects.
    port["fixed_ips"][0]["ip_address"]
        .as_str()
        .unwrap_or_else(|| panic!("fixed_ips in {port}"))
        .to_owned()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_openstack_client_builds_a_working_network_through_the_agent() {
    let Some(cli) = openstack_cli() else { return };
    let f = Fabric::start(1).await;
    let dir = TempDir::new("stratus-osc-agent");
    let clouds = f.identity.clouds_yaml(&dir.path);
    let admin = Openstack::new(cli.clone(), clouds.clone(), "admin");
    let alice = Openstack::new(cli, clouds, "alice");
    let host = f.hosts[0].name.clone();

    // The operator: an external flat network and a VXLAN one with its VNI.
    let public = json(
        &admin,
        &[
            "network",
            "create",
            "--external",
            "--provider-network-type",
            "flat",
            "--provider-physical-network",
            EXTERNAL_PHYSNET,
            "public",
        ],
    );
    assert_eq!(public["router:external"], true, "{public}");
    assert_eq!(public["provider:network_type"], "flat", "{public}");
    assert_eq!(
        public["provider:physical_network"], EXTERNAL_PHYSNET,
        "{public}"
    );
    let pubsub = json(
        &admin,
        &[
            "subnet",
            "create",
            "--network",
            "public",
            "--subnet-range",
            "172.24.4.0/24",
            "--gateway",
            "172.24.4.1",
            "--no-dhcp",
            "--allocation-pool",
            "start=172.24.4.10,end=172.24.4.100",
            "public-v4",
        ],
    );
    assert_eq!(pubsub["enable_dhcp"], false, "{pubsub}");
    let shared = json(
        &admin,
        &[
            "network",
            "create",
            "--share",
            "--provider-network-type",
            "vxlan",
            "--provider-segment",
            "4242",
            "shared-vx",
        ],
    );
    assert_eq!(shared["provider:segmentation_id"], 4242, "{shared}");
    assert_eq!(shared["shared"], true, "{shared}");

    // The user: a network without provider options, a subnet, a group.
    let private = json(&alice, &["network", "create", "private"]);
    assert_eq!(private["mtu"], 1450, "{private}");
    assert_eq!(private["status"], "ACTIVE", "{private}");
    let net_id = str_of(&private, "id").to_owned();
    let sub = json(
        &alice,
        &[
            "subnet",
            "create",
            "--network",
            "private",
            "--subnet-range",
            "10.50.0.0/24",
            "private-v4",
        ],
    );
    assert_eq!(sub["gateway_ip"], "10.50.0.1", "{sub}");
    let web = json(&alice, &["security", "group", "create", "web"]);
    let rules = web["rules"].to_string();
    assert!(rules.contains("egress"), "default egress rules: {web}");
    let groups = json(&alice, &["security", "group", "list"]);
    let mut names: Vec<&str> = groups
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|g| g["Name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["default", "web"], "{groups}");
    let icmp = json(
        &alice,
        &[
            "security",
            "group",
            "rule",
            "create",
            "--protocol",
            "icmp",
            "web",
        ],
    );
    assert_eq!(icmp["protocol"], "icmp", "{icmp}");
    assert_eq!(icmp["direction"], "ingress", "{icmp}");
    let tcp = json(
        &alice,
        &[
            "security",
            "group",
            "rule",
            "create",
            "--protocol",
            "tcp",
            "--dst-port",
            "6000",
            "web",
        ],
    );
    assert_eq!(tcp["port_range_min"], 6000, "{tcp}");

    // Two ports, bound to the host by the admin (as Nova binds them), and
    // two "instances" plugged into them.
    let mut ports = Vec::new();
    for name in ["p1", "p2"] {
        let p = json(
            &alice,
            &[
                "port",
                "create",
                "--network",
                "private",
                "--security-group",
                "web",
                name,
            ],
        );
        assert_eq!(p["status"], "DOWN", "{p}");
        assert!(
            p["security_group_ids"]
                .to_string()
                .contains(str_of(&web, "id")),
            "{p}"
        );
        ok(&admin, &["port", "set", "--host", &host, name]);
        let bound = json(&admin, &["port", "show", name]);
        assert_eq!(bound["binding_host_id"], host.as_str(), "{bound}");
        ports.push(bound);
    }
    let i1 = f.instance(0, &ports[0]).await;
    let i2 = f.instance(0, &ports[1]).await;
    for p in &ports {
        f.wait_active(str_of(p, "id")).await;
    }
    let listed = json(&alice, &["port", "list", "--network", "private", "--long"]);
    let active: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter(|p| p["Status"] == "ACTIVE")
        .filter_map(|p| p["Name"].as_str())
        .collect();
    assert!(
        active.contains(&"p1") && active.contains(&"p2"),
        "both ACTIVE in {listed}"
    );
    for (inst, port) in [(&i1, &ports[0]), (&i2, &ports[1])] {
        let got = tokio::task::block_in_place(|| inst.dhcp()).expect("a lease");
        assert_eq!(got, first_ip(port), "the lease is the port's address");
    }
    let ip2 = first_ip(&ports[1]);
    eventually_pings(&i1.ns, &ip2).await;

    // Rule delete blocks ICMP; creating it again restores it.
    ok(
        &alice,
        &["security", "group", "rule", "delete", str_of(&icmp, "id")],
    );
    eventually_blocked(&i1.ns, &ip2).await;
    json(
        &alice,
        &[
            "security",
            "group",
            "rule",
            "create",
            "--protocol",
            "icmp",
            "web",
        ],
    );
    eventually_pings(&i1.ns, &ip2).await;

    // port set: renamed, described, its address kept.
    ok(
        &alice,
        &[
            "port",
            "set",
            "--name",
            "p1-web",
            "--description",
            "front",
            "p1",
        ],
    );
    let p1 = json(&alice, &["port", "show", "p1-web"]);
    assert_eq!(p1["description"], "front", "{p1}");
    assert_eq!(first_ip(&p1), first_ip(&ports[0]), "{p1}");

    // A router to the outside and a floating IP.
    let r1 = json(&alice, &["router", "create", "r1"]);
    let router_id = str_of(&r1, "id").to_owned();
    ok(
        &alice,
        &["router", "set", "--external-gateway", "public", "r1"],
    );
    ok(&alice, &["router", "add", "subnet", "r1", "private-v4"]);
    let r1 = json(&alice, &["router", "show", "r1"]);
    let gw = r1["external_gateway_info"]["external_fixed_ips"][0]["ip_address"]
        .as_str()
        .unwrap_or_else(|| panic!("gateway address in {r1}"))
        .to_owned();
    assert!(gw.starts_with("172.24.4."), "{r1}");
    let ext_ns = format!("{}ext", f.prefix);
    let _outside = serve_echo(&ext_ns, 7000);
    let _inside = i1.serve_echo(6000);
    let mut out = poll_until_connect(&i1.ns, "172.24.4.1:7000").await;
    assert_eq!(
        exchange(&mut out, "snat").expect("echo"),
        format!("snat from {gw}"),
        "outbound traffic leaves with the router's address"
    );

    let fip = json(&alice, &["floating", "ip", "create", "public"]);
    let fip_id = str_of(&fip, "id").to_owned();
    let fip_ip = str_of(&fip, "floating_ip_address").to_owned();
    assert!(fip["port_id"].is_null(), "{fip}");
    ok(
        &alice,
        &["floating", "ip", "set", "--port", "p1-web", &fip_id],
    );
    let shown = json(&alice, &["floating", "ip", "show", &fip_id]);
    assert_eq!(
        shown["fixed_ip_address"],
        first_ip(&ports[0]).as_str(),
        "{shown}"
    );
    eventually_pings(&ext_ns, &fip_ip).await;
    let mut inbound = poll_until_connect(&ext_ns, &format!("{fip_ip}:6000")).await;
    assert_eq!(
        exchange(&mut inbound, "in").expect("echo"),
        "in from 172.24.4.1"
    );
    let mut out = poll_until_connect(&i1.ns, "172.24.4.1:7000").await;
    assert_eq!(
        exchange(&mut out, "fip").expect("echo"),
        format!("fip from {fip_ip}"),
        "outbound traffic leaves with the floating address"
    );
    ok(&alice, &["floating", "ip", "unset", "--port", &fip_id]);
    let shown = json(&alice, &["floating", "ip", "show", &fip_id]);
    assert!(shown["port_id"].is_null(), "{shown}");
    eventually_blocked(&ext_ns, &fip_ip).await;
    ok(&alice, &["floating", "ip", "delete", &fip_id]);
    let err = fails(&alice, &["floating", "ip", "show", &fip_id]);
    assert!(
        err.contains("No FloatingIP found") || err.contains("404"),
        "{err}"
    );

    // And down again: the agent removes what was deleted.
    let err = fails(&alice, &["security", "group", "delete", "web"]);
    assert!(err.contains("in use"), "a group in use stays: {err}");
    ok(&alice, &["router", "remove", "subnet", "r1", "private-v4"]);
    ok(&alice, &["router", "unset", "--external-gateway", "r1"]);
    ok(&alice, &["router", "delete", "r1"]);
    let router_ns = format!("{}-qrouter-{router_id}", f.hosts[0].ns);
    gone(&format!("router namespace {router_ns}"), || {
        !stratus_netns::exists(&router_ns)
    })
    .await;
    ok(&alice, &["port", "delete", "p2"]);
    eventually_blocked(&i1.ns, &ip2).await;
    ok(&alice, &["port", "delete", "p1-web"]);
    ok(&alice, &["security", "group", "delete", "web"]);
    ok(&alice, &["network", "delete", "private"]);
    let dhcp_ns = format!("{}-qdhcp-{net_id}", f.hosts[0].ns);
    gone(&format!("DHCP namespace {dhcp_ns}"), || {
        !stratus_netns::exists(&dhcp_ns)
    })
    .await;
    let bridge = stratus_network_agent::plumbing::bridge_name(&net_id);
    let links = f.links(0).await;
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        &format!("bridge {bridge} removed"),
        || async {
            let names: Vec<String> = links
                .list()
                .await
                .ok()?
                .into_iter()
                .map(|l| l.name)
                .collect();
            (!names.contains(&bridge)).then_some(())
        },
    )
    .await;
    let left = json(&alice, &["network", "list"]);
    let mut names: Vec<&str> = left
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["Name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["public", "shared-vx"], "{left}");
}

/// Polls for 30 s until `done` holds.
async fn gone(what: &str, done: impl Fn() -> bool) {
    stratus_test_support::poll_until(std::time::Duration::from_secs(30), what, || async {
        done().then_some(())
    })
    .await;
}
