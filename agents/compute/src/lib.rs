//! `stratus-compute-agent`: one per hypervisor host, consuming
//! `compute.<host>`. So far it answers pings and heartbeats; the libvirt and
//! fake drivers come with the compute issue.

use serde::{Deserialize, Serialize};
use stratus_agent::AgentDeps;
use stratus_bus::{Call, Incoming, ServerHandle};
use stratus_bus_protocol::{AgentKind, ComputeAgentRequest};

/// The compute agent's own settings (none yet).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ComputeAgentConfig {}

/// Registers the agent's consumer of `compute.<host>`.
pub async fn start(deps: AgentDeps<ComputeAgentConfig>) -> anyhow::Result<Vec<ServerHandle>> {
    let pong = deps.pong();
    let topic = AgentKind::Compute.topic(&deps.config.agent.host);
    let server = deps
        .bus
        .serve(&topic, move |incoming: Incoming<ComputeAgentRequest>| {
            let pong = pong.clone();
            async move {
                match incoming.message {
                    ComputeAgentRequest::Ping(ping) => ping.reply(pong),
                }
            }
        });
    Ok(vec![server])
}
