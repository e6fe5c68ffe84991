//! Routers: one namespace each (`<prefix>qrouter-<router>`), with a veth per
//! interface (`qr-…`) and one for the gateway (`qg-…`) whose other ends sit
//! on the networks' bridges. Forwarding is on inside; NAT is one nftables
//! table there: SNAT of the subnets behind the router to the gateway
//! address, and DNAT/SNAT between each floating IP and its fixed address.
//! The table carries the hash of its content and is only replaced (in one
//! transaction) when that changes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use stratus_bus_protocol::network::{RouterPortSpec, RouterSpec};

use crate::links::{LinkError, LinkOps, Links, dev_name};
use crate::nft::{self, Listing, NftError, quote};

#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Netns(#[from] stratus_netns::NetnsError),
    #[error(transparent)]
    Nft(#[from] NftError),
}

pub const NAT_TABLE: &str = "stratus_router";

pub fn namespace(prefix: &str, router_id: &str) -> String {
    format!("{prefix}qrouter-{router_id}")
}

/// Routers with a namespace of this agent.
pub fn running(prefix: &str) -> Vec<String> {
    let p = format!("{prefix}qrouter-");
    stratus_netns::list(&p)
        .into_iter()
        .map(|n| n[p.len()..].to_owned())
        .collect()
}

fn gateway_v4(rp: &RouterPortSpec) -> Option<Ipv4Addr> {
    rp.port
        .fixed_ips
        .iter()
        .find_map(|f| match f.ip_address.parse() {
            Ok(IpAddr::V4(v)) => Some(v),
            _ => None,
        })
}

/// The NAT table of a router, as an nft script that replaces the old one.
pub fn nat_script(spec: &RouterSpec) -> Option<String> {
    let gw = spec.gateway.as_ref()?;
    let qg = dev_name("qg-", &gw.port.id);
    let gw_ip = gateway_v4(gw)?;
    let inside: Vec<String> = spec
        .interfaces
        .iter()
        .flat_map(|i| i.subnets.iter())
        .filter(|s| s.ip_version == 4)
        .map(|s| s.cidr.clone())
        .collect();
    let mut body = String::new();
    let _ = writeln!(
        body,
        "  chain prerouting {{\n    type nat hook prerouting priority dstnat; policy accept;"
    );
    for f in &spec.floating_ips {
        let _ = writeln!(
            body,
            "    ip daddr {} dnat to {}",
            f.floating_ip_address, f.fixed_ip_address
        );
    }
    let _ = writeln!(
        body,
        "  }}\n  chain postrouting {{\n    type nat hook postrouting priority srcnat; policy accept;"
    );
    for f in &spec.floating_ips {
        let _ = writeln!(
            body,
            "    oifname {} ip saddr {} snat to {}",
            quote(&qg),
            f.fixed_ip_address,
            f.floating_ip_address
        );
    }
    if spec.enable_snat && !inside.is_empty() {
        let _ = writeln!(
            body,
            "    oifname {} ip saddr {{ {} }} snat to {gw_ip}",
            quote(&qg),
            inside.join(", ")
        );
    }
    body.push_str("  }\n");
    let hash = nft::short_hash(&body);
    Some(format!(
        "table ip {NAT_TABLE} {{ comment \"h:{hash}\"\n{body}}}\n"
    ))
}

/// Makes the router's namespace what `spec` says.
pub async fn ensure(
    prefix: &str,
    host: &Links,
    bridges: &BTreeMap<String, u32>,
    mtus: &BTreeMap<String, u32>,
    spec: &RouterSpec,
) -> Result<(), RouterError> {
    let ns = namespace(prefix, &spec.id);
    stratus_netns::add(&ns).await?;
    stratus_netns::sysctl(Some(&ns), "net/ipv4/ip_forward", "1")?;
    let inside = Links::open(Some(&ns)).await?;
    let mut wanted_devs = BTreeSet::new();
    let ports = spec
        .gateway
        .iter()
        .map(|g| (g, "qg-"))
        .chain(spec.interfaces.iter().map(|i| (i, "qr-")));
    for (rp, kind) in ports {
        let Some(bridge) = bridges.get(&rp.port.network_id) else {
            continue;
        };
        let mtu = mtus.get(&rp.port.network_id).copied().unwrap_or(1500);
        let mut want = crate::plumbing::port_addresses(&rp.port, &rp.subnets);
        if kind == "qg-" {
            for f in &spec.floating_ips {
                if let Ok(ip) = f.floating_ip_address.parse::<IpAddr>() {
                    want.insert(IpNet::from(ip));
                }
            }
        }
        let inner =
            crate::plumbing::attach_port(host, &inside, &ns, kind, &rp.port, *bridge, mtu, &want)
                .await?;
        wanted_devs.insert(inner);
    }
    // Interfaces removed from the router.
    for l in inside.list().await? {
        if (l.name.starts_with("qr-") || l.name.starts_with("qg-"))
            && !wanted_devs.contains(&l.name)
        {
            inside.delete(l.index).await?;
        }
    }
    if let Some(gw) = &spec.gateway
        && let Some(next) = gw
            .subnets
            .iter()
            .filter(|s| s.ip_version == 4)
            .find_map(|s| s.gateway_ip.as_deref()?.parse::<Ipv4Addr>().ok())
    {
        inside.default_route(next).await?;
    }
    let listing = Listing::read(Some(&ns), "ip", NAT_TABLE)?;
    match nat_script(spec) {
        Some(script) => {
            let tag = script.split('"').nth(1).map(str::to_owned);
            if listing.comment != tag {
                let mut s = String::new();
                if listing.exists {
                    let _ = writeln!(s, "delete table ip {NAT_TABLE}");
                }
                s.push_str(&script);
                nft::apply(Some(&ns), &s)?;
            }
        }
        None if listing.exists => nft::apply(Some(&ns), &format!("delete table ip {NAT_TABLE}\n"))?,
        None => {}
    }
    Ok(())
}

/// Removes a router this host no longer runs (its veths go with it).
pub async fn remove(prefix: &str, router_id: &str) -> Result<(), RouterError> {
    stratus_netns::del(&namespace(prefix, router_id)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stratus_bus_protocol::network::{FixedIpSpec, FloatingIpSpec, PortSpec, SubnetSpec};

    fn rp(id: &str, ip: &str, cidr: &str) -> RouterPortSpec {
        RouterPortSpec {
            port: PortSpec {
                id: id.into(),
                network_id: "n".into(),
                mac_address: "fa:16:3e:00:00:09".into(),
                fixed_ips: vec![FixedIpSpec {
                    subnet_id: "s".into(),
                    ip_address: ip.into(),
                }],
                device_owner: String::new(),
                admin_state_up: true,
                port_security_enabled: false,
                security_groups: vec![],
                allowed_address_pairs: vec![],
            },
            subnets: vec![SubnetSpec {
                id: "s".into(),
                ip_version: 4,
                cidr: cidr.into(),
                gateway_ip: None,
                enable_dhcp: true,
                dns_nameservers: vec![],
                host_routes: vec![],
            }],
        }
    }

    #[test]
    fn nat_rules_for_snat_and_floating_ips() {
        let spec = RouterSpec {
            id: "r".into(),
            enable_snat: true,
            gateway: Some(rp("gwport-0000", "172.24.4.10", "172.24.4.0/24")),
            interfaces: vec![rp("ifport-0000", "10.0.0.1", "10.0.0.0/24")],
            floating_ips: vec![FloatingIpSpec {
                floating_ip_address: "172.24.4.20".into(),
                fixed_ip_address: "10.0.0.5".into(),
            }],
        };
        let s = nat_script(&spec).expect("a gateway");
        assert!(s.contains("ip daddr 172.24.4.20 dnat to 10.0.0.5"));
        assert!(s.contains("oifname \"qg-gwport-0000\" ip saddr 10.0.0.5 snat to 172.24.4.20"));
        assert!(
            s.contains("oifname \"qg-gwport-0000\" ip saddr { 10.0.0.0/24 } snat to 172.24.4.10")
        );
        assert!(s.starts_with("table ip stratus_router { comment \"h:"));
        let fip_first = s.find("snat to 172.24.4.20").expect("fip");
        let snat = s.find("snat to 172.24.4.10").expect("snat");
        assert!(
            fip_first < snat,
            "a floating IP's SNAT wins over the router's"
        );
        let mut no_gw = spec.clone();
        no_gw.gateway = None;
        assert_eq!(nat_script(&no_gw), None);
        let mut no_snat = spec;
        no_snat.enable_snat = false;
        assert!(
            !nat_script(&no_snat)
                .expect("gw")
                .contains("snat to 172.24.4.10")
        );
    }
}
