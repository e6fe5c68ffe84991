//! The agent's loop: ask the service what this host carries (on start, on
//! every `network.changed`, and every `resync_interval_s`), make the kernel
//! match it, and report which ports are wired. The kernel is read back on
//! every pass (every `scan_interval_ms`), so a tap that appears is plugged
//! and firewalled within one pass, and a restarted agent picks up where the
//! kernel is: what is right stays untouched, what is stale is removed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use stratus_bus::Bus;
use stratus_bus_protocol::network::{HostConfig, HostSync, SERVICE_TOPIC};
use stratus_common::RequestContext;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::NetworkSettings;
use crate::dhcp::{self, DhcpPaths};
use crate::firewall;
use crate::links::{Links, dev_name};
use crate::nft::{self, Listing};
use crate::plumbing;
use crate::router;

/// Ports wired (`up`) and not (`down`) after a pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortStates {
    pub up: BTreeSet<String>,
    pub down: BTreeSet<String>,
}

/// One host's data plane.
pub struct Reconciler {
    pub host: String,
    pub ns: Option<String>,
    pub settings: NetworkSettings,
    pub links: Links,
    pub dhcp: DhcpPaths,
    tunnel_ip: Option<Ipv4Addr>,
}

impl Reconciler {
    pub async fn new(
        host: String,
        ns: Option<String>,
        settings: NetworkSettings,
    ) -> anyhow::Result<Self> {
        let links = Links::open(ns.as_deref()).await?;
        let dhcp = DhcpPaths {
            state_dir: settings.state_dir.clone(),
            ns_prefix: settings.netns_prefix.clone(),
        };
        let tunnel_ip = match &settings.tunnel_ip {
            Some(t) => Some(t.parse().map_err(|_| {
                anyhow::anyhow!("[network] tunnel_ip {t:?} is not an IPv4 address")
            })?),
            None => None,
        };
        // Bridged IP traffic passes conntrack (and the firewall's marks).
        for key in [
            "net/bridge/bridge-nf-call-iptables",
            "net/bridge/bridge-nf-call-ip6tables",
        ] {
            stratus_netns::sysctl(ns.as_deref(), key, "1")?;
        }
        Ok(Self {
            host,
            ns,
            settings,
            links,
            dhcp,
            tunnel_ip,
        })
    }

    /// Once per pass: the conntrack table the firewall reads marks from.
    fn host_basics(&self) -> anyhow::Result<()> {
        let ns = self.ns.as_deref();
        if !Listing::read(ns, "inet", firewall::TABLE)?.exists {
            nft::apply(ns, &firewall::conntrack_table())?;
        }
        Ok(())
    }

    /// Makes the host carry `config`; the ports' states.
    pub async fn apply(&self, config: &HostConfig) -> anyhow::Result<PortStates> {
        let ns = self.ns.as_deref();
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
            match plumbing::ensure_network(&self.links, &have, net, nic, self.tunnel_ip).await {
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
            ports: secured,
            groups: &config.security_groups,
        };
        let listing = Listing::read(ns, "bridge", firewall::TABLE)?;
        let script = firewall::plan(&listing, &desired);
        if !script.is_empty() {
            nft::apply(ns, &script)?;
        }

        // Instance ports.
        let have = self.links.list().await?;
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
            if let Err(e) = dhcp::ensure(&self.dhcp, &self.links, *bridge, mtu, d).await {
                tracing::warn!(network = %d.network_id, error = %e, "DHCP not ready");
            }
        }
        for net in self.dhcp.served() {
            if !dhcp_wanted.contains(net.as_str())
                && let Err(e) = dhcp::remove(&self.dhcp, &net).await
            {
                tracing::warn!(network = %net, error = %e, "stale DHCP not removed");
            }
        }

        // Routers.
        let prefix = &self.settings.netns_prefix;
        let routers_wanted: BTreeSet<&str> = config.routers.iter().map(|r| r.id.as_str()).collect();
        for r in &config.routers {
            for rp in r.gateway.iter().chain(r.interfaces.iter()) {
                wanted_taps.insert(dev_name("tap", &rp.port.id));
            }
            if let Err(e) = router::ensure(prefix, &self.links, &bridges, &mtus, r).await {
                tracing::warn!(router = %r.id, error = %e, "router not ready");
            }
        }
        for id in router::running(prefix) {
            if !routers_wanted.contains(id.as_str())
                && let Err(e) = router::remove(prefix, &id).await
            {
                tracing::warn!(router = %id, error = %e, "stale router not removed");
            }
        }

        self.sweep(&bridges, &wanted_taps).await?;
        Ok(states)
    }

    /// Removes bridges and uplinks of networks this host no longer carries,
    /// and takes taps of deleted ports off the bridges.
    async fn sweep(
        &self,
        bridges: &BTreeMap<String, u32>,
        wanted_taps: &BTreeSet<String>,
    ) -> anyhow::Result<()> {
        let have = self.links.list().await?;
        let ours: BTreeSet<u32> = have
            .iter()
            .filter(|l| l.name.starts_with("brq") && l.kind.as_deref() == Some("bridge"))
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
            let orphan_vxlan = l.master.is_none() && l.name.starts_with("vxlan-");
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

/// Runs the agent's loop until `shutdown`.
pub async fn run(reconciler: Reconciler, bus: Bus, wake: Arc<Notify>, shutdown: CancellationToken) {
    let resync = Duration::from_secs(u64::from(reconciler.settings.resync_interval_s.max(1)));
    let scan = Duration::from_millis(u64::from(reconciler.settings.scan_interval_ms.max(50)));
    let ctx = RequestContext::system();
    let mut config: Option<HostConfig> = None;
    let mut reported = PortStates::default();
    let mut need_sync = true;
    let mut last_sync = Instant::now();
    loop {
        if need_sync || last_sync.elapsed() >= resync {
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
            match bus.call(SERVICE_TOPIC, &ctx, sync).await {
                Ok(c) => {
                    config = Some(c);
                    need_sync = false;
                    last_sync = Instant::now();
                }
                Err(e) => tracing::warn!(error = %e, "sync with the network service failed"),
            }
        }
        if let Some(c) = &config {
            match reconciler.apply(c).await {
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
        }
    }
}
