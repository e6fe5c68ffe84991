//! The signal every process stops on, and periodic work that stops with it.

use tokio_util::sync::CancellationToken;

/// Resolves on SIGTERM (what systemd and `scripts/down` send) or Ctrl-C.
pub async fn signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested");
}

/// Runs `task` every `interval` (the first time one interval from now)
/// until `shutdown`; an error is logged as `what` failing, and the next
/// round comes all the same. For a service's periodic work (samples,
/// roll-ups).
pub fn every<F, Fut, E>(
    interval: std::time::Duration,
    shutdown: CancellationToken,
    what: &'static str,
    task: F,
) where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: std::fmt::Display,
{
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
            if let Err(e) = task().await {
                tracing::warn!(error = %e, "{what} failed");
            }
        }
    });
}
