//! Password and secret hashing with argon2id, always off the async runtime
//! (it is deliberately slow).

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use serde::{Deserialize, Serialize};
use stratus_common::Error;

/// argon2id cost parameters (OWASP's minimum by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

fn hasher(p: HashParams) -> Result<Argon2<'static>, Error> {
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
        .map_err(|e| Error::internal(&std::io::Error::other(e.to_string())))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `secret` into a PHC string.
pub async fn hash(params: HashParams, secret: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let salt: [u8; 16] = rand::random();
        hasher(params)?
            .hash_password_with_salt(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(&std::io::Error::other(e.to_string())))
    })
    .await
    .map_err(|e| Error::internal(&e))?
}

/// Whether `secret` matches the PHC string `hash`. With no hash (unknown
/// user), still spends the time of one verification, so a guesser cannot
/// tell unknown users from wrong passwords by timing.
pub async fn verify(
    params: HashParams,
    hash: Option<String>,
    secret: String,
) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || {
        let argon = hasher(params)?;
        match hash {
            Some(hash) => {
                Ok(
                    PasswordVerifier::<str>::verify_password(&argon, secret.as_bytes(), &hash)
                        .is_ok(),
                )
            }
            None => {
                let salt: [u8; 16] = rand::random();
                let _ = argon.hash_password_with_salt(secret.as_bytes(), &salt);
                Ok(false)
            }
        }
    })
    .await
    .map_err(|e| Error::internal(&e))?
}
