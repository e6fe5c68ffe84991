//! Local token validation: signature against the cached JWKS (refetched,
//! at most once a second, when a token names an unknown key), issuer,
//! expiry, then the revocation set. Tokens whose signature checked out are
//! remembered (by their exact text), so a token seen again costs a lookup,
//! the expiry check and the revocation check, not another Ed25519
//! verification.

use crate::{AuthError, Jwks, RevocationSet, TokenClaims};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const ISSUER: &str = "stratus-identity";
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(1);
/// How many verified tokens are remembered.
const VERIFIED_CACHE_ITEMS: usize = 8192;

pub type JwksFuture = Pin<Box<dyn Future<Output = Result<Jwks, AuthError>> + Send>>;

/// Where a verifier gets the public keys: identity's JWKS over HTTP in the
/// other services, its own database inside identity.
pub trait KeySource: Send + Sync + 'static {
    fn fetch(&self) -> JwksFuture;
}

pub struct Verifier {
    keys: RwLock<HashMap<String, DecodingKey>>,
    source: Arc<dyn KeySource>,
    revocations: Arc<RevocationSet>,
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
    min_refetch_interval: Duration,
    verified: quick_cache::sync::Cache<String, Arc<TokenClaims>>,
}

impl Verifier {
    pub fn new(source: Arc<dyn KeySource>, revocations: Arc<RevocationSet>) -> Self {
        Self {
            keys: RwLock::new(HashMap::new()),
            source,
            revocations,
            last_fetch: tokio::sync::Mutex::new(None),
            min_refetch_interval: MIN_REFETCH_INTERVAL,
            verified: quick_cache::sync::Cache::new(VERIFIED_CACHE_ITEMS),
        }
    }

    /// How often at most a stream of tokens with unknown key ids may make it
    /// refetch the JWKS (default one second).
    pub fn with_min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    pub fn revocations(&self) -> &Arc<RevocationSet> {
        &self.revocations
    }

    /// Validates `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<TokenClaims, AuthError> {
        if let Some(claims) = self.verified.get(token) {
            if claims.exp < chrono::Utc::now().timestamp() {
                self.verified.remove(token);
                return Err(AuthError::Expired);
            }
            if self.revocations.is_revoked(&claims) {
                return Err(AuthError::Revoked);
            }
            return Ok(TokenClaims::clone(&claims));
        }
        let claims = self.verify_signed(token).await?;
        if self.revocations.is_revoked(&claims) {
            return Err(AuthError::Revoked);
        }
        self.verified
            .insert(token.to_owned(), Arc::new(claims.clone()));
        Ok(claims)
    }

    /// Header, key, signature, issuer and expiry.
    async fn verify_signed(&self, token: &str) -> Result<TokenClaims, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(AuthError::Malformed);
        }
        let kid = header.kid.ok_or(AuthError::Malformed)?;
        let key = match self.key(&kid) {
            Some(key) => key,
            None => {
                self.refresh().await?;
                self.key(&kid).ok_or(AuthError::UnknownKey)?
            }
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<TokenClaims>(token, &key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid(e),
            })?
            .claims;
        Ok(claims)
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.read().ok()?.get(kid).cloned()
    }

    /// Refetches the JWKS, unless another caller did in the last second.
    pub async fn refresh(&self) -> Result<(), AuthError> {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|t| t.elapsed() < self.min_refetch_interval) {
            return Ok(());
        }
        let jwks = self.source.fetch().await?;
        let mut fresh = HashMap::new();
        for jwk in jwks.keys {
            if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
                continue;
            }
            match DecodingKey::from_ed_components(&jwk.x) {
                Ok(key) => {
                    fresh.insert(jwk.kid, key);
                }
                Err(e) => tracing::warn!(kid = %jwk.kid, error = %e, "unusable key in the JWKS"),
            }
        }
        if let Ok(mut keys) = self.keys.write() {
            *keys = fresh;
        }
        *last = Some(Instant::now());
        Ok(())
    }
}
