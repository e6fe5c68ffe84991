//! The layer-2 building blocks every part of the agent shares: a bridge per
//! network with its uplink (VXLAN, VLAN or the flat NIC), veth pairs that
//! put a DHCP server or router interface on a bridge, and addresses. Each
//! function compares before it changes, so applying the same thing twice
//! leaves traffic alone.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use ipnet::IpNet;
use stratus_bus_protocol::network::{NetworkSpec, PortSpec, SubnetSpec};

use crate::links::{Link, LinkError, LinkOps, Links, dev_name};

pub use stratus_bus_protocol::network::bridge_name;

/// The uplink device of a network, if it gets one of its own.
pub fn uplink_name(net: &NetworkSpec, nic: Option<&str>) -> Option<String> {
    match net.network_type.as_str() {
        "vxlan" => net.segmentation_id.map(|v| format!("vxlan-{v}")),
        "vlan" => {
            let (nic, vid) = (nic?, net.segmentation_id?);
            let name = format!("{nic}.{vid}");
            Some(if name.len() <= 15 {
                name
            } else {
                format!("vlan-{vid}")
            })
        }
        "flat" => nic.map(str::to_owned),
        _ => None,
    }
}

/// Makes the network's bridge and uplink, returning the bridge's index.
pub async fn ensure_network<L: LinkOps>(
    links: &L,
    have: &[Link],
    net: &NetworkSpec,
    nic: Option<&str>,
    tunnel_ip: Option<Ipv4Addr>,
    owner: &str,
) -> Result<u32, LinkError> {
    let name = bridge_name(&net.id);
    let bridge = match have.iter().find(|l| l.name == name) {
        Some(b) => {
            if !b.up || b.mtu != net.mtu {
                links.configure(b.index, None, Some(net.mtu)).await?;
            }
            if b.alias.is_none() {
                links.set_alias(b.index, owner).await?;
            }
            b.index
        }
        None => {
            links.add_bridge(&name, net.mtu).await?;
            let index = links
                .get(&name)
                .await?
                .ok_or_else(|| LinkError::Missing(name.clone()))?
                .index;
            links.set_alias(index, owner).await?;
            index
        }
    };
    let Some(uplink) = uplink_name(net, nic) else {
        return Ok(bridge);
    };
    let existing = have.iter().find(|l| l.name == uplink).cloned();
    let dev = match (existing, net.network_type.as_str()) {
        (Some(l), _) => l,
        (None, "vxlan") => {
            let (Some(vni), Some(local)) = (net.segmentation_id, tunnel_ip) else {
                return Ok(bridge);
            };
            links.add_vxlan(&uplink, vni, local, net.mtu).await?;
            links
                .get(&uplink)
                .await?
                .ok_or(LinkError::Missing(uplink))?
        }
        (None, "vlan") => {
            let (Some(nic), Some(vid)) = (nic, net.segmentation_id) else {
                return Ok(bridge);
            };
            let parent = have
                .iter()
                .find(|l| l.name == nic)
                .ok_or_else(|| LinkError::Missing(nic.to_owned()))?;
            links
                .add_vlan(
                    &uplink,
                    parent.index,
                    u16::try_from(vid).unwrap_or(0),
                    net.mtu,
                )
                .await?;
            links
                .get(&uplink)
                .await?
                .ok_or(LinkError::Missing(uplink))?
        }
        (None, _) => return Err(LinkError::Missing(uplink)),
    };
    if dev.master != Some(bridge) || !dev.up {
        links.plug(dev.index, bridge, dev.mtu.max(net.mtu)).await?;
    }
    // A flat NIC is the host's, not the agent's: only made links are marked.
    if net.network_type != "flat" && dev.alias.is_none() {
        links.set_alias(dev.index, owner).await?;
    }
    if net.network_type == "vxlan" {
        let want: BTreeSet<Ipv4Addr> = net.peers.iter().filter_map(|p| p.parse().ok()).collect();
        let have: BTreeSet<Ipv4Addr> = links.flood_peers(dev.index).await?.into_iter().collect();
        for gone in have.difference(&want) {
            links.del_flood_peer(dev.index, *gone).await?;
        }
        for new in want.difference(&have) {
            links.add_flood_peer(dev.index, *new).await?;
        }
    }
    Ok(bridge)
}

/// Puts `inner` (in namespace `ns`) on `bridge` through a veth whose other
/// end, `outer`, stays in `host`'s namespace. Made once; later calls only
/// check the plug.
pub async fn veth_into(
    host: &Links,
    inside: &Links,
    ns: &str,
    outer: &str,
    inner: &str,
    bridge: u32,
    mtu: u32,
) -> Result<(), LinkError> {
    let mut out = host.get(outer).await?;
    let in_place = inside.get(inner).await?.is_some();
    if out.is_none() || !in_place {
        if let Some(o) = &out {
            host.delete(o.index).await?;
        }
        host.add_veth(outer, inner).await?;
        let peer = host
            .get(inner)
            .await?
            .ok_or_else(|| LinkError::Missing(inner.to_owned()))?;
        host.move_to(peer.index, ns).await?;
        out = host.get(outer).await?;
    }
    let out = out.ok_or_else(|| LinkError::Missing(outer.to_owned()))?;
    if out.master != Some(bridge) || !out.up || out.mtu != mtu {
        host.plug(out.index, bridge, mtu).await?;
    }
    Ok(())
}

/// The port's addresses, each with its subnet's prefix length.
pub fn port_addresses(port: &PortSpec, subnets: &[SubnetSpec]) -> BTreeSet<IpNet> {
    port.fixed_ips
        .iter()
        .filter_map(|f| {
            let s = subnets.iter().find(|s| s.id == f.subnet_id)?;
            let net: IpNet = s.cidr.parse().ok()?;
            IpNet::new(f.ip_address.parse().ok()?, net.prefix_len()).ok()
        })
        .collect()
}

/// Puts a port the agent serves itself (DHCP, a router's) into namespace
/// `ns`: a veth from `bridge` whose inner end, `<kind><port[:11]>`, has the
/// port's MAC, `mtu` and exactly `addresses`. The inner end's name.
#[allow(clippy::too_many_arguments)]
pub async fn attach_port(
    host: &Links,
    inside: &Links,
    ns: &str,
    kind: &str,
    port: &PortSpec,
    bridge: u32,
    mtu: u32,
    addresses: &BTreeSet<IpNet>,
) -> Result<String, LinkError> {
    let outer = dev_name("tap", &port.id);
    let inner = dev_name(kind, &port.id);
    veth_into(host, inside, ns, &outer, &inner, bridge, mtu).await?;
    let link = inside
        .get(&inner)
        .await?
        .ok_or_else(|| LinkError::Missing(inner.clone()))?;
    inside
        .configure(link.index, Some(&port.mac_address), Some(mtu))
        .await?;
    set_addresses(inside, link.index, addresses).await?;
    Ok(inner)
}

/// Makes the link's addresses exactly `want` (IPv6 link-local ones aside).
pub async fn set_addresses(
    links: &Links,
    index: u32,
    want: &BTreeSet<IpNet>,
) -> Result<(), LinkError> {
    let have: BTreeSet<IpNet> = links
        .addresses(index)
        .await?
        .into_iter()
        .filter(|n| match n {
            IpNet::V6(v6) => (v6.addr().segments()[0] & 0xffc0) != 0xfe80,
            IpNet::V4(_) => true,
        })
        .collect();
    for gone in have.difference(want) {
        links.del_address(index, *gone).await?;
    }
    for new in want.difference(&have) {
        links.add_address(index, *new).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(kind: &str, seg: Option<u32>) -> NetworkSpec {
        NetworkSpec {
            id: "0123456789abcdef".into(),
            network_type: kind.into(),
            physical_network: Some("physnet1".into()),
            segmentation_id: seg,
            mtu: 1500,
            peers: vec![],
        }
    }

    #[test]
    fn uplinks_are_named_as_neutron_names_them() {
        assert_eq!(bridge_name("0123456789abcdef"), "brq0123456789a");
        assert_eq!(
            uplink_name(&net("vxlan", Some(42)), None).as_deref(),
            Some("vxlan-42")
        );
        assert_eq!(
            uplink_name(&net("vlan", Some(101)), Some("eth1")).as_deref(),
            Some("eth1.101")
        );
        assert_eq!(
            uplink_name(&net("vlan", Some(101)), Some("enp129s0f1np1")).as_deref(),
            Some("vlan-101")
        );
        assert_eq!(uplink_name(&net("vlan", Some(101)), None), None);
        assert_eq!(
            uplink_name(&net("flat", None), Some("eth2")).as_deref(),
            Some("eth2")
        );
    }
}
