//! `stratus-storage-agent`: one per storage host, consuming `storage.<host>`.
//! So far it answers pings and heartbeats; image and volume files come with
//! the storage issue.

use serde::{Deserialize, Serialize};
use stratus_agent::AgentDeps;
use stratus_bus::{Call, Incoming, ServerHandle};
use stratus_bus_protocol::{AgentKind, StorageAgentRequest};

/// The storage agent's own settings (none yet).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StorageAgentConfig {}

/// Registers the agent's consumer of `storage.<host>`.
pub async fn start(deps: AgentDeps<StorageAgentConfig>) -> anyhow::Result<Vec<ServerHandle>> {
    let pong = deps.pong();
    let topic = AgentKind::Storage.topic(&deps.config.agent.host);
    let server = deps
        .bus
        .serve(&topic, move |incoming: Incoming<StorageAgentRequest>| {
            let pong = pong.clone();
            async move {
                match incoming.message {
                    StorageAgentRequest::Ping(ping) => ping.reply(pong),
                }
            }
        });
    Ok(vec![server])
}
