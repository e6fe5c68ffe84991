//! The firewall plan against listings, rule by rule.

use super::*;
use stratus_bus_protocol::network::{AddressPair, FixedIpSpec};

fn rule(id: &str, dir: &str, proto: Option<&str>, lo: Option<u32>, hi: Option<u32>) -> RuleSpec {
    RuleSpec {
        id: id.into(),
        direction: dir.into(),
        ethertype: "IPv4".into(),
        protocol: proto.map(str::to_owned),
        port_range_min: lo,
        port_range_max: hi,
        remote_ip_prefix: None,
        remote_group_id: None,
    }
}

#[test]
fn macs_that_are_not_macs_never_reach_nft() {
    let mut p = port("p-1", &[]);
    p.mac_address = "zz; } table ip x {".into();
    p.allowed_address_pairs = vec![
        AddressPair {
            ip_address: "10.0.0.9".into(),
            mac_address: "fa:16:3e:00:00:09".into(),
        },
        AddressPair {
            ip_address: "10.0.0.10".into(),
            mac_address: "zz; }\nadd table ip evil".into(),
        },
        AddressPair {
            ip_address: "10.0.0.11; drop".into(),
            mac_address: "+a:16:3e:00:00:0a".into(),
        },
    ];
    let (from, _) = port_rules(&p, &BTreeSet::new(), true);
    let text = from.join("\n");
    assert!(
        !text.contains("zz") && !text.contains("evil") && !text.contains("+a"),
        "{text}"
    );
    assert!(
        text.contains("ether saddr != { fa:16:3e:00:00:09 } drop"),
        "{text}"
    );
    assert!(!text.contains("10.0.0.11"), "{text}");
    // A port left with no usable MAC sends nothing.
    p.allowed_address_pairs.clear();
    let (from, _) = port_rules(&p, &BTreeSet::new(), true);
    assert_eq!(from[0], "drop");
}

#[test]
fn rules_render_as_nft() {
    let none = BTreeSet::new();
    assert_eq!(
        rule_body(
            &rule("r", "ingress", Some("tcp"), Some(22), Some(22)),
            &none
        )
        .as_deref(),
        Some("ether type ip meta l4proto 6 th dport 22 accept")
    );
    assert_eq!(
        rule_body(
            &rule("r", "ingress", Some("udp"), Some(1000), Some(2000)),
            &none
        )
        .as_deref(),
        Some("ether type ip meta l4proto 17 th dport 1000-2000 accept")
    );
    assert_eq!(
        rule_body(&rule("r", "ingress", Some("icmp"), Some(8), None), &none).as_deref(),
        Some("ether type ip meta l4proto 1 icmp type 8 accept")
    );
    let mut r = rule("r", "egress", None, None, None);
    r.remote_ip_prefix = Some("10.1.2.3/16".into());
    assert_eq!(
        rule_body(&r, &none).as_deref(),
        Some("ether type ip ip daddr 10.1.0.0/16 accept")
    );
    r.remote_ip_prefix = Some("::/0".into());
    assert_eq!(rule_body(&r, &none), None, "an IPv6 prefix on an IPv4 rule");
    let mut g = rule("r", "ingress", None, None, None);
    g.remote_group_id = Some("g-1".into());
    assert_eq!(rule_body(&g, &none), None, "a remote group without its set");
    let sets = BTreeSet::from(["sg4_g1".to_owned()]);
    assert_eq!(
        rule_body(&g, &sets).as_deref(),
        Some("ether type ip ip saddr @sg4_g1 accept")
    );
    assert_eq!(
        rule_body(&rule("r", "ingress", Some("bogus"), None, None), &none),
        None
    );
    assert_eq!(
        rule_body(&rule("r", "ingress", Some("tcp"), Some(70000), None), &none),
        None
    );
}

fn port(id: &str, groups: &[&str]) -> PortSpec {
    PortSpec {
        id: id.into(),
        network_id: "n".into(),
        mac_address: "fa:16:3e:00:00:01".into(),
        fixed_ips: vec![FixedIpSpec {
            subnet_id: "s".into(),
            ip_address: "10.0.0.5".into(),
        }],
        device_owner: "compute:nova".into(),
        admin_state_up: true,
        port_security_enabled: true,
        security_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        allowed_address_pairs: vec![],
    }
}

#[test]
fn a_fresh_host_gets_everything_and_a_rule_change_touches_one_rule() {
    let p = port("p-1", &["g-1"]);
    let mut groups = vec![SecurityGroupSpec {
        id: "g-1".into(),
        stateful: true,
        rules: vec![
            rule("r1", "ingress", Some("icmp"), None, None),
            rule("r2", "egress", None, None, None),
        ],
        members: vec!["10.0.0.5".into()],
    }];
    let desired = Desired {
        table: "stratus_t",
        ports: vec![("tapp-1".into(), &p)],
        groups: &groups,
    };
    let script = plan(&Listing::default(), &desired);
    assert!(script.contains("table bridge stratus_t"));
    assert!(script.contains("add chain bridge stratus_t f_p1"));
    assert!(script.contains(
        "add rule bridge stratus_t sgi_g1 ether type ip meta l4proto 1 accept comment \"r1\""
    ));
    assert!(script.contains("add element bridge stratus_t to_ports { \"tapp-1\" : jump t_p1 }"));
    assert!(script.contains("ether saddr != { fa:16:3e:00:00:01 } drop"));

    // What the kernel would list after that script.
    let (from, to) = port_rules(&p, &BTreeSet::from(["g-1".to_owned()]), true);
    let mut listing = Listing {
        exists: true,
        ..Listing::default()
    };
    let tag = |r: &[String]| Some(format!("h:{}", hash(r)));
    listing
        .chains
        .insert("f_p1".into(), vec![(1, None), (2, tag(&from))]);
    listing
        .chains
        .insert("t_p1".into(), vec![(3, None), (4, tag(&to))]);
    listing
        .chains
        .insert("sgi_g1".into(), vec![(10, Some("r1".into()))]);
    listing
        .chains
        .insert("sge_g1".into(), vec![(11, Some("r2".into()))]);
    listing
        .sets
        .insert("from_ports".into(), vec!["tapp-1".into()]);
    listing
        .sets
        .insert("to_ports".into(), vec!["tapp-1".into()]);
    assert_eq!(
        plan(&listing, &desired),
        "",
        "nothing changed, nothing to do"
    );

    groups[0].rules.remove(0);
    groups[0]
        .rules
        .push(rule("r3", "ingress", Some("tcp"), Some(22), Some(22)));
    let desired = Desired {
        table: "stratus_t",
        ports: vec![("tapp-1".into(), &p)],
        groups: &groups,
    };
    let script = plan(&listing, &desired);
    assert_eq!(
        script,
        "delete rule bridge stratus_t sgi_g1 handle 10\nadd rule bridge stratus_t sgi_g1 ether type ip meta l4proto 6 th dport 22 accept comment \"r3\"\n"
    );

    let empty = Desired {
        table: "stratus_t",
        ports: vec![],
        groups: &[],
    };
    let script = plan(&listing, &empty);
    assert!(script.contains("delete element bridge stratus_t from_ports { \"tapp-1\" }"));
    assert!(script.contains("delete chain bridge stratus_t f_p1"));
    assert!(script.contains("delete chain bridge stratus_t sgi_g1"));
    let del_elem = script.find("delete element").expect("element");
    let del_chain = script
        .find("delete chain bridge stratus_t f_p1")
        .expect("chain");
    assert!(
        del_elem < del_chain,
        "map entries go before the chains they jump to"
    );
}

#[test]
fn ports_of_stateless_groups_get_no_conntrack_shortcut() {
    let p = port("p-1", &["g-1"]);
    let mut groups = vec![SecurityGroupSpec {
        id: "g-1".into(),
        stateful: true,
        rules: vec![rule("r1", "ingress", Some("icmp"), None, None)],
        members: vec![],
    }];
    let desired = |groups: &[SecurityGroupSpec]| {
        plan(
            &Listing::default(),
            &Desired {
                table: "stratus_t",
                ports: vec![("tapp-1".into(), &p)],
                groups,
            },
        )
    };
    let established = "meta mark and 0x10000000 == 0x10000000 accept";
    assert_eq!(desired(&groups).matches(established).count(), 2);
    groups[0].stateful = false;
    assert_eq!(
        desired(&groups).matches(established).count(),
        0,
        "{}",
        desired(&groups)
    );
}
