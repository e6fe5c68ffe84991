//! Serving a router on a listener until SIGTERM or SIGINT, finishing the
//! requests in flight.

use axum::Router;
use std::future::Future;
use tokio::net::TcpListener;

pub use stratus_common::shutdown::signal as shutdown_signal;

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
