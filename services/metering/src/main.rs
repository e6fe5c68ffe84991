//! The `stratus-metering` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    stratus_http::runner::main::<(), _, _>(stratus_metering::SPEC, |deps| async move {
        let app = stratus_metering::app::App::new(deps.pool, deps.bus);
        drop(app.follow_samples());
        drop(app.follow_lifecycle());
        drop(app.serve_services());
        Ok(vec![("metering", stratus_metering::http::router_with(app))])
    })
}
