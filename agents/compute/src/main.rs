//! The `stratus-compute-agent` binary.

use std::process::ExitCode;
use stratus_bus_protocol::AgentKind;

fn main() -> ExitCode {
    stratus_agent::main(AgentKind::Compute, stratus_compute_agent::start)
}
