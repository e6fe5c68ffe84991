//! The `main` of every API service: parse the command line, load the
//! configuration, set up logging, connect to PostgreSQL and apply the
//! service's migrations, connect to the bus, serve each API on its port with
//! `/healthcheck` (behind the shared auth layer, for every service but
//! identity), and on SIGTERM finish in-flight requests and close cleanly.
//!
//! ```text
//! stratus-<name> [--config FILE] [serve]   run the service (default)
//! stratus-<name> [--config FILE] db sync   apply migrations and exit
//! stratus-<name> openapi [API]             print an API's OpenAPI document
//! ```

use crate::auth::{AuthConfig, Authenticator};
use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use clap::{Parser, Subcommand};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use stratus_auth::Verifier;
use stratus_bus::{Bus, BusConfig};
use stratus_common::config::{self, LogConfig};
use stratus_db::{DbConfig, Migrator, PgPool};
use tokio_util::sync::CancellationToken;

/// What the runner needs to know about a service.
pub struct ServiceSpec {
    /// `identity`, `compute`, ...: names the binary, database and config file.
    pub name: &'static str,
    pub migrator: &'static Migrator,
    /// The OpenAPI document of each API, by API name (`openapi/<api>.json`).
    pub openapi: fn() -> Vec<(&'static str, utoipa::openapi::OpenApi)>,
    /// Each API the service serves and its default port.
    pub apis: &'static [(&'static str, u16)],
    /// Whether its APIs take identity's tokens through the shared auth layer
    /// (every service but identity, which validates its own).
    pub authenticated: bool,
}

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (default: $STRATUS_CONFIG, else /etc/stratus/<name>.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve,
    /// Database administration.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Print the OpenAPI document of one of the service's APIs (default: the first).
    Openapi {
        /// The API's name.
        api: Option<String>,
    },
    /// A command of the service's own (identity's `bootstrap`).
    #[command(external_subcommand)]
    Other(Vec<String>),
}

#[derive(Subcommand)]
enum DbCommand {
    /// Apply pending migrations and exit.
    Sync,
}

/// Settings every service has, plus its own (`E`, flattened at the top level).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServiceConfig<E> {
    #[serde(default)]
    pub database: DbConfig,
    #[serde(default)]
    pub bus: BusConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub http: HttpConfig,
    /// Where identity is and this service's user (services with
    /// [`ServiceSpec::authenticated`]).
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(flatten)]
    pub service: E,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Address the APIs listen on.
    pub host: String,
    /// Port of each API, by name.
    pub ports: BTreeMap<String, u16>,
    /// Largest request body, in bytes.
    pub body_limit: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            host: "0.0.0.0".into(),
            ports: BTreeMap::new(),
            body_limit: 1024 * 1024,
        }
    }
}

impl<E: Default> ServiceConfig<E> {
    /// Defaults for one host: the service's own database, the local broker,
    /// the service's standard ports.
    pub fn defaults(spec: &ServiceSpec) -> Self {
        Self {
            database: DbConfig::for_service(spec.name),
            bus: BusConfig::default(),
            log: LogConfig::default(),
            http: HttpConfig {
                ports: spec
                    .apis
                    .iter()
                    .map(|(n, p)| ((*n).to_owned(), *p))
                    .collect(),
                ..HttpConfig::default()
            },
            auth: AuthConfig::default(),
            service: E::default(),
        }
    }
}

/// What a service's router is built from.
pub struct Deps<E> {
    pub config: ServiceConfig<E>,
    pub pool: PgPool,
    pub bus: Bus,
    /// Cancelled when the process is asked to stop, for background tasks.
    pub shutdown: CancellationToken,
    /// The token verifier of an authenticated service (the runner already
    /// adds it to every router it serves).
    pub verifier: Option<Arc<Verifier>>,
}

/// Runs the command line of a service whose routers `build` makes.
pub fn main<E, F, Fut>(spec: ServiceSpec, build: F) -> ExitCode
where
    E: Serialize + DeserializeOwned + Default + Clone + Send + Sync + 'static,
    F: FnOnce(Deps<E>) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<(&'static str, Router)>>>,
{
    main_with_commands(
        spec,
        build,
        |args: Vec<String>, _config: ServiceConfig<E>, _pool| async move {
            anyhow::bail!(
                "unknown command {:?}; see --help",
                args.first().map_or("", String::as_str)
            )
        },
    )
}

/// [`main`] for a service with commands of its own: `other` gets the command
/// line from the command's name on, the configuration, and a migrated pool.
pub fn main_with_commands<E, F, Fut, O, OFut>(spec: ServiceSpec, build: F, other: O) -> ExitCode
where
    E: Serialize + DeserializeOwned + Default + Clone + Send + Sync + 'static,
    F: FnOnce(Deps<E>) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<(&'static str, Router)>>>,
    O: FnOnce(Vec<String>, ServiceConfig<E>, PgPool) -> OFut,
    OFut: Future<Output = anyhow::Result<()>>,
{
    let cli = Cli::parse();
    if let Some(Command::Openapi { api }) = &cli.command {
        let docs = (spec.openapi)();
        let doc = match api {
            Some(api) => docs.into_iter().find(|(name, _)| name == api),
            None => docs.into_iter().next(),
        };
        let Some((_, doc)) = doc else {
            eprintln!(
                "stratus-{}: no such API; it serves: {:?}",
                spec.name, spec.apis
            );
            return ExitCode::FAILURE;
        };
        println!("{}", crate::openapi::render(&doc).trim_end());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stratus-{}: cannot start the async runtime: {e}", spec.name);
            return ExitCode::FAILURE;
        }
    };
    let name = spec.name;
    let result = runtime.block_on(async move {
        let file = cli.config.or_else(|| config::default_path(spec.name));
        let config: ServiceConfig<E> =
            config::load_with_defaults(&ServiceConfig::defaults(&spec), file.as_deref())
                .with_context(|| match &file {
                    Some(f) => format!("reading {}", f.display()),
                    None => "reading the environment".into(),
                })?;
        stratus_common::telemetry::init(&config.log);
        match cli.command {
            Some(Command::Db {
                command: DbCommand::Sync,
            }) => db_sync(&spec, &config.database).await,
            Some(Command::Other(args)) => {
                let pool = stratus_db::connect(&config.database).await?;
                stratus_db::migrate(&pool, spec.migrator).await?;
                let result = other(args, config, pool.clone()).await;
                pool.close().await;
                result
            }
            _ => serve(spec, config, build).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "exiting");
            eprintln!("stratus-{name}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn db_sync(spec: &ServiceSpec, db: &DbConfig) -> anyhow::Result<()> {
    let pool = stratus_db::connect(db).await?;
    stratus_db::migrate(&pool, spec.migrator).await?;
    tracing::info!(service = spec.name, "database schema is up to date");
    pool.close().await;
    Ok(())
}

async fn serve<E, F, Fut>(
    spec: ServiceSpec,
    config: ServiceConfig<E>,
    build: F,
) -> anyhow::Result<()>
where
    F: FnOnce(Deps<E>) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<(&'static str, Router)>>>,
{
    let pool = stratus_db::connect(&config.database).await?;
    stratus_db::migrate(&pool, spec.migrator).await?;
    let bus = Bus::new(config.bus.clone(), &format!("stratus-{}", spec.name));
    let shutdown = CancellationToken::new();
    let host = config.http.host.clone();
    let ports = config.http.ports.clone();
    let auth = if spec.authenticated {
        Some(
            Authenticator::start(&config.auth, &bus)
                .await
                .context("starting token validation")?,
        )
    } else {
        None
    };
    let verifier = auth.as_ref().map(Authenticator::verifier);
    let routers = build(Deps {
        config,
        pool: pool.clone(),
        bus: bus.clone(),
        shutdown: shutdown.clone(),
        verifier,
    })
    .await?;

    let mut servers = Vec::new();
    for (api, router) in routers {
        let port = ports
            .get(api)
            .copied()
            .with_context(|| format!("no port configured for the {api} API"))?;
        let listener = tokio::net::TcpListener::bind((host.as_str(), port))
            .await
            .with_context(|| format!("cannot listen on {host}:{port} for the {api} API"))?;
        tracing::info!(api, address = %listener.local_addr()?, "listening");
        let router = crate::changes::layer(router, bus.clone(), api);
        let router = match &auth {
            Some(auth) => auth.layer(router),
            None => router,
        }
        .merge(health_router(pool.clone(), bus.clone()));
        let stop = shutdown.clone();
        servers.push(tokio::spawn(crate::serve(listener, router, async move {
            stop.cancelled().await
        })));
    }
    {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            crate::shutdown_signal().await;
            shutdown.cancel();
        });
    }
    for server in servers {
        server.await??;
    }
    if let Some(auth) = auth {
        auth.stop().await;
    }
    bus.shutdown().await;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `GET /healthcheck`, as oslo.middleware answers it: `OK`, or 503 naming
/// what is down.
pub fn health_router(pool: PgPool, bus: Bus) -> Router {
    Router::new()
        .route("/healthcheck", get(health))
        .with_state((pool, bus))
}

async fn health(State((pool, bus)): State<(PgPool, Bus)>) -> (StatusCode, String) {
    let mut down = Vec::new();
    if sqlx::query("SELECT 1").execute(&pool).await.is_err() {
        down.push("database");
    }
    if !bus.is_connected()
        && bus
            .wait_connected(std::time::Duration::from_secs(1))
            .await
            .is_err()
    {
        down.push("message bus");
    }
    if down.is_empty() {
        (StatusCode::OK, "OK".into())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unavailable: {}", down.join(", ")),
        )
    }
}
