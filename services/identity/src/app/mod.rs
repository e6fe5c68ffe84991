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
pub mod roles;
pub mod tokens;

use keys::KeyRing;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use stratus_auth::{RevocationSet, Verifier};
use stratus_common::Error;
use stratus_db::PgPool;

/// A database error as the client sees it: logged, answered with a 500.
pub(crate) fn db(e: sqlx::Error) -> Error {
    Error::internal(&e)
}

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
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            token_ttl_s: 3600,
            key_rotation_s: 86_400,
            password_hashing: password::HashParams::default(),
            lockout_failures: 5,
            lockout_s: 60,
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
    /// Where revocations are announced; none in tests that need no bus.
    pub bus: Option<stratus_bus::Bus>,
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
        let app = Self {
            pool,
            config,
            keys,
            verifier,
            bus: None,
        };
        app.reload_revocations().await?;
        Ok(app)
    }

    /// Announces revocations on `bus`, and applies those other identity
    /// replicas announce.
    pub fn with_bus(mut self, bus: stratus_bus::Bus) -> Self {
        drop(stratus_http::auth::follow_revocations(
            &bus,
            self.verifier.clone(),
        ));
        self.bus = Some(bus);
        self
    }

    pub async fn reload_revocations(&self) -> Result<(), Error> {
        let rows = crate::datastore::revocation_list_live(&self.pool)
            .await
            .map_err(|e| Error::internal(&e))?;
        self.verifier
            .revocations()
            .replace(rows.into_iter().map(tokens::revocation_event).collect());
        Ok(())
    }
}
