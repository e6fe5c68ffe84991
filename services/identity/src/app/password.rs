//! Password and secret hashing with argon2id, always off the async runtime
//! (it is deliberately slow) and bounded: at most two hashes per core run at
//! once, a bounded number wait, and beyond that a login gets `429` with
//! `Retry-After` instead of another 19 MiB of memory and a core.

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

/// The hashes running at once and those waiting for a turn.
struct Gate {
    running: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
}

static GATE: std::sync::LazyLock<Gate> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Gate {
        running: tokio::sync::Semaphore::new(2 * cores),
        waiting: std::sync::atomic::AtomicUsize::new(0),
        max_waiting: 16 * cores,
    }
});

/// Runs the blocking hash `f` when a turn is free; `429` when too many wait.
async fn gated<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    use std::sync::atomic::Ordering;
    let gate = &*GATE;
    if gate.waiting.fetch_add(1, Ordering::AcqRel) >= gate.max_waiting {
        gate.waiting.fetch_sub(1, Ordering::AcqRel);
        return Err(super::throttle::too_many(1));
    }
    let permit = gate.running.acquire().await;
    gate.waiting.fetch_sub(1, Ordering::AcqRel);
    let _permit = permit.map_err(|e| Error::internal(&e))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(&e))?
}

/// Passwords checked against a stored hash (not the stand-in hash of an
/// unknown or locked account), in this process: what a guesser learns from.
static REAL_CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many passwords this process checked against a stored hash.
pub fn real_checks() -> u64 {
    REAL_CHECKS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Hashes `secret` into a PHC string.
pub async fn hash(params: HashParams, secret: String) -> Result<String, Error> {
    gated(move || {
        let salt: [u8; 16] = rand::random();
        hasher(params)?
            .hash_password_with_salt(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(&std::io::Error::other(e.to_string())))
    })
    .await
}

/// Whether `secret` matches the PHC string `hash`. With no hash (unknown
/// user), still spends the time of one verification, so a guesser cannot
/// tell unknown users from wrong passwords by timing.
pub async fn verify(
    params: HashParams,
    hash: Option<String>,
    secret: String,
) -> Result<bool, Error> {
    gated(move || {
        let argon = hasher(params)?;
        match hash {
            Some(hash) => {
                REAL_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashing_beyond_the_gate_is_refused_with_retry_after() {
        let params = HashParams::default();
        let all = futures_util::future::join_all(
            (0..200).map(|i| verify(params, None, format!("guess-{i}"))),
        )
        .await;
        let refused: Vec<&Error> = all.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(!refused.is_empty(), "200 at once must not all be hashed");
        for e in refused {
            assert_eq!(e.kind, stratus_common::ErrorKind::TooManyRequests);
            assert_eq!(e.retry_after, Some(1));
        }
        // Once the burst is over, hashing is served again.
        assert_eq!(verify(params, None, "x".into()).await.ok(), Some(false));
    }
}
