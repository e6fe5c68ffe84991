//! The `stratus-metering` binary.

use std::process::ExitCode;
use std::time::Duration;

use stratus_metering::app::{App, MeteringSection};

fn main() -> ExitCode {
    stratus_http::runner::main::<MeteringSection, _, _>(stratus_metering::SPEC, |deps| async move {
        let app = App::new(deps.pool, deps.bus);
        drop(app.follow_samples());
        drop(app.follow_lifecycle());
        drop(app.serve_services());
        let every = deps.config.service.metering.rollup_interval_s.max(1);
        app.start_rollups(Duration::from_secs(every.into()), deps.shutdown);
        Ok(vec![("metering", stratus_metering::http::router_with(app))])
    })
}
