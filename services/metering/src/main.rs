//! The `stratus-metering` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    stratus_http::runner::main::<(), _, _>(stratus_metering::SPEC, |_deps| async {
        Ok(vec![("metering", stratus_metering::http::router())])
    })
}
