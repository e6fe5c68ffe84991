//! The network agent in-process against the real broker: it answers on its
//! host's topic, heartbeats, and stops cleanly.

use stratus_bus_protocol::AgentKind;

#[tokio::test]
async fn answers_pings_on_its_topic_and_heartbeats() {
    let reply = stratus_test_support::agent::ping_and_heartbeat(
        AgentKind::Network,
        Default::default(),
        stratus_network_agent::start,
        stratus_bus_protocol::NetworkPing {},
    )
    .await;
    assert_eq!(reply.kind, AgentKind::Network);
}
