//! How fast the network agent wires ports and applies security-group
//! changes, measured on the real data plane (the test fabric: live identity
//! and network service, an agent in an emulated host namespace, instances as
//! namespaces with veths).
//!
//! 1. Ports wired: from the API call that creates a port to the first UDP
//!    datagram that crosses it, for `STRATUS_BENCH_PORTS` ports (40) with
//!    `STRATUS_BENCH_CONCURRENCY` (8) in flight. Each port is created, bound
//!    to the host (as Nova does), plugged (as libvirt does: a veth named as
//!    the port's tap, with its MAC) and given its address; then datagrams go
//!    every 10 ms to a probe instance until one is echoed.
//! 2. A security-group rule change on a host carrying 1,000 rules: the
//!    agent's own work (plan and apply the difference to the table it
//!    remembers; reading the table back, which it does after changes and at
//!    every resync, timed apart), directly against nftables in a scratch
//!    namespace, and end to end
//!    from `POST /v2.0/security-group-rules` to the first datagram the new
//!    rule lets through.
//!
//! Run: `cargo bench -p stratus-network-agent --bench wiring` as root
//! (numbers go in docs/performance.md).

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::net::UdpSocket;
use std::time::{Duration, Instant};
use stratus_bus_protocol::network::{FixedIpSpec, PortSpec, RuleSpec, SecurityGroupSpec};
use stratus_network_agent::firewall::{self, Desired};
use stratus_network_agent::nft::{self, Listing};

const RULES: usize = 1000;
const PROBE_IP: &str = "10.60.0.2";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn summary(label: &str, mut d: Vec<Duration>) {
    d.sort_unstable();
    println!(
        "{label}: n={} p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        d.len(),
        pct(&d, 0.5),
        pct(&d, 0.99),
        pct(&d, 1.0)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    firewall_apply().await;
    end_to_end().await;
}

fn rule(i: usize, group: &str) -> RuleSpec {
    RuleSpec {
        id: format!("00000000-0000-4000-8000-{i:012}"),
        direction: "ingress".into(),
        ethertype: "IPv4".into(),
        protocol: Some("tcp".into()),
        port_range_min: Some(20000 + i as u32),
        port_range_max: Some(20000 + i as u32),
        remote_ip_prefix: Some(format!("192.0.{}.0/24", i % 250)),
        remote_group_id: i.is_multiple_of(100).then(|| group.to_owned()),
    }
}

/// The agent's side of a rule change, timed against nftables itself.
async fn firewall_apply() {
    let scratch = Scratch(format!(
        "sxb{}-fw",
        &stratus_test_support::unique_name("x")[2..8]
    ));
    let ns = scratch.0.clone();
    stratus_netns::add(&ns).await.expect("scratch namespace");
    let group = "11111111-2222-4333-8444-555555555555".to_owned();
    let port = PortSpec {
        id: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee".into(),
        network_id: "n".into(),
        mac_address: "fa:16:3e:00:00:01".into(),
        fixed_ips: vec![FixedIpSpec {
            subnet_id: "s".into(),
            ip_address: "10.60.0.9".into(),
        }],
        device_owner: "compute:nova".into(),
        admin_state_up: true,
        port_security_enabled: true,
        security_groups: vec![group.clone()],
        allowed_address_pairs: Vec::new(),
    };
    let mut groups = vec![SecurityGroupSpec {
        id: group.clone(),
        stateful: true,
        rules: (0..RULES).map(|i| rule(i, &group)).collect(),
        members: vec!["10.60.0.9".into()],
    }];
    let ports = || vec![("tapaaaaaaaa-bb".to_owned(), &port)];
    let table = firewall::table_name("bench", "host");
    let started = Instant::now();
    let script = firewall::plan(
        &Listing::read(Some(&ns), "bridge", &table).expect("listing"),
        &Desired {
            table: &table,
            ports: ports(),
            groups: &groups,
        },
    );
    nft::apply(Some(&ns), &script).expect("first apply");
    println!(
        "firewall: first apply of {RULES} rules: {:.1} ms ({} KiB of script)",
        started.elapsed().as_secs_f64() * 1000.0,
        script.len() / 1024
    );

    let mut read = Vec::new();
    let mut planned = Vec::new();
    let mut applied = Vec::new();
    let mut whole = Vec::new();
    let mut sizes = Vec::new();
    for round in 0..40usize {
        // Every round one rule changes: alternately removed and put back.
        let i = 7 * round + 1;
        if round.is_multiple_of(2) {
            groups[0].rules.retain(|r| r.id != rule(i, &group).id);
        } else {
            groups[0].rules.push(rule(i - 7, &group));
        }
        let t0 = Instant::now();
        let listing = Listing::read(Some(&ns), "bridge", &table).expect("listing");
        let t1 = Instant::now();
        let script = firewall::plan(
            &listing,
            &Desired {
                table: &table,
                ports: ports(),
                groups: &groups,
            },
        );
        let t2 = Instant::now();
        assert!(!script.is_empty(), "one rule changed");
        sizes.push(script.len());
        nft::apply(Some(&ns), &script).expect("apply");
        let t3 = Instant::now();
        read.push(t1 - t0);
        planned.push(t2 - t1);
        applied.push(t3 - t2);
        whole.push(t3 - t0);
    }
    // The same change as a rewrite of the whole table, for comparison.
    let mut rewrite = Vec::new();
    for _ in 0..5 {
        let empty = Listing::parse(&[]);
        let script = format!(
            "delete table bridge {table}\n{}",
            firewall::plan(
                &empty,
                &Desired {
                    table: &table,
                    ports: ports(),
                    groups: &groups,
                }
            )
        );
        let t0 = Instant::now();
        nft::apply(Some(&ns), &script).expect("rewrite");
        rewrite.push(t0.elapsed());
    }
    drop(scratch);
    println!(
        "firewall: one rule changed among {RULES}: scripts of {}..{} bytes",
        sizes.iter().min().unwrap_or(&0),
        sizes.iter().max().unwrap_or(&0)
    );
    summary("firewall: read the table back (nft -j list)", read);
    summary("firewall: plan the difference", planned.clone());
    summary("firewall: apply the difference (nft -f)", applied.clone());
    let agent: Vec<Duration> = planned.iter().zip(&applied).map(|(p, a)| *p + *a).collect();
    summary(
        "firewall: one rule change as the agent makes it (table remembered: plan + apply)",
        agent,
    );
    summary(
        "firewall: one rule change with the table read back first",
        whole,
    );
    summary("firewall: the same as a whole-table rewrite", rewrite);
}

/// A namespace removed when dropped, also on a panic.
struct Scratch(String);

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(e) = stratus_netns::del_blocking(&self.0) {
            eprintln!("cleanup: {e}");
        }
    }
}

/// ARP retried every 20 ms in the instance (the kernel's default is once a
/// second), so what is measured is the wiring, not the guest's ARP timer.
fn quick_arp(ns: &str) {
    stratus_netns::sysctl(Some(ns), "net/ipv4/neigh/eth0/retrans_time_ms", "20").expect("sysctl");
}

/// A UDP echo server in `ns` on `port`.
fn udp_echo(ns: &str, port: u16) {
    let sock = stratus_netns::run_in(Some(ns), move || UdpSocket::bind(("0.0.0.0", port)))
        .expect("namespace")
        .expect("bind");
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let _ = sock.send_to(&buf[..n], from);
        }
    });
}

/// Sends a datagram from `ns` to `to` every 10 ms until one is echoed
/// (30 s at most); whether one was.
fn udp_until_echo(ns: &str, to: &str) -> bool {
    let to: std::net::SocketAddr = to.parse().expect("address");
    let Ok(Ok(sock)) = stratus_netns::run_in(Some(ns), || UdpSocket::bind("0.0.0.0:0")) else {
        return false;
    };
    if sock
        .set_read_timeout(Some(Duration::from_millis(10)))
        .is_err()
    {
        return false;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0u8; 16];
    while Instant::now() < deadline {
        let _ = sock.send_to(b"x", to);
        if sock.recv_from(&mut buf).is_ok() {
            return true;
        }
    }
    false
}

async fn end_to_end() {
    let ports = env("STRATUS_BENCH_PORTS", 40);
    let concurrency = env("STRATUS_BENCH_CONCURRENCY", 8);
    // The agent scans the kernel as often as it does by default.
    let f = Fabric::start_with(1, 500).await;
    let alice = f.identity.alice.clone();
    let (code, v) = f
        .send(
            reqwest::Method::PUT,
            &format!("/v2.0/quotas/{}", alice.project_id),
            &f.identity.admin,
            Some(json!({"quota": {"security_group_rule": -1, "port": -1}})),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let net = f
        .post(
            "/v2.0/networks",
            &alice,
            json!({"network": {"name": "bench"}}),
        )
        .await["network"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    f.post(
        "/v2.0/subnets",
        &alice,
        json!({"subnet": {"network_id": net, "ip_version": 4, "cidr": "10.60.0.0/16",
            "enable_dhcp": false}}),
    )
    .await;

    // The probe's group: 999 rules that match nothing here and one that
    // lets the bench's datagrams in.
    let sg = f
        .post(
            "/v2.0/security-groups",
            &alice,
            json!({"security_group": {"name": "thousand"}}),
        )
        .await["security_group"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let started = Instant::now();
    let bodies: Vec<Value> = (0..RULES)
        .map(|i| {
            if i == 0 {
                json!({"security_group_id": sg, "direction": "ingress", "protocol": "udp",
                    "port_range_min": 5000, "port_range_max": 5000,
                    "remote_ip_prefix": "10.60.0.0/16"})
            } else {
                json!({"security_group_id": sg, "direction": "ingress", "protocol": "tcp",
                    "port_range_min": 20000 + i, "port_range_max": 20000 + i,
                    "remote_ip_prefix": format!("192.0.{}.0/24", i % 250)})
            }
        })
        .collect();
    futures_util::stream::iter(bodies)
        .map(|r| {
            let f = &f;
            let alice = &alice;
            async move {
                f.post(
                    "/v2.0/security-group-rules",
                    alice,
                    json!({"security_group_rule": r}),
                )
                .await
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    println!(
        "setup: {RULES} rules created through the API in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let probe = f
        .port(
            &alice,
            &net,
            0,
            json!({"security_groups": [sg], "fixed_ips": [{"ip_address": PROBE_IP}]}),
        )
        .await;
    let probe_inst = f.instance(0, &probe).await;
    probe_inst.address(&format!("{PROBE_IP}/16"), None).await;
    for port in 5000..5011 {
        udp_echo(&probe_inst.ns, port);
    }
    f.wait_active(probe["id"].as_str().expect("id")).await;

    // 1. Ports wired.
    let started = Instant::now();
    let timings: Vec<(Duration, Duration, Duration)> = futures_util::stream::iter(0..ports)
        .map(|_| {
            let f = &f;
            let alice = &alice;
            let net = &net;
            async move {
                let t0 = Instant::now();
                let port = f.port(alice, net, 0, json!({})).await;
                let t_api = t0.elapsed();
                let inst = f.instance(0, &port).await;
                let ip = port["fixed_ips"][0]["ip_address"].as_str().expect("ip");
                inst.address(&format!("{ip}/16"), None).await;
                quick_arp(&inst.ns);
                let t_plug = t0.elapsed() - t_api;
                let ns = inst.ns.clone();
                let passed = tokio::task::spawn_blocking(move || {
                    udp_until_echo(&ns, &format!("{PROBE_IP}:5000"))
                })
                .await
                .expect("probe");
                assert!(passed, "port {} never passed traffic", port["id"]);
                (t0.elapsed(), t_api, t_plug)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = started.elapsed();
    println!(
        "ports wired: {ports} ports, {concurrency} in flight, in {:.1} s: {:.1} ports/s",
        wall.as_secs_f64(),
        ports as f64 / wall.as_secs_f64()
    );
    summary(
        "ports wired: API call to traffic passing",
        timings.iter().map(|t| t.0).collect(),
    );
    summary(
        "ports wired: of which the API (create, bind)",
        timings.iter().map(|t| t.1).collect(),
    );
    summary(
        "ports wired: of which plugging (namespace, veth, address)",
        timings.iter().map(|t| t.2).collect(),
    );

    // 2. One rule added to the 1,000, end to end.
    let sender = f.port(&alice, &net, 0, json!({})).await;
    let inst = f.instance(0, &sender).await;
    let ip = sender["fixed_ips"][0]["ip_address"].as_str().expect("ip");
    inst.address(&format!("{ip}/16"), None).await;
    quick_arp(&inst.ns);
    let mut changes = Vec::new();
    for port in 5001..5011 {
        let t0 = Instant::now();
        f.post(
            "/v2.0/security-group-rules",
            &alice,
            json!({"security_group_rule": {"security_group_id": sg, "direction": "ingress",
                "protocol": "udp", "port_range_min": port, "port_range_max": port,
                "remote_ip_prefix": format!("{ip}/32")}}),
        )
        .await;
        let ns = inst.ns.clone();
        let passed =
            tokio::task::spawn_blocking(move || udp_until_echo(&ns, &format!("{PROBE_IP}:{port}")))
                .await
                .expect("probe");
        assert!(passed, "the rule for {port} never let traffic through");
        changes.push(t0.elapsed());
    }
    summary(
        "rule added to a group of 1,000: API call to traffic passing",
        changes,
    );
}
