//! The `stratus-network-agent` binary.

use std::process::ExitCode;
use stratus_bus_protocol::AgentKind;

fn main() -> ExitCode {
    stratus_agent::main(AgentKind::Network, stratus_network_agent::start)
}
