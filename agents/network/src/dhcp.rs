//! DHCP for the networks this host serves: one namespace per network
//! (`<prefix>qdhcp-<network>`) holding the DHCP port's end of a veth whose
//! other end is on the network's bridge, and a dnsmasq inside it fed a
//! hosts file rebuilt from the network's ports. dnsmasq runs as a daemon of
//! its own, so leases keep being served while the agent restarts; a new
//! hosts file is picked up with SIGHUP, other changes restart it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use stratus_bus_protocol::network::DhcpSpec;

use crate::links::{LinkError, Links};

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
#[derive(Clone, Debug)]
pub struct DhcpPaths {
    pub state_dir: PathBuf,
    pub ns_prefix: String,
}

impl DhcpPaths {
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

/// Stops the network's dnsmasq (if it runs).
pub fn stop(paths: &DhcpPaths, network_id: &str) {
    if let Some((pid, _)) = running(&paths.dir(network_id)) {
        signal(pid, rustix::process::Signal::TERM);
    }
}

/// Stops every dnsmasq under `state_dir` (for tests cleaning up).
pub fn stop_all(state_dir: &Path) {
    let Ok(dir) = std::fs::read_dir(state_dir.join("dhcp")) else {
        return;
    };
    for e in dir.flatten() {
        if let Some((pid, _)) = running(&e.path()) {
            signal(pid, rustix::process::Signal::TERM);
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

/// The hosts file: one `mac,name,address` line per port address.
pub fn hosts_file(spec: &DhcpSpec) -> String {
    let mut out = String::new();
    for h in &spec.hosts {
        let addr = if h.ip_address.contains(':') {
            format!("[{}]", h.ip_address)
        } else {
            h.ip_address.clone()
        };
        let _ = writeln!(out, "{},{},{addr}", h.mac_address, h.hostname);
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
        if let Some(gw) = &s.gateway_ip {
            let _ = writeln!(out, "{tag},option:router,{gw}");
        }
        if !s.dns_nameservers.is_empty() {
            let _ = writeln!(
                out,
                "{tag},option:dns-server,{}",
                s.dns_nameservers.join(",")
            );
        }
        if !s.host_routes.is_empty() {
            let mut routes: Vec<String> = s
                .host_routes
                .iter()
                .map(|(d, n)| format!("{d},{n}"))
                .collect();
            // With classless routes a client ignores the router option, so
            // the default route goes in too.
            if let Some(gw) = &s.gateway_ip {
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
        "--leasefile-ro".into(),
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
    a.push(format!("--dhcp-lease-max={}", spec.hosts.len().max(16) * 2));
    a
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
                signal(pid, rustix::process::Signal::TERM);
            }
            let _ = std::fs::remove_file(dir.join("pid"));
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
        let paths = DhcpPaths {
            state_dir: "/var/lib/x".into(),
            ns_prefix: "t-".into(),
        };
        assert_eq!(paths.namespace("n1"), "t-qdhcp-n1");
        let a = args(&paths, &s, "ns-p");
        assert!(a.contains(&"--dhcp-range=set:s0,10.0.0.0,static,255.255.255.0,86400s".to_owned()));
        assert!(a.contains(&"--interface=ns-p".to_owned()));
        assert!(a.contains(&"--pid-file=/var/lib/x/dhcp/n1/pid".to_owned()));
    }
}
