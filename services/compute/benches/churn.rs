//! Servers created and deleted on one network at a steady rate for
//! `STRATUS_CHURN_SECS` (600) seconds: the compute service with a fake
//! driver for the control plane, the real network service, and the real
//! network agent as its own process (so its CPU time is its own) wiring
//! real bridges and dnsmasq in a namespace that emulates the host. Every
//! `STRATUS_CHURN_PERIOD_MS` (2,000) one server is created and, with more
//! than `STRATUS_CHURN_LIVE` (8) alive, the oldest deleted. Each new
//! server's port gets an emulated instance (a veth named as libvirt names
//! the tap, the port's MAC inside a namespace) that must get the port's
//! address from DHCP.
//!
//! Prints create-to-lease p50/p99, the agent's CPU time per port change
//! (a create or a delete; also measured idle for 30 s after, to set against
//! it) and its memory, and fails when an address was
//! not served or something leaked: a lease, a host line, a tap, a
//! namespace, or a dnsmasq restart. Numbers go in docs/performance.md.
//!
//! Run: `cargo bench -p stratus-compute --bench churn` (it builds the
//! agent with `cargo build --release -p stratus-network-agent` first).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use common::{Cloud, env_or, percentile};
use serde_json::json;
use stratus_compute::app::ComputeConfig;
use stratus_network_agent::links::{LinkOps, Links};
use stratus_test_support::{TempDir, poll_until, unique_name};

/// User + system CPU time of a process, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("agent stat");
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime");
    let hz = rustix::param::clock_ticks_per_second();
    Duration::from_secs_f64(ticks as f64 / hz as f64)
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(0.0, |k| k / 1024.0)
}

/// The agent's process, stopped (and waited for) when dropped.
struct Agent(std::process::Child);

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.0.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let _ = self.0.wait();
    }
}

/// Removes the bench's namespaces and dnsmasq, also when it fails.
struct Cleanup {
    prefix: String,
    state_dir: std::path::PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        stratus_network_agent::dhcp::stop_all(&self.state_dir);
        for ns in stratus_netns::list(&self.prefix) {
            let _ = stratus_netns::del_blocking(&ns);
        }
    }
}

/// An emulated instance of `port` on the host namespace `host_ns`: a veth
/// whose host end is named like the port's libvirt tap, its other end
/// (with the port's MAC) in a namespace of its own.
async fn plug(host_ns: &str, ns: &str, port_id: &str, mac: &str) {
    stratus_netns::add(ns).await.expect("instance namespace");
    let links = Links::open(Some(host_ns)).await.expect("netlink");
    let tap = stratus_bus_protocol::network::tap_name(port_id);
    let peer = format!("p{}", &ns[ns.len() - 8..]);
    links.add_veth(&tap, &peer).await.expect("veth");
    let p = links.get(&peer).await.expect("get").expect("peer");
    links.move_to(p.index, ns).await.expect("move");
    let inside = Links::open(Some(ns)).await.expect("netlink");
    let eth = inside.get(&peer).await.expect("get").expect("peer");
    inside.rename(eth.index, "eth0").await.expect("rename");
    inside
        .configure(eth.index, Some(mac), None)
        .await
        .expect("eth0 up with the port's MAC");
}

/// busybox's DHCP client on eth0 in `ns`: the address it was offered.
fn dhcp(ns: &str) -> Option<String> {
    let mut cmd = std::process::Command::new("busybox");
    cmd.args([
        "udhcpc",
        "-i",
        "eth0",
        "-n",
        "-q",
        "-f",
        "-t",
        "10",
        "-T",
        "1",
        "-s",
        "/bin/true",
    ]);
    let out = stratus_netns::output(Some(ns), cmd).ok()?;
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.split("lease of ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .map(str::to_owned)
}

fn main() {
    let secs = env_or("STRATUS_CHURN_SECS", 600);
    let period = Duration::from_millis(env_or("STRATUS_CHURN_PERIOD_MS", 2000));
    let live_max = env_or("STRATUS_CHURN_LIVE", 8) as usize;

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = std::process::Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "stratus-network-agent",
        ])
        .status()
        .expect("cargo build");
    assert!(built.success(), "building the network agent failed");
    let bin = std::env::current_exe()
        .expect("exe")
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("stratus-network-agent");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = Cloud::start_full(ComputeConfig {
            sweep_interval_s: 2,
            shutdown_timeout_s: 0,
            ..ComputeConfig::default()
        })
        .await;
        let dir = TempDir::new("stratus-churn");
        let prefix = format!("sx{}-", &unique_name("x")[2..10]);
        let host_ns = format!("{prefix}h");
        let state_dir = dir.path.join("network");
        let _cleanup = Cleanup {
            prefix: prefix.clone(),
            state_dir: state_dir.clone(),
        };
        stratus_netns::add(&host_ns).await.expect("host namespace");
        let host = unique_name("churn");
        let config = dir.path.join("network-agent.toml");
        std::fs::write(
            &config,
            format!(
                "[agent]\nhost = \"{host}\"\nnetns = \"{host_ns}\"\n\n[bus]\nurl = \"{}\"\nprefix = \"{}\"\n{}\n\
                 [log]\nfilter = \"warn\"\n\n[network]\nstate_dir = \"{}\"\nnetns_prefix = \"{prefix}\"\n",
                c.bus.url,
                c.bus.prefix,
                // The test bus's idle-expiring exchanges, declared alike.
                c.bus
                    .expire_idle_ms
                    .map(|ms| format!("expire_idle_ms = {ms}\n"))
                    .unwrap_or_default(),
                state_dir.display()
            ),
        )
        .expect("agent config");
        let agent = Agent(
            std::process::Command::new(&bin)
                .arg("--config")
                .arg(&config)
                .stdin(std::process::Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("{}: {e}", bin.display())),
        );
        let pid = agent.0.id();
        let fake = std::sync::Arc::new(stratus_compute_agent::driver::fake::Fake::new(
            stratus_compute_agent::driver::fake::FakeSettings {
                vcpus: 64,
                memory_mb: 65536,
                disk_gb: 1000,
                ..Default::default()
            },
        ));
        let _compute = c.fake_host_as(&host, fake, "nova");
        c.wait_host(&host).await;
        let alice = c.identity.alice.clone();
        let image = c.image(&alice, vec![7u8; 1024], json!({"name": "churn"})).await;
        let flavor = c.flavor("churn", 1, 64, 0).await;
        let network = c.network(&alice, "churn", "10.90.0.0/22").await;

        let mut live: VecDeque<(String, String)> = VecDeque::new();
        let mut latencies = Vec::new();
        let (mut created, mut deleted, mut unserved) = (0u64, 0u64, Vec::new());
        let mut dnsmasq: Option<String> = None;
        let began = Instant::now();
        let cpu_before = cpu_time(pid);
        let mut n = 0u64;
        while began.elapsed() < Duration::from_secs(secs) {
            let tick = Instant::now();
            n += 1;
            // One server, its port on the emulated host, its lease.
            let t0 = Instant::now();
            let (st, v) = c
                .send(
                    reqwest::Method::POST,
                    "/v2.1/servers",
                    &alice,
                    Some(json!({"server": {"name": format!("c{n}"), "imageRef": image,
                        "flavorRef": flavor, "networks": [{"uuid": network}]}})),
                )
                .await;
            assert_eq!(st, 202, "{v}");
            let id = v["server"]["id"].as_str().expect("id").to_owned();
            let s = c.wait_status(&alice, &id, "ACTIVE").await;
            let a = &s["addresses"]["churn"][0];
            let (ip, mac) = (
                a["addr"].as_str().expect("addr").to_owned(),
                a["OS-EXT-IPS-MAC:mac_addr"].as_str().expect("mac").to_owned(),
            );
            let (_, ports) = c
                .net(
                    reqwest::Method::GET,
                    &format!("/v2.0/ports?device_id={id}"),
                    &alice,
                    None,
                )
                .await;
            let port = ports["ports"][0]["id"].as_str().expect("port").to_owned();
            let ns = format!("{prefix}i{n}");
            plug(&host_ns, &ns, &port, &mac).await;
            let got = tokio::task::block_in_place(|| dhcp(&ns));
            if got.as_deref() == Some(ip.as_str()) {
                latencies.push(t0.elapsed());
            } else {
                unserved.push(format!("{id}: {ip} wanted, {got:?} served"));
            }
            created += 1;
            live.push_back((id, ns));
            if dnsmasq.is_none() {
                dnsmasq = std::fs::read_to_string(state_dir.join("dhcp").join(&network).join("pid")).ok();
            }
            // The oldest goes.
            while live.len() > live_max {
                let (old, old_ns) = live.pop_front().expect("oldest");
                let (st, v) = c
                    .send(reqwest::Method::DELETE, &format!("/v2.1/servers/{old}"), &alice, None)
                    .await;
                assert_eq!(st, 204, "{v}");
                c.wait_gone(&alice, &old).await;
                stratus_netns::del(&old_ns).await.expect("instance gone");
                deleted += 1;
            }
            if let Some(rest) = period.checked_sub(tick.elapsed()) {
                tokio::time::sleep(rest).await;
            }
        }
        let cpu = cpu_time(pid) - cpu_before;
        let ran = began.elapsed();

        // Everything goes; nothing of it may stay.
        while let Some((old, old_ns)) = live.pop_front() {
            let (st, _) = c
                .send(reqwest::Method::DELETE, &format!("/v2.1/servers/{old}"), &alice, None)
                .await;
            assert_eq!(st, 204);
            c.wait_gone(&alice, &old).await;
            stratus_netns::del(&old_ns).await.expect("instance gone");
            deleted += 1;
        }
        let dhcp_dir = state_dir.join("dhcp").join(&network);
        poll_until(Duration::from_secs(60), "every lease and host line gone", || async {
            let leases = std::fs::read_to_string(dhcp_dir.join("leases")).unwrap_or_default();
            let hosts = std::fs::read_to_string(dhcp_dir.join("host")).unwrap_or_default();
            (leases.trim().is_empty() && hosts.trim().is_empty()).then_some(())
        })
        .await;
        let links = Links::open(Some(&host_ns)).await.expect("netlink");
        let taps: Vec<String> = poll_until(Duration::from_secs(30), "only the DHCP port's tap", || async {
            let taps: Vec<String> = links
                .list()
                .await
                .ok()?
                .into_iter()
                .filter(|l| l.name.starts_with("tap"))
                .map(|l| l.name)
                .collect();
            (taps.len() == 1).then_some(taps)
        })
        .await;
        // What the agent costs with nothing changing (its scans), to set the
        // per-change figure against.
        let idle_from = cpu_time(pid);
        let idle_for = Duration::from_secs(30);
        tokio::time::sleep(idle_for).await;
        let idle = (cpu_time(pid) - idle_from).as_secs_f64() / idle_for.as_secs_f64();
        let namespaces = stratus_netns::list(&format!("{prefix}q"));
        let dnsmasq_now = std::fs::read_to_string(dhcp_dir.join("pid")).ok();
        let changes = created + deleted;
        let mut l = latencies.clone();
        l.sort();
        println!(
            "churn: {created} servers created and {deleted} deleted on one network in {:.0} s \
             (one every {} ms, at most {live_max} alive): {} of {created} served their address, \
             create-to-lease p50 {:.0} ms, p99 {:.0} ms; network agent CPU {:.2} s in all, \
             {:.1} ms per port change ({changes} changes; idle it uses {:.1} ms per second, \
             so {:.1} ms per change above idle), RSS {:.1} MiB; \
             left: {} tap (the DHCP port's), namespaces {namespaces:?}, dnsmasq restarted: {}",
            ran.as_secs_f64(),
            period.as_millis(),
            latencies.len(),
            percentile(&l, 0.5).as_secs_f64() * 1e3,
            percentile(&l, 0.99).as_secs_f64() * 1e3,
            cpu.as_secs_f64(),
            cpu.as_secs_f64() * 1e3 / changes as f64,
            idle * 1e3,
            (cpu.as_secs_f64() - idle * ran.as_secs_f64()) * 1e3 / changes as f64,
            rss_mib(pid),
            taps.len(),
            dnsmasq != dnsmasq_now,
        );
        assert!(unserved.is_empty(), "addresses not served: {unserved:?}");
        assert_eq!(namespaces.len(), 1, "only the network's DHCP namespace: {namespaces:?}");
        assert_eq!(dnsmasq, dnsmasq_now, "the network's dnsmasq was never restarted");
        drop(agent);
    });
}
