//! `stratus-network-agent`: one per host. It answers pings on
//! `network.<host>`, syncs with the network service on `network-service`
//! and makes this host's data plane match: a bridge per network with its
//! VXLAN, VLAN or flat uplink, instance taps plugged into them, security
//! groups in nftables, DHCP by dnsmasq in a namespace per network, and
//! routers with SNAT and floating IPs in a namespace each. With
//! `[agent] netns` set, all of that happens inside that namespace.
//!
//! Layout: `reconcile` (the loop) drives `plumbing` (bridges, uplinks,
//! veths), `firewall` (security groups) over `nft`, `dhcp` and `router`;
//! `links` is every rtnetlink request; `plane` puts links, firewall, DHCP
//! and routers behind traits (with in-memory fakes for the loop's unit
//! tests); `teardown` takes an agent's whole footprint off a host.

pub mod dhcp;
pub mod firewall;
pub mod links;
pub mod nft;
pub mod plane;
pub mod plumbing;
pub mod reconcile;
pub mod router;
pub mod teardown;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use stratus_bus_protocol::NetworkAgent;

use serde::{Deserialize, Serialize};
use stratus_agent::AgentDeps;
use stratus_bus::{Call, Incoming, ServerHandle};
use stratus_bus_protocol::{NetworkAgentRequest, Notification};

/// The `[network]` section of the agent's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSettings {
    /// This host's VXLAN tunnel endpoint (an IPv4 address on it); none if
    /// the host carries no VXLAN networks.
    pub tunnel_ip: Option<String>,
    /// Physical network name → the NIC that reaches it (flat networks are
    /// bridged to the NIC, VLANs are sub-interfaces of it).
    pub physical_interfaces: BTreeMap<String, String>,
    /// Where dnsmasq's files and pid files live.
    pub state_dir: PathBuf,
    /// Prefix of the DHCP and router namespaces this agent owns
    /// (`<prefix>qdhcp-<network>`, `<prefix>qrouter-<router>`); empty:
    /// the cloud's name (its bus prefix) and `-`.
    pub netns_prefix: String,
    /// Full sync with the service at least this often, in seconds.
    pub resync_interval_s: u32,
    /// How often the kernel is read back (new taps, drift), in ms.
    pub scan_interval_ms: u32,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        Self {
            tunnel_ip: None,
            physical_interfaces: BTreeMap::new(),
            state_dir: PathBuf::from("/var/lib/stratus/network"),
            netns_prefix: String::new(),
            resync_interval_s: 30,
            scan_interval_ms: 500,
        }
    }
}

/// The network agent's own settings.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NetworkAgentConfig {
    #[serde(default)]
    pub network: NetworkSettings,
}

/// Registers the agent's consumers and starts its loop.
pub async fn start(deps: AgentDeps<NetworkAgentConfig>) -> anyhow::Result<Vec<ServerHandle>> {
    let pong = deps.pong();
    let host = deps.config.agent.host.clone();
    let agent = NetworkAgent::on(&deps.bus, &host);
    let mut settings = deps.config.extra.network.clone();
    // Namespaces carry the cloud's name unless the operator chose a prefix.
    if settings.netns_prefix.is_empty() {
        settings.netns_prefix = format!("{}-", deps.cloud());
    }
    std::fs::create_dir_all(&settings.state_dir)?;
    if let Some(ns) = &deps.config.agent.netns {
        stratus_netns::add(ns).await?;
    }
    let reconciler = reconcile::Reconciler::new(
        deps.cloud().to_owned(),
        host,
        deps.config.agent.netns.clone(),
        settings,
    )
    .await?;
    let server = agent.serve(move |incoming: Incoming<NetworkAgentRequest>| {
        let pong = pong.clone();
        async move {
            match incoming.message {
                NetworkAgentRequest::Ping(ping) => ping.reply(pong),
            }
        }
    });
    let wake = Arc::new(tokio::sync::Notify::new());
    let waker = wake.clone();
    let changes =
        deps.bus
            .subscribe_transient(&["network.changed"], move |inc: Incoming<Notification>| {
                let waker = waker.clone();
                async move {
                    if let Notification::NetworkChanged(_) = inc.message {
                        waker.notify_one();
                    }
                    Ok(serde_json::Value::Null)
                }
            });
    deps.tasks.spawn(reconcile::run(
        reconciler,
        deps.bus.clone(),
        wake,
        deps.shutdown.clone(),
    ));
    Ok(vec![server, changes])
}
