//! The `stratus-storage` binary.

use std::process::ExitCode;
use stratus_storage::app::{App, StorageSection};

fn main() -> ExitCode {
    stratus_http::runner::main::<StorageSection, _, _>(stratus_storage::SPEC, |deps| async move {
        let app = App::new(deps.pool, deps.bus, deps.config.service.storage);
        drop(app.follow_capacity());
        drop(app.serve_services());
        drop(app.follow_volume_results());
        app.start_sampler(deps.shutdown.clone());
        app.outbox.start(deps.shutdown.clone());
        app.start_sweeper(deps.shutdown);
        Ok(vec![
            ("image", stratus_storage::http::image_router(app.clone())),
            ("volume", stratus_storage::http::volume_router(app)),
        ])
    })
}
