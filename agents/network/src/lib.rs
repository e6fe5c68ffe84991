//! `stratus-network-agent`: one per host, consuming `network.<host>`. So far
//! it answers pings and heartbeats; bridges, VXLAN/VLAN uplinks, taps,
//! nftables security groups, DHCP and routers come with the network issue.

use serde::{Deserialize, Serialize};
use stratus_agent::AgentDeps;
use stratus_bus::{Call, Incoming, ServerHandle};
use stratus_bus_protocol::{AgentKind, NetworkAgentRequest};

/// The network agent's own settings (none yet).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NetworkAgentConfig {}

/// Registers the agent's consumer of `network.<host>`.
pub async fn start(deps: AgentDeps<NetworkAgentConfig>) -> anyhow::Result<Vec<ServerHandle>> {
    let pong = deps.pong();
    let topic = AgentKind::Network.topic(&deps.config.agent.host);
    let server = deps
        .bus
        .serve(&topic, move |incoming: Incoming<NetworkAgentRequest>| {
            let pong = pong.clone();
            async move {
                match incoming.message {
                    NetworkAgentRequest::Ping(ping) => ping.reply(pong),
                }
            }
        });
    Ok(vec![server])
}
