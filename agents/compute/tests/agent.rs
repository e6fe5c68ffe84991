//! The compute agent in-process against the real broker: it answers on its
//! host's topic, heartbeats, and stops cleanly.

use stratus_bus_protocol::AgentKind;

#[tokio::test]
async fn answers_pings_on_its_topic_and_heartbeats() {
    let reply = stratus_test_support::agent::ping_and_heartbeat(
        AgentKind::Compute,
        stratus_compute_agent::ComputeAgentConfig {
            compute: stratus_compute_agent::ComputeSettings {
                driver: "fake".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        stratus_compute_agent::start,
        stratus_bus_protocol::Ping {},
    )
    .await;
    assert_eq!(reply.kind, AgentKind::Compute);
}
