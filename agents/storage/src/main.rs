//! The `stratus-storage-agent` binary.

use std::process::ExitCode;
use stratus_bus_protocol::AgentKind;

fn main() -> ExitCode {
    stratus_agent::main(AgentKind::Storage, stratus_storage_agent::start)
}
