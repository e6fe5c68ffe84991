//! Links, addresses, routes and forwarding entries through rtnetlink, in
//! the namespace the handle was opened in. Every request the agent makes of
//! the kernel's link layer goes through here; the messages for VLAN
//! sub-interfaces are built by [`vlan_message`] so they can be checked on
//! kernels that cannot create them.

use futures_util::StreamExt;
use futures_util::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_core::{
    NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::address::AddressAttribute;
use rtnetlink::packet_route::link::{
    InfoData, InfoVxlan, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use rtnetlink::packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use rtnetlink::{
    Handle, LinkBridge, LinkUnspec, LinkVeth, LinkVlan, LinkVxlan, RouteMessageBuilder,
};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{what}: {source}")]
    Netlink {
        what: String,
        #[source]
        source: rtnetlink::Error,
    },
    #[error("{0}")]
    Namespace(#[from] stratus_netns::NetnsError),
    #[error("no link named {0}")]
    Missing(String),
}

fn nl(what: impl Into<String>) -> impl FnOnce(rtnetlink::Error) -> LinkError {
    let what = what.into();
    move |source| LinkError::Netlink { what, source }
}

/// The kernel's view of one link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// `bridge`, `vxlan`, `veth`, `tun`, `vlan`, ...; none for a plain NIC.
    pub kind: Option<String>,
    pub master: Option<u32>,
    pub mac: String,
    pub mtu: u32,
    pub up: bool,
    pub vxlan_id: Option<u32>,
    /// The link's alias (`ifalias`): the agent marks what it made with it.
    pub alias: Option<String>,
}

fn link_of(msg: &LinkMessage) -> Link {
    let mut link = Link {
        index: msg.header.index,
        name: String::new(),
        kind: None,
        master: None,
        mac: String::new(),
        mtu: 0,
        up: msg.header.flags.contains(LinkFlags::Up),
        vxlan_id: None,
        alias: None,
    };
    for attr in &msg.attributes {
        match attr {
            LinkAttribute::IfName(n) => link.name = n.clone(),
            LinkAttribute::Controller(m) => link.master = Some(*m),
            LinkAttribute::Address(a) => link.mac = format_mac(a),
            LinkAttribute::Mtu(m) => link.mtu = *m,
            LinkAttribute::IfAlias(a) => link.alias = Some(a.clone()),
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    match info {
                        LinkInfo::Kind(k) => link.kind = Some(k.to_string()),
                        LinkInfo::Data(InfoData::Vxlan(v)) => {
                            link.vxlan_id = v.iter().find_map(|i| match i {
                                InfoVxlan::Id(id) => Some(*id),
                                _ => None,
                            });
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    link
}

pub use stratus_common::mac::{
    canonical as canonical_mac, format as format_mac, parse as parse_mac,
};

/// The request that creates VLAN `vid` on the NIC with index `parent`.
pub fn vlan_message(name: &str, parent: u32, vid: u16, mtu: u32) -> LinkMessage {
    LinkVlan::new(name, parent, vid).mtu(mtu).up().build()
}

/// The request that creates a VXLAN device for `vni` from `local`.
pub fn vxlan_message(name: &str, vni: u32, local: Ipv4Addr, mtu: u32) -> LinkMessage {
    LinkVxlan::new(name, vni)
        .local(local)
        .port(4789)
        .learning(true)
        .mtu(mtu)
        .up()
        .build()
}

/// What the reconcile loop asks of a namespace's links, so it can run
/// against [`Links`] (netlink) or an in-memory fake in unit tests.
pub trait LinkOps: Send + Sync {
    fn list(&self) -> impl Future<Output = Result<Vec<Link>, LinkError>> + Send;
    fn get(&self, name: &str) -> impl Future<Output = Result<Option<Link>, LinkError>> + Send {
        let name = name.to_owned();
        async move { Ok(self.list().await?.into_iter().find(|l| l.name == name)) }
    }
    fn add_bridge(
        &self,
        name: &str,
        mtu: u32,
    ) -> impl Future<Output = Result<(), LinkError>> + Send;
    fn add_vxlan(
        &self,
        name: &str,
        vni: u32,
        local: Ipv4Addr,
        mtu: u32,
    ) -> impl Future<Output = Result<(), LinkError>> + Send;
    fn add_vlan(
        &self,
        name: &str,
        parent: u32,
        vid: u16,
        mtu: u32,
    ) -> impl Future<Output = Result<(), LinkError>> + Send;
    /// Puts the link under `master`, sets its MTU and brings it up.
    fn plug(
        &self,
        index: u32,
        master: u32,
        mtu: u32,
    ) -> impl Future<Output = Result<(), LinkError>> + Send;
    /// Takes the link off its bridge.
    fn unplug(&self, index: u32) -> impl Future<Output = Result<(), LinkError>> + Send;
    /// Sets the link's MAC, MTU and brings it up.
    fn configure(
        &self,
        index: u32,
        mac: Option<&str>,
        mtu: Option<u32>,
    ) -> impl Future<Output = Result<(), LinkError>> + Send;
    fn set_alias(
        &self,
        index: u32,
        alias: &str,
    ) -> impl Future<Output = Result<(), LinkError>> + Send;
    fn delete(&self, index: u32) -> impl Future<Output = Result<(), LinkError>> + Send;
    /// The VXLAN device's flooding destinations.
    fn flood_peers(
        &self,
        index: u32,
    ) -> impl Future<Output = Result<Vec<Ipv4Addr>, LinkError>> + Send;
    fn add_flood_peer(
        &self,
        index: u32,
        peer: Ipv4Addr,
    ) -> impl Future<Output = Result<(), LinkError>> + Send;
    fn del_flood_peer(
        &self,
        index: u32,
        peer: Ipv4Addr,
    ) -> impl Future<Output = Result<(), LinkError>> + Send;
}

impl LinkOps for Links {
    async fn list(&self) -> Result<Vec<Link>, LinkError> {
        let msgs: Vec<LinkMessage> = self
            .handle
            .link()
            .get()
            .execute()
            .try_collect()
            .await
            .map_err(nl("listing links"))?;
        Ok(msgs.iter().map(link_of).collect())
    }

    async fn get(&self, name: &str) -> Result<Option<Link>, LinkError> {
        Ok(self.list().await?.into_iter().find(|l| l.name == name))
    }

    async fn add_bridge(&self, name: &str, mtu: u32) -> Result<(), LinkError> {
        let msg = LinkBridge::new(name).mtu(mtu).up().build();
        self.add(msg, format!("creating bridge {name}")).await
    }

    async fn add_vxlan(
        &self,
        name: &str,
        vni: u32,
        local: Ipv4Addr,
        mtu: u32,
    ) -> Result<(), LinkError> {
        self.add(
            vxlan_message(name, vni, local, mtu),
            format!("creating VXLAN {name}"),
        )
        .await
    }

    async fn add_vlan(&self, name: &str, parent: u32, vid: u16, mtu: u32) -> Result<(), LinkError> {
        self.add(
            vlan_message(name, parent, vid, mtu),
            format!("creating VLAN {name}"),
        )
        .await
    }

    async fn plug(&self, index: u32, master: u32, mtu: u32) -> Result<(), LinkError> {
        let msg = LinkUnspec::new_with_index(index)
            .controller(master)
            .mtu(mtu)
            .up()
            .build();
        self.set(msg, format!("plugging link {index} into {master}"))
            .await
    }

    async fn unplug(&self, index: u32) -> Result<(), LinkError> {
        let msg = LinkUnspec::new_with_index(index).nocontroller().build();
        self.set(msg, format!("unplugging link {index}")).await
    }

    async fn configure(
        &self,
        index: u32,
        mac: Option<&str>,
        mtu: Option<u32>,
    ) -> Result<(), LinkError> {
        let mut b = LinkUnspec::new_with_index(index).up();
        if let Some(mac) = mac.and_then(parse_mac) {
            b = b.address(mac);
        }
        if let Some(mtu) = mtu {
            b = b.mtu(mtu);
        }
        self.set(b.build(), format!("configuring link {index}"))
            .await
    }

    async fn set_alias(&self, index: u32, alias: &str) -> Result<(), LinkError> {
        let msg = LinkUnspec::new_with_index(index).alias(alias).build();
        self.set(msg, format!("setting the alias of link {index}"))
            .await
    }

    async fn delete(&self, index: u32) -> Result<(), LinkError> {
        self.handle
            .link()
            .del(index)
            .execute()
            .await
            .map_err(nl(format!("deleting link {index}")))
    }

    async fn flood_peers(&self, index: u32) -> Result<Vec<Ipv4Addr>, LinkError> {
        let msgs: Vec<NeighbourMessage> = self
            .handle
            .neighbours()
            .get()
            .set_address_family(AddressFamily::Bridge)
            .execute()
            .try_collect()
            .await
            .map_err(nl("listing forwarding entries"))?;
        Ok(msgs
            .iter()
            .filter(|m| m.header.ifindex == index)
            .filter(|m| {
                m.attributes
                    .iter()
                    .any(|a| matches!(a, NeighbourAttribute::LinkLayerAddress(l) if l.iter().all(|b| *b == 0)))
            })
            .filter_map(|m| {
                m.attributes.iter().find_map(|a| match a {
                    NeighbourAttribute::Destination(NeighbourAddress::Inet(ip)) => Some(*ip),
                    _ => None,
                })
            })
            .collect())
    }

    async fn add_flood_peer(&self, index: u32, peer: Ipv4Addr) -> Result<(), LinkError> {
        let mut req = NetlinkMessage::from(RouteNetlinkMessage::NewNeighbour(Self::flood_entry(
            index, peer,
        )));
        req.header.flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND;
        let mut handle = self.handle.clone();
        let mut response = handle
            .request(req)
            .map_err(nl(format!("adding VXLAN peer {peer}")))?;
        while let Some(message) = response.next().await {
            if let NetlinkPayload::Error(err) = message.payload {
                return Err(LinkError::Netlink {
                    what: format!("adding VXLAN peer {peer}"),
                    source: rtnetlink::Error::NetlinkError(err),
                });
            }
        }
        Ok(())
    }

    async fn del_flood_peer(&self, index: u32, peer: Ipv4Addr) -> Result<(), LinkError> {
        self.handle
            .neighbours()
            .del(Self::flood_entry(index, peer))
            .execute()
            .await
            .map_err(nl(format!("removing VXLAN peer {peer}")))
    }
}

/// The links of one namespace.
#[derive(Clone)]
pub struct Links {
    handle: Handle,
}

impl Links {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }

    /// Opens netlink in the named namespace (or the current one).
    pub async fn open(ns: Option<&str>) -> Result<Self, LinkError> {
        Ok(Self::new(stratus_netns::netlink(ns).await?))
    }

    async fn add(&self, msg: LinkMessage, what: String) -> Result<(), LinkError> {
        self.handle
            .link()
            .add(msg)
            .execute()
            .await
            .map_err(nl(what))
    }

    pub async fn add_veth(&self, name: &str, peer: &str) -> Result<(), LinkError> {
        self.add(
            LinkVeth::new(name, peer).build(),
            format!("creating veth {name}"),
        )
        .await
    }

    /// Applies a change to a link; `what` names it in the error.
    async fn set(&self, msg: LinkMessage, what: String) -> Result<(), LinkError> {
        self.handle
            .link()
            .set(msg)
            .execute()
            .await
            .map_err(nl(what))
    }

    /// Renames a link (it must be down).
    pub async fn rename(&self, index: u32, name: &str) -> Result<(), LinkError> {
        let msg = LinkUnspec::new_with_index(index)
            .name(name.to_owned())
            .build();
        self.set(msg, format!("renaming link {index} to {name}"))
            .await
    }

    /// Moves the link into the named namespace.
    pub async fn move_to(&self, index: u32, ns: &str) -> Result<(), LinkError> {
        let file = std::fs::File::open(stratus_netns::path(ns))
            .map_err(|e| LinkError::Namespace(stratus_netns::NetnsError::Io(ns.into(), e)))?;
        let msg = LinkUnspec::new_with_index(index)
            .setns_by_fd(file.as_raw_fd())
            .build();
        let result = self.set(msg, format!("moving link {index} to {ns}")).await;
        drop(file);
        result
    }

    fn flood_entry(index: u32, peer: Ipv4Addr) -> NeighbourMessage {
        let mut msg = NeighbourMessage::default();
        msg.header.family = AddressFamily::Bridge;
        msg.header.ifindex = index;
        msg.header.state = NeighbourState::Permanent;
        msg.header.flags = NeighbourFlags::Own;
        msg.attributes
            .push(NeighbourAttribute::LinkLayerAddress(vec![0; 6]));
        msg.attributes
            .push(NeighbourAttribute::Destination(NeighbourAddress::Inet(
                peer,
            )));
        msg
    }

    /// The addresses on the link.
    pub async fn addresses(&self, index: u32) -> Result<Vec<IpNet>, LinkError> {
        let msgs: Vec<_> = self
            .handle
            .address()
            .get()
            .set_link_index_filter(index)
            .execute()
            .try_collect()
            .await
            .map_err(nl("listing addresses"))?;
        Ok(msgs
            .iter()
            .filter_map(|m| {
                let ip = m.attributes.iter().find_map(|a| match a {
                    AddressAttribute::Address(ip) => Some(*ip),
                    _ => None,
                })?;
                IpNet::new(ip, m.header.prefix_len).ok()
            })
            .collect())
    }

    pub async fn add_address(&self, index: u32, net: IpNet) -> Result<(), LinkError> {
        self.handle
            .address()
            .add(index, net.addr(), net.prefix_len())
            .execute()
            .await
            .map_err(nl(format!("adding address {net}")))
    }

    pub async fn del_address(&self, index: u32, net: IpNet) -> Result<(), LinkError> {
        let msgs: Vec<_> = self
            .handle
            .address()
            .get()
            .set_link_index_filter(index)
            .set_address_filter(net.addr())
            .execute()
            .try_collect()
            .await
            .map_err(nl("listing addresses"))?;
        for m in msgs {
            self.handle
                .address()
                .del(m)
                .execute()
                .await
                .map_err(nl(format!("removing address {net}")))?;
        }
        Ok(())
    }

    /// Sets the IPv4 default route (replacing one there).
    pub async fn default_route(&self, gateway: Ipv4Addr) -> Result<(), LinkError> {
        let msg = RouteMessageBuilder::<Ipv4Addr>::new()
            .gateway(gateway)
            .build();
        self.handle
            .route()
            .add(msg)
            .replace()
            .execute()
            .await
            .map_err(nl(format!("default route via {gateway}")))
    }
}

/// The interface name a device of `id` gets, as Neutron names them:
/// `prefix` and the first 11 characters of the id (`tap3f2a9c1e-8b`).
pub use stratus_bus_protocol::network::dev_name;

/// Whether `ip` is IPv4.
pub fn v4(ip: &str) -> Option<Ipv4Addr> {
    match ip.parse::<IpAddr>().ok()? {
        IpAddr::V4(v) => Some(v),
        IpAddr::V6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::link::{InfoKind, InfoVlan, LinkInfo};

    #[test]
    fn vlan_requests_name_parent_and_id() {
        let msg = vlan_message("eth1.101", 7, 101, 1500);
        assert!(
            msg.attributes
                .contains(&LinkAttribute::IfName("eth1.101".into()))
        );
        assert!(msg.attributes.contains(&LinkAttribute::Link(7)));
        assert!(msg.attributes.contains(&LinkAttribute::Mtu(1500)));
        let info = msg
            .attributes
            .iter()
            .find_map(|a| match a {
                LinkAttribute::LinkInfo(i) => Some(i.clone()),
                _ => None,
            })
            .expect("link info");
        assert!(info.contains(&LinkInfo::Kind(InfoKind::Vlan)));
        let data = info
            .iter()
            .find_map(|i| match i {
                LinkInfo::Data(InfoData::Vlan(d)) => Some(d.clone()),
                _ => None,
            })
            .expect("vlan data");
        assert!(data.contains(&InfoVlan::Id(101)));
        assert!(msg.header.flags.contains(LinkFlags::Up));
    }

    #[test]
    fn vxlan_requests_carry_vni_and_local_endpoint() {
        let msg = vxlan_message("vxlan-42", 42, Ipv4Addr::new(10, 0, 0, 1), 1450);
        let info = msg
            .attributes
            .iter()
            .find_map(|a| match a {
                LinkAttribute::LinkInfo(i) => Some(i.clone()),
                _ => None,
            })
            .expect("link info");
        let data = info
            .iter()
            .find_map(|i| match i {
                LinkInfo::Data(InfoData::Vxlan(d)) => Some(d.clone()),
                _ => None,
            })
            .expect("vxlan data");
        assert!(data.contains(&InfoVxlan::Id(42)));
        assert!(data.contains(&InfoVxlan::Local(Ipv4Addr::new(10, 0, 0, 1))));
        assert!(data.contains(&InfoVxlan::Port(4789)));
    }

    #[test]
    fn device_names_fit_the_kernel() {
        let id = "3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b";
        assert_eq!(dev_name("tap", id), "tap3f2a9c1e-8b");
        assert_eq!(dev_name("brq", id).len(), 14);
        assert_eq!(
            parse_mac("fa:16:3e:00:00:01"),
            Some(vec![0xfa, 0x16, 0x3e, 0, 0, 1])
        );
        assert_eq!(parse_mac("fa:16:3e"), None);
        assert_eq!(
            format_mac(&[0xfa, 0x16, 0x3e, 0, 0, 1]),
            "fa:16:3e:00:00:01"
        );
    }
}
