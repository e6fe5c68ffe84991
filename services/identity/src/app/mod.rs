//! Identity's logic, between the thin HTTP handlers and the datastore:
//! authentication and token issue, validation and revocation, signing keys,
//! the catalog, and bootstrap.

pub mod admin;
pub mod app_creds;
pub mod bootstrap;
pub mod catalog;
pub mod groups;
pub mod keys;
pub mod password;
pub mod policy;
pub mod roles;
pub mod throttle;
pub mod tokens;

use keys::KeyRing;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use stratus_auth::{RevocationSet, Verifier};
use stratus_common::Error;
use stratus_db::PgPool;

/// The `[identity]` section of the configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// Lifetime of a token, in seconds.
    pub token_ttl_s: u32,
    /// A new signing key is made when the newest is older than this, in
    /// seconds; older keys stay published until their tokens have expired.
    pub key_rotation_s: u32,
    pub password_hashing: password::HashParams,
    /// Failed password logins in a row after which a user is locked out...
    pub lockout_failures: u32,
    /// ...for this many seconds since the last failure.
    pub lockout_s: u32,
    /// The cloud's admin project (Keystone's `[resource] admin_project_name`
    /// and `admin_project_domain_name`): the `admin` role makes a cloud
    /// administrator only on a token scoped to it.
    pub admin_project: String,
    pub admin_project_domain: String,
    /// Failed logins from one source address within `lockout_s` after
    /// which that address gets `429` for any login.
    pub source_failures: u32,
    /// Proxies that log users in for them (the web console): from these
    /// peers a login's source is the last address of `X-Forwarded-For`, so
    /// one guesser behind a proxy is throttled alone, not everyone behind it.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            token_ttl_s: 3600,
            key_rotation_s: 86_400,
            password_hashing: password::HashParams::default(),
            lockout_failures: 5,
            lockout_s: 60,
            admin_project: "admin".into(),
            admin_project_domain: "Default".into(),
            source_failures: 30,
            trusted_proxies: Vec::new(),
        }
    }
}

/// How the service configuration nests it: `[identity]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdentitySection {
    pub identity: IdentityConfig,
}

/// Everything the handlers need.
#[derive(Clone)]
pub struct App {
    pub pool: PgPool,
    pub config: IdentityConfig,
    pub keys: Arc<KeyRing>,
    pub verifier: Arc<Verifier>,
    /// Where revocations are announced (through the outbox, so none is
    /// lost while the broker is away); none in tests that need no bus.
    pub bus: Option<stratus_bus::Bus>,
    pub outbox: Option<stratus_outbox::Outbox>,
    /// Failed logins per source address.
    pub throttle: Arc<throttle::SourceThrottle>,
}

impl App {
    /// Loads (or makes) the signing keys and the live revocation events.
    pub async fn new(pool: PgPool, config: IdentityConfig) -> Result<Self, Error> {
        let keys = Arc::new(KeyRing::load(pool.clone(), &config).await?);
        let revocations = Arc::new(RevocationSet::default());
        let verifier = Arc::new(Verifier::new(
            Arc::new(keys::DbKeySource(pool.clone())),
            revocations,
        ));
        let throttle = Arc::new(throttle::SourceThrottle::new(
            config.source_failures,
            std::time::Duration::from_secs(u64::from(config.lockout_s)),
        ));
        let app = Self {
            pool,
            config,
            keys,
            verifier,
            bus: None,
            outbox: None,
            throttle,
        };
        app.reload_revocations().await?;
        Ok(app)
    }

    /// Announces revocations on `bus`, and applies those other identity
    /// replicas announce.
    pub fn with_bus(mut self, bus: stratus_bus::Bus) -> Self {
        drop(stratus_bus_protocol::follow_revocations(
            &bus,
            self.verifier.clone(),
        ));
        self.outbox = Some(stratus_outbox::Outbox::new(self.pool.clone(), bus.clone()));
        self.bus = Some(bus);
        self
    }

    /// Relays the outbox's revocations and forgets stale login failures
    /// until `shutdown`.
    pub fn start_background(&self, shutdown: tokio_util::sync::CancellationToken) {
        if let Some(outbox) = &self.outbox {
            outbox.start(shutdown.clone());
        }
        let (pool, window) = (self.pool.clone(), self.config.lockout_s);
        tokio::spawn(async move {
            loop {
                if let Err(e) = crate::datastore::login_failures_prune(&pool, window).await {
                    tracing::warn!(error = %e, "cannot prune login failures");
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                }
            }
        });
    }

    /// The revocation events that can still match a live token (admins and
    /// the services may list them).
    pub async fn revocation_events(
        &self,
        caller: &stratus_auth::TokenClaims,
    ) -> Result<Vec<stratus_auth::RevocationEvent>, Error> {
        if !policy::may_list_revocations(caller) {
            return Err(Error::forbidden(
                "You are not authorized to perform the requested action: identity:list_revoke_events.",
            ));
        }
        let rows = crate::datastore::revocation_list_live(&self.pool).await?;
        Ok(rows.into_iter().map(tokens::revocation_event).collect())
    }

    pub async fn reload_revocations(&self) -> Result<(), Error> {
        let rows = crate::datastore::revocation_list_live(&self.pool).await?;
        self.verifier
            .revocations()
            .replace(rows.into_iter().map(tokens::revocation_event).collect());
        Ok(())
    }
}
