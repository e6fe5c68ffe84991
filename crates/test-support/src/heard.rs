//! What a test hears on the bus: every notification of some routing keys
//! from the moment it listens (a queue of its own, gone with the bus).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use stratus_bus::{Bus, Incoming, ServerHandle};
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::usage::{LifecycleEvent, UsageSample};

pub struct Heard {
    items: Arc<Mutex<Vec<Notification>>>,
    _listener: ServerHandle,
}

impl Heard {
    /// Listens to `keys` on `bus`; returns once the queue is consumed.
    pub async fn start(bus: &Bus, keys: &[&str]) -> Self {
        let items: Arc<Mutex<Vec<Notification>>> = Arc::default();
        let sink = items.clone();
        let listener = bus.subscribe_transient(keys, move |inc: Incoming<Notification>| {
            let sink = sink.clone();
            async move {
                if let Ok(mut all) = sink.lock() {
                    all.push(inc.message);
                }
                Ok(serde_json::Value::Null)
            }
        });
        assert!(
            listener.wait_consuming(Duration::from_secs(30)).await,
            "listening to {keys:?}"
        );
        Self {
            items,
            _listener: listener,
        }
    }

    /// Everything heard so far, in order.
    pub fn all(&self) -> Vec<Notification> {
        self.items.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// The usage lifecycle events heard so far.
    pub fn lifecycle(&self) -> Vec<LifecycleEvent> {
        self.all()
            .into_iter()
            .filter_map(|n| match n {
                Notification::UsageLifecycle(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    /// The usage samples heard so far, batches flattened.
    pub fn samples(&self) -> Vec<UsageSample> {
        self.all()
            .into_iter()
            .filter_map(|n| match n {
                Notification::UsageSample(b) => Some(b.samples),
                _ => None,
            })
            .flatten()
            .collect()
    }
}
