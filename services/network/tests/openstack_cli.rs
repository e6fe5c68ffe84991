//! Acceptance with the real `openstack` CLI against a live identity and the
//! network API: networks (provider and external as admin), subnets, ports,
//! a router with a gateway and an interface, a floating IP, a security
//! group rule, and deleting it all. Outputs are checked, not just exit codes.

mod common;

use common::Cloud;
use stratus_test_support::TempDir;
use stratus_test_support::clients::{Openstack, openstack_cli};

#[tokio::test]
async fn openstack_network_subnet_port_router_floating_ip_and_security_group_commands() {
    let Some(cli) = openstack_cli() else { return };
    let c = Cloud::start().await;
    let dir = TempDir::new("stratus-osc-net");
    let clouds = c.identity.clouds_yaml(&dir.path);
    let admin = Openstack::new(cli.clone(), clouds.clone(), "admin");
    let alice = Openstack::new(cli, clouds, "alice");

    tokio::task::spawn_blocking(move || {
        let ok = |osc: &Openstack, args: &[&str]| {
            let out = osc.run(args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let public = admin.json(&[
            "network",
            "create",
            "--external",
            "--provider-network-type",
            "flat",
            "--provider-physical-network",
            "physnet1",
            "public",
        ]);
        assert_eq!(public["router:external"], true, "{public}");
        assert_eq!(public["provider:network_type"], "flat", "{public}");
        let sub = admin.json(&[
            "subnet",
            "create",
            "--network",
            "public",
            "--subnet-range",
            "203.0.113.0/24",
            "public-v4",
        ]);
        assert_eq!(sub["gateway_ip"], "203.0.113.1", "{sub}");

        let private = alice.json(&["network", "create", "private"]);
        assert_eq!(private["mtu"], 1450, "{private}");
        let sub = alice.json(&[
            "subnet",
            "create",
            "--network",
            "private",
            "--subnet-range",
            "10.0.0.0/24",
            "--dns-nameserver",
            "10.0.0.53",
            "private-v4",
        ]);
        assert_eq!(sub["cidr"], "10.0.0.0/24", "{sub}");
        assert!(
            sub["allocation_pools"].to_string().contains("10.0.0.2"),
            "{sub}"
        );
        let port = alice.json(&["port", "create", "--network", "private", "p1"]);
        assert!(port["fixed_ips"].to_string().contains("10.0.0.2"), "{port}");
        assert!(
            port["mac_address"]
                .as_str()
                .is_some_and(|m| m.starts_with("fa:16:3e")),
            "{port}"
        );

        alice.json(&["router", "create", "r1"]);
        ok(
            &alice,
            &["router", "set", "--external-gateway", "public", "r1"],
        );
        ok(&alice, &["router", "add", "subnet", "r1", "private-v4"]);
        let router = alice.json(&["router", "show", "r1"]);
        assert!(
            router["external_gateway_info"]
                .to_string()
                .contains("203.0.113."),
            "{router}"
        );

        let fip = alice.json(&["floating", "ip", "create", "--port", "p1", "public"]);
        assert!(
            fip["floating_ip_address"]
                .as_str()
                .is_some_and(|a| a.starts_with("203.0.113.")),
            "{fip}"
        );
        assert_eq!(fip["fixed_ip_address"], "10.0.0.2", "{fip}");

        let rule = alice.json(&[
            "security",
            "group",
            "rule",
            "create",
            "--protocol",
            "tcp",
            "--dst-port",
            "22",
            "default",
        ]);
        assert_eq!(rule["port_range_min"], 22, "{rule}");
        assert_eq!(rule["protocol"], "tcp", "{rule}");

        let networks = alice.json(&["network", "list"]);
        let mut names: Vec<&str> = networks
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|n| n["Name"].as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(names, vec!["private", "public"], "{networks}");

        // And down again.
        let fip_id = fip["id"].as_str().expect("id").to_owned();
        ok(&alice, &["floating", "ip", "delete", &fip_id]);
        ok(&alice, &["router", "remove", "subnet", "r1", "private-v4"]);
        ok(&alice, &["router", "unset", "--external-gateway", "r1"]);
        ok(&alice, &["router", "delete", "r1"]);
        ok(&alice, &["port", "delete", "p1"]);
        ok(&alice, &["network", "delete", "private"]);
        let left = alice.json(&["network", "list"]);
        let names: Vec<&str> = left
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|n| n["Name"].as_str())
            .collect();
        assert_eq!(names, vec!["public"], "{left}");
    })
    .await
    .expect("client");
}
