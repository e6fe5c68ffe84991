//! The `stratus-identity` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    stratus_http::runner::main::<(), _, _>(stratus_identity::SPEC, |_deps| async {
        Ok(vec![("identity", stratus_identity::http::router())])
    })
}
