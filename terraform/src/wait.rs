//! Waiting for an object to settle: polls with backoff (1 s doubling to
//! 10 s) until a deadline, and stops at once on a failed state with the
//! API's own message.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::framework::{Error, Result};

/// When a wait gives up.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
    total: Duration,
}

impl Deadline {
    pub fn after(total: Duration) -> Self {
        Self {
            at: Instant::now() + total,
            total,
        }
    }
    pub fn passed(&self) -> bool {
        Instant::now() >= self.at
    }
    pub fn total(&self) -> Duration {
        self.total
    }
}

/// What one look at the object found.
pub enum Poll<T> {
    /// Settled as wanted.
    Done(T),
    /// Still on its way; the text says where it is (for the timeout message).
    Pending(String),
    /// Failed for good, with the reason (the API's fault message).
    Failed(String),
}

/// Polls `look` until it is done, failed, or the deadline passes.
pub async fn until<T, F, Fut>(deadline: Deadline, what: &str, mut look: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>>>,
{
    let mut delay = Duration::from_millis(500);
    loop {
        match look().await? {
            Poll::Done(t) => return Ok(t),
            Poll::Failed(why) => return Err(Error::Failed(format!("{what} failed: {why}"))),
            Poll::Pending(state) => {
                if deadline.passed() {
                    return Err(Error::Failed(format!(
                        "{what}: still {state} after {} s (raise the `timeouts` block's value to wait longer)",
                        deadline.total().as_secs()
                    )));
                }
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}
