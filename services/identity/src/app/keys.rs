//! Signing keys: the newest unretired key signs; every unretired key is
//! published in the JWKS. A new key is made when the newest is older than the
//! rotation interval; keys are retired once no token they signed can live.

use super::IdentityConfig;
use crate::datastore;
use chrono::{Duration, Utc};
use std::sync::{Arc, RwLock};
use stratus_auth::{AuthError, Jwks, JwksFuture, KeyPair, KeySource, Signer, ed25519_jwk};
use stratus_common::Error;
use stratus_db::PgPool;

pub struct KeyRing {
    pool: PgPool,
    signer: RwLock<Arc<Signer>>,
}

impl KeyRing {
    pub async fn load(pool: PgPool, config: &IdentityConfig) -> Result<Self, Error> {
        let ring = Self {
            signer: RwLock::new(Arc::new(ensure_current(&pool, config).await?)),
            pool,
        };
        Ok(ring)
    }

    pub fn signer(&self) -> Arc<Signer> {
        self.signer
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Makes a new key if the newest is due for rotation, retires keys no
    /// live token can need, and switches signing to the newest key.
    pub async fn rotate_if_due(&self, config: &IdentityConfig) -> Result<(), Error> {
        let signer = ensure_current(&self.pool, config).await?;
        let horizon = Utc::now()
            - Duration::seconds(
                i64::from(config.key_rotation_s) + i64::from(config.token_ttl_s) + 60,
            );
        datastore::signing_key_retire_older(&self.pool, horizon).await?;
        if let Ok(mut current) = self.signer.write() {
            *current = Arc::new(signer);
        }
        Ok(())
    }

    pub async fn jwks(&self) -> Result<Jwks, Error> {
        Ok(jwks(&self.pool).await?)
    }
}

/// The newest key, made first if there is none or it is due for rotation.
async fn ensure_current(pool: &PgPool, config: &IdentityConfig) -> Result<Signer, Error> {
    let keys = datastore::signing_key_list_active(pool).await?;
    let due = Utc::now() - Duration::seconds(i64::from(config.key_rotation_s));
    if let Some(newest) = keys.first().filter(|k| k.created_at > due) {
        return Ok(Signer::new(newest.kid.clone(), &newest.private_der));
    }
    let pair = KeyPair::generate().map_err(|e| Error::internal(&e))?;
    datastore::signing_key_insert(pool, &pair.kid, &pair.private_der, &pair.public_key).await?;
    tracing::info!(kid = %pair.kid, "new token signing key");
    Ok(Signer::new(pair.kid, &pair.private_der))
}

async fn jwks(pool: &PgPool) -> sqlx::Result<Jwks> {
    let keys = datastore::signing_key_list_active(pool).await?;
    Ok(Jwks {
        keys: keys
            .iter()
            .map(|k| ed25519_jwk(&k.kid, &k.public_key))
            .collect(),
    })
}

/// Identity validates tokens against its own database, which sees keys made
/// by any replica.
pub struct DbKeySource(pub PgPool);

impl KeySource for DbKeySource {
    fn fetch(&self) -> JwksFuture {
        let pool = self.0.clone();
        Box::pin(async move {
            jwks(&pool)
                .await
                .map_err(|e| AuthError::KeysUnavailable(e.to_string()))
        })
    }
}
