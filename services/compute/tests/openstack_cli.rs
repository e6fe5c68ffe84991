//! Acceptance with the real `openstack` CLI against a live identity and the
//! compute API: flavors (public and private with project access, extra
//! specs as properties), key pairs (generated and imported), server groups
//! and compute quotas. Outputs are checked, not just exit codes.

mod common;

use common::Cloud;
use stratus_test_support::TempDir;
use stratus_test_support::clients::{Openstack, openstack_cli};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstack_flavor_and_keypair_commands() {
    let Some(cli) = openstack_cli() else { return };
    let c = Cloud::start().await;
    let dir = TempDir::new("stratus-osc-compute");
    let clouds = c.identity.clouds_yaml(&dir.path);
    let admin = Openstack::new(cli.clone(), clouds.clone(), "admin");
    let alice = Openstack::new(cli.clone(), clouds.clone(), "alice");
    let bob = Openstack::new(cli, clouds, "bob");
    let alice_project = c.identity.alice.project_id.clone();
    let pubkey = dir.path.join("id.pub");
    std::fs::write(
        &pubkey,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGYnoXy2jbVNDcm0Ej9PODOKyFMnk52ySfUlj/RL9L34 me@laptop\n",
    )
    .expect("public key");
    let pubkey = pubkey.to_string_lossy().into_owned();

    tokio::task::spawn_blocking(move || {
        let ok = |osc: &Openstack, args: &[&str]| {
            let out = osc.run(args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let tiny = admin.json(&[
            "flavor", "create", "--ram", "512", "--vcpus", "1", "--disk", "1", "--id", "1",
            "m1.tiny",
        ]);
        assert_eq!(tiny["ram"], 512, "{tiny}");
        assert_eq!(tiny["id"], "1", "{tiny}");
        assert_eq!(tiny["os-flavor-access:is_public"], true, "{tiny}");
        let private = admin.json(&[
            "flavor",
            "create",
            "--ram",
            "1024",
            "--vcpus",
            "2",
            "--disk",
            "10",
            "--private",
            "--project",
            &alice_project,
            "m1.private",
        ]);
        assert_eq!(private["os-flavor-access:is_public"], false, "{private}");
        ok(
            &admin,
            &[
                "flavor",
                "set",
                "--property",
                "hw:cpu_policy=shared",
                "m1.tiny",
            ],
        );
        let shown = admin.json(&["flavor", "show", "m1.tiny"]);
        assert!(
            shown["properties"].to_string().contains("hw:cpu_policy"),
            "{shown}"
        );
        ok(
            &admin,
            &["flavor", "unset", "--property", "hw:cpu_policy", "m1.tiny"],
        );
        let shown = admin.json(&["flavor", "show", "m1.tiny"]);
        assert!(
            !shown["properties"].to_string().contains("hw:cpu_policy"),
            "{shown}"
        );

        let names = |osc: &Openstack| -> Vec<String> {
            let list = osc.json(&["flavor", "list"]);
            let mut n: Vec<String> = list
                .as_array()
                .expect("list")
                .iter()
                .filter_map(|f| f["Name"].as_str().map(str::to_owned))
                .collect();
            n.sort();
            n
        };
        assert_eq!(names(&alice), ["m1.private", "m1.tiny"]);
        assert_eq!(names(&bob), ["m1.tiny"]);
        let all = admin.json(&["flavor", "list", "--all"]);
        assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");

        // Key pairs: generated (the private key printed once) and imported.
        let out = alice.run(&["keypair", "create", "made"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("OPENSSH PRIVATE KEY"),
            "the private key is printed"
        );
        let imported = alice.json(&["keypair", "create", "--public-key", &pubkey, "laptop"]);
        assert_eq!(
            imported["fingerprint"], "4c:f4:a6:94:a6:8d:dc:45:76:15:8f:98:50:70:aa:9b",
            "{imported}"
        );
        let list = alice.json(&["keypair", "list"]);
        let mut keys: Vec<&str> = list
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|k| k["Name"].as_str())
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["laptop", "made"], "{list}");
        let shown = alice.json(&["keypair", "show", "laptop"]);
        assert_eq!(shown["name"], "laptop", "{shown}");
        assert!(
            !bob.run(&["keypair", "show", "laptop"]).status.success(),
            "bob cannot see alice's key"
        );
        ok(&alice, &["keypair", "delete", "laptop", "made"]);
        assert_eq!(
            alice.json(&["keypair", "list"]).as_array().map(Vec::len),
            Some(0)
        );

        // Server groups.
        let group = alice.json(&[
            "server",
            "group",
            "create",
            "--policy",
            "anti-affinity",
            "spread",
        ]);
        assert_eq!(group["name"], "spread", "{group}");
        assert!(
            group["policy"].to_string().contains("anti-affinity")
                || group["policies"].to_string().contains("anti-affinity"),
            "{group}"
        );
        let groups = alice.json(&["server", "group", "list"]);
        assert_eq!(groups.as_array().map(Vec::len), Some(1), "{groups}");
        let shown = alice.json(&["server", "group", "show", "spread"]);
        assert_eq!(shown["id"], group["id"], "{shown}");
        assert_eq!(
            bob.json(&["server", "group", "list"])
                .as_array()
                .map(Vec::len),
            Some(0)
        );
        ok(&alice, &["server", "group", "delete", "spread"]);

        // Quotas and limits.
        ok(
            &admin,
            &[
                "quota",
                "set",
                "--instances",
                "7",
                "--key-pairs",
                "3",
                &alice_project,
            ],
        );
        let quota = alice.json(&["quota", "show", "--compute", &alice_project]);
        assert!(quota.to_string().contains('7'), "{quota}");
        // (`limits show` also asks the volume service, which this cloud lacks;
        // the limits document is tested over HTTP.)

        ok(&admin, &["flavor", "delete", "m1.private", "m1.tiny"]);
        assert_eq!(names(&alice), Vec::<String>::new());
    })
    .await
    .expect("client");
}
