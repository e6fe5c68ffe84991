//! Guessing is throttled by where it comes from: each source address may
//! fail a bounded number of logins in a window, then gets `429` with
//! `Retry-After` until the window passes (checked before any hashing, so it
//! tells nothing about accounts). Per user, failures are counted per source
//! in the database (see `datastore::login_attempt`), so a stranger locks an
//! account out from the stranger's address only.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use stratus_common::{Error, ErrorKind};

/// Failed logins per source address in a sliding window.
pub struct SourceThrottle {
    limit: u32,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

/// Entries kept before old ones are dropped.
const MAX_SOURCES: usize = 100_000;

impl SourceThrottle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            failures: Mutex::default(),
        }
    }

    /// `429` when `source` has used up its failures for the window.
    pub fn check(&self, source: Option<IpAddr>) -> Result<(), Error> {
        let Some(ip) = source else { return Ok(()) };
        let map = self.failures.lock().map_err(|_| poisoned())?;
        match map.get(&ip) {
            Some((n, since)) if *n >= self.limit && since.elapsed() < self.window => {
                let left = self.window.saturating_sub(since.elapsed()).as_secs().max(1);
                Err(too_many(left))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed login from `source`.
    pub fn failed(&self, source: Option<IpAddr>) {
        let Some(ip) = source else { return };
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= MAX_SOURCES {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        let entry = map.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

/// `429 Too Many Requests`, retry after `seconds`.
pub fn too_many(seconds: u64) -> Error {
    Error::new(
        ErrorKind::TooManyRequests,
        format!("Too many login attempts; retry in {seconds} s."),
    )
    .with_retry_after(seconds)
}

fn poisoned() -> Error {
    Error::internal(&std::io::Error::other("login throttle lock poisoned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_throttled_after_its_failures_and_others_are_not() {
        let t = SourceThrottle::new(3, Duration::from_secs(60));
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            assert!(t.check(Some(a)).is_ok());
            t.failed(Some(a));
        }
        assert_eq!(
            t.check(Some(a)).map_err(|e| e.kind),
            Err(ErrorKind::TooManyRequests)
        );
        assert!(t.check(Some(b)).is_ok());
        assert!(t.check(None).is_ok());
    }
}
