//! DHCP for the networks this host serves: one namespace per network
//! (`<prefix>qdhcp-<network>`) holding the DHCP port's end of a veth whose
//! other end is on the network's bridge, and a dnsmasq inside it fed a
//! hosts file rebuilt from the network's ports. dnsmasq runs as a daemon of
//! its own, so leases keep being served while the agent restarts; a new
//! hosts file is picked up with SIGHUP (a port's address or MAC changing,
//! ports coming and going), and only a change of subnets restarts it.
//!
//! DHCP follows the ports exactly: dnsmasq keeps its leases in a file the
//! agent reads, and every lease no port holds any more (a deleted port, an
//! address that moved to another MAC) is released at once with
//! `dhcp_release`/`dhcp_release6` (dnsmasq-utils), as Neutron's DHCP agent
//! does: dnsmasq would otherwise refuse the address to its new owner until
//! the old lease ran out. A restarted dnsmasq starts from a lease file
//! holding only the leases of current ports.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use stratus_bus_protocol::network::DhcpSpec;

use crate::links::{LinkError, LinkOps, Links};

#[derive(Debug, thiserror::Error)]
pub enum DhcpError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Netns(#[from] stratus_netns::NetnsError),
    #[error("DHCP files of network {0}: {1}")]
    Files(String, #[source] std::io::Error),
    #[error("dnsmasq for network {0} did not start: {1}")]
    Start(String, String),
}

/// Where each network's dnsmasq files live, and how namespaces are named.
#[derive(Clone, Debug, Default)]
pub struct DhcpPaths {
    pub state_dir: PathBuf,
    pub ns_prefix: String,
    /// Leases released lately (network, address, MAC → when), so a lease
    /// dnsmasq has not dropped yet is not released again on every pass.
    pub released: Arc<Mutex<HashMap<LeaseKey, Instant>>>,
}

/// A lease: its network, address and MAC (or IAID).
pub type LeaseKey = (String, String, String);

/// How long a released lease is left to dnsmasq before it is released again.
const RELEASE_AGAIN_AFTER: Duration = Duration::from_secs(5);

impl DhcpPaths {
    /// Paths for the agent whose state is in `state_dir` and whose
    /// namespaces start with `ns_prefix`.
    pub fn new(state_dir: PathBuf, ns_prefix: String) -> Self {
        Self {
            state_dir,
            ns_prefix,
            released: Arc::default(),
        }
    }

    pub fn namespace(&self, network_id: &str) -> String {
        format!("{}qdhcp-{network_id}", self.ns_prefix)
    }

    fn dir(&self, network_id: &str) -> PathBuf {
        self.state_dir.join("dhcp").join(network_id)
    }

    /// Networks with a DHCP namespace of this agent.
    pub fn served(&self) -> Vec<String> {
        let prefix = format!("{}qdhcp-", self.ns_prefix);
        stratus_netns::list(&prefix)
            .into_iter()
            .map(|n| n[prefix.len()..].to_owned())
            .collect()
    }
}

/// The pid in the pid file, if that process is alive and is the dnsmasq
/// of `dir`.
fn running(dir: &Path) -> Option<(i32, String)> {
    let pid: i32 = std::fs::read_to_string(dir.join("pid"))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    cmdline
        .contains(&dir.join("pid").display().to_string())
        .then_some((pid, cmdline))
}

fn signal(pid: i32, sig: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// Ends a dnsmasq and waits (up to 5 s, then kills it) until it is gone,
/// so a new one never starts beside it.
fn end(pid: i32) {
    signal(pid, rustix::process::Signal::TERM);
    let deadline = Instant::now() + Duration::from_secs(5);
    // A zombie (not yet reaped by whoever adopted the daemon) is gone too.
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|st| {
            st.rsplit_once(')')
                .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
    };
    while alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if alive() {
        signal(pid, rustix::process::Signal::KILL);
    }
}

/// Stops the network's dnsmasq (if it runs).
pub fn stop(paths: &DhcpPaths, network_id: &str) {
    if let Some((pid, _)) = running(&paths.dir(network_id)) {
        end(pid);
    }
}

/// Stops every dnsmasq under `state_dir` (for tests cleaning up).
pub fn stop_all(state_dir: &Path) {
    let Ok(dir) = std::fs::read_dir(state_dir.join("dhcp")) else {
        return;
    };
    for e in dir.flatten() {
        if let Some((pid, _)) = running(&e.path()) {
            end(pid);
        }
    }
}

/// Removes DHCP of a network this host no longer serves.
pub async fn remove(paths: &DhcpPaths, network_id: &str) -> Result<(), DhcpError> {
    stop(paths, network_id);
    stratus_netns::del(&paths.namespace(network_id)).await?;
    let _ = std::fs::remove_dir_all(paths.dir(network_id));
    Ok(())
}

fn write_if_changed(path: &Path, text: &str) -> std::io::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|t| t == text) {
        return Ok(false);
    }
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(true)
}

/// One host dnsmasq serves, every field in canonical form.
struct Served {
    mac: String,
    ip: std::net::IpAddr,
    name: String,
}

/// The hosts of `spec` as dnsmasq is told them: each field parsed and
/// written back in canonical form (a host name keeps only letters, digits
/// and `-`); a host whose MAC or address is not one is left out, so no
/// record can add lines or options to dnsmasq's files. The hosts file and
/// the lease comparison both read this.
fn served(spec: &DhcpSpec) -> Vec<Served> {
    spec.hosts
        .iter()
        .filter_map(|h| {
            let (Some(mac), Ok(ip)) = (
                crate::links::canonical_mac(&h.mac_address),
                h.ip_address.parse::<std::net::IpAddr>(),
            ) else {
                tracing::warn!(network = %spec.network_id, mac = ?h.mac_address, ip = ?h.ip_address, "a DHCP host that is not a MAC and an address: left out");
                return None;
            };
            let name = h
                .hostname
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(63)
                .collect();
            Some(Served { mac, ip, name })
        })
        .collect()
}

/// The hosts file: one `mac,name,address` line per port address, as
/// [`served`] gives them.
pub fn hosts_file(spec: &DhcpSpec) -> String {
    let mut out = String::new();
    for Served { mac, ip, name } in served(spec) {
        let addr = if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        let _ = writeln!(out, "{mac},{name},{addr}");
    }
    out
}

/// The options file: gateway, DNS servers, host routes and MTU per subnet.
pub fn opts_file(spec: &DhcpSpec, mtu: u32) -> String {
    let mut out = String::new();
    for (i, s) in spec
        .subnets
        .iter()
        .enumerate()
        .filter(|(_, s)| s.ip_version == 4)
    {
        let tag = format!("tag:s{i}");
        // Only what parses as an address or a network is written, in
        // canonical form.
        let ip = |t: &str| t.parse::<std::net::IpAddr>().ok().map(|a| a.to_string());
        let gateway = s.gateway_ip.as_deref().and_then(ip);
        if let Some(gw) = &gateway {
            let _ = writeln!(out, "{tag},option:router,{gw}");
        }
        let dns: Vec<String> = s.dns_nameservers.iter().filter_map(|d| ip(d)).collect();
        if !dns.is_empty() {
            let _ = writeln!(out, "{tag},option:dns-server,{}", dns.join(","));
        }
        let mut routes: Vec<String> = s
            .host_routes
            .iter()
            .filter_map(|(d, n)| Some(format!("{},{}", d.parse::<IpNet>().ok()?, ip(n)?)))
            .collect();
        if !routes.is_empty() {
            // With classless routes a client ignores the router option, so
            // the default route goes in too.
            if let Some(gw) = &gateway {
                routes.push(format!("0.0.0.0/0,{gw}"));
            }
            let _ = writeln!(
                out,
                "{tag},option:classless-static-route,{}",
                routes.join(",")
            );
        }
        let _ = writeln!(out, "{tag},option:mtu,{mtu}");
    }
    out
}

fn args(paths: &DhcpPaths, spec: &DhcpSpec, iface: &str) -> Vec<String> {
    let dir = paths.dir(&spec.network_id);
    let mut a = vec![
        "--no-hosts".to_owned(),
        "--no-resolv".into(),
        "--port=0".into(),
        "--conf-file=/dev/null".into(),
        "--user=nobody".into(),
        "--group=nogroup".into(),
        format!("--pid-file={}", dir.join("pid").display()),
        format!("--dhcp-hostsfile={}", dir.join("host").display()),
        format!("--dhcp-optsfile={}", dir.join("opts").display()),
        format!("--dhcp-leasefile={}", dir.join("leases").display()),
        "--dhcp-authoritative".into(),
        format!("--interface={iface}"),
        "--bind-interfaces".into(),
        "--except-interface=lo".into(),
        "--domain=openstacklocal".into(),
    ];
    for (i, s) in spec.subnets.iter().enumerate() {
        let Ok(net) = s.cidr.parse::<IpNet>() else {
            continue;
        };
        match net {
            IpNet::V4(n) => a.push(format!(
                "--dhcp-range=set:s{i},{},static,{},86400s",
                n.network(),
                n.netmask()
            )),
            IpNet::V6(n) => a.push(format!(
                "--dhcp-range=set:s{i},{},static,{},86400s",
                n.network(),
                n.prefix_len()
            )),
        }
    }
    // As many leases as the subnets have addresses (Neutron's bound): it
    // changes with the subnets, never with the ports, so a port coming or
    // going is a SIGHUP, not a restart.
    a.push(format!("--dhcp-lease-max={}", lease_max(spec)));
    a
}

/// The number of addresses in the network's DHCP subnets (at most 2^24).
fn lease_max(spec: &DhcpSpec) -> u64 {
    let cap = 1u64 << 24;
    let total: u64 = spec
        .subnets
        .iter()
        .filter_map(|s| s.cidr.parse::<IpNet>().ok())
        .map(|n| {
            let host_bits = u32::from(n.max_prefix_len() - n.prefix_len());
            1u64.checked_shl(host_bits).unwrap_or(cap).min(cap)
        })
        .sum();
    total.clamp(16, cap)
}

/// One lease in dnsmasq's lease file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The line as dnsmasq wrote it.
    pub line: String,
    pub ip: String,
    /// The client's MAC (IPv4), or its IAID (IPv6).
    pub mac_or_iaid: String,
    /// The client id (IPv4, `*` when none) or DUID (IPv6).
    pub client_id: String,
    pub v6: bool,
}

/// The leases of a lease file, and the server's DUID (IPv6) if it has one.
pub fn parse_leases(text: &str) -> (Vec<Lease>, Option<String>) {
    let mut leases = Vec::new();
    let mut server_duid = None;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["duid", duid] => server_duid = Some((*duid).to_owned()),
            [_expiry, id, ip, _name, client, ..] => leases.push(Lease {
                line: line.to_owned(),
                ip: (*ip).to_owned(),
                mac_or_iaid: (*id).to_owned(),
                client_id: (*client).to_owned(),
                v6: ip.contains(':'),
            }),
            _ => {}
        }
    }
    (leases, server_duid)
}

/// Whether a port of `spec` holds the lease: an IPv4 lease is the port's
/// when its MAC and address are a host line's, an IPv6 one (which names no
/// MAC) when its address is.
fn current(lease: &Lease, hosts: &BTreeSet<(String, String)>, v6_addrs: &BTreeSet<String>) -> bool {
    if lease.v6 {
        v6_addrs.contains(&lease.ip)
    } else {
        hosts.contains(&(lease.mac_or_iaid.to_ascii_lowercase(), lease.ip.clone()))
    }
}

/// The (MAC, address) pairs dnsmasq was told, and the IPv6 addresses.
fn host_pairs(spec: &DhcpSpec) -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let hosts = served(spec);
    let pairs = hosts
        .iter()
        .map(|h| (h.mac.clone(), h.ip.to_string()))
        .collect();
    let v6 = hosts
        .iter()
        .filter(|h| h.ip.is_ipv6())
        .map(|h| h.ip.to_string())
        .collect();
    (pairs, v6)
}

/// The leases dnsmasq holds that no port of `spec` does.
pub fn stale_leases(text: &str, spec: &DhcpSpec) -> (Vec<Lease>, Option<String>) {
    let (pairs, v6) = host_pairs(spec);
    let (leases, duid) = parse_leases(text);
    (
        leases
            .into_iter()
            .filter(|l| !current(l, &pairs, &v6))
            .collect(),
        duid,
    )
}

/// The lease file with only the leases of current ports (for a dnsmasq
/// about to start).
pub fn current_leases_file(text: &str, spec: &DhcpSpec) -> String {
    let (pairs, v6) = host_pairs(spec);
    let (leases, duid) = parse_leases(text);
    let mut out = String::new();
    if let Some(d) = duid {
        let _ = writeln!(out, "duid {d}");
    }
    for l in leases.iter().filter(|l| current(l, &pairs, &v6)) {
        let _ = writeln!(out, "{}", l.line);
    }
    out
}

/// The `dhcp_release`/`dhcp_release6` command that drops `lease` from the
/// dnsmasq listening on `iface`.
pub fn release_command(
    iface: &str,
    lease: &Lease,
    server_duid: Option<&str>,
) -> Option<Vec<String>> {
    if lease.v6 {
        let mut c = vec![
            "dhcp_release6".to_owned(),
            "--iface".into(),
            iface.into(),
            "--ip".into(),
            lease.ip.clone(),
            "--iaid".into(),
            lease.mac_or_iaid.clone(),
            "--client-id".into(),
            lease.client_id.clone(),
        ];
        c.extend(["--server-id".into(), server_duid?.to_owned()]);
        Some(c)
    } else {
        let mut c = vec![
            "dhcp_release".to_owned(),
            iface.into(),
            lease.ip.clone(),
            lease.mac_or_iaid.clone(),
        ];
        if lease.client_id != "*" {
            c.push(lease.client_id.clone());
        }
        Some(c)
    }
}

/// Releases the leases of `dir`'s lease file that no port holds, from
/// inside `ns` where dnsmasq listens on `iface`.
fn release_stale(paths: &DhcpPaths, ns: &str, iface: &str, spec: &DhcpSpec) {
    let Ok(text) = std::fs::read_to_string(paths.dir(&spec.network_id).join("leases")) else {
        return;
    };
    let (stale, duid) = stale_leases(&text, spec);
    let now = Instant::now();
    let Ok(mut released) = paths.released.lock() else {
        return;
    };
    released.retain(|_, at| now.duration_since(*at) < RELEASE_AGAIN_AFTER);
    for lease in stale {
        let key = (
            spec.network_id.clone(),
            lease.ip.clone(),
            lease.mac_or_iaid.clone(),
        );
        if released.contains_key(&key) {
            continue;
        }
        let Some(argv) = release_command(iface, &lease, duid.as_deref()) else {
            tracing::warn!(network = %spec.network_id, ip = %lease.ip, "IPv6 lease not released: the lease file names no server DUID");
            continue;
        };
        let mut cmd = std::process::Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        match stratus_netns::output(Some(ns), cmd) {
            Ok(out) if out.status.success() => {
                tracing::info!(network = %spec.network_id, ip = %lease.ip, client = %lease.mac_or_iaid, "lease of a port gone released");
            }
            Ok(out) => tracing::warn!(network = %spec.network_id, ip = %lease.ip,
                error = %String::from_utf8_lossy(&out.stderr).trim(), "lease not released"),
            Err(e) => {
                tracing::warn!(network = %spec.network_id, ip = %lease.ip, error = %e, "lease not released")
            }
        }
        released.insert(key, now);
    }
}

/// Makes the network's DHCP what `spec` says: namespace, veth on `bridge`
/// (index in `host`'s namespace), addresses, files and dnsmasq.
pub async fn ensure(
    paths: &DhcpPaths,
    host: &Links,
    bridge: u32,
    mtu: u32,
    spec: &DhcpSpec,
) -> Result<(), DhcpError> {
    let ns = paths.namespace(&spec.network_id);
    stratus_netns::add(&ns).await?;
    let inside = Links::open(Some(&ns)).await?;
    // dhcp_release reaches dnsmasq over the namespace's loopback.
    if let Some(lo) = inside.get("lo").await?
        && !lo.up
    {
        inside.configure(lo.index, None, None).await?;
    }
    let addresses = crate::plumbing::port_addresses(&spec.port, &spec.subnets);
    let inner = crate::plumbing::attach_port(
        host, &inside, &ns, "ns-", &spec.port, bridge, mtu, &addresses,
    )
    .await?;

    let dir = paths.dir(&spec.network_id);
    let files = |e| DhcpError::Files(spec.network_id.clone(), e);
    std::fs::create_dir_all(&dir).map_err(files)?;
    let hosts_changed = write_if_changed(&dir.join("host"), &hosts_file(spec)).map_err(files)?;
    let opts_changed = write_if_changed(&dir.join("opts"), &opts_file(spec, mtu)).map_err(files)?;
    let args = args(paths, spec, &inner);
    let wanted_cmdline = format!("dnsmasq {}", args.join(" "));
    match running(&dir) {
        Some((pid, cmdline)) if cmdline.trim_end().ends_with(&args.join(" ")) => {
            if hosts_changed || opts_changed {
                signal(pid, rustix::process::Signal::HUP);
            }
        }
        other => {
            if let Some((pid, _)) = other {
                end(pid);
            }
            let _ = std::fs::remove_file(dir.join("pid"));
            // Only current ports' leases come back with the new dnsmasq.
            let leases = dir.join("leases");
            if let Ok(text) = std::fs::read_to_string(&leases) {
                std::fs::write(&leases, current_leases_file(&text, spec)).map_err(files)?;
            }
            let mut cmd = std::process::Command::new("dnsmasq");
            cmd.args(&args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            let out = stratus_netns::output(Some(&ns), cmd)?;
            if !out.status.success() {
                return Err(DhcpError::Start(
                    spec.network_id.clone(),
                    String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                ));
            }
            tracing::info!(network = %spec.network_id, cmd = %wanted_cmdline, "dnsmasq started");
        }
    }
    release_stale(paths, &ns, &inner, spec);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stratus_bus_protocol::network::{DhcpHost, PortSpec, SubnetSpec};

    fn spec() -> DhcpSpec {
        DhcpSpec {
            network_id: "n1".into(),
            port: PortSpec {
                id: "p".into(),
                network_id: "n1".into(),
                mac_address: "fa:16:3e:00:00:02".into(),
                fixed_ips: vec![],
                device_owner: "network:dhcp".into(),
                admin_state_up: true,
                port_security_enabled: false,
                security_groups: vec![],
                allowed_address_pairs: vec![],
            },
            subnets: vec![SubnetSpec {
                id: "s".into(),
                ip_version: 4,
                cidr: "10.0.0.0/24".into(),
                gateway_ip: Some("10.0.0.1".into()),
                enable_dhcp: true,
                dns_nameservers: vec!["10.0.0.53".into()],
                host_routes: vec![("10.9.0.0/16".into(), "10.0.0.254".into())],
            }],
            hosts: vec![DhcpHost {
                mac_address: "fa:16:3e:00:00:05".into(),
                ip_address: "10.0.0.5".into(),
                hostname: "host-10-0-0-5".into(),
            }],
        }
    }

    #[test]
    fn files_and_arguments() {
        let s = spec();
        assert_eq!(hosts_file(&s), "fa:16:3e:00:00:05,host-10-0-0-5,10.0.0.5\n");
        let opts = opts_file(&s, 1450);
        assert!(opts.contains("tag:s0,option:router,10.0.0.1\n"));
        assert!(opts.contains("tag:s0,option:dns-server,10.0.0.53\n"));
        assert!(opts.contains(
            "tag:s0,option:classless-static-route,10.9.0.0/16,10.0.0.254,0.0.0.0/0,10.0.0.1\n"
        ));
        assert!(opts.contains("tag:s0,option:mtu,1450\n"));
        let paths = DhcpPaths::new("/var/lib/x".into(), "t-".into());
        assert_eq!(paths.namespace("n1"), "t-qdhcp-n1");
        let a = args(&paths, &s, "ns-p");
        assert!(a.contains(&"--dhcp-range=set:s0,10.0.0.0,static,255.255.255.0,86400s".to_owned()));
        assert!(a.contains(&"--interface=ns-p".to_owned()));
        assert!(a.contains(&"--pid-file=/var/lib/x/dhcp/n1/pid".to_owned()));
        assert!(a.contains(&"--dhcp-leasefile=/var/lib/x/dhcp/n1/leases".to_owned()));
        assert!(a.contains(&"--dhcp-lease-max=256".to_owned()));
        // Ports coming and going change no argument (a SIGHUP, not a restart).
        let mut more = s.clone();
        more.hosts.extend((6..200).map(|i| DhcpHost {
            mac_address: format!("fa:16:3e:00:01:{i:02x}"),
            ip_address: format!("10.0.0.{i}"),
            hostname: format!("host-{i}"),
        }));
        assert_eq!(args(&paths, &more, "ns-p"), a);
    }

    #[test]
    fn hosts_that_are_not_hosts_never_reach_dnsmasq() {
        let mut s = spec();
        s.hosts.push(DhcpHost {
            mac_address: "fa:16:3e:00:00:06\ndhcp-option=3,6.6.6.6".into(),
            ip_address: "10.0.0.6".into(),
            hostname: "h".into(),
        });
        s.hosts.push(DhcpHost {
            mac_address: "fa:16:3e:00:00:07".into(),
            ip_address: "10.0.0.7,set:x".into(),
            hostname: "h".into(),
        });
        s.hosts.push(DhcpHost {
            mac_address: "FA:16:3E:00:00:08".into(),
            ip_address: "10.0.0.8".into(),
            hostname: "host-8,ignore\n".into(),
        });
        assert_eq!(
            hosts_file(&s),
            "fa:16:3e:00:00:05,host-10-0-0-5,10.0.0.5\nfa:16:3e:00:00:08,host-8ignore,10.0.0.8\n"
        );
    }

    #[test]
    fn leases_no_port_holds_are_released() {
        let s = spec();
        let text = "duid 00:01:00:01:2c:aa:bb:cc:fa:16:3e:00:00:02\n\
            1796333857 fa:16:3e:00:00:05 10.0.0.5 host-10-0-0-5 01:fa:16:3e:00:00:05\n\
            1796333858 fa:16:3e:00:00:09 10.0.0.5 host-10-0-0-5 *\n\
            1796333859 fa:16:3e:00:00:07 10.0.0.7 host-10-0-0-7 *\n\
            1796333860 1234 fd00::9 host-fd00--9 00:01:00:01:aa\n";
        let (stale, duid) = stale_leases(text, &s);
        // The port's own lease stays; the address's old MAC, a deleted
        // port's lease and an IPv6 lease of no port go.
        let ips: Vec<(&str, &str)> = stale
            .iter()
            .map(|l| (l.ip.as_str(), l.mac_or_iaid.as_str()))
            .collect();
        assert_eq!(
            ips,
            [
                ("10.0.0.5", "fa:16:3e:00:00:09"),
                ("10.0.0.7", "fa:16:3e:00:00:07"),
                ("fd00::9", "1234")
            ]
        );
        assert_eq!(
            release_command("ns-p", &stale[0], duid.as_deref()).expect("v4"),
            ["dhcp_release", "ns-p", "10.0.0.5", "fa:16:3e:00:00:09"]
        );
        assert_eq!(
            release_command("ns-p", &stale[2], duid.as_deref()).expect("v6"),
            [
                "dhcp_release6",
                "--iface",
                "ns-p",
                "--ip",
                "fd00::9",
                "--iaid",
                "1234",
                "--client-id",
                "00:01:00:01:aa",
                "--server-id",
                "00:01:00:01:2c:aa:bb:cc:fa:16:3e:00:00:02"
            ]
        );
        let mut port_lease = s.clone();
        port_lease.hosts[0].mac_address = "FA:16:3E:00:00:05".into();
        assert_eq!(
            current_leases_file(text, &port_lease),
            "duid 00:01:00:01:2c:aa:bb:cc:fa:16:3e:00:00:02\n\
             1796333857 fa:16:3e:00:00:05 10.0.0.5 host-10-0-0-5 01:fa:16:3e:00:00:05\n"
        );
        // An IPv6 lease with no server DUID cannot be released.
        assert_eq!(release_command("ns-p", &stale[2], None), None);
    }
}
