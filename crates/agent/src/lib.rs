//! What every Stratus host agent shares: the command line, configuration
//! (`[agent]`, `[bus]`, `[log]` plus the agent's own sections), the bus
//! connection, a heartbeat on `host.heartbeat`, and a graceful stop on
//! SIGTERM that lets in-flight messages finish and be acknowledged.
//!
//! ```text
//! stratus-<kind>-agent [--config FILE]
//! ```

use anyhow::Context as _;
use chrono::Utc;
use clap::Parser;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use stratus_bus::{Bus, BusConfig, ServerHandle};
use stratus_bus_protocol::{AgentKind, HostHeartbeat, Notification, Pong};
use stratus_common::RequestContext;
use stratus_common::config::{self, LogConfig};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The agent's identity and where it works.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentSettings {
    /// The host name this agent answers for (its topic is `<kind>.<host>`).
    pub host: String,
    /// A network namespace to do all data-plane work in (test hosts, or the
    /// one-host install); empty on a real hypervisor host.
    pub netns: Option<String>,
    pub heartbeat_interval_s: u32,
}

impl Default for AgentSettings {
    fn default() -> Self {
        Self {
            host: hostname(),
            netns: None,
            heartbeat_interval_s: 10,
        }
    }
}

/// An agent's whole configuration; `E` is the agent's own part, flattened.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AgentConfig<E> {
    #[serde(default)]
    pub agent: AgentSettings,
    #[serde(default)]
    pub bus: BusConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(flatten)]
    pub extra: E,
}

/// What an agent's consumers are built from.
pub struct AgentDeps<E> {
    pub kind: AgentKind,
    pub config: AgentConfig<E>,
    pub bus: Bus,
    pub shutdown: CancellationToken,
    /// Where the agent spawns its background loops: a stop cancels
    /// `shutdown` and waits for them, so nothing is made on the host
    /// after the agent said it stopped.
    pub tasks: TaskTracker,
}

impl<E> AgentDeps<E> {
    /// The cloud this agent belongs to: its bus prefix. Everything it puts
    /// on the host carries it, and it touches no other cloud's objects.
    pub fn cloud(&self) -> &str {
        &self.config.bus.prefix
    }

    /// This agent's answer to a ping.
    pub fn pong(&self) -> Pong {
        Pong {
            host: self.config.agent.host.clone(),
            kind: self.kind,
            version: env!("CARGO_PKG_VERSION").into(),
            netns: self.config.agent.netns.clone(),
        }
    }
}

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (default: $STRATUS_CONFIG, else /etc/stratus/<kind>-agent.toml if present).
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Runs an agent: `start` registers its consumers; the runner heartbeats
/// until SIGTERM, then stops the consumers gracefully.
pub fn main<E, F, Fut>(kind: AgentKind, start: F) -> ExitCode
where
    E: Serialize + DeserializeOwned + Default + Clone + Send + Sync + 'static,
    F: FnOnce(AgentDeps<E>) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<ServerHandle>>>,
{
    let cli = Cli::parse();
    let name = format!("{}-agent", kind.as_str());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stratus-{name}: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let file = cli.config.or_else(|| config::default_path(&name));
        let config: AgentConfig<E> =
            config::load(file.as_deref()).with_context(|| match &file {
                Some(f) => format!("reading {}", f.display()),
                None => "reading the environment".into(),
            })?;
        stratus_common::telemetry::init(&config.log);
        run(kind, config, start, stratus_common::shutdown::signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stratus-{name}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The agent's life, until `stop` resolves. Public so tests can run an agent
/// in-process.
pub async fn run<E, F, Fut>(
    kind: AgentKind,
    config: AgentConfig<E>,
    start: F,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()>
where
    F: FnOnce(AgentDeps<E>) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<ServerHandle>>>,
{
    let host = config.agent.host.clone();
    let interval = config.agent.heartbeat_interval_s.max(1);
    let bus = Bus::new(
        config.bus.clone(),
        &format!("stratus-{}-agent@{host}", kind.as_str()),
    );
    let shutdown = CancellationToken::new();
    let tasks = TaskTracker::new();
    let servers = start(AgentDeps {
        kind,
        config,
        bus: bus.clone(),
        shutdown: shutdown.clone(),
        tasks: tasks.clone(),
    })
    .await?;
    tracing::info!(%host, kind = kind.as_str(), "agent started");
    let heartbeat = tokio::spawn(heartbeat_loop(
        bus.clone(),
        kind,
        host,
        interval,
        shutdown.clone(),
    ));
    stop.await;
    shutdown.cancel();
    for server in servers {
        server.stop().await;
    }
    let _ = heartbeat.await;
    // A background loop in the middle of a pass finishes it first.
    tasks.close();
    tasks.wait().await;
    bus.shutdown().await;
    tracing::info!("agent stopped");
    Ok(())
}

async fn heartbeat_loop(
    bus: Bus,
    kind: AgentKind,
    host: String,
    interval_s: u32,
    stop: CancellationToken,
) {
    let mut ticker = tokio::time::interval(Duration::from_secs(u64::from(interval_s)));
    let ctx = RequestContext::system();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let beat = HostHeartbeat {
            host: host.clone(),
            kind,
            version: env!("CARGO_PKG_VERSION").into(),
            at: Utc::now(),
            interval_s,
        };
        let sent = tokio::select! {
            _ = stop.cancelled() => return,
            sent = bus.notify::<Notification>(&ctx, beat) => sent,
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, "heartbeat not sent");
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
