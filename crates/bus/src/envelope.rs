//! The JSON envelopes on the wire: `{id, method, args, context, deadline}` for
//! requests, `{id, event_type, payload, context}` for events and
//! `{id, ok | error}` for replies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use stratus_common::{Error, RequestContext};
use uuid::Uuid;

/// An outgoing message: the typed body is flattened beside the envelope fields.
#[derive(Serialize)]
pub(crate) struct Envelope<'a, M: Serialize> {
    pub id: Uuid,
    #[serde(flatten)]
    pub body: &'a M,
    pub context: &'a RequestContext,
    /// Milliseconds since the Unix epoch after which nobody waits for the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<u64>,
}

/// An incoming envelope before its body is decoded into the consumer's type.
#[derive(Deserialize)]
pub(crate) struct RawEnvelope {
    pub id: Uuid,
    #[serde(default)]
    pub context: RequestContext,
    #[serde(default)]
    pub deadline: Option<u64>,
    #[serde(flatten)]
    pub body: Map<String, Value>,
}

impl RawEnvelope {
    /// The method or event type, for logs and error messages.
    pub fn name(&self) -> String {
        self.body
            .get("method")
            .or_else(|| self.body.get("event_type"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    }

    pub fn expired(&self) -> bool {
        self.deadline
            .is_some_and(|d| unix_ms(SystemTime::now()) > d)
    }
}

/// A decoded message as a handler receives it.
#[derive(Debug, Clone)]
pub struct Incoming<M> {
    /// The message id: stable across redeliveries and publisher retries, so
    /// handlers can make their work idempotent on it.
    pub id: Uuid,
    pub context: RequestContext,
    pub message: M,
    /// The broker delivered this before (to this or another consumer).
    pub redelivered: bool,
    pub deadline: Option<SystemTime>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct ReplyEnvelope {
    pub id: Uuid,
    #[serde(flatten)]
    pub body: ReplyBody,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReplyBody {
    Ok(Value),
    Error(Error),
}

pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub(crate) fn from_unix_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}
