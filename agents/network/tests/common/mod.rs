//! A network cloud with real data planes for tests: a live identity, the
//! network service (API behind the real auth layer, and its agent calls),
//! and network agents in-process, each doing its work in a namespace that
//! emulates a hypervisor host. "Instances" are namespaces with a veth whose
//! host end is named like a libvirt tap of the port. Every namespace, and
//! every dnsmasq the agents start, is removed when the fabric drops, also
//! when the test failed.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;
use stratus_agent::{AgentConfig, AgentSettings};
use stratus_bus::Bus;
use stratus_bus_protocol::AgentKind;
use stratus_http::auth::Authenticator;
use stratus_netns::run_in;
use stratus_network::app::{App, NetworkConfig};
use stratus_network_agent::links::{LinkOps, Links, dev_name};
use stratus_network_agent::{NetworkAgentConfig, NetworkSettings};
use stratus_test_support::{
    TempDir, TestDatabase, TestServer, bus_config, poll_until, unique_name,
};
pub use stratus_testbed::{Identity, Login};

pub const EXTERNAL_PHYSNET: &str = "extnet";

type AgentTask = tokio::task::JoinHandle<anyhow::Result<()>>;

pub struct Host {
    pub name: String,
    /// The namespace the agent works in.
    pub ns: String,
    pub tunnel_ip: String,
    config: AgentConfig<NetworkAgentConfig>,
    agent: Option<(tokio::sync::oneshot::Sender<()>, AgentTask)>,
}

pub struct Fabric {
    pub identity: Identity,
    pub api: TestServer,
    pub app: App,
    pub http: reqwest::Client,
    pub prefix: String,
    pub hosts: Vec<Host>,
    pub dir: TempDir,
    pub bus: stratus_bus::BusConfig,
    instances: std::sync::atomic::AtomicU32,
    _auth: Authenticator,
    _db: TestDatabase,
}

fn rt_err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Fabric {
    /// A cloud with `hosts` emulated hosts joined by an underlay, the first
    /// also wired to an "external" namespace (`<prefix>ext`, 172.24.4.1/24)
    /// on the physical network `extnet`.
    pub async fn start(hosts: usize) -> Self {
        Self::start_with(hosts, 200).await
    }

    /// As `start`, with the agents reading the kernel back every
    /// `scan_interval_ms` (tests use 200 ms, the default is 500 ms).
    pub async fn start_with(hosts: usize, scan_interval_ms: u32) -> Self {
        stratus_test_support::init_logs();
        let identity = Identity::start().await;
        let bus_cfg = bus_config();
        let bus = Bus::new(bus_cfg.clone(), "test-network");
        let auth = identity.authenticator(&bus).await;
        let db = TestDatabase::new(Some(&stratus_network::MIGRATOR))
            .await
            .expect("db");
        let config = NetworkConfig {
            flat_networks: vec![EXTERNAL_PHYSNET.into()],
            ..NetworkConfig::default()
        };
        let app = App::new(db.pool.clone(), bus.clone(), config);
        drop(app.serve_agents());
        let api = TestServer::start(auth.layer(stratus_network::http::router(app.clone()))).await;
        identity.register("network", "neutron", &api.url("")).await;
        // Short, so device names built from it stay short too.
        let prefix = format!("sx{}-", &unique_name("x")[2..10]);
        let mut fabric = Self {
            identity,
            api,
            app,
            http: reqwest::Client::new(),
            prefix,
            hosts: Vec::new(),
            dir: TempDir::new("stratus-net-test"),
            bus: bus_cfg,
            instances: std::sync::atomic::AtomicU32::new(0),
            _auth: auth,
            _db: db,
        };
        fabric.build_hosts(hosts, scan_interval_ms).await;
        fabric
    }

    async fn build_hosts(&mut self, count: usize, scan_interval_ms: u32) {
        let ext = format!("{}ext", self.prefix);
        stratus_netns::add(&ext).await.expect("external namespace");
        let mut underlay = Vec::new();
        for i in 1..=count {
            let ns = format!("{}h{i}", self.prefix);
            stratus_netns::add(&ns).await.expect("host namespace");
            underlay.push(ns);
        }
        // Underlay: a bridge in the first host's namespace would make hosts
        // unequal; a veth pair per host into an "underlay" namespace's
        // bridge keeps them alike.
        let und = format!("{}und", self.prefix);
        stratus_netns::add(&und).await.expect("underlay namespace");
        let und_links = Links::open(Some(&und)).await.expect("netlink");
        und_links
            .add_bridge("fabric", 1500)
            .await
            .expect("underlay bridge");
        let fabric_br = und_links.get("fabric").await.expect("get").expect("bridge");
        for (i, ns) in underlay.iter().enumerate() {
            let outer = format!("h{}", i + 1);
            und_links.add_veth(&outer, "und0").await.expect("veth");
            let peer = und_links.get("und0").await.expect("get").expect("peer");
            und_links.move_to(peer.index, ns).await.expect("move");
            let o = und_links.get(&outer).await.expect("get").expect("outer");
            und_links
                .plug(o.index, fabric_br.index, 1500)
                .await
                .expect("plug");
            let host_links = Links::open(Some(ns)).await.expect("netlink");
            let u = host_links.get("und0").await.expect("get").expect("und0");
            host_links.configure(u.index, None, None).await.expect("up");
            let ip = format!("10.255.0.{}", i + 1);
            host_links
                .add_address(u.index, format!("{ip}/24").parse().expect("net"))
                .await
                .expect("tunnel address");
            let mut physical_interfaces = std::collections::BTreeMap::new();
            if i == 0 {
                // The external network's NIC on the first host.
                host_links.add_veth("ext0", "eth0").await.expect("veth");
                let peer = host_links.get("eth0").await.expect("get").expect("peer");
                host_links.move_to(peer.index, &ext).await.expect("move");
                let e = host_links.get("ext0").await.expect("get").expect("ext0");
                host_links.configure(e.index, None, None).await.expect("up");
                let ext_links = Links::open(Some(&ext)).await.expect("netlink");
                let eth = ext_links.get("eth0").await.expect("get").expect("eth0");
                ext_links
                    .configure(eth.index, None, None)
                    .await
                    .expect("up");
                ext_links
                    .add_address(eth.index, "172.24.4.1/24".parse().expect("net"))
                    .await
                    .expect("external address");
                physical_interfaces.insert(EXTERNAL_PHYSNET.to_owned(), "ext0".to_owned());
            }
            let name = unique_name(&format!("host{}", i + 1));
            let config = AgentConfig {
                agent: AgentSettings {
                    host: name.clone(),
                    netns: Some(ns.clone()),
                    heartbeat_interval_s: 1,
                },
                bus: self.bus.clone(),
                log: Default::default(),
                extra: NetworkAgentConfig {
                    network: NetworkSettings {
                        tunnel_ip: Some(ip.clone()),
                        physical_interfaces,
                        state_dir: self.dir.path.join(format!("h{}", i + 1)),
                        netns_prefix: format!("{ns}-"),
                        resync_interval_s: 5,
                        scan_interval_ms,
                    },
                },
            };
            let mut host = Host {
                name,
                ns: ns.clone(),
                tunnel_ip: ip,
                config,
                agent: None,
            };
            host.start_agent();
            self.hosts.push(host);
        }
    }

    /// `who`'s request to the network API.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
        body: Option<Value>,
    ) -> (u16, Value) {
        stratus_testbed::send(&self.http, method, &self.api.url(path), who, body).await
    }

    pub async fn post(&self, path: &str, who: &Login, body: Value) -> Value {
        let (code, v) = self
            .send(reqwest::Method::POST, path, who, Some(body))
            .await;
        assert!(code == 201 || code == 200, "POST {path}: {code} {v}");
        v
    }

    /// A VXLAN network with one subnet, as `who`.
    pub async fn network(&self, who: &Login, cidr: &str) -> (String, String) {
        let net = self
            .post(
                "/v2.0/networks",
                who,
                json!({"network": {"name": unique_name("net")}}),
            )
            .await;
        let net_id = net["network"]["id"].as_str().expect("id").to_owned();
        let sub = self
            .post(
                "/v2.0/subnets",
                who,
                json!({"subnet": {"network_id": net_id, "ip_version": 4, "cidr": cidr}}),
            )
            .await;
        (net_id, sub["subnet"]["id"].as_str().expect("id").to_owned())
    }

    /// A port on `network` owned by `who`, bound to `host` and given to a
    /// `compute:nova` device by the admin (as Nova binds it: both are
    /// reserved to admins and services); `extra` is merged into the create
    /// body.
    pub async fn port(&self, who: &Login, network: &str, host: usize, extra: Value) -> Value {
        let mut body = json!({"network_id": network});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let port = self.post("/v2.0/ports", who, json!({"port": body})).await;
        let id = port["port"]["id"].as_str().expect("id").to_owned();
        let (code, bound) = self
            .send(
                reqwest::Method::PUT,
                &format!("/v2.0/ports/{id}"),
                &self.identity.admin,
                Some(json!({"port": {"binding:host_id": self.hosts[host].name,
                    "device_owner": "compute:nova"}})),
            )
            .await;
        assert_eq!(code, 200, "{bound}");
        bound["port"].clone()
    }

    /// Polls until the port is ACTIVE.
    pub async fn wait_active(&self, port_id: &str) {
        poll_until(
            Duration::from_secs(30),
            &format!("port {port_id} ACTIVE"),
            || async {
                let (code, v) = self
                    .send(
                        reqwest::Method::GET,
                        &format!("/v2.0/ports/{port_id}"),
                        &self.identity.admin,
                        None,
                    )
                    .await;
                (code == 200 && v["port"]["status"] == "ACTIVE").then_some(())
            },
        )
        .await;
    }

    /// An "instance" on `host` plugged into `port`: a namespace whose
    /// `eth0` has the port's MAC, and whose veth peer in the host's
    /// namespace is named as libvirt names the port's tap.
    pub async fn instance(&self, host: usize, port: &Value) -> Instance {
        let n = self
            .instances
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ns = format!("{}i{n}", self.prefix);
        stratus_netns::add(&ns).await.expect("instance namespace");
        let host_ns = &self.hosts[host].ns;
        let links = Links::open(Some(host_ns)).await.expect("netlink");
        let port_id = port["id"].as_str().expect("port id");
        let tap = dev_name("tap", port_id);
        // The peer's name is unique in the host's namespace (instances may
        // be made concurrently) and becomes eth0 inside the instance.
        let peer_name = format!("i{n}");
        links.add_veth(&tap, &peer_name).await.expect("veth");
        let peer = links.get(&peer_name).await.expect("get").expect("peer");
        links.move_to(peer.index, &ns).await.expect("move");
        let inside = Links::open(Some(&ns)).await.expect("netlink");
        let eth = inside.get(&peer_name).await.expect("get").expect("peer");
        inside.rename(eth.index, "eth0").await.expect("rename");
        inside
            .configure(eth.index, port["mac_address"].as_str(), None)
            .await
            .expect("eth0 up with the port's MAC");
        Instance {
            ns,
            dir: self.dir.path.clone(),
        }
    }

    pub fn stop_agent(&mut self, host: usize) -> AgentTask {
        let (stop, task) = self.hosts[host].agent.take().expect("agent running");
        let _ = stop.send(());
        task
    }

    pub fn start_agent(&mut self, host: usize) {
        self.hosts[host].start_agent();
    }

    /// A second agent, of another host name, working in `host`'s namespace
    /// (as agents of two clouds sharing one namespace would); its index.
    pub fn add_agent_beside(&mut self, host: usize) -> usize {
        let n = self.hosts.len();
        let ns = self.hosts[host].ns.clone();
        let name = unique_name("beside");
        let mut config = self.hosts[host].config.clone();
        config.agent.host = name.clone();
        config.extra.network.tunnel_ip = None;
        config.extra.network.physical_interfaces.clear();
        config.extra.network.state_dir = self.dir.path.join(format!("beside{n}"));
        config.extra.network.netns_prefix = format!("{ns}b{n}-");
        let mut h = Host {
            name,
            ns,
            tunnel_ip: String::new(),
            config,
            agent: None,
        };
        h.start_agent();
        self.hosts.push(h);
        n
    }

    /// The pid of the dnsmasq serving `network` on `host`, if one runs.
    pub fn dnsmasq_pid(&self, host: usize, network: &str) -> Option<i32> {
        let dir = self.hosts[host]
            .config
            .extra
            .network
            .state_dir
            .join("dhcp")
            .join(network);
        let pid: i32 = std::fs::read_to_string(dir.join("pid"))
            .ok()?
            .trim()
            .parse()
            .ok()?;
        std::path::Path::new(&format!("/proc/{pid}"))
            .exists()
            .then_some(pid)
    }

    /// The leases file of `network`'s dnsmasq on `host`.
    pub fn leases(&self, host: usize, network: &str) -> String {
        let path = self.hosts[host]
            .config
            .extra
            .network
            .state_dir
            .join("dhcp")
            .join(network)
            .join("leases");
        std::fs::read_to_string(path).unwrap_or_default()
    }

    pub async fn links(&self, host: usize) -> Links {
        Links::open(Some(&self.hosts[host].ns))
            .await
            .expect("netlink")
    }
}

impl Host {
    fn start_agent(&mut self) {
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(stratus_agent::run(
            AgentKind::Network,
            self.config.clone(),
            stratus_network_agent::start,
            async {
                let _ = stop_rx.await;
            },
        ));
        self.agent = Some((stop, task));
    }
}

impl Drop for Fabric {
    fn drop(&mut self) {
        // The agents stop, and are waited for, before their objects go:
        // one still running would make a namespace or dnsmasq again.
        let agents: Vec<_> = self
            .hosts
            .iter_mut()
            .filter_map(|h| h.agent.take())
            .collect();
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                for (stop, task) in agents {
                    let _ = stop.send(());
                    let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
                }
            })
        });
        for h in &self.hosts {
            stratus_network_agent::dhcp::stop_all(&h.config.extra.network.state_dir);
        }
        for ns in stratus_netns::list(&self.prefix) {
            if let Err(e) = stratus_netns::del_blocking(&ns) {
                eprintln!("cleanup: {e}");
            }
        }
    }
}

/// An emulated instance: its namespace.
pub struct Instance {
    pub ns: String,
    dir: PathBuf,
}

impl Instance {
    /// Runs busybox's DHCP client on eth0 until it has a lease; the address
    /// it got.
    pub fn dhcp(&self) -> Result<String, String> {
        let script = self.dir.join(format!("{}-udhcpc.sh", self.ns));
        let lease = self.dir.join(format!("{}-lease", self.ns));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\ncase \"$1\" in bound|renew)\n  busybox ip addr flush dev \"$interface\"\n  busybox ip addr add \"$ip/$mask\" dev \"$interface\"\n  [ -n \"$router\" ] && busybox ip route replace default via \"${{router%% *}}\"\n  echo \"$ip\" > {}\n;; esac\nexit 0\n",
                lease.display()
            ),
        )
        .map_err(rt_err)?;
        let mut perms = std::fs::metadata(&script).map_err(rt_err)?.permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&script, perms).map_err(rt_err)?;
        let mut cmd = std::process::Command::new("busybox");
        cmd.args([
            "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1", "-s",
        ])
        .arg(&script);
        let out = stratus_netns::output(Some(&self.ns), cmd).map_err(rt_err)?;
        if !out.status.success() {
            return Err(format!(
                "udhcpc failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(std::fs::read_to_string(&lease)
            .map_err(rt_err)?
            .trim()
            .to_owned())
    }

    /// Sets an address by hand (for instances that take no lease).
    pub async fn address(&self, cidr: &str, gateway: Option<&str>) {
        let links = Links::open(Some(&self.ns)).await.expect("netlink");
        let eth = links.get("eth0").await.expect("get").expect("eth0");
        links
            .add_address(eth.index, cidr.parse().expect("cidr"))
            .await
            .expect("address");
        if let Some(gw) = gateway {
            links
                .default_route(gw.parse().expect("gw"))
                .await
                .expect("route");
        }
    }

    /// One ping of `ip` (1 s to answer).
    pub fn ping(&self, ip: &str) -> bool {
        ping_from(&self.ns, ip)
    }

    /// A TCP server on `port` inside the instance that echoes lines.
    pub fn serve_echo(&self, port: u16) -> std::thread::JoinHandle<()> {
        serve_echo(&self.ns, port)
    }

    /// A TCP connection from inside the instance.
    pub fn connect(&self, addr: &str) -> std::io::Result<TcpStream> {
        connect_from(&self.ns, addr)
    }
}

pub fn ping_from(ns: &str, ip: &str) -> bool {
    let mut cmd = std::process::Command::new("busybox");
    cmd.args(["ping", "-c", "1", "-W", "1", ip]);
    stratus_netns::output(Some(ns), cmd).is_ok_and(|o| o.status.success())
}

/// Polls for 30 s until a ping of `ip` from `ns` succeeds (`answers`) or
/// fails (`!answers`).
async fn eventually(ns: &str, ip: &str, answers: bool) {
    let (ns, ip) = (ns.to_owned(), ip.to_owned());
    let what = if answers {
        format!("{ns} to ping {ip}")
    } else {
        format!("{ns} to stop reaching {ip}")
    };
    poll_until(Duration::from_secs(30), &what, || {
        let (ns, ip) = (ns.clone(), ip.clone());
        async move {
            tokio::task::spawn_blocking(move || ping_from(&ns, &ip) == answers)
                .await
                .unwrap_or(false)
                .then_some(())
        }
    })
    .await;
}

/// Whether pings of `ip` from `ns` start working within 30 s.
pub async fn eventually_pings(ns: &str, ip: &str) {
    eventually(ns, ip, true).await;
}

/// Whether pings of `ip` from `ns` stop working within 30 s.
pub async fn eventually_blocked(ns: &str, ip: &str) {
    eventually(ns, ip, false).await;
}

/// Three pings in a row all fail.
pub async fn never_pings(ns: &str, ip: &str) -> bool {
    let (ns, ip) = (ns.to_owned(), ip.to_owned());
    tokio::task::spawn_blocking(move || (0..3).all(|_| !ping_from(&ns, &ip)))
        .await
        .unwrap_or(false)
}

pub fn serve_echo(ns: &str, port: u16) -> std::thread::JoinHandle<()> {
    let listener = run_in(Some(ns), move || TcpListener::bind(("0.0.0.0", port)))
        .expect("namespace")
        .expect("bind");
    std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Write};
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let peer = stream
                    .peer_addr()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_default();
                let mut writer = match stream.try_clone() {
                    Ok(w) => w,
                    Err(_) => return,
                };
                let reader = BufReader::new(stream);
                for line in reader.lines() {
                    let Ok(line) = line else { return };
                    if writer
                        .write_all(format!("{line} from {peer}\n").as_bytes())
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    })
}

pub fn connect_from(ns: &str, addr: &str) -> std::io::Result<TcpStream> {
    let addr: std::net::SocketAddr = addr.parse().map_err(std::io::Error::other)?;
    let stream = run_in(Some(ns), move || {
        TcpStream::connect_timeout(&addr, Duration::from_secs(3))
    })
    .map_err(std::io::Error::other)??;
    stream.set_read_timeout(Some(Duration::from_secs(3)))?;
    Ok(stream)
}

/// Sends a line and reads the echo.
pub fn exchange(stream: &mut TcpStream, line: &str) -> std::io::Result<String> {
    use std::io::{BufRead, BufReader, Write};
    stream.write_all(format!("{line}\n").as_bytes())?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = String::new();
    reader.read_line(&mut out)?;
    Ok(out.trim().to_owned())
}

/// Connects from `ns` to `addr`, retrying for 30 s while the path is built.
pub async fn poll_until_connect(ns: &str, addr: &str) -> std::net::TcpStream {
    let (ns, addr) = (ns.to_owned(), addr.to_owned());
    stratus_test_support::poll_until(
        std::time::Duration::from_secs(30),
        &format!("{ns} to connect to {addr}"),
        || {
            let (ns, addr) = (ns.clone(), addr.clone());
            async move {
                tokio::task::spawn_blocking(move || connect_from(&ns, &addr).ok())
                    .await
                    .ok()
                    .flatten()
            }
        },
    )
    .await
}
