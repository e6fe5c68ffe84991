//! Taking one agent's whole footprint off a host: its dnsmasq daemons, its
//! DHCP and router namespaces, the bridges and uplinks it marked, and its
//! nftables tables; nothing of any other cloud or agent. For tests, which
//! must leave nothing behind, and for taking a cloud off a host. Guests'
//! taps go with their domains; the veths of DHCP and router ports with
//! their namespaces.

use std::path::PathBuf;

use crate::dhcp;
use crate::firewall;
use crate::links::{LinkOps, Links};
use crate::reconcile::owner_tag;

/// What identifies one agent's objects on a host.
#[derive(Clone, Debug)]
pub struct Footprint {
    /// The agent's cloud (its bus prefix).
    pub cloud: String,
    pub host: String,
    /// The namespace it did its work in (`[agent] netns`).
    pub netns: Option<String>,
    /// Its `[network] state_dir`.
    pub state_dir: PathBuf,
    /// Its `[network] netns_prefix` (never empty here: an empty prefix
    /// would name every namespace).
    pub netns_prefix: String,
}

/// Removes everything of `f` from the host; what could not be removed.
/// The agent must have stopped (it would make things again).
pub async fn teardown(f: &Footprint) -> Vec<String> {
    let mut failed = Vec::new();
    dhcp::stop_all(&f.state_dir);
    if f.netns_prefix.is_empty() {
        failed.push("no namespace prefix: namespaces left alone".to_owned());
    } else {
        for ns in stratus_netns::list(&f.netns_prefix) {
            if let Err(e) = stratus_netns::del(&ns).await {
                failed.push(format!("namespace {ns}: {e}"));
            }
        }
    }
    let ns = f.netns.as_deref();
    if ns.is_none_or(stratus_netns::exists) {
        match Links::open(ns).await {
            Ok(links) => {
                let owner = owner_tag(&f.cloud, &f.host);
                for l in links.list().await.unwrap_or_default() {
                    if l.alias.as_deref() == Some(owner.as_str())
                        && let Err(e) = links.delete(l.index).await
                    {
                        // A tap may have gone with its domain meanwhile.
                        if links.get(&l.name).await.ok().flatten().is_some() {
                            failed.push(format!("link {}: {e}", l.name));
                        }
                    }
                }
            }
            Err(e) => failed.push(format!("netlink: {e}")),
        }
        let table = firewall::table_name(&f.cloud, &f.host);
        for family in ["bridge", "inet"] {
            match crate::nft::Listing::read(ns, family, &table) {
                Ok(l) if l.exists => {
                    if let Err(e) =
                        crate::nft::apply(ns, &format!("delete table {family} {table}\n"))
                    {
                        failed.push(format!("table {family} {table}: {e}"));
                    }
                }
                Ok(_) => {}
                Err(e) => failed.push(format!("table {family} {table}: {e}")),
            }
        }
    }
    let _ = std::fs::remove_dir_all(f.state_dir.join("dhcp"));
    failed
}
