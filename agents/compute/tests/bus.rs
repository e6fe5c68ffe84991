//! The compute agent over the real broker with the fake driver: casts come
//! back as `compute.instance.result` events, calls answer, the inventory
//! goes out with the heartbeat, and a guest that powers itself off is
//! reported by the power watch.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use stratus_agent::{AgentConfig, AgentSettings};
use stratus_bus::{Bus, Incoming};
use stratus_bus_protocol::compute::{
    ConsoleLog, Destroy, HostInventory, InstanceEvent, InstanceOp, InstanceSpec, ListInstances,
    PowerOff, PowerOn, PowerState, Reboot, Spawn,
};
use stratus_bus_protocol::{AgentKind, ComputeAgentRequest, Notification};
use stratus_common::RequestContext;
use stratus_compute_agent::driver::fake::{Fake, FakeSettings};
use stratus_compute_agent::{ComputeAgentConfig, ComputeSettings};
use stratus_test_support::{bus_config, init_logs, unique_name};
use tokio::sync::mpsc;

fn spec(id: &str) -> InstanceSpec {
    InstanceSpec {
        id: id.into(),
        name: "vm".into(),
        project_id: "p".into(),
        flavor: "tiny".into(),
        vcpus: 1,
        memory_mb: 64,
        image_disk: None,
        disks: vec![],
        kernel: None,
        ramdisk: None,
        cmdline: None,
        nics: vec![],
        user_data: None,
        metadata: BTreeMap::new(),
        config_drive: false,
        public_keys: BTreeMap::new(),
    }
}

async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>, what: &str) -> T {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("{what} within 30 s"))
        .unwrap_or_else(|| panic!("{what}: channel closed"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casts_report_results_calls_answer_and_drift_is_reported() {
    init_logs();
    let host = unique_name("fakehost");
    let bus_cfg = bus_config();
    let observer = Bus::new(bus_cfg.clone(), "test-observer");
    let (events_tx, mut events) = mpsc::unbounded_channel::<InstanceEvent>();
    let (inv_tx, mut inventories) = mpsc::unbounded_channel::<HostInventory>();
    let sub = observer.subscribe(
        &unique_name("observer"),
        &["compute.#"],
        move |inc: Incoming<Notification>| {
            let events_tx = events_tx.clone();
            let inv_tx = inv_tx.clone();
            async move {
                match inc.message {
                    Notification::InstanceResult(e) => {
                        let _ = events_tx.send(e);
                    }
                    Notification::ComputeInventory(i) => {
                        let _ = inv_tx.send(i);
                    }
                    _ => {}
                }
                Ok(serde_json::Value::Null)
            }
        },
    );
    assert!(sub.wait_consuming(Duration::from_secs(30)).await);

    let fake = Arc::new(Fake::new(FakeSettings {
        vcpus: 8,
        memory_mb: 16384,
        disk_gb: 100,
        ..FakeSettings::default()
    }));
    let config = AgentConfig {
        agent: AgentSettings {
            host: host.clone(),
            netns: None,
            heartbeat_interval_s: 1,
        },
        bus: bus_cfg,
        log: Default::default(),
        extra: ComputeAgentConfig {
            compute: ComputeSettings {
                driver: "fake".into(),
                availability_zone: "az1".into(),
                power_sync_interval_s: 1,
                ..Default::default()
            },
            ..Default::default()
        },
    };
    let driver = fake.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let agent = tokio::spawn(stratus_agent::run(
        AgentKind::Compute,
        config,
        move |deps| stratus_compute_agent::start_with(deps, driver),
        async {
            let _ = stop_rx.await;
        },
    ));

    // The inventory names the host, its zone and the driver's capacity.
    let inv = loop {
        let i = next(&mut inventories, "an inventory").await;
        if i.host == host {
            break i;
        }
    };
    assert_eq!(
        (
            inv.availability_zone.as_str(),
            inv.vcpus,
            inv.memory_mb,
            inv.disk_gb
        ),
        ("az1", 8, 16384, 100)
    );
    assert_eq!(inv.hypervisor_type, "fake");

    let topic = AgentKind::Compute.topic(&host);
    let ctx = RequestContext::system();
    let id = uuid::Uuid::new_v4().to_string();
    let cast = |m: ComputeAgentRequest| {
        let observer = observer.clone();
        let topic = topic.clone();
        let ctx = ctx.clone();
        async move {
            observer
                .cast::<ComputeAgentRequest>(&topic, &ctx, m)
                .await
                .expect("cast");
        }
    };
    let mut result = async |op: InstanceOp| loop {
        let e = next(&mut events, &format!("an instance result of {op:?}")).await;
        if e.host == host && e.op == op {
            break e;
        }
    };

    cast(ComputeAgentRequest::Spawn(Spawn { spec: spec(&id) })).await;
    let e = result(InstanceOp::Spawn).await;
    assert_eq!(
        (e.id.as_str(), e.power_state, e.error.clone()),
        (id.as_str(), PowerState::Running, None)
    );
    let listed = observer
        .call(&topic, &ctx, ListInstances {})
        .await
        .expect("list");
    assert_eq!(listed.instances.len(), 1);
    let console = observer
        .call(
            &topic,
            &ctx,
            ConsoleLog {
                id: id.clone(),
                lines: Some(5),
            },
        )
        .await
        .expect("console");
    assert_eq!(console.output, "fake console of vm\n");
    let unknown = observer
        .call(
            &topic,
            &ctx,
            ConsoleLog {
                id: "nope".into(),
                lines: None,
            },
        )
        .await;
    assert!(unknown.is_err(), "an unknown instance is an error");

    cast(ComputeAgentRequest::PowerOff(PowerOff {
        id: id.clone(),
        timeout_s: 1,
    }))
    .await;
    assert_eq!(
        result(InstanceOp::PowerOff).await.power_state,
        PowerState::Shutdown
    );
    cast(ComputeAgentRequest::PowerOn(PowerOn { id: id.clone() })).await;
    assert_eq!(
        result(InstanceOp::PowerOn).await.power_state,
        PowerState::Running
    );
    cast(ComputeAgentRequest::Reboot(Reboot {
        id: id.clone(),
        hard: true,
        timeout_s: 1,
    }))
    .await;
    assert_eq!(
        result(InstanceOp::Reboot).await.power_state,
        PowerState::Running
    );

    // The guest powers itself off: the watch says so.
    fake.set_power_state(&id, PowerState::Shutdown)
        .expect("fake instance");
    let drift = result(InstanceOp::PowerSync).await;
    assert_eq!(
        (drift.id.as_str(), drift.power_state),
        (id.as_str(), PowerState::Shutdown)
    );

    // Operations on an instance the host lacks fail with a reason.
    cast(ComputeAgentRequest::PowerOn(PowerOn {
        id: "missing".into(),
    }))
    .await;
    let failed = result(InstanceOp::PowerOn).await;
    assert!(
        failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("not on this host")),
        "{failed:?}"
    );

    cast(ComputeAgentRequest::Destroy(Destroy { id: id.clone() })).await;
    assert_eq!(result(InstanceOp::Destroy).await.error, None);
    let listed = observer
        .call(&topic, &ctx, ListInstances {})
        .await
        .expect("list");
    assert!(listed.instances.is_empty());

    let _ = stop_tx.send(());
    agent
        .await
        .expect("agent task")
        .expect("agent stopped cleanly");
    observer.shutdown().await;
}
