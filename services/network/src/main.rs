//! The `stratus-network` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    stratus_http::runner::main::<(), _, _>(stratus_network::SPEC, |_deps| async {
        Ok(vec![("network", stratus_network::http::router())])
    })
}
