//! `stratus-compute-agent`: one per hypervisor host, consuming
//! `compute.<host>`. It runs instances through a [`driver::Driver`]
//! (`libvirt` or `fake`, by `[compute] driver`), answers console and list
//! calls, reports every operation's end as `compute.instance.result`, its
//! host's inventory as `compute.inventory` with every heartbeat, a guest's
//! power state that changed by itself within `power_sync_interval_s`, and,
//! at start and every `reconcile_interval_s`, puts its instances right with
//! the servers the compute service places on it: missing ones made again,
//! ones whose servers the service's records say were deleted removed, and
//! any other instance it does not know left alone and reported (log,
//! inventory, the hypervisor view) unless `reap_unknown_instances` is set.
//! It sees only its own cloud's instances (see the libvirt driver).
//!
//! Layout: `driver` (the trait, its two drivers, the domain XML, the KVM
//! probe).

pub mod driver;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use stratus_bus_protocol::{ComputeAgent, ComputeService};

use driver::fake::{Fake, FakeSettings};
use driver::libvirt::{Libvirt, LibvirtSettings};
use driver::{Driver, DriverError};
use serde::{Deserialize, Serialize};
use stratus_agent::AgentDeps;
use stratus_bus::{Bus, Call, Incoming, ServerHandle};
use stratus_bus_protocol::compute::{
    ConsoleText, Done, HostInventory, InstanceEvent, InstanceList, InstanceOp, PowerState,
};
use stratus_bus_protocol::{ComputeAgentRequest, Notification};
use stratus_common::{Error, RequestContext};
use tokio_util::sync::CancellationToken;

/// The `[compute]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComputeSettings {
    /// `libvirt` or `fake`.
    pub driver: String,
    pub availability_zone: String,
    /// The address other hosts and services reach this host at.
    pub host_ip: String,
    /// How often guests' power states are read back.
    pub power_sync_interval_s: u32,
    /// How often (and at start) the host's instances are compared with the
    /// servers the compute service has on it.
    pub reconcile_interval_s: u32,
    /// How often usage samples of every instance are published
    /// (`usage.sample`); 0: never.
    pub sample_interval_s: u32,
    /// Also remove instances no server owns that the service has no record
    /// of deleting (off: they are only reported, as Nova's
    /// `running_deleted_instance_action` acts only on deleted instances).
    pub reap_unknown_instances: bool,
}

impl Default for ComputeSettings {
    fn default() -> Self {
        Self {
            driver: "libvirt".into(),
            availability_zone: "nova".into(),
            host_ip: "127.0.0.1".into(),
            power_sync_interval_s: 10,
            reconcile_interval_s: 300,
            sample_interval_s: 60,
            reap_unknown_instances: false,
        }
    }
}

/// The compute agent's own settings.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ComputeAgentConfig {
    #[serde(default)]
    pub compute: ComputeSettings,
    #[serde(default)]
    pub libvirt: LibvirtSettings,
    #[serde(default)]
    pub fake: FakeSettings,
}

/// The driver `[compute] driver` names.
pub fn open_driver(config: &ComputeAgentConfig) -> anyhow::Result<Arc<dyn Driver>> {
    Ok(match config.compute.driver.as_str() {
        "libvirt" => Arc::new(Libvirt::open(config.libvirt.clone())?),
        "fake" => Arc::new(Fake::new(config.fake.clone())),
        other => anyhow::bail!("[compute] driver {other:?}: use libvirt or fake"),
    })
}

fn agent_error(e: DriverError) -> Error {
    match e {
        DriverError::NotFound(id) => Error::not_found(format!("instance {id} is not on this host")),
        DriverError::Invalid(m) => Error::bad_request(m),
        DriverError::NotReleased(device) => Error::conflict(format!(
            "The guest did not release {device}; the volume stays attached."
        )),
        other => Error::internal(&other),
    }
}

/// Runs driver work on the blocking pool.
async fn blocking<T: Send + 'static>(
    driver: &Arc<dyn Driver>,
    work: impl FnOnce(&dyn Driver) -> Result<T, DriverError> + Send + 'static,
) -> Result<T, DriverError> {
    let driver = driver.clone();
    tokio::task::spawn_blocking(move || work(driver.as_ref()))
        .await
        .map_err(|e| DriverError::Invalid(format!("driver task failed: {e}")))?
}

/// Registers the consumer of `compute.<host>` and starts the inventory
/// reports and the power-state watch.
pub async fn start(deps: AgentDeps<ComputeAgentConfig>) -> anyhow::Result<Vec<ServerHandle>> {
    let mut extra = deps.config.extra.clone();
    // Domains carry the cloud they belong to.
    extra.libvirt.cloud = deps.cloud().to_owned();
    let driver = tokio::task::spawn_blocking(move || open_driver(&extra)).await??;
    start_with(deps, driver).await
}

/// [`start`] with a driver already made (tests share a fake driver).
pub async fn start_with(
    deps: AgentDeps<ComputeAgentConfig>,
    driver: Arc<dyn Driver>,
) -> anyhow::Result<Vec<ServerHandle>> {
    let pong = deps.pong();
    let host = deps.config.agent.host.clone();
    let bus = deps.bus.clone();
    let handler_driver = driver.clone();
    let handler_host = host.clone();
    // The last power state of each instance, from operations and the watch.
    let known: Known = Arc::default();
    let handler_known = known.clone();
    // One operation at a time per instance: a delete sent while a spawn
    // runs waits for it. (Order between two queued operations is not
    // promised; the compute service destroys what a late spawn made.)
    let locks: InstanceLocks = Arc::default();
    let reconcile_locks = locks.clone();
    let server =
        ComputeAgent::on(&deps.bus, &host).serve(move |incoming: Incoming<ComputeAgentRequest>| {
            let pong = pong.clone();
            let driver = handler_driver.clone();
            let bus = bus.clone();
            let host = handler_host.clone();
            let known = handler_known.clone();
            let guard = incoming_instance(&incoming.message).map(|id| lock_instance(&locks, id));
            async move {
                let _held = match guard {
                    Some(g) => Some(g.await),
                    None => None,
                };
                let report = |op: InstanceOp, id: String, r: Result<PowerState, DriverError>| {
                    let bus = bus.clone();
                    let host = host.clone();
                    let known = known.clone();
                    async move {
                        if let (Ok(state), Ok(mut known)) = (&r, known.lock()) {
                            if op == InstanceOp::Destroy {
                                known.remove(&id);
                            } else {
                                known.insert(id.clone(), *state);
                            }
                        }
                        if let Err(e) = &r {
                            tracing::error!(?op, %id, error = %e, "instance operation failed");
                        } else {
                            tracing::info!(?op, %id, "instance operation done");
                        }
                        let event = InstanceEvent {
                            id,
                            host,
                            op,
                            power_state: *r.as_ref().unwrap_or(&PowerState::NoState),
                            error: r.err().map(|e| e.to_string()),
                        };
                        bus.notify::<Notification>(
                            &RequestContext::system(),
                            Notification::InstanceResult(event),
                        )
                        .await?;
                        Ok(serde_json::Value::Null)
                    }
                };
                match incoming.message {
                    ComputeAgentRequest::Ping(ping) => ping.reply(pong),
                    ComputeAgentRequest::ConsoleLog(c) => {
                        let id = c.id.clone();
                        let text = blocking(&driver, move |d| d.console_log(&id))
                            .await
                            .map_err(agent_error)?;
                        let output = driver::tail(&text, c.lines);
                        c.reply(ConsoleText { output })
                    }
                    ComputeAgentRequest::AttachVolume(a) => {
                        let (id, disk) = (a.id.clone(), a.disk.clone());
                        blocking(&driver, move |d| d.attach_volume(&id, &disk))
                            .await
                            .map_err(agent_error)?;
                        a.reply(Done {})
                    }
                    ComputeAgentRequest::DetachVolume(a) => {
                        let (id, disk) = (a.id.clone(), a.disk.clone());
                        blocking(&driver, move |d| d.detach_volume(&id, &disk))
                            .await
                            .map_err(agent_error)?;
                        a.reply(Done {})
                    }
                    ComputeAgentRequest::AttachInterface(a) => {
                        let (id, nic) = (a.id.clone(), a.nic.clone());
                        blocking(&driver, move |d| d.attach_interface(&id, &nic))
                            .await
                            .map_err(agent_error)?;
                        a.reply(Done {})
                    }
                    ComputeAgentRequest::DetachInterface(a) => {
                        let (id, nic) = (a.id.clone(), a.nic.clone());
                        blocking(&driver, move |d| d.detach_interface(&id, &nic))
                            .await
                            .map_err(agent_error)?;
                        a.reply(Done {})
                    }
                    ComputeAgentRequest::ListInstances(l) => {
                        let instances =
                            blocking(&driver, |d| d.list()).await.map_err(agent_error)?;
                        l.reply(InstanceList { instances })
                    }
                    ComputeAgentRequest::Spawn(s) => {
                        let id = s.spec.id.clone();
                        let r = blocking(&driver, move |d| d.spawn(&s.spec)).await;
                        report(InstanceOp::Spawn, id, r).await
                    }
                    ComputeAgentRequest::Rebuild(r) => {
                        let id = r.spec.id.clone();
                        let res = blocking(&driver, move |d| {
                            d.destroy(&r.spec.id)?;
                            d.spawn(&r.spec)
                        })
                        .await;
                        report(InstanceOp::Spawn, id, res).await
                    }
                    ComputeAgentRequest::Resize(r) => {
                        let id = r.spec.id.clone();
                        let res = blocking(&driver, move |d| d.resize(&r.spec)).await;
                        report(InstanceOp::Resize, id, res).await
                    }
                    ComputeAgentRequest::SnapshotPrepare(p) => {
                        let (id, image) = (p.id.clone(), p.image_id.clone());
                        let (size, format) = blocking(&driver, move |d| d.snapshot(&id, &image))
                            .await
                            .map_err(agent_error)?;
                        p.reply(stratus_bus_protocol::compute::SnapshotFile { size, format })
                    }
                    ComputeAgentRequest::SnapshotRead(r) => {
                        let (id, image) = (r.id.clone(), r.image_id.clone());
                        let (offset, len) = (
                            r.offset,
                            (r.len as usize).min(stratus_bus_protocol::storage::CHUNK_BYTES),
                        );
                        let data =
                            blocking(&driver, move |d| d.snapshot_read(&id, &image, offset, len))
                                .await
                                .map_err(agent_error)?;
                        r.reply(stratus_bus_protocol::compute::SnapshotChunk {
                            data: stratus_bus_protocol::storage::Chunk(data),
                        })
                    }
                    ComputeAgentRequest::SnapshotDone(x) => {
                        let (id, image) = (x.id.clone(), x.image_id.clone());
                        blocking(&driver, move |d| d.snapshot_done(&id, &image))
                            .await
                            .map_err(agent_error)?;
                        x.reply(Done {})
                    }
                    ComputeAgentRequest::Destroy(x) => {
                        let id = x.id.clone();
                        let r = blocking(&driver, move |d| d.destroy(&x.id))
                            .await
                            .map(|()| PowerState::NoState);
                        report(InstanceOp::Destroy, id, r).await
                    }
                    ComputeAgentRequest::PowerOff(p) => {
                        let id = p.id.clone();
                        let timeout = Duration::from_secs(u64::from(p.timeout_s));
                        let r = blocking(&driver, move |d| d.power_off(&p.id, timeout)).await;
                        report(InstanceOp::PowerOff, id, r).await
                    }
                    ComputeAgentRequest::PowerOn(p) => {
                        let id = p.id.clone();
                        let r = blocking(&driver, move |d| d.power_on(&p.id)).await;
                        report(InstanceOp::PowerOn, id, r).await
                    }
                    ComputeAgentRequest::Reboot(r) => {
                        let id = r.id.clone();
                        let timeout = Duration::from_secs(u64::from(r.timeout_s));
                        let res =
                            blocking(&driver, move |d| d.reboot(&r.id, r.hard, timeout)).await;
                        report(InstanceOp::Reboot, id, res).await
                    }
                }
            }
        });
    let settings = deps.config.extra.compute.clone();
    let unknown: Unknown = Arc::default();
    deps.tasks.spawn(report_inventory(
        deps.bus.clone(),
        driver.clone(),
        host.clone(),
        settings.clone(),
        unknown.clone(),
        Duration::from_secs(u64::from(deps.config.agent.heartbeat_interval_s.max(1))),
        deps.shutdown.clone(),
    ));
    deps.tasks.spawn(reconcile_loop(
        Reconcile {
            bus: deps.bus.clone(),
            driver: driver.clone(),
            host: host.clone(),
            locks: reconcile_locks,
            unknown,
            reap_unknown: settings.reap_unknown_instances,
        },
        Duration::from_secs(u64::from(settings.reconcile_interval_s.max(1))),
        deps.shutdown.clone(),
    ));
    if settings.sample_interval_s > 0 {
        deps.tasks.spawn(sample_usage(
            deps.bus.clone(),
            driver.clone(),
            host.clone(),
            Duration::from_secs(u64::from(settings.sample_interval_s)),
            deps.shutdown.clone(),
        ));
    }
    deps.tasks.spawn(watch_power(
        deps.bus.clone(),
        driver,
        host,
        known,
        Duration::from_secs(u64::from(settings.power_sync_interval_s.max(1))),
        deps.shutdown.clone(),
    ));
    Ok(vec![server])
}

type InstanceLocks = Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>;

/// The instance a request is about, if any.
fn incoming_instance(m: &ComputeAgentRequest) -> Option<String> {
    match m {
        ComputeAgentRequest::Spawn(s) => Some(s.spec.id.clone()),
        ComputeAgentRequest::Destroy(d) => Some(d.id.clone()),
        ComputeAgentRequest::PowerOff(p) => Some(p.id.clone()),
        ComputeAgentRequest::PowerOn(p) => Some(p.id.clone()),
        ComputeAgentRequest::Reboot(r) => Some(r.id.clone()),
        ComputeAgentRequest::AttachVolume(a) => Some(a.id.clone()),
        ComputeAgentRequest::DetachVolume(a) => Some(a.id.clone()),
        ComputeAgentRequest::AttachInterface(a) => Some(a.id.clone()),
        ComputeAgentRequest::DetachInterface(a) => Some(a.id.clone()),
        ComputeAgentRequest::Rebuild(r) => Some(r.spec.id.clone()),
        ComputeAgentRequest::Resize(r) => Some(r.spec.id.clone()),
        ComputeAgentRequest::SnapshotPrepare(p) => Some(p.id.clone()),
        ComputeAgentRequest::SnapshotRead(_) | ComputeAgentRequest::SnapshotDone(_) => None,
        ComputeAgentRequest::Ping(_)
        | ComputeAgentRequest::ConsoleLog(_)
        | ComputeAgentRequest::ListInstances(_) => None,
    }
}

/// Waits until no other operation on the instance runs.
fn lock_instance(
    locks: &InstanceLocks,
    id: String,
) -> impl std::future::Future<Output = tokio::sync::OwnedMutexGuard<()>> + use<> {
    let lock = locks
        .lock()
        .map(|mut m| {
            // Forget instances nobody waits for.
            m.retain(|_, l| Arc::strong_count(l) > 1);
            m.entry(id).or_default().clone()
        })
        .unwrap_or_default();
    lock.lock_owned()
}

/// The instances found on the host that no server owns and the service
/// never deleted (reported with the inventory).
type Unknown = Arc<std::sync::Mutex<Vec<String>>>;

/// What a reconciliation works with.
struct Reconcile {
    bus: Bus,
    driver: Arc<dyn Driver>,
    host: String,
    locks: InstanceLocks,
    unknown: Unknown,
    reap_unknown: bool,
}

/// Reconciles at start (retrying until the compute service answers) and
/// then every `interval`.
async fn reconcile_loop(r: Reconcile, interval: Duration, shutdown: CancellationToken) {
    let mut wait = Duration::from_secs(1);
    loop {
        match reconcile(&r).await {
            Ok(()) => wait = interval,
            Err(e) => {
                tracing::warn!(error = %e, "reconciliation failed; trying again");
                wait = (wait * 2).min(Duration::from_secs(10)).min(interval);
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Puts the host right with the compute service's view: instances of
/// servers the service deleted are removed, servers whose instance is
/// missing are made again (stopped if they were), and instances it has
/// no record of at all are reported and left alone (removed only with
/// `reap_unknown_instances`). The host's instances are listed before the
/// question, so an instance being built (its server already placed here)
/// is never taken for an orphan.
async fn reconcile(r: &Reconcile) -> anyhow::Result<()> {
    use stratus_bus_protocol::compute::HostInstances;
    let (bus, driver, host, locks) = (&r.bus, &r.driver, r.host.as_str(), &r.locks);
    let present = blocking(driver, |d| d.list()).await?;
    let answer = ComputeService::of(bus)
        .call(
            &RequestContext::system(),
            HostInstances {
                host: host.to_owned(),
                present: present.iter().map(|p| p.id.clone()).collect(),
            },
        )
        .await?;
    let keep: std::collections::BTreeSet<&str> = answer
        .wanted
        .iter()
        .map(|w| w.spec.id.as_str())
        .chain(answer.busy.iter().map(String::as_str))
        .collect();
    let deleted: std::collections::BTreeSet<&str> =
        answer.deleted.iter().map(String::as_str).collect();
    let mut unknown = Vec::new();
    for inst in &present {
        if keep.contains(inst.id.as_str()) {
            continue;
        }
        if deleted.contains(inst.id.as_str()) {
            tracing::warn!(id = %inst.id, "the instance of a deleted server: removing it");
        } else if r.reap_unknown {
            tracing::warn!(id = %inst.id, "an instance no server owns and none was deleted: removing it (reap_unknown_instances)");
        } else {
            tracing::warn!(id = %inst.id, "an instance no server owns and none was deleted: left alone (set reap_unknown_instances to remove such instances)");
            unknown.push(inst.id.clone());
            continue;
        }
        let _held = lock_instance(locks, inst.id.clone()).await;
        let id = inst.id.clone();
        let res = blocking(driver, move |d| d.destroy(&id))
            .await
            .map(|()| PowerState::NoState);
        publish_result(bus, host, InstanceOp::Destroy, inst.id.clone(), res).await;
    }
    if let Ok(mut u) = r.unknown.lock() {
        *u = unknown;
    }
    for w in answer.wanted {
        if present.iter().any(|p| p.id == w.spec.id) {
            continue;
        }
        tracing::warn!(id = %w.spec.id, "a server's instance is missing: making it again");
        let _held = lock_instance(locks, w.spec.id.clone()).await;
        let id = w.spec.id.clone();
        let running = w.running;
        let res = blocking(driver, move |d| {
            let state = d.spawn(&w.spec)?;
            if running {
                Ok(state)
            } else {
                d.power_off(&w.spec.id, Duration::from_secs(0))
            }
        })
        .await;
        publish_result(bus, host, InstanceOp::PowerSync, id, res).await;
    }
    Ok(())
}

/// Every `interval`: one `usage.sample` batch with each instance's vCPUs,
/// memory, CPU time, disk and network bytes.
async fn sample_usage(
    bus: Bus,
    driver: Arc<dyn Driver>,
    host: String,
    interval: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        let stats = match blocking(&driver, |d| d.stats()).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "instance statistics not read");
                continue;
            }
        };
        let batch = samples_of(&host, &stats, chrono::Utc::now());
        let published =
            stratus_bus_protocol::usage::publish_samples(&bus, &host, &batch.samples).await;
        if let Err(e) = published {
            tracing::warn!(error = %e, "usage samples not published");
        }
    }
}

/// The samples of instances' statistics read at `at`.
pub fn samples_of(
    host: &str,
    stats: &[driver::InstanceStats],
    at: chrono::DateTime<chrono::Utc>,
) -> stratus_bus_protocol::usage::UsageBatch {
    use stratus_bus_protocol::usage::{SampleKind, UsageBatch, UsageSample};
    let at = stratus_bus_protocol::usage::to_millis(at);
    let mut samples = Vec::new();
    for s in stats {
        let mut attributes = BTreeMap::new();
        attributes.insert("flavor".to_owned(), s.flavor.clone());
        attributes.insert("running".to_owned(), s.running.to_string());
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        for (metric, unit, kind, value) in [
            ("vcpus", "vcpu", SampleKind::Gauge, i64::from(s.vcpus)),
            ("memory", "MiB", SampleKind::Gauge, as_i64(s.memory_mb)),
            (
                "cpu.time",
                "ns",
                SampleKind::Cumulative,
                as_i64(s.cpu_time_ns),
            ),
            (
                "disk.read.bytes",
                "B",
                SampleKind::Cumulative,
                as_i64(s.disk_read_bytes),
            ),
            (
                "disk.write.bytes",
                "B",
                SampleKind::Cumulative,
                as_i64(s.disk_write_bytes),
            ),
            (
                "network.incoming.bytes",
                "B",
                SampleKind::Cumulative,
                as_i64(s.net_rx_bytes),
            ),
            (
                "network.outgoing.bytes",
                "B",
                SampleKind::Cumulative,
                as_i64(s.net_tx_bytes),
            ),
        ] {
            samples.push(UsageSample {
                resource_id: s.id.clone(),
                resource_type: "instance".into(),
                project_id: s.project_id.clone(),
                metric: metric.into(),
                unit: unit.into(),
                kind,
                value,
                at,
                attributes: attributes.clone(),
            });
        }
    }
    UsageBatch {
        host: host.to_owned(),
        samples,
    }
}

/// Publishes an operation's result as `compute.instance.result`.
async fn publish_result(
    bus: &Bus,
    host: &str,
    op: InstanceOp,
    id: String,
    r: Result<PowerState, DriverError>,
) {
    if let Err(e) = &r {
        tracing::error!(?op, %id, error = %e, "instance operation failed");
    }
    let event = InstanceEvent {
        id,
        host: host.to_owned(),
        op,
        power_state: *r.as_ref().unwrap_or(&PowerState::NoState),
        error: r.err().map(|e| e.to_string()),
    };
    if let Err(e) = bus
        .notify::<Notification>(
            &RequestContext::system(),
            Notification::InstanceResult(event),
        )
        .await
    {
        tracing::warn!(error = %e, "result not published");
    }
}

/// Publishes `compute.inventory` now and then every `interval`.
async fn report_inventory(
    bus: Bus,
    driver: Arc<dyn Driver>,
    host: String,
    settings: ComputeSettings,
    unknown: Unknown,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let ctx = RequestContext::system();
    loop {
        match blocking(&driver, |d| d.capacity()).await {
            Ok(c) => {
                let inventory = HostInventory {
                    host: host.clone(),
                    availability_zone: settings.availability_zone.clone(),
                    vcpus: c.vcpus,
                    memory_mb: c.memory_mb,
                    disk_gb: c.disk_gb,
                    hypervisor_type: c.hypervisor_type,
                    virt_type: c.virt_type,
                    hypervisor_version: c.hypervisor_version,
                    host_ip: settings.host_ip.clone(),
                    unknown_instances: unknown.lock().map(|u| u.clone()).unwrap_or_default(),
                };
                if let Err(e) = bus
                    .notify::<Notification>(&ctx, Notification::ComputeInventory(inventory))
                    .await
                {
                    tracing::warn!(error = %e, "inventory not sent");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the host's capacity"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

type Known = Arc<std::sync::Mutex<BTreeMap<String, PowerState>>>;

/// Reads guests' power states every `interval` and reports the ones that
/// differ from what the last operation or look found (a guest that powered
/// itself off).
async fn watch_power(
    bus: Bus,
    driver: Arc<dyn Driver>,
    host: String,
    known: Known,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let ctx = RequestContext::system();
    loop {
        match blocking(&driver, |d| d.list()).await {
            Ok(now) => {
                let changed: Vec<(String, PowerState)> = match known.lock() {
                    Ok(mut known) => {
                        let mut changed = Vec::new();
                        for i in &now {
                            let before = known.insert(i.id.clone(), i.power_state);
                            if before.is_some_and(|s| s != i.power_state) {
                                changed.push((i.id.clone(), i.power_state));
                            }
                        }
                        known.retain(|id, _| now.iter().any(|i| &i.id == id));
                        changed
                    }
                    Err(_) => Vec::new(),
                };
                for (id, state) in &changed {
                    let event = InstanceEvent {
                        id: id.clone(),
                        host: host.clone(),
                        op: InstanceOp::PowerSync,
                        power_state: *state,
                        error: None,
                    };
                    if let Err(e) = bus
                        .notify::<Notification>(&ctx, Notification::InstanceResult(event))
                        .await
                    {
                        tracing::warn!(error = %e, "power state not reported");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot list instances"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
