//! Types every Stratus service and agent shares: the transport-independent
//! [`Error`] and its OpenStack renderings, the [`RequestContext`] that follows a
//! request across HTTP and the bus, configuration loading and logging set-up.

pub mod config;
pub mod context;
#[cfg(feature = "db")]
mod db_error;
pub mod error;
pub mod mac;
pub mod shutdown;
pub mod telemetry;

pub use context::{RequestContext, RequestId};
pub use error::{Error, ErrorKind, ErrorStyle};
