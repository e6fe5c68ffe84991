//! The control plane at scale with the fake driver: 100 fake compute
//! hosts (agents with their own names and broker connections, in this
//! process), 1,000 servers created through the API at concurrency 50 beside
//! the real network and storage services. All become ACTIVE, no host is
//! promised more than its RAM allows, claims match the servers placed, and
//! the 50 servers of an anti-affinity group sit on 50 different hosts.
//! (Timings: `cargo bench -p stratus-compute --bench boot`.)

mod common;

use std::collections::BTreeMap;

use common::Cloud;
use reqwest::Method;
use stratus_compute::app::ComputeConfig;

const HOSTS: usize = 100;
const SERVERS: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_servers_on_a_hundred_hosts() {
    let c = Cloud::start_full(ComputeConfig::default()).await;
    // 4 vCPUs, 2 GiB each: RAM (×1.5) takes 12 servers of 256 MiB a host.
    let hosts: Vec<_> = (0..HOSTS)
        .map(|_| c.fake_host(4, 2048, 100, "nova"))
        .collect();
    for h in &hosts {
        c.wait_host(&h.name).await;
    }
    let boots = c
        .boot_many(SERVERS, 50, 50, std::time::Duration::from_millis(250))
        .await;
    assert_eq!(boots.ids.len(), SERVERS);

    let admin = c.identity.admin.clone();
    let (_, list) = c
        .send(
            Method::GET,
            "/v2.1/servers/detail?all_tenants=1&limit=1000",
            &admin,
            None,
        )
        .await;
    let all = list["servers"].as_array().expect("servers");
    assert_eq!(all.len(), SERVERS);
    let mut per_host: BTreeMap<String, i64> = BTreeMap::new();
    let mut apart = Vec::new();
    for s in all {
        assert_eq!(s["status"], "ACTIVE", "{s}");
        let host = s["OS-EXT-SRV-ATTR:host"].as_str().expect("host").to_owned();
        *per_host.entry(host.clone()).or_default() += 1;
        let n: usize = s["name"].as_str().expect("name")[1..]
            .parse()
            .expect("index");
        if n < 50 {
            apart.push(host);
        }
    }
    let (_, hv) = c
        .send(Method::GET, "/v2.1/os-hypervisors/detail", &admin, None)
        .await;
    for h in hv["hypervisors"].as_array().expect("hypervisors") {
        let name = h["hypervisor_hostname"].as_str().expect("name");
        let placed = per_host.get(name).copied().unwrap_or(0);
        let used = h["memory_mb_used"].as_i64().expect("used");
        assert_eq!(
            used,
            placed * 256,
            "{name}: claims match the servers placed"
        );
        assert!(used <= 2048 * 3 / 2, "{name} overcommitted: {used} MiB");
        assert_eq!(h["running_vms"].as_i64(), Some(placed));
    }
    apart.sort();
    apart.dedup();
    assert_eq!(apart.len(), 50, "anti-affinity: 50 members on 50 hosts");
    drop(hosts);
}
