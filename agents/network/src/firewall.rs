//! Security groups as nftables rules, one table per family owned by the
//! agent, changed incrementally.
//!
//! Each agent has its own tables, `stratus_<cloud>_<host>`
//! ([`table_name`]), so the agents of two clouds on one host never touch
//! each other's rules.
//!
//! - `table bridge stratus_<cloud>_<host>` holds the rules. Its base chains on the bridge
//!   `forward` hook send each frame from a port through `f_<port>` (MAC and
//!   IP anti-spoofing, then the egress rules) and each frame to a port
//!   through `t_<port>` (the ingress rules), by verdict maps keyed by the
//!   port's device name. A port's chain jumps to one chain per group and
//!   direction (`sge_<group>`, `sgi_<group>`) whose rules carry their
//!   security-group rule's id as comment: adding or removing a rule is one
//!   `add rule` or one `delete rule ... handle N`, and nothing else moves.
//!   Remote groups are named sets of addresses (`sg4_<group>`, `sg6_<group>`).
//! - `table inet stratus_<cloud>_<host>` only classifies connections: bridged IP traffic
//!   passes conntrack through br_netfilter, and one rule marks packets of
//!   established and invalid connections, which the bridge chains read. (The
//!   bridge family cannot match conntrack state itself without
//!   `nf_conntrack_bridge`, which not every kernel has.)
//!
//! Both base chains run before br_netfilter's own forward hook (priority
//! 0): chains at its priority or after it may be skipped for the IP
//! packets it hands back to the bridge.
//!
//! A port's chain ends in a `drop` whose comment is the hash of the whole
//! chain: an unchanged port is left alone, a changed one is rewritten.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use ipnet::IpNet;
use stratus_bus_protocol::network::{PortSpec, RuleSpec, SecurityGroupSpec};

use crate::nft::{Listing, quote};

/// The nftables table (bridge and inet families) of the agent of `cloud`
/// on `host`: `stratus_<cloud>_<host>` with anything but letters, digits
/// and `_` made `_`.
pub fn table_name(cloud: &str, host: &str) -> String {
    let safe = |t: &str| -> String {
        t.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("stratus_{}_{}", safe(cloud), safe(host))
}
/// The mark bit for packets of established or related connections.
pub const MARK_ESTABLISHED: u32 = 0x1000_0000;
/// The mark bit for packets conntrack finds invalid.
pub const MARK_INVALID: u32 = 0x2000_0000;

/// What the firewall of one host should hold.
pub struct Desired<'a> {
    /// The table ([`table_name`]).
    pub table: &'a str,
    /// Ports with port security, by device name.
    pub ports: Vec<(String, &'a PortSpec)>,
    pub groups: &'a [SecurityGroupSpec],
}

fn id_name(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

pub fn port_chain(dir: char, port_id: &str) -> String {
    format!("{dir}_{}", id_name(port_id))
}

fn group_chain(ingress: bool, group: &str) -> String {
    format!("{}_{}", if ingress { "sgi" } else { "sge" }, id_name(group))
}

fn group_set(v6: bool, group: &str) -> String {
    format!("{}_{}", if v6 { "sg6" } else { "sg4" }, id_name(group))
}

/// The inet table's script when it is missing.
pub fn conntrack_table(table: &str) -> String {
    format!(
        "table inet {table} {{\n  chain conntrack {{\n    type filter hook prerouting priority -150; policy accept;\n    ct state established,related meta mark set meta mark or {MARK_ESTABLISHED:#x}\n    ct state invalid meta mark set meta mark or {MARK_INVALID:#x}\n  }}\n}}\n"
    )
}

fn skeleton(table: &str) -> String {
    format!(
        "table bridge {table} {{\n  map from_ports {{ type ifname : verdict; }}\n  map to_ports {{ type ifname : verdict; }}\n  chain from_ports {{\n    type filter hook forward priority -10; policy accept;\n    iifname vmap @from_ports\n  }}\n  chain to_ports {{\n    type filter hook forward priority -5; policy accept;\n    oifname vmap @to_ports\n  }}\n}}\n"
    )
}

/// `protocol` as a number nft accepts, for the names Neutron allows.
fn protocol_number(p: &str) -> Option<u8> {
    Some(match p.to_ascii_lowercase().as_str() {
        "icmp" => 1,
        "igmp" => 2,
        "tcp" => 6,
        "egp" => 8,
        "udp" => 17,
        "dccp" => 33,
        "ipv6-encap" => 41,
        "rsvp" => 46,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "icmpv6" | "ipv6-icmp" => 58,
        "ospf" => 89,
        "pgm" => 113,
        "vrrp" => 112,
        "sctp" => 132,
        "udplite" => 136,
        other => other.parse().ok()?,
    })
}

/// One security-group rule as an nft rule body (without `add rule`), or
/// `None` when it cannot match anything here.
pub fn rule_body(rule: &RuleSpec, remote_sets: &BTreeSet<String>) -> Option<String> {
    let v6 = rule.ethertype == "IPv6";
    let ingress = rule.direction == "ingress";
    let mut out = String::from(if v6 {
        "ether type ip6"
    } else {
        "ether type ip"
    });
    let fam = if v6 { "ip6" } else { "ip" };
    let peer = if ingress { "saddr" } else { "daddr" };
    if let Some(prefix) = &rule.remote_ip_prefix {
        let net: IpNet = prefix
            .parse()
            .or_else(|_| prefix.parse::<std::net::IpAddr>().map(IpNet::from))
            .ok()?;
        if net.addr().is_ipv6() != v6 {
            return None;
        }
        if net.prefix_len() > 0 {
            let _ = write!(out, " {fam} {peer} {}", net.trunc());
        }
    } else if let Some(group) = &rule.remote_group_id {
        let set = group_set(v6, group);
        if !remote_sets.contains(&set) {
            return None;
        }
        let _ = write!(out, " {fam} {peer} @{set}");
    }
    if let Some(p) = &rule.protocol {
        let num = protocol_number(p)?;
        let _ = write!(out, " meta l4proto {num}");
        match num {
            6 | 17 | 132 | 33 | 136 => {
                if let Some(lo) = rule.port_range_min {
                    let hi = rule.port_range_max.unwrap_or(lo);
                    if lo > 65535 || hi > 65535 || hi < lo {
                        return None;
                    }
                    if lo == hi {
                        let _ = write!(out, " th dport {lo}");
                    } else {
                        let _ = write!(out, " th dport {lo}-{hi}");
                    }
                }
            }
            1 | 58 => {
                let icmp = if num == 1 { "icmp" } else { "icmpv6" };
                if (num == 1) == v6 {
                    return None;
                }
                if let Some(t) = rule.port_range_min.filter(|t| *t <= 255) {
                    let _ = write!(out, " {icmp} type {t}");
                    if let Some(c) = rule.port_range_max.filter(|c| *c <= 255) {
                        let _ = write!(out, " {icmp} code {c}");
                    }
                }
            }
            _ => {}
        }
    }
    out.push_str(" accept");
    Some(out)
}

/// The port's MACs and addresses as nft may see them: each parsed and
/// written back in canonical form, anything else dropped (so a MAC or
/// address that is not one can neither inject statements nor break the
/// host's script; an unusable MAC of the port itself leaves it no MAC, and
/// its frames are dropped).
fn port_addresses(port: &PortSpec) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut macs: BTreeSet<String> = crate::links::canonical_mac(&port.mac_address)
        .into_iter()
        .collect();
    let mut v4 = BTreeSet::new();
    let mut v6 = BTreeSet::new();
    let mut add = |ip: &str| {
        let net: Option<IpNet> = ip
            .parse()
            .ok()
            .or_else(|| ip.parse::<std::net::IpAddr>().ok().map(IpNet::from));
        if let Some(net) = net {
            if net.addr().is_ipv4() {
                v4.insert(net.trunc().to_string());
            } else {
                v6.insert(net.trunc().to_string());
            }
        }
    };
    for f in &port.fixed_ips {
        add(&f.ip_address);
    }
    for pair in &port.allowed_address_pairs {
        add(&pair.ip_address);
        match crate::links::canonical_mac(&pair.mac_address) {
            Some(m) => {
                macs.insert(m);
            }
            None => tracing::warn!(port = %port.id, "an address pair's MAC is not a MAC: left out"),
        }
    }
    (
        macs.into_iter().collect(),
        v4.into_iter().collect(),
        v6.into_iter().collect(),
    )
}

fn set_literal(items: &[String]) -> String {
    format!("{{ {} }}", items.join(", "))
}

/// The rules of a port's two chains. A port whose groups are stateless
/// (Neutron allows no mix) gets no conntrack shortcut: its replies pass only
/// where a rule lets them.
fn port_rules(
    port: &PortSpec,
    groups: &BTreeSet<String>,
    stateful: bool,
) -> (Vec<String>, Vec<String>) {
    let (macs, v4, v6) = port_addresses(port);
    let est = format!("meta mark and {MARK_ESTABLISHED:#x} == {MARK_ESTABLISHED:#x} accept");
    let inv = format!("meta mark and {MARK_INVALID:#x} == {MARK_INVALID:#x} drop");
    let mut from = vec![if macs.is_empty() {
        "drop".to_owned()
    } else {
        format!("ether saddr != {} drop", set_literal(&macs))
    }];
    let mut arp_ips = v4.clone();
    arp_ips.push("0.0.0.0".into());
    from.push(format!(
        "ether type arp arp saddr ip != {} drop",
        set_literal(&arp_ips)
    ));
    from.push("ether type arp accept".into());
    from.push(
        "ether type ip ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 accept"
            .into(),
    );
    if v4.is_empty() {
        from.push("ether type ip drop".into());
    } else {
        from.push(format!(
            "ether type ip ip saddr != {} drop",
            set_literal(&v4)
        ));
    }
    let mut ip6 = v6.clone();
    ip6.push("fe80::/10".into());
    ip6.push("::".into());
    from.push(format!(
        "ether type ip6 ip6 saddr != {} drop",
        set_literal(&ip6)
    ));
    from.push("ether type ip udp sport 67 udp dport 68 drop".into());
    from.push("ether type ip6 udp sport 547 udp dport 546 drop".into());
    from.push("ether type ip6 icmpv6 type nd-router-advert drop".into());
    if stateful {
        from.push(est.clone());
        from.push(inv.clone());
    }
    from.push(
        "ether type ip6 icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } accept".into(),
    );
    let mut to = if stateful { vec![est, inv] } else { Vec::new() };
    to.push("ether type arp accept".into());
    to.push("ether type ip udp sport 67 udp dport 68 accept".into());
    to.push(
        "ether type ip6 icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept".into(),
    );
    to.push("ether type ip6 udp sport 547 udp dport 546 accept".into());
    for g in &port.security_groups {
        if groups.contains(g) {
            from.push(format!("jump {}", group_chain(false, g)));
            to.push(format!("jump {}", group_chain(true, g)));
        }
    }
    (from, to)
}

fn hash(rules: &[String]) -> String {
    let text: String = rules.iter().map(|r| format!("{r}\n")).collect();
    crate::nft::short_hash(&text)
}

fn write_chain(script: &mut String, table: &str, name: &str, rules: &[String]) {
    let tag = format!("h:{}", hash(rules));
    for r in rules {
        let _ = writeln!(script, "add rule bridge {table} {name} {r}");
    }
    let _ = writeln!(
        script,
        "add rule bridge {table} {name} drop comment {}",
        quote(&tag)
    );
}

fn chain_tag(listing: &Listing, name: &str) -> Option<String> {
    listing.chains.get(name)?.last()?.1.clone()
}

/// The script that turns what `listing` shows into what `desired` says,
/// touching only what differs. Empty when nothing does.
pub fn plan(listing: &Listing, desired: &Desired<'_>) -> String {
    let table = desired.table;
    let mut s = String::new();
    if !listing.exists {
        s.push_str(&skeleton(table));
    }
    let groups: BTreeMap<&str, &SecurityGroupSpec> =
        desired.groups.iter().map(|g| (g.id.as_str(), g)).collect();
    let used: BTreeSet<String> = desired
        .ports
        .iter()
        .flat_map(|(_, p)| p.security_groups.iter().cloned())
        .filter(|g| groups.contains_key(g.as_str()))
        .collect();

    // Remote-group sets: for every group a used group's rules name.
    let mut want_sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in &used {
        for r in &groups[g.as_str()].rules {
            if let Some(remote) = &r.remote_group_id
                && let Some(rg) = groups.get(remote.as_str())
            {
                let v6 = r.ethertype == "IPv6";
                let nets: Vec<IpNet> = rg
                    .members
                    .iter()
                    .filter_map(|m| {
                        m.parse::<IpNet>()
                            .ok()
                            .or_else(|| m.parse::<std::net::IpAddr>().ok().map(IpNet::from))
                    })
                    .filter(|n| n.addr().is_ipv6() == v6)
                    .collect();
                let elems = IpNet::aggregate(&nets)
                    .into_iter()
                    .map(|n| {
                        if n.prefix_len() == n.max_prefix_len() {
                            n.addr().to_string()
                        } else {
                            n.to_string()
                        }
                    })
                    .collect();
                want_sets.insert(group_set(v6, remote), elems);
            }
        }
    }
    let set_names: BTreeSet<String> = want_sets.keys().cloned().collect();

    // Port chains wanted, with their rules.
    let mut want_ports: BTreeMap<String, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
    for (dev, port) in &desired.ports {
        let stateful = port
            .security_groups
            .iter()
            .filter_map(|g| groups.get(g.as_str()))
            .all(|g| g.stateful);
        let (from, to) = port_rules(port, &used, stateful);
        want_ports.insert(id_name(&port.id), (dev.clone(), from, to));
    }
    let have_from = listing.sets.get("from_ports").cloned().unwrap_or_default();
    let have_to = listing.sets.get("to_ports").cloned().unwrap_or_default();
    let want_devs: BTreeSet<&str> = want_ports.values().map(|(d, _, _)| d.as_str()).collect();

    // a. map entries of ports that went away.
    for dev in have_from.iter().filter(|d| !want_devs.contains(d.as_str())) {
        let _ = writeln!(
            s,
            "delete element bridge {table} from_ports {{ {} }}",
            quote(dev)
        );
    }
    for dev in have_to.iter().filter(|d| !want_devs.contains(d.as_str())) {
        let _ = writeln!(
            s,
            "delete element bridge {table} to_ports {{ {} }}",
            quote(dev)
        );
    }
    // b. their chains.
    let have_port_chains: BTreeSet<String> = listing
        .chains
        .keys()
        .filter(|c| c.starts_with("f_") || c.starts_with("t_"))
        .cloned()
        .collect();
    for c in &have_port_chains {
        if !want_ports.contains_key(&c[2..]) {
            let _ = writeln!(
                s,
                "flush chain bridge {table} {c}\ndelete chain bridge {table} {c}"
            );
        }
    }
    // c. chains whose content changed are emptied first (dropping their
    // jumps), refilled in f.
    let mut rewrite = Vec::new();
    for (id, (_, from, to)) in &want_ports {
        for (dir, rules) in [('f', from), ('t', to)] {
            let name = format!("{dir}_{id}");
            let tag = format!("h:{}", hash(rules));
            match chain_tag(listing, &name) {
                Some(t) if t == tag => {}
                _ => {
                    if listing.chains.contains_key(&name) {
                        let _ = writeln!(s, "flush chain bridge {table} {name}");
                    } else {
                        let _ = writeln!(s, "add chain bridge {table} {name}");
                    }
                    rewrite.push((name, rules.clone()));
                }
            }
        }
    }
    // d. sets.
    for (name, elems) in &want_sets {
        match listing.sets.get(name) {
            None => {
                let ty = if name.starts_with("sg6") {
                    "ipv6_addr"
                } else {
                    "ipv4_addr"
                };
                let _ = writeln!(
                    s,
                    "add set bridge {table} {name} {{ type {ty}; flags interval; }}"
                );
                if !elems.is_empty() {
                    let _ = writeln!(
                        s,
                        "add element bridge {table} {name} {}",
                        set_literal(elems)
                    );
                }
            }
            Some(have) => {
                let have: BTreeSet<&String> = have.iter().collect();
                let want: BTreeSet<&String> = elems.iter().collect();
                let gone: Vec<String> = have.difference(&want).map(|e| (*e).clone()).collect();
                let new: Vec<String> = want.difference(&have).map(|e| (*e).clone()).collect();
                if !gone.is_empty() {
                    let _ = writeln!(
                        s,
                        "delete element bridge {table} {name} {}",
                        set_literal(&gone)
                    );
                }
                if !new.is_empty() {
                    let _ = writeln!(s, "add element bridge {table} {name} {}", set_literal(&new));
                }
            }
        }
    }
    // e. group chains, rule by rule.
    let mut want_group_chains = BTreeSet::new();
    for g in &used {
        for ingress in [true, false] {
            let name = group_chain(ingress, g);
            want_group_chains.insert(name.clone());
            let dir = if ingress { "ingress" } else { "egress" };
            let want: BTreeMap<&str, String> = groups[g.as_str()]
                .rules
                .iter()
                .filter(|r| r.direction == dir)
                .filter_map(|r| Some((r.id.as_str(), rule_body(r, &set_names)?)))
                .collect();
            let have = listing.chains.get(&name);
            if have.is_none() {
                let _ = writeln!(s, "add chain bridge {table} {name}");
            }
            let have_ids: BTreeSet<&str> = have
                .into_iter()
                .flatten()
                .filter_map(|(_, c)| c.as_deref())
                .collect();
            for (handle, comment) in have.into_iter().flatten() {
                let keep = comment.as_deref().is_some_and(|c| want.contains_key(c));
                if !keep {
                    let _ = writeln!(s, "delete rule bridge {table} {name} handle {handle}");
                }
            }
            for (id, body) in &want {
                if !have_ids.contains(id) {
                    let _ = writeln!(
                        s,
                        "add rule bridge {table} {name} {body} comment {}",
                        quote(id)
                    );
                }
            }
        }
    }
    // f. port chains refilled; g. map entries.
    for (name, rules) in &rewrite {
        write_chain(&mut s, table, name, rules);
    }
    for (id, (dev, _, _)) in &want_ports {
        if !have_from.contains(dev) {
            let _ = writeln!(
                s,
                "add element bridge {table} from_ports {{ {} : jump f_{id} }}",
                quote(dev)
            );
        }
        if !have_to.contains(dev) {
            let _ = writeln!(
                s,
                "add element bridge {table} to_ports {{ {} : jump t_{id} }}",
                quote(dev)
            );
        }
    }
    // h. group chains and sets nothing uses any more.
    for c in listing.chains.keys().filter(|c| {
        (c.starts_with("sgi_") || c.starts_with("sge_")) && !want_group_chains.contains(*c)
    }) {
        let _ = writeln!(
            s,
            "flush chain bridge {table} {c}\ndelete chain bridge {table} {c}"
        );
    }
    for name in listing
        .sets
        .keys()
        .filter(|n| (n.starts_with("sg4_") || n.starts_with("sg6_")) && !want_sets.contains_key(*n))
    {
        let _ = writeln!(s, "delete set bridge {table} {name}");
    }
    s
}

#[cfg(test)]
mod tests;
