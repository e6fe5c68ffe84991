//! The `stratus-storage` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    stratus_http::runner::main::<(), _, _>(stratus_storage::SPEC, |_deps| async {
        Ok(vec![
            ("image", stratus_storage::http::image_router()),
            ("volume", stratus_storage::http::volume_router()),
        ])
    })
}
