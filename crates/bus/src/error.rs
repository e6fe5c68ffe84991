//! Errors of bus operations, and their mapping onto the common [`Error`].

use std::time::Duration;
use stratus_common::{Error, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// No reply before the deadline (nobody consumes the topic, or the
    /// consumer is too slow or died).
    #[error("call {method} to {topic} timed out after {after:?}")]
    Timeout {
        topic: String,
        method: String,
        after: Duration,
    },
    /// The handler answered with an error.
    #[error("remote error: {0}")]
    Remote(#[source] Error),
    /// The broker could not be reached, or did not confirm, in time.
    #[error("message bus unavailable: {0}")]
    Unavailable(String),
    #[error("could not encode the message")]
    Encode(#[source] serde_json::Error),
    #[error("could not decode the reply")]
    Decode(#[source] serde_json::Error),
    #[error("the bus is shut down")]
    Closed,
}

impl From<BusError> for Error {
    fn from(err: BusError) -> Self {
        match err {
            BusError::Remote(e) => e,
            BusError::Timeout { .. } => Error::new(ErrorKind::Timeout, err.to_string()),
            BusError::Unavailable(_) | BusError::Closed => Error::unavailable(err.to_string()),
            BusError::Encode(_) | BusError::Decode(_) => Error::internal(&err),
        }
    }
}
