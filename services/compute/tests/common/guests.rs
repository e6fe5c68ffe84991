//! A real hypervisor host for a test cloud: a network agent in libvirtd's
//! namespace and a compute agent on the host's libvirt (TCG), both of the
//! cloud's bus, with the test guest uploaded as an image and a flavor for
//! it. Everything the host made (domains, its namespaces and dnsmasq) goes
//! when it drops, also when the test failed.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::{Value, json};
use stratus_agent::{AgentConfig, AgentSettings};
use stratus_bus_protocol::AgentKind;
use stratus_compute_agent::driver::Driver;
use stratus_compute_agent::driver::libvirt::{Libvirt, LibvirtSettings};
use stratus_compute_agent::{ComputeAgentConfig, ComputeSettings};
use stratus_network_agent::{NetworkAgentConfig, NetworkSettings};
use stratus_test_support::guest::guest_images;
use stratus_test_support::{TempDir, unique_name};

use super::{Cloud, Login};

/// A directory QEMU (an unprivileged user under qemu:///system) can enter.
pub fn open(path: &std::path::Path) {
    std::fs::create_dir_all(path).expect("dir");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// An agent running in-process: its stop signal and its task.
pub type RunningAgent = (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
);

/// Runs an agent in-process until the sender is dropped or used.
pub fn run_agent<C, F, Fut>(kind: AgentKind, config: AgentConfig<C>, start: F) -> RunningAgent
where
    C: Clone + Send + Sync + 'static + serde::de::DeserializeOwned + serde::Serialize + Default,
    F: FnOnce(stratus_agent::AgentDeps<C>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Vec<stratus_bus::ServerHandle>>>
        + Send
        + 'static,
{
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(stratus_agent::run(kind, config, start, async {
        let _ = rx.await;
    }));
    (stop, task)
}

/// Destroys the test's domains and takes its network agent's footprint
/// off the host (dnsmasq, namespaces, bridges, nftables tables), even
/// when it fails.
pub struct HostCleanup {
    pub domains: Libvirt,
    pub network: stratus_network_agent::teardown::Footprint,
}

impl Drop for HostCleanup {
    fn drop(&mut self) {
        if let Ok(all) = self.domains.list() {
            for i in all {
                let _ = self.domains.destroy(&i.id);
            }
        }
        let footprint = self.network.clone();
        let failed = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current()
                .block_on(stratus_network_agent::teardown::teardown(&footprint))
        });
        if !failed.is_empty() {
            eprintln!("cleanup left: {failed:?}");
        }
    }
}

/// How a [`GuestHost`] differs from the default.
#[derive(Clone, Debug, Default)]
pub struct HostOptions {
    /// The host's name (default: unique); two clouds' hosts may share one.
    pub name: Option<String>,
    /// The compute agent's domain prefix (default: unique to the host).
    pub domain_prefix: Option<String>,
    /// The compute agent's reconcile interval (default: the agent's).
    pub reconcile_interval_s: Option<u32>,
    /// The compute agent's usage sample interval (default: none sent).
    pub sample_interval_s: Option<u32>,
}

/// A hypervisor host of a test cloud, with the test guest as an image.
pub struct GuestHost {
    pub name: String,
    /// The test guest's image (kernel and ramdisk named by it).
    pub image: String,
    /// A flavor that fits it.
    pub flavor: String,
    /// The agents' network namespace prefix (unique to the test).
    pub prefix: String,
    // Dropped before `dir`, which holds the dnsmasq pid files and disks.
    _cleanup: HostCleanup,
    pub dir: TempDir,
    pub libvirt: LibvirtSettings,
    network: AgentConfig<NetworkAgentConfig>,
    compute: AgentConfig<ComputeAgentConfig>,
    agents: Vec<RunningAgent>,
}

impl GuestHost {
    /// The host, or `None` (after saying why) where the machine cannot run
    /// guests and `STRATUS_REQUIRE_CLIENTS` is not set.
    pub async fn start(c: &Cloud, owner: &Login, options: HostOptions) -> Option<Self> {
        let guest = guest_images()?;
        let hv_ns = std::env::var("STRATUS_HV_NETNS").unwrap_or_else(|_| "stratus-host".into());
        if !stratus_netns::exists(&hv_ns) {
            let why =
                format!("libvirtd's namespace {hv_ns} does not exist (scripts/test makes it)");
            assert!(std::env::var("STRATUS_REQUIRE_CLIENTS").is_err(), "{why}");
            eprintln!("SKIPPED: {why}");
            return None;
        }
        let dir = TempDir::new("stratus-guest-host");
        open(&dir.path);
        let instances = dir.path.join("instances");
        open(&instances);
        let name = options.name.unwrap_or_else(|| unique_name("hv"));
        let prefix = format!("sx{}-", &unique_name("x")[2..10]);
        let network_state = dir.path.join("network");
        let libvirt = LibvirtSettings {
            instances_dir: instances,
            domain_prefix: options
                .domain_prefix
                .unwrap_or_else(|| format!("{prefix}vm-")),
            cloud: c.bus.prefix.clone(),
            virt_type: "qemu".into(),
            vcpus: 4,
            memory_mb: 4096,
            disk_gb: 40,
            ..LibvirtSettings::default()
        };
        let cleanup = HostCleanup {
            domains: Libvirt::open(libvirt.clone()).expect("libvirt"),
            network: stratus_network_agent::teardown::Footprint {
                cloud: c.bus.prefix.clone(),
                host: name.clone(),
                netns: Some(hv_ns.clone()),
                state_dir: network_state.clone(),
                netns_prefix: prefix.clone(),
            },
        };
        let network = AgentConfig {
            agent: AgentSettings {
                host: name.clone(),
                netns: Some(hv_ns),
                heartbeat_interval_s: 1,
            },
            bus: c.bus.clone(),
            log: Default::default(),
            extra: NetworkAgentConfig {
                network: NetworkSettings {
                    state_dir: network_state,
                    netns_prefix: prefix.clone(),
                    resync_interval_s: 5,
                    scan_interval_ms: 200,
                    ..NetworkSettings::default()
                },
            },
        };
        let mut compute_settings = ComputeSettings {
            power_sync_interval_s: 2,
            sample_interval_s: options.sample_interval_s.unwrap_or(0),
            ..ComputeSettings::default()
        };
        if let Some(r) = options.reconcile_interval_s {
            compute_settings.reconcile_interval_s = r;
        }
        let compute = AgentConfig {
            agent: AgentSettings {
                host: name.clone(),
                netns: None,
                heartbeat_interval_s: 1,
            },
            bus: c.bus.clone(),
            log: Default::default(),
            extra: ComputeAgentConfig {
                compute: compute_settings,
                libvirt: libvirt.clone(),
                ..Default::default()
            },
        };
        let mut host = Self {
            name: name.clone(),
            image: String::new(),
            flavor: String::new(),
            prefix,
            dir,
            libvirt,
            network,
            compute,
            agents: Vec::new(),
            _cleanup: cleanup,
        };
        host.start_agents();
        c.wait_host(&name).await;
        let read = |p: &std::path::Path| std::fs::read(p).expect("guest file");
        let kernel = c
            .image(
                owner,
                read(&guest.kernel),
                json!({"name": "guest-kernel", "disk_format": "aki", "container_format": "aki"}),
            )
            .await;
        let ramdisk = c
            .image(
                owner,
                read(&guest.ramdisk),
                json!({"name": "guest-ramdisk", "disk_format": "ari", "container_format": "ari"}),
            )
            .await;
        let image = c
            .image(
                owner,
                read(&guest.disk),
                json!({"name": "test-guest", "disk_format": "qcow2", "kernel_id": kernel,
                       "ramdisk_id": ramdisk, "os_command_line": "quiet"}),
            )
            .await;
        host.flavor = c.flavor(&unique_name("guest"), 1, 128, 1).await;
        host.image = image;
        Some(host)
    }

    /// Starts the network and compute agents.
    pub fn start_agents(&mut self) {
        self.agents.push(run_agent(
            AgentKind::Network,
            self.network.clone(),
            stratus_network_agent::start,
        ));
        self.agents.push(run_agent(
            AgentKind::Compute,
            self.compute.clone(),
            stratus_compute_agent::start,
        ));
    }

    /// Stops the agents and waits until they are gone (the guests and the
    /// data plane stay).
    pub async fn stop_agents(&mut self) {
        for (stop, task) in self.agents.drain(..) {
            let _ = stop.send(());
            let _ = task.await;
        }
    }
}

impl Drop for GuestHost {
    /// The agents stop (and are waited for) before their objects go, so
    /// none is made again after the clean-up.
    fn drop(&mut self) {
        let agents: Vec<RunningAgent> = self.agents.drain(..).collect();
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                for (stop, task) in agents {
                    let _ = stop.send(());
                    let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
                }
            })
        });
    }
}

/// The server's console output so far.
pub async fn console(c: &Cloud, who: &Login, id: &str) -> String {
    let (_, v) = c
        .send(
            reqwest::Method::POST,
            &format!("/v2.1/servers/{id}/action"),
            who,
            Some(json!({"os-getConsoleOutput": {}})),
        )
        .await;
    v["output"].as_str().unwrap_or_default().to_owned()
}

/// Polls a console read by `read` until `done` holds (240 s: guests boot
/// under TCG beside the rest of the suite); the console so far in the panic
/// when it does not.
pub async fn poll_console<F, Fut>(read: F, what: &str, done: impl Fn(&str) -> bool) -> String
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        let text = read().await;
        if done(&text) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}; console:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// [`poll_console`] of the server's console through the compute API.
pub async fn console_until(
    c: &Cloud,
    who: &Login,
    id: &str,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    poll_console(|| console(c, who, id), what, done).await
}

/// The server's (address, MAC) on `network`, from its view.
pub fn address_on(server: &Value, network_name: &str) -> (String, String) {
    let a = &server["addresses"][network_name][0];
    (
        a["addr"].as_str().unwrap_or_default().to_owned(),
        a["OS-EXT-IPS-MAC:mac_addr"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}
