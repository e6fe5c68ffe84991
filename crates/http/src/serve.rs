//! Serving a router on a listener until SIGTERM or SIGINT, finishing the
//! requests in flight.

use axum::Router;
use std::future::Future;
use tokio::net::TcpListener;

pub use stratus_common::shutdown::signal as shutdown_signal;

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish. Handlers find the peer's address as
/// `ConnectInfo<SocketAddr>` in the request's extensions.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
