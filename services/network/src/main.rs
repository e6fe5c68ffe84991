//! The `stratus-network` binary.

use std::process::ExitCode;
use stratus_network::app::{App, NetworkSection};

fn main() -> ExitCode {
    stratus_http::runner::main::<NetworkSection, _, _>(stratus_network::SPEC, |deps| async move {
        let app = App::new(deps.pool, deps.bus, deps.config.service.network);
        drop(app.serve_agents());
        app.start_sampler(deps.shutdown.clone());
        app.outbox.start(deps.shutdown);
        Ok(vec![("network", stratus_network::http::router(app))])
    })
}
