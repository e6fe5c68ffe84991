//! The agent's loop: ask the service what this host carries (on start, on
//! every `network.changed`, and every `resync_interval_s`), make the kernel
//! match it, and report which ports are wired. Links are read back on
//! every pass (every `scan_interval_ms`), so a tap that appears is plugged
//! and firewalled within one pass (at once, on the kernel's link event);
//! the firewall's tables, which only the agent changes and which take tens
//! of milliseconds to list when they hold thousands of rules, are read back
//! right after the agent changed them and on every periodic resync (the
//! drift check), not on every pass. A restarted agent picks up where the
//! kernel is: what is right stays untouched, what is stale is removed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use stratus_bus::Bus;
use stratus_bus_protocol::NetworkService;
use stratus_bus_protocol::network::{HostConfig, HostSync};
use stratus_common::RequestContext;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::NetworkSettings;
use crate::dhcp::DhcpPaths;
use crate::firewall;
use crate::links::{LinkOps, Links, dev_name};
use crate::nft::Listing;
use crate::plane::{Dhcp, Dnsmasq, Firewall, Nft, NsRouters, Routers};
use crate::plumbing;

/// Ports wired (`up`) and not (`down`) after a pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortStates {
    pub up: BTreeSet<String>,
    pub down: BTreeSet<String>,
}

/// One host's data plane: links `L`, firewall `F`, DHCP `D` and routers
/// `R` (the real ones by default; fakes in unit tests, see [`crate::plane`]).
pub struct Reconciler<L = Links, F = Nft, D = Dnsmasq, R = NsRouters> {
    /// The cloud this agent belongs to (its bus prefix): every host object
    /// it makes carries it, and it touches no other cloud's.
    pub cloud: String,
    pub host: String,
    pub ns: Option<String>,
    pub settings: NetworkSettings,
    pub links: L,
    pub nft: F,
    pub dhcp: D,
    pub routers: R,
    tunnel_ip: Option<Ipv4Addr>,
    /// This cloud's nftables table ([`firewall::table_name`]).
    table: String,
    /// The bridge firewall table as last read, while nothing changed it.
    firewall: Mutex<Option<Listing>>,
    /// Whether the conntrack table was seen since the last drift check.
    conntrack_seen: AtomicBool,
}

impl Reconciler {
    /// The real data plane of namespace `ns` (the current one if `None`).
    pub async fn new(
        cloud: String,
        host: String,
        ns: Option<String>,
        settings: NetworkSettings,
    ) -> anyhow::Result<Self> {
        let links = Links::open(ns.as_deref()).await?;
        let dhcp = Dnsmasq {
            paths: DhcpPaths::new(settings.state_dir.clone(), settings.netns_prefix.clone()),
            links: links.clone(),
        };
        let routers = NsRouters {
            prefix: settings.netns_prefix.clone(),
            links: links.clone(),
        };
        let nft = Nft { ns: ns.clone() };
        // Bridged IP traffic passes conntrack (and the firewall's marks).
        for key in [
            "net/bridge/bridge-nf-call-iptables",
            "net/bridge/bridge-nf-call-ip6tables",
        ] {
            stratus_netns::sysctl(ns.as_deref(), key, "1")?;
        }
        Reconciler::with_plane(cloud, host, ns, settings, links, nft, dhcp, routers)
    }
}

impl<L: LinkOps, F: Firewall, D: Dhcp, R: Routers> Reconciler<L, F, D, R> {
    /// A reconciler of the given data plane (fakes, in unit tests).
    #[allow(clippy::too_many_arguments)]
    pub fn with_plane(
        cloud: String,
        host: String,
        ns: Option<String>,
        settings: NetworkSettings,
        links: L,
        nft: F,
        dhcp: D,
        routers: R,
    ) -> anyhow::Result<Self> {
        let tunnel_ip = match &settings.tunnel_ip {
            Some(t) => Some(t.parse().map_err(|_| {
                anyhow::anyhow!("[network] tunnel_ip {t:?} is not an IPv4 address")
            })?),
            None => None,
        };
        Ok(Self {
            table: firewall::table_name(&cloud, &host),
            cloud,
            host,
            ns,
            settings,
            links,
            nft,
            dhcp,
            routers,
            tunnel_ip,
            firewall: Mutex::new(None),
            conntrack_seen: AtomicBool::new(false),
        })
    }

    /// Makes the next pass read the firewall back from the kernel (the
    /// periodic drift check).
    pub fn forget_firewall(&self) {
        self.conntrack_seen.store(false, Ordering::Relaxed);
        if let Ok(mut cached) = self.firewall.lock() {
            *cached = None;
        }
    }

    /// The conntrack table the firewall reads marks from.
    fn host_basics(&self) -> anyhow::Result<()> {
        if self.conntrack_seen.load(Ordering::Relaxed) {
            return Ok(());
        }
        if !self.nft.read("inet", &self.table)?.exists {
            self.nft.apply(&firewall::conntrack_table(&self.table))?;
        }
        self.conntrack_seen.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Makes the host carry `config`; the ports' states.
    pub async fn apply(&self, config: &HostConfig) -> anyhow::Result<PortStates> {
        self.host_basics()?;
        let have = self.links.list().await?;

        // Bridges and uplinks.
        let mut bridges: BTreeMap<String, u32> = BTreeMap::new();
        let mut mtus: BTreeMap<String, u32> = BTreeMap::new();
        for net in &config.networks {
            let nic = net
                .physical_network
                .as_ref()
                .and_then(|p| self.settings.physical_interfaces.get(p))
                .map(String::as_str);
            match plumbing::ensure_network(
                &self.links,
                &have,
                net,
                nic,
                self.tunnel_ip,
                &self.owner(),
            )
            .await
            {
                Ok(index) => {
                    bridges.insert(net.id.clone(), index);
                    mtus.insert(net.id.clone(), net.mtu);
                }
                Err(e) => tracing::warn!(network = %net.id, error = %e, "network not wired"),
            }
        }

        // The firewall comes before the plug, so no port is ever on a bridge
        // unfiltered.
        let secured: Vec<(String, &_)> = config
            .ports
            .iter()
            .filter(|p| p.port_security_enabled)
            .map(|p| (dev_name("tap", &p.id), p))
            .collect();
        let desired = firewall::Desired {
            table: &self.table,
            ports: secured,
            groups: &config.security_groups,
        };
        let cached = self.firewall.lock().ok().and_then(|mut c| c.take());
        let listing = match cached {
            Some(l) => l,
            None => self.nft.read("bridge", &self.table)?,
        };
        let script = firewall::plan(&listing, &desired);
        let listing = if script.is_empty() {
            listing
        } else {
            self.nft.apply(&script)?;
            // The change is in force; the kernel gave new rules handles, so
            // the table is read back now rather than when the next change
            // waits for it.
            self.nft.read("bridge", &self.table)?
        };
        if let Ok(mut cached) = self.firewall.lock() {
            *cached = Some(listing);
        }

        // Instance ports.
        let have = self.links.list().await?;
        let owner = self.owner();
        let mut states = PortStates::default();
        let mut wanted_taps = BTreeSet::new();
        for port in &config.ports {
            let tap = dev_name("tap", &port.id);
            wanted_taps.insert(tap.clone());
            let link = have.iter().find(|l| l.name == tap);
            let bridge = bridges.get(&port.network_id);
            match (link, bridge) {
                (Some(l), Some(b)) if port.admin_state_up => {
                    let mtu = mtus.get(&port.network_id).copied().unwrap_or(1500);
                    let stale = l.master != Some(*b) || !l.up || l.mtu != mtu;
                    if stale && let Err(e) = self.links.plug(l.index, *b, mtu).await {
                        tracing::warn!(port = %port.id, error = %e, "port not plugged");
                        states.down.insert(port.id.clone());
                        continue;
                    }
                    // The tap carries the cloud that plugged it.
                    if l.alias.as_deref() != Some(owner.as_str())
                        && let Err(e) = self.links.set_alias(l.index, &owner).await
                    {
                        tracing::debug!(port = %port.id, error = %e, "tap not marked");
                    }
                    states.up.insert(port.id.clone());
                }
                _ => {
                    states.down.insert(port.id.clone());
                }
            }
        }

        // DHCP.
        let dhcp_wanted: BTreeSet<&str> =
            config.dhcp.iter().map(|d| d.network_id.as_str()).collect();
        for d in &config.dhcp {
            wanted_taps.insert(dev_name("tap", &d.port.id));
            let Some(bridge) = bridges.get(&d.network_id) else {
                continue;
            };
            let mtu = mtus.get(&d.network_id).copied().unwrap_or(1500);
            if let Err(e) = self.dhcp.ensure(*bridge, mtu, d).await {
                tracing::warn!(network = %d.network_id, error = %e, "DHCP not ready");
            }
        }
        for net in self.dhcp.served() {
            if !dhcp_wanted.contains(net.as_str())
                && let Err(e) = self.dhcp.remove(&net).await
            {
                tracing::warn!(network = %net, error = %e, "stale DHCP not removed");
            }
        }

        // Routers.
        let routers_wanted: BTreeSet<&str> = config.routers.iter().map(|r| r.id.as_str()).collect();
        for r in &config.routers {
            for rp in r.gateway.iter().chain(r.interfaces.iter()) {
                wanted_taps.insert(dev_name("tap", &rp.port.id));
            }
            if let Err(e) = self.routers.ensure(&bridges, &mtus, r).await {
                tracing::warn!(router = %r.id, error = %e, "router not ready");
            }
        }
        for id in self.routers.running() {
            if !routers_wanted.contains(id.as_str())
                && let Err(e) = self.routers.remove(&id).await
            {
                tracing::warn!(router = %id, error = %e, "stale router not removed");
            }
        }

        self.sweep(&bridges, &wanted_taps).await?;
        Ok(states)
    }

    /// The alias that marks the bridges, uplinks and taps this agent
    /// made or plugged, so agents sharing a namespace (other hosts' in
    /// tests, other clouds' on one host) leave each other's alone.
    pub fn owner(&self) -> String {
        owner_tag(&self.cloud, &self.host)
    }

    /// Removes bridges and uplinks of networks this host no longer carries,
    /// and takes taps of deleted ports off the bridges.
    async fn sweep(
        &self,
        bridges: &BTreeMap<String, u32>,
        wanted_taps: &BTreeSet<String>,
    ) -> anyhow::Result<()> {
        let have = self.links.list().await?;
        let owner = self.owner();
        let mine = |l: &crate::links::Link| l.alias.as_deref() == Some(owner.as_str());
        let ours: BTreeSet<u32> = have
            .iter()
            .filter(|l| l.name.starts_with("brq") && l.kind.as_deref() == Some("bridge") && mine(l))
            .map(|l| l.index)
            .collect();
        let kept: BTreeSet<u32> = bridges.values().copied().collect();
        for l in &have {
            let on_ours = l.master.is_some_and(|m| ours.contains(&m));
            if on_ours && l.name.starts_with("tap") && !wanted_taps.contains(&l.name) {
                tracing::info!(tap = %l.name, "port gone: tap taken off its bridge");
                if let Err(e) = self.links.unplug(l.index).await {
                    // It may have gone with its namespace meanwhile.
                    tracing::debug!(tap = %l.name, error = %e, "tap not unplugged");
                }
            }
            let stale_uplink = l
                .master
                .is_some_and(|m| ours.contains(&m) && !kept.contains(&m))
                && (l.name.starts_with("vxlan-") || l.kind.as_deref() == Some("vlan"));
            let orphan_vxlan = l.master.is_none() && l.name.starts_with("vxlan-") && mine(l);
            if (stale_uplink || orphan_vxlan)
                && let Err(e) = self.links.delete(l.index).await
            {
                tracing::debug!(link = %l.name, error = %e, "stale uplink not deleted");
            }
        }
        for index in ours.difference(&kept) {
            if let Some(b) = have.iter().find(|l| l.index == *index) {
                tracing::info!(bridge = %b.name, "network gone: bridge removed");
            }
            self.links.delete(*index).await?;
        }
        Ok(())
    }
}

/// The alias of links the agent of `cloud` on `host` made.
pub fn owner_tag(cloud: &str, host: &str) -> String {
    format!("stratus-network-agent {cloud} {host}")
}

/// How long a sync may take before it is asked again. A sync takes tens of
/// milliseconds; a call sent before the service declared its queue (both
/// starting at once) is lost, and the agent should not wait the bus's whole
/// call timeout (60 s) to ask again.
const SYNC_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the agent's loop until `shutdown`.
pub async fn run<L: LinkOps, F: Firewall, D: Dhcp, R: Routers>(
    reconciler: Reconciler<L, F, D, R>,
    bus: Bus,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let resync = Duration::from_secs(u64::from(reconciler.settings.resync_interval_s.max(1)));
    let scan = Duration::from_millis(u64::from(reconciler.settings.scan_interval_ms.max(50)));
    let ctx = RequestContext::system();
    let mut config: Option<HostConfig> = None;
    let mut reported = PortStates::default();
    let mut need_sync = true;
    let mut last_sync = Instant::now();
    // A link that appears (a new tap) starts a pass at once; the scan is
    // the fallback should an event be missed.
    let mut links = match stratus_netns::link_events(reconciler.ns.as_deref()).await {
        Ok(events) => Some(events),
        Err(e) => {
            tracing::warn!(error = %e, "no link events; new taps wait for the next scan");
            None
        }
    };
    loop {
        if need_sync || last_sync.elapsed() >= resync {
            if !need_sync {
                reconciler.forget_firewall();
            }
            let sync = HostSync {
                host: reconciler.host.clone(),
                tunnel_ip: reconciler.settings.tunnel_ip.clone(),
                physical_networks: reconciler
                    .settings
                    .physical_interfaces
                    .keys()
                    .cloned()
                    .collect(),
                ports_up: reported.up.iter().cloned().collect(),
                ports_down: reported.down.iter().cloned().collect(),
            };
            let started = Instant::now();
            match NetworkService::of(&bus)
                .call_with_timeout(&ctx, sync, SYNC_TIMEOUT)
                .await
            {
                Ok(c) => {
                    tracing::debug!(ms = started.elapsed().as_millis(), "synced");
                    config = Some(c);
                    need_sync = false;
                    last_sync = Instant::now();
                }
                Err(e) => tracing::warn!(error = %e, "sync with the network service failed"),
            }
        }
        if let Some(c) = &config {
            let started = Instant::now();
            let applied = reconciler.apply(c).await;
            tracing::debug!(ms = started.elapsed().as_millis(), "applied");
            match applied {
                Ok(states) if states != reported => {
                    reported = states;
                    need_sync = true;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "applying the host's network config failed")
                }
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = wake.notified() => need_sync = true,
            () = tokio::time::sleep(scan) => {}
            event = next_event(&mut links) => {
                if event.is_none() {
                    links = None;
                }
                // One pass for a burst of events.
                while let Some(Some(_)) = links.as_mut().and_then(|l| l.next().now_or_never()) {}
            }
        }
    }
}

/// The next link event, or never when there is no stream.
async fn next_event<S: futures_util::Stream + Unpin>(links: &mut Option<S>) -> Option<S::Item> {
    match links {
        Some(l) => l.next().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    //! The loop's decisions against in-memory links, firewall, DHCP and
    //! routers (`crate::plane::fake`): no root, milliseconds.
    use super::*;
    use crate::plane::fake::{FakeFirewall, FakeLinks, FakeRouters, FakeServed, Journal};
    use crate::plumbing::bridge_name;
    use stratus_bus_protocol::network::{DhcpSpec, NetworkSpec, PortSpec, RouterSpec};

    type Fake = Reconciler<FakeLinks, FakeFirewall, FakeServed, FakeRouters>;

    fn reconciler() -> (Fake, FakeLinks, Journal) {
        let journal = Journal::default();
        let links = FakeLinks::new(journal.clone());
        let settings = NetworkSettings {
            tunnel_ip: Some("10.0.0.1".into()),
            ..NetworkSettings::default()
        };
        let r = Reconciler::with_plane(
            "cloud-a".into(),
            "h1".into(),
            None,
            settings,
            links.clone(),
            FakeFirewall {
                journal: journal.clone(),
                ..FakeFirewall::default()
            },
            FakeServed {
                journal: journal.clone(),
                ..FakeServed::default()
            },
            FakeRouters(FakeServed {
                journal: journal.clone(),
                ..FakeServed::default()
            }),
        )
        .expect("reconciler");
        (r, links, journal)
    }

    fn network(id: &str, vni: u32) -> NetworkSpec {
        NetworkSpec {
            id: id.into(),
            network_type: "vxlan".into(),
            physical_network: None,
            segmentation_id: Some(vni),
            mtu: 1450,
            peers: vec!["10.0.0.2".into()],
        }
    }

    fn port(id: &str, network: &str) -> PortSpec {
        PortSpec {
            id: id.into(),
            network_id: network.into(),
            mac_address: "fa:16:3e:00:00:01".into(),
            fixed_ips: vec![],
            device_owner: "compute:nova".into(),
            admin_state_up: true,
            port_security_enabled: true,
            security_groups: vec![],
            allowed_address_pairs: vec![],
        }
    }

    fn config(networks: Vec<NetworkSpec>, ports: Vec<PortSpec>) -> HostConfig {
        HostConfig {
            networks,
            ports,
            ..HostConfig::default()
        }
    }

    /// Entries that changed links (not firewall or DHCP work).
    fn link_changes(journal: &Journal) -> Vec<String> {
        journal
            .entries()
            .into_iter()
            .filter(|e| {
                !e.starts_with("nft ") && !e.starts_with("dhcp ") && !e.starts_with("router ")
            })
            .collect()
    }

    #[tokio::test]
    async fn a_port_is_firewalled_before_it_is_plugged_and_then_reported_up() {
        let (r, links, journal) = reconciler();
        let tap = dev_name("tap", "p1");
        links.appear(&tap, Some("tun"), None);
        let states = r
            .apply(&config(vec![network("n1", 100)], vec![port("p1", "n1")]))
            .await
            .expect("apply");
        assert_eq!(states.up, BTreeSet::from(["p1".to_owned()]));
        let bridge = links
            .named(&bridge_name("n1"))
            .expect("the network's bridge");
        assert_eq!(bridge.alias.as_deref(), Some(r.owner().as_str()));
        let vxlan = links.named("vxlan-100").expect("the VXLAN uplink");
        assert_eq!(vxlan.master, Some(bridge.index));
        assert!(journal.first("peer+ vxlan-100 10.0.0.2").is_some());
        let tap_link = links.named(&tap).expect("tap");
        assert_eq!((tap_link.master, tap_link.mtu), (Some(bridge.index), 1450));
        let firewalled = journal
            .entries()
            .iter()
            .position(|e| {
                e.starts_with("nft apply") && e.contains(&firewall::port_chain('f', "p1"))
            })
            .expect("the port's firewall chain was applied");
        let plugged = journal.first(&format!("plug {tap}")).expect("plugged");
        assert!(firewalled < plugged, "{:#?}", journal.entries());
    }

    #[tokio::test]
    async fn a_second_pass_over_the_same_config_changes_no_link() {
        let (r, links, journal) = reconciler();
        links.appear(&dev_name("tap", "p1"), Some("tun"), None);
        let c = config(vec![network("n1", 100)], vec![port("p1", "n1")]);
        r.apply(&c).await.expect("first");
        let before = link_changes(&journal);
        let states = r.apply(&c).await.expect("second");
        assert_eq!(
            link_changes(&journal),
            before,
            "level-triggered: nothing to do"
        );
        assert_eq!(states.up.len(), 1);
    }

    #[tokio::test]
    async fn a_port_without_its_tap_is_down_until_the_tap_appears() {
        let (r, links, _journal) = reconciler();
        let c = config(vec![network("n1", 100)], vec![port("p1", "n1")]);
        let states = r.apply(&c).await.expect("apply");
        assert_eq!(states.down, BTreeSet::from(["p1".to_owned()]));
        links.appear(&dev_name("tap", "p1"), Some("tun"), None);
        let states = r.apply(&c).await.expect("again");
        assert_eq!(states.up, BTreeSet::from(["p1".to_owned()]));
    }

    #[tokio::test]
    async fn a_network_gone_takes_its_bridge_and_uplink_and_leaves_another_clouds_alone() {
        let (r, links, journal) = reconciler();
        let tap = dev_name("tap", "p1");
        links.appear(&tap, Some("tun"), None);
        let other = links.appear(
            &bridge_name("theirs"),
            Some("bridge"),
            Some(&owner_tag("cloud-b", "h1")),
        );
        let their_tap = links.appear(&dev_name("tap", "q1"), Some("tun"), None);
        r.apply(&config(vec![network("n1", 100)], vec![port("p1", "n1")]))
            .await
            .expect("apply");
        // Another cloud's port on its own bridge.
        LinkOps::plug(&links, their_tap, other, 1500)
            .await
            .expect("plug");

        r.apply(&config(vec![], vec![]))
            .await
            .expect("nothing left");
        assert!(
            links.named(&bridge_name("n1")).is_none(),
            "{:#?}",
            journal.entries()
        );
        assert!(links.named("vxlan-100").is_none());
        assert_eq!(links.named(&tap).expect("the tap stays").master, None);
        assert!(
            links.named(&bridge_name("theirs")).is_some(),
            "another cloud's bridge"
        );
        assert_eq!(
            links
                .named(&dev_name("tap", "q1"))
                .expect("their tap")
                .master,
            Some(other),
            "another cloud's port stays plugged"
        );
    }

    #[tokio::test]
    async fn wanted_dhcp_and_routers_are_ensured_and_stale_ones_removed() {
        let (r, _links, journal) = reconciler();
        r.dhcp.ids.lock().expect("ids").insert("old-net".into());
        r.routers
            .0
            .ids
            .lock()
            .expect("ids")
            .insert("old-router".into());
        let mut c = config(vec![network("n1", 100)], vec![]);
        c.dhcp = vec![DhcpSpec {
            network_id: "n1".into(),
            port: port("d1", "n1"),
            subnets: vec![],
            hosts: vec![],
        }];
        c.routers = vec![RouterSpec {
            id: "r1".into(),
            enable_snat: false,
            gateway: None,
            interfaces: vec![],
            floating_ips: vec![],
        }];
        r.apply(&c).await.expect("apply");
        assert_eq!(r.dhcp.served(), vec!["n1".to_owned()]);
        assert_eq!(r.routers.running(), vec!["r1".to_owned()]);
        for entry in [
            "dhcp ensure n1",
            "dhcp remove old-net",
            "router ensure r1",
            "router remove old-router",
        ] {
            assert!(
                journal.first(entry).is_some(),
                "{entry}: {:#?}",
                journal.entries()
            );
        }
    }
}
