//! Running an agent in-process for a test, the way its binary would.

use crate::{bus_config, init_logs, unique_name};
use std::future::Future;
use std::time::Duration;
use stratus_agent::{AgentConfig, AgentDeps, AgentSettings};
use stratus_bus::{Bus, Call, Incoming, ServerHandle};
use stratus_bus_protocol::{AgentKind, Notification, Pong};
use stratus_common::RequestContext;
use tokio::sync::mpsc;

/// Starts an agent of `kind` (its own settings `extra`) on a unique host name
/// and bus namespace, checks it answers `ping` on `<kind>.<host>` and
/// heartbeats, stops it, and returns its answer.
pub async fn ping_and_heartbeat<E, F, Fut, P>(kind: AgentKind, extra: E, start: F, ping: P) -> Pong
where
    E: serde::Serialize + serde::de::DeserializeOwned + Default + Clone + Send + Sync + 'static,
    F: FnOnce(AgentDeps<E>) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<Vec<ServerHandle>>> + Send + 'static,
    P: Call<Reply = Pong> + Clone + Sync + 'static,
{
    init_logs();
    let host = unique_name("host");
    let config = AgentConfig {
        agent: AgentSettings {
            host: host.clone(),
            netns: None,
            heartbeat_interval_s: 1,
        },
        bus: bus_config(),
        log: Default::default(),
        extra,
    };
    let observer = Bus::new(config.bus.clone(), "test-observer");
    let (beats_tx, mut beats) = mpsc::unbounded_channel();
    let subscription = observer.subscribe(
        "observer",
        &["host.heartbeat"],
        move |inc: Incoming<Notification>| {
            let beats_tx = beats_tx.clone();
            async move {
                if let Notification::HostHeartbeat(beat) = inc.message {
                    let _ = beats_tx.send(beat);
                }
                Ok(serde_json::Value::Null)
            }
        },
    );
    assert!(subscription.wait_consuming(Duration::from_secs(30)).await);

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let agent = tokio::spawn(stratus_agent::run(kind, config, start, async {
        let _ = stop_rx.await;
    }));

    let topic = kind.topic(&host);
    let pong = crate::poll_until(
        Duration::from_secs(30),
        "the agent to answer a ping",
        || {
            let observer = observer.clone();
            let topic = topic.clone();
            let ping = ping.clone();
            async move {
                observer
                    .call_with_timeout(
                        &topic,
                        &RequestContext::system(),
                        ping,
                        Duration::from_secs(2),
                    )
                    .await
                    .ok()
            }
        },
    )
    .await;
    assert_eq!(pong.host, host);
    assert_eq!(pong.kind, kind);

    let beat = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match beats.recv().await {
                Some(b) if b.host == host => return Some(b),
                Some(_) => continue,
                None => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
    .expect("a heartbeat from the agent");
    assert_eq!(beat.kind, kind);
    assert_eq!(beat.interval_s, 1);

    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(30), agent)
        .await
        .expect("the agent stops in time")
        .expect("agent task")
        .expect("agent ran cleanly");
    subscription.stop().await;
    observer.shutdown().await;
    pong
}
