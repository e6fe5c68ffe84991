//! The host's data plane as the reconcile loop drives it, behind traits so
//! the loop's decisions (what to make, plug, firewall, serve and remove, in
//! which order, what to leave alone) have unit tests without root: links
//! ([`crate::links::LinkOps`]: netlink, or a fake), the firewall
//! ([`Firewall`]: nft), DHCP ([`Dhcp`]: dnsmasq in a namespace per
//! network) and routers ([`Routers`]: a namespace per router). The real
//! data-plane tests (`tests/`) run the real ones.

use crate::dhcp::{self, DhcpPaths};
use crate::links::Links;
use crate::nft::{self, Listing};
use crate::router;
use std::collections::BTreeMap;
use std::future::Future;
use stratus_bus_protocol::network::{DhcpSpec, RouterSpec};

/// nftables in the agent's namespace: tables read back, scripts applied
/// atomically.
pub trait Firewall: Send + Sync {
    fn read(&self, family: &str, table: &str) -> anyhow::Result<Listing>;
    fn apply(&self, script: &str) -> anyhow::Result<()>;
}

/// DHCP per network.
pub trait Dhcp: Send + Sync {
    /// Makes the network's DHCP server what `spec` says, on `bridge`.
    fn ensure(
        &self,
        bridge: u32,
        mtu: u32,
        spec: &DhcpSpec,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
    fn remove(&self, network_id: &str) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// The networks served now.
    fn served(&self) -> Vec<String>;
}

/// Routers, one namespace each.
pub trait Routers: Send + Sync {
    fn ensure(
        &self,
        bridges: &BTreeMap<String, u32>,
        mtus: &BTreeMap<String, u32>,
        spec: &RouterSpec,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
    fn remove(&self, router_id: &str) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// The routers running now.
    fn running(&self) -> Vec<String>;
}

/// The real firewall: `nft` in namespace `ns`.
pub struct Nft {
    pub ns: Option<String>,
}

impl Firewall for Nft {
    fn read(&self, family: &str, table: &str) -> anyhow::Result<Listing> {
        Ok(Listing::read(self.ns.as_deref(), family, table)?)
    }
    fn apply(&self, script: &str) -> anyhow::Result<()> {
        Ok(nft::apply(self.ns.as_deref(), script)?)
    }
}

/// The real DHCP: dnsmasq in a namespace per network, its veth on the
/// network's bridge in `links`' namespace.
pub struct Dnsmasq {
    pub paths: DhcpPaths,
    pub links: Links,
}

impl Dhcp for Dnsmasq {
    async fn ensure(&self, bridge: u32, mtu: u32, spec: &DhcpSpec) -> anyhow::Result<()> {
        Ok(dhcp::ensure(&self.paths, &self.links, bridge, mtu, spec).await?)
    }
    async fn remove(&self, network_id: &str) -> anyhow::Result<()> {
        Ok(dhcp::remove(&self.paths, network_id).await?)
    }
    fn served(&self) -> Vec<String> {
        self.paths.served()
    }
}

/// The real routers: namespaces named with `prefix`, their veths on the
/// bridges in `links`' namespace.
pub struct NsRouters {
    pub prefix: String,
    pub links: Links,
}

impl Routers for NsRouters {
    async fn ensure(
        &self,
        bridges: &BTreeMap<String, u32>,
        mtus: &BTreeMap<String, u32>,
        spec: &RouterSpec,
    ) -> anyhow::Result<()> {
        Ok(router::ensure(&self.prefix, &self.links, bridges, mtus, spec).await?)
    }
    async fn remove(&self, router_id: &str) -> anyhow::Result<()> {
        Ok(router::remove(&self.prefix, router_id).await?)
    }
    fn running(&self) -> Vec<String> {
        router::running(&self.prefix)
    }
}

/// In-memory data planes for unit tests: every operation is written to one
/// shared journal, so a test can check what was done and in which order.
#[cfg(test)]
pub mod fake {
    use super::{Dhcp, Firewall, Listing, Routers};
    use crate::links::{Link, LinkError, LinkOps};
    use std::collections::{BTreeMap, BTreeSet};
    use std::net::Ipv4Addr;
    use std::sync::{Arc, Mutex};
    use stratus_bus_protocol::network::{DhcpSpec, RouterSpec};

    /// What was done, in order (`"plug tapp1 -> 1"`, `"nft apply ..."`).
    #[derive(Clone, Default)]
    pub struct Journal(Arc<Mutex<Vec<String>>>);

    impl Journal {
        pub fn note(&self, entry: String) {
            self.0.lock().expect("journal").push(entry);
        }
        pub fn entries(&self) -> Vec<String> {
            self.0.lock().expect("journal").clone()
        }
        /// Index of the first entry starting with `prefix`.
        pub fn first(&self, prefix: &str) -> Option<usize> {
            self.entries().iter().position(|e| e.starts_with(prefix))
        }
    }

    #[derive(Default)]
    struct LinkState {
        links: Vec<Link>,
        next: u32,
        peers: BTreeMap<u32, BTreeSet<Ipv4Addr>>,
    }

    /// A namespace's links, in memory, as the kernel would keep them.
    #[derive(Clone, Default)]
    pub struct FakeLinks {
        state: Arc<Mutex<LinkState>>,
        pub journal: Journal,
    }

    impl FakeLinks {
        pub fn new(journal: Journal) -> Self {
            Self {
                state: Arc::default(),
                journal,
            }
        }

        /// A link that appears (a guest's tap, another cloud's bridge).
        pub fn appear(&self, name: &str, kind: Option<&str>, alias: Option<&str>) -> u32 {
            let mut s = self.state.lock().expect("links");
            s.next += 1;
            let index = s.next;
            s.links.push(Link {
                index,
                name: name.to_owned(),
                kind: kind.map(str::to_owned),
                master: None,
                mac: String::new(),
                mtu: 1500,
                up: false,
                vxlan_id: None,
                alias: alias.map(str::to_owned),
            });
            index
        }

        pub fn named(&self, name: &str) -> Option<Link> {
            let s = self.state.lock().expect("links");
            s.links.iter().find(|l| l.name == name).cloned()
        }

        fn change(&self, index: u32, f: impl FnOnce(&mut Link)) -> Result<(), LinkError> {
            let mut s = self.state.lock().expect("links");
            let link = s
                .links
                .iter_mut()
                .find(|l| l.index == index)
                .ok_or_else(|| LinkError::Missing(index.to_string()))?;
            f(link);
            Ok(())
        }

        fn name_of(&self, index: u32) -> String {
            let s = self.state.lock().expect("links");
            s.links
                .iter()
                .find(|l| l.index == index)
                .map_or_else(|| index.to_string(), |l| l.name.clone())
        }

        fn add(&self, name: &str, kind: &str, mtu: u32, vxlan_id: Option<u32>) {
            self.journal.note(format!("add {kind} {name}"));
            let index = self.appear(name, Some(kind), None);
            let _ = self.change(index, |l| {
                l.mtu = mtu;
                l.up = true;
                l.vxlan_id = vxlan_id;
            });
        }
    }

    impl LinkOps for FakeLinks {
        async fn list(&self) -> Result<Vec<Link>, LinkError> {
            Ok(self.state.lock().expect("links").links.clone())
        }
        async fn add_bridge(&self, name: &str, mtu: u32) -> Result<(), LinkError> {
            self.add(name, "bridge", mtu, None);
            Ok(())
        }
        async fn add_vxlan(
            &self,
            name: &str,
            vni: u32,
            _: Ipv4Addr,
            mtu: u32,
        ) -> Result<(), LinkError> {
            self.add(name, "vxlan", mtu, Some(vni));
            Ok(())
        }
        async fn add_vlan(&self, name: &str, _: u32, _: u16, mtu: u32) -> Result<(), LinkError> {
            self.add(name, "vlan", mtu, None);
            Ok(())
        }
        async fn plug(&self, index: u32, master: u32, mtu: u32) -> Result<(), LinkError> {
            let (name, bridge) = (self.name_of(index), self.name_of(master));
            self.journal.note(format!("plug {name} -> {bridge}"));
            self.change(index, |l| {
                l.master = Some(master);
                l.mtu = mtu;
                l.up = true;
            })
        }
        async fn unplug(&self, index: u32) -> Result<(), LinkError> {
            self.journal.note(format!("unplug {}", self.name_of(index)));
            self.change(index, |l| l.master = None)
        }
        async fn configure(
            &self,
            index: u32,
            _: Option<&str>,
            mtu: Option<u32>,
        ) -> Result<(), LinkError> {
            self.journal
                .note(format!("configure {}", self.name_of(index)));
            self.change(index, |l| {
                l.up = true;
                if let Some(m) = mtu {
                    l.mtu = m;
                }
            })
        }
        async fn set_alias(&self, index: u32, alias: &str) -> Result<(), LinkError> {
            self.journal.note(format!("alias {}", self.name_of(index)));
            self.change(index, |l| l.alias = Some(alias.to_owned()))
        }
        async fn delete(&self, index: u32) -> Result<(), LinkError> {
            self.journal.note(format!("delete {}", self.name_of(index)));
            let mut s = self.state.lock().expect("links");
            s.links.retain(|l| l.index != index);
            // As the kernel does: what was on a deleted bridge is let go.
            for l in &mut s.links {
                if l.master == Some(index) {
                    l.master = None;
                }
            }
            Ok(())
        }
        async fn flood_peers(&self, index: u32) -> Result<Vec<Ipv4Addr>, LinkError> {
            let s = self.state.lock().expect("links");
            Ok(s.peers.get(&index).into_iter().flatten().copied().collect())
        }
        async fn add_flood_peer(&self, index: u32, peer: Ipv4Addr) -> Result<(), LinkError> {
            self.journal
                .note(format!("peer+ {} {peer}", self.name_of(index)));
            self.state
                .lock()
                .expect("links")
                .peers
                .entry(index)
                .or_default()
                .insert(peer);
            Ok(())
        }
        async fn del_flood_peer(&self, index: u32, peer: Ipv4Addr) -> Result<(), LinkError> {
            self.journal
                .note(format!("peer- {} {peer}", self.name_of(index)));
            if let Some(p) = self.state.lock().expect("links").peers.get_mut(&index) {
                p.remove(&peer);
            }
            Ok(())
        }
    }

    /// A firewall that keeps the scripts applied to it; reading gives an
    /// existing but empty table.
    #[derive(Clone, Default)]
    pub struct FakeFirewall {
        pub journal: Journal,
        pub scripts: Arc<Mutex<Vec<String>>>,
    }

    impl Firewall for FakeFirewall {
        fn read(&self, _family: &str, _table: &str) -> anyhow::Result<Listing> {
            Ok(Listing {
                exists: true,
                ..Listing::default()
            })
        }
        fn apply(&self, script: &str) -> anyhow::Result<()> {
            self.journal
                .note(format!("nft apply {}", script.replace('\n', " ")));
            self.scripts
                .lock()
                .expect("scripts")
                .push(script.to_owned());
            Ok(())
        }
    }

    /// DHCP servers and routers by id, in memory.
    #[derive(Clone, Default)]
    pub struct FakeServed {
        pub journal: Journal,
        pub ids: Arc<Mutex<BTreeSet<String>>>,
    }

    impl FakeServed {
        fn ensure_id(&self, what: &str, id: &str) {
            self.journal.note(format!("{what} ensure {id}"));
            self.ids.lock().expect("ids").insert(id.to_owned());
        }
        fn remove_id(&self, what: &str, id: &str) {
            self.journal.note(format!("{what} remove {id}"));
            self.ids.lock().expect("ids").remove(id);
        }
        fn all(&self) -> Vec<String> {
            self.ids.lock().expect("ids").iter().cloned().collect()
        }
    }

    impl Dhcp for FakeServed {
        async fn ensure(&self, _: u32, _: u32, spec: &DhcpSpec) -> anyhow::Result<()> {
            self.ensure_id("dhcp", &spec.network_id);
            Ok(())
        }
        async fn remove(&self, network_id: &str) -> anyhow::Result<()> {
            self.remove_id("dhcp", network_id);
            Ok(())
        }
        fn served(&self) -> Vec<String> {
            self.all()
        }
    }

    /// Routers: a second [`FakeServed`] (a newtype, so one test holds both).
    #[derive(Clone, Default)]
    pub struct FakeRouters(pub FakeServed);

    impl Routers for FakeRouters {
        async fn ensure(
            &self,
            _: &BTreeMap<String, u32>,
            _: &BTreeMap<String, u32>,
            spec: &RouterSpec,
        ) -> anyhow::Result<()> {
            self.0.ensure_id("router", &spec.id);
            Ok(())
        }
        async fn remove(&self, router_id: &str) -> anyhow::Result<()> {
            self.0.remove_id("router", router_id);
            Ok(())
        }
        fn running(&self) -> Vec<String> {
            self.0.all()
        }
    }
}
