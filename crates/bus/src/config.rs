//! Bus settings, with defaults for a broker on the local host.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusConfig {
    /// AMQP URI of the broker.
    pub url: String,
    /// Prefix of every exchange and queue name: `<prefix>.rpc`,
    /// `<prefix>.events`, `<prefix>.<topic>`. Lets tests and several clouds
    /// share one broker.
    pub prefix: String,
    /// `classic` for one host, `quorum` for a RabbitMQ cluster.
    pub queue_type: QueueType,
    /// Unacknowledged deliveries a consumer holds at once.
    pub prefetch: u16,
    /// Default deadline of a call, in milliseconds.
    pub call_timeout_ms: u64,
    /// How long a cast or notify keeps retrying before it reports the broker
    /// unavailable, in milliseconds.
    pub publish_timeout_ms: u64,
    /// Longest pause between reconnect attempts, in milliseconds.
    pub max_backoff_ms: u64,
    /// Idle queues and exchanges delete themselves after this many
    /// milliseconds. For tests only: production queues must outlive outages.
    pub expire_idle_ms: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueType {
    Classic,
    Quorum,
}

impl Default for BusConfig {
    fn default() -> Self {
        Self {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            prefix: "stratus".into(),
            queue_type: QueueType::Classic,
            prefetch: 32,
            call_timeout_ms: 60_000,
            publish_timeout_ms: 300_000,
            max_backoff_ms: 5_000,
            expire_idle_ms: None,
        }
    }
}

impl BusConfig {
    pub fn call_timeout(&self) -> Duration {
        Duration::from_millis(self.call_timeout_ms)
    }
    pub fn publish_timeout(&self) -> Duration {
        Duration::from_millis(self.publish_timeout_ms)
    }
    pub fn max_backoff(&self) -> Duration {
        Duration::from_millis(self.max_backoff_ms.max(50))
    }
    pub(crate) fn rpc_exchange(&self) -> String {
        format!("{}.rpc", self.prefix)
    }
    pub(crate) fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }
    pub(crate) fn topic_queue(&self, topic: &str) -> String {
        format!("{}.{topic}", self.prefix)
    }
    pub(crate) fn subscriber_queue(&self, subscriber: &str) -> String {
        format!("{}.events.{subscriber}", self.prefix)
    }
}
