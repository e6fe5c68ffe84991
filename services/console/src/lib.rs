//! `stratus-console`: the web console's server. It serves the built
//! TypeScript app (`console/dist`), logs users in ([`session`]: the token in
//! an `HttpOnly` cookie), proxies `/api/<service>/…` to the catalog's
//! endpoints with the user's own token ([`proxy`]), and guards every
//! response and write ([`guard`]), and streams what changed to each viewer
//! as it is announced on the bus ([`events`]), and the host agents' health
//! from their heartbeats ([`agents`]). It keeps no state of its own beyond
//! the catalog it learnt ([`catalog`]) and what it heard on the bus.

pub mod agents;
pub mod catalog;
pub mod config;
pub mod events;
pub mod guard;
pub mod identity;
pub mod proxy;
pub mod session;

use axum::Router;
use axum::middleware;
use axum::routing::{any, get, post};
use std::sync::Arc;
use std::time::Duration;
use stratus_common::{Error, ErrorStyle};
use tower_http::services::{ServeDir, ServeFile};

use catalog::Catalog;
use config::ConsoleSection;
use identity::IdentityClient;

/// The console's shared state.
pub struct Console {
    pub identity: IdentityClient,
    pub catalog: Catalog,
    /// For the proxied requests: no timeout on bodies (uploads), one on connecting.
    pub http: reqwest::Client,
    pub secure_cookie: bool,
    /// The live feed's announcements, fanned out to the open streams.
    pub feed: events::Feed,
    /// The host agents' last heartbeats.
    pub agents: agents::Agents,
    /// Cancelled when the console stops: open streams end with it.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl Console {
    pub fn new(config: &ConsoleSection) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let identity_http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            identity: IdentityClient::new(identity_http, &config.identity_url),
            catalog: Catalog::new(&config.interface, &config.region),
            http,
            secure_cookie: config.secure_cookie,
            feed: events::Feed::default(),
            agents: agents::Agents::default(),
            shutdown: tokio_util::sync::CancellationToken::new(),
        })
    }

    /// Feeds the live streams from the bus's announcements, and the agents'
    /// health from their heartbeats, until the returned handles stop.
    pub fn follow(self: &Arc<Self>, bus: &stratus_bus::Bus) -> [stratus_bus::ServerHandle; 2] {
        let console = self.clone();
        let changes = stratus_bus_protocol::follow_changes(bus, move |e| console.feed.publish(e));
        let console = self.clone();
        let beats = stratus_bus_protocol::follow_heartbeats(bus, move |b| console.agents.beat(b));
        [changes, beats]
    }

    /// The root URL of `service` (a name of [`catalog::SERVICES`]), from the
    /// catalog learnt, else from validating `token` (which learns it).
    pub async fn endpoint(&self, service: &str, token: &str) -> Result<String, Error> {
        if !catalog::SERVICES.iter().any(|(name, _)| *name == service) {
            return Err(Error::not_found(format!(
                "No service '{service}' is proxied."
            )));
        }
        let known = match self.catalog.get() {
            Some(map) => map,
            None => {
                let body = self.identity.validate(token).await?;
                self.catalog
                    .learn(body.token.catalog.as_deref().unwrap_or_default())
            }
        };
        known
            .get(service)
            .map(|e| e.root.clone())
            .ok_or_else(|| Error::not_found(format!("The catalog has no {service} endpoint.")))
    }
}

/// The whole console: `/auth/*`, `/api/*`, `/healthcheck`, and the app for
/// every other `GET` (deep links load `index.html`).
pub fn router(console: Arc<Console>, config: &ConsoleSection) -> Router {
    let index = ServeFile::new(config.assets.join("index.html"));
    let app = ServeDir::new(&config.assets).fallback(index);
    let api = Router::new()
        .route("/auth/login", post(session::login))
        .route("/auth/session", get(session::session))
        .route("/auth/project", post(session::switch))
        .route("/auth/logout", post(session::logout))
        .route("/events", get(events::stream))
        .route("/events/recent", get(events::recent))
        .route("/agents", get(agents::list))
        .route("/api/{service}", any(proxy::root))
        .route("/api/{service}/{*path}", any(proxy::path))
        .route("/healthcheck", get(|| async { "OK" }))
        .with_state(console);
    let mut options = stratus_http::ApiOptions::new(ErrorStyle::Plain);
    options.body_limit = config.body_limit;
    stratus_http::finish(api, options)
        .route_service("/", app.clone())
        .route_service("/{*path}", app)
        .layer(middleware::from_fn(guard::csrf))
        .layer(middleware::from_fn(guard::headers))
}
