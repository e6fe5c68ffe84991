//! The `stratus-console` binary: `stratus-console [--config FILE]`.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use stratus_console::config::Config;
use stratus_console::{Console, router};

#[derive(Parser)]
#[command(version, about = "The Stratus web console")]
struct Cli {
    /// Configuration file (default: $STRATUS_CONFIG, else /etc/stratus/console.toml if present).
    #[arg(long)]
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = cli
        .config
        .or_else(|| stratus_common::config::default_path("console"));
    let config: Config = match stratus_common::config::load(path.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("stratus-console: {e}: {:?}", std::error::Error::source(&e));
            return ExitCode::FAILURE;
        }
    };
    stratus_common::telemetry::init(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("stratus-console: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "stratus-console failed");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    if !config.console.assets.join("index.html").exists() {
        tracing::warn!(
            assets = %config.console.assets.display(),
            "no index.html: the app is not built (npm run build in console/); the API and proxy still work"
        );
    }
    let console = Arc::new(Console::new(&config.console)?);
    // The port first: a console that cannot listen stops before it touches the bus.
    let addr = format!("{}:{}", config.http.host, config.http.port);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let bus = stratus_bus::Bus::new(config.bus.clone(), "stratus-console");
    let followers = console.follow(&bus);
    tracing::info!(%addr, "console listening");
    let stop = console.shutdown.clone();
    let served = stratus_http::serve(listener, router(console, &config.console), async move {
        stratus_http::shutdown_signal().await;
        // Live streams never end by themselves: end them, then drain.
        stop.cancel();
    })
    .await;
    for f in followers {
        f.stop().await;
    }
    bus.shutdown().await;
    served?;
    Ok(())
}
