//! The `stratus-compute` binary.

use std::process::ExitCode;
use stratus_compute::app::{App, ComputeSection};

fn main() -> ExitCode {
    stratus_http::runner::main::<ComputeSection, _, _>(stratus_compute::SPEC, |deps| async move {
        let app = App::new(deps.pool, deps.bus, deps.config.service.compute);
        drop(app.follow_inventory());
        drop(app.follow_results());
        drop(app.serve_agents());
        app.outbox.start(deps.shutdown.clone());
        app.start_sweeper(deps.shutdown);
        Ok(vec![("compute", stratus_compute::http::router(app))])
    })
}
