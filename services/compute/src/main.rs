//! The `stratus-compute` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    stratus_http::runner::main::<(), _, _>(stratus_compute::SPEC, |_deps| async {
        Ok(vec![("compute", stratus_compute::http::router())])
    })
}
