//! Acceptance with the real `openstack` client against live services and
//! agents on this host: the compute service beside the network and storage
//! services, a network agent in libvirtd's namespace and a compute agent on
//! the host's libvirt, booting the test guest (direct kernel boot, TCG).
//! `server create --wait` reaches ACTIVE and the console shows the address
//! the network service gave; a second server pings the first; stop, start,
//! reboot and delete work, and delete leaves no domain, disk, tap or port.

mod common;

use std::time::Duration;

use common::Cloud;
use common::guests::{GuestHost, HostOptions};
use serde_json::{Value, json};
use stratus_compute::app::ComputeConfig;
use stratus_compute_agent::driver::Driver;
use stratus_compute_agent::driver::libvirt::Libvirt;
use stratus_network_agent::links::LinkOps;
use stratus_test_support::clients::{Openstack, openstack_cli};
use stratus_test_support::guest::parse_console;
use stratus_test_support::poll_until;

fn json_of(osc: &Openstack, args: &[&str]) -> Value {
    tokio::task::block_in_place(|| osc.json(args))
}

fn ok(osc: &Openstack, args: &[&str]) -> String {
    let out = tokio::task::block_in_place(|| osc.run(args));
    assert!(
        out.status.success(),
        "openstack {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The server's console as the client shows it, polled until `done` holds.
async fn console_until(
    osc: &Openstack,
    id: &str,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let read = || async {
        let out = tokio::task::block_in_place(|| osc.run(&["console", "log", "show", id]));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    common::guests::poll_console(read, what, done).await
}

/// The compute agent's sample interval here, in seconds.
const SAMPLE_S: u32 = 5;

/// A guest that ran for `ran` (ACTIVE to gone, as the API showed it) has
/// CPU-time and memory samples from libvirt covering that time, and its
/// hours on the project's invoice match it within one sample interval.
async fn metered_as_it_ran(c: &Cloud, id: &str, ran: Duration) {
    let full = c.full.as_ref().expect("full cloud");
    let interval = Duration::from_secs(SAMPLE_S.into());
    let ds = |metric: &'static str| {
        let pool = full.metering.pool.clone();
        let id = id.to_owned();
        async move {
            stratus_metering::datastore::samples_of(&pool, &id, metric)
                .await
                .expect("samples")
        }
    };
    let cpu = ds("cpu.time").await;
    let memory = ds("memory").await;
    // One sample per interval while it ran (the first within an interval
    // of its start, the last within one of its end).
    let want = ran.as_secs_f64() / interval.as_secs_f64();
    let n = cpu.len() as f64;
    assert!(
        n >= want - 2.0 && n <= want + 1.0,
        "{n} CPU-time samples for {:.1} s at one per {SAMPLE_S} s",
        ran.as_secs_f64()
    );
    assert!(
        cpu.windows(2).all(|w| w[0].value <= w[1].value) && cpu.last().is_some_and(|s| s.value > 0),
        "CPU time grows while it runs: {:?}",
        cpu.iter().map(|s| s.value).collect::<Vec<_>>()
    );
    assert!(
        !memory.is_empty() && memory.iter().all(|s| s.value == 128 && s.unit == "MiB"),
        "the flavor's 128 MiB: {memory:?}"
    );

    // Its lines on a draft invoice of today.
    let admin = c.identity.admin.clone();
    let now = chrono::Utc::now();
    let body = json!({"invoice": {"project_id": c.identity.alice.project_id,
        "period_start": (now - chrono::Duration::days(1)).to_rfc3339(),
        "period_end": (now + chrono::Duration::days(1)).to_rfc3339()}});
    let send = |m, path: String, body| {
        let url = full.metering_api.url(&path);
        let http = c.http.clone();
        let admin = admin.clone();
        async move { stratus_testbed::send(&http, m, &url, &admin, body).await }
    };
    let card = json!({"rate_card": {"currency": "EUR", "vcpu_hour": 100,
        "effective_from": (now - chrono::Duration::days(2)).to_rfc3339()}});
    let (st, v) = send(reqwest::Method::POST, "/v1/rate-cards".into(), Some(card)).await;
    assert_eq!(st, 201, "{v}");
    let (st, v) = send(reqwest::Method::POST, "/v1/invoices".into(), Some(body)).await;
    assert_eq!(st, 201, "{v}");
    let (st, v) = send(
        reqwest::Method::GET,
        format!("/v1/invoices/{}", v["invoice"]["id"].as_str().expect("id")),
        None,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let millis: i64 = v["invoice"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["resource_id"] == id)
        .map(|l| l["millis"].as_i64().expect("millis"))
        .sum();
    let ran_ms = i64::try_from(ran.as_millis()).expect("ms");
    assert!(
        (millis - ran_ms).abs() <= i64::from(SAMPLE_S) * 1000,
        "invoiced {millis} ms for a guest that ran {ran_ms} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_openstack_client_boots_guests_that_get_their_addresses_and_ping() {
    // Where a run got to, and when (a failure's log shows the last step).
    let began = std::time::Instant::now();
    let step = |what: &str| eprintln!("[{:7.1} s] {what}", began.elapsed().as_secs_f64());
    let Some(cli) = openstack_cli() else { return };
    let hv_ns = std::env::var("STRATUS_HV_NETNS").unwrap_or_else(|_| "stratus-host".into());
    let c = Cloud::start_full(ComputeConfig {
        sweep_interval_s: 2,
        shutdown_timeout_s: 5,
        ..ComputeConfig::default()
    })
    .await;
    step("cloud started");
    // The network agent in libvirtd's namespace, next to any other cloud's
    // (it only touches what it made), and the compute agent: one host,
    // with the test guest Glance-style (a kernel, a ramdisk and a disk that
    // names them).
    let alice = c.identity.alice.clone();
    let options = HostOptions {
        sample_interval_s: Some(SAMPLE_S),
        ..HostOptions::default()
    };
    let Some(host) = GuestHost::start(&c, &alice, options).await else {
        return;
    };
    let (dir, image, libvirt) = (&host.dir, host.image.clone(), host.libvirt.clone());
    let instances = libvirt.instances_dir.clone();
    c.flavor("tiny", 1, 128, 1).await;

    let clouds = c.identity.clouds_yaml(&dir.path);
    let osc = Openstack::new(cli, clouds, "alice");
    ok(&osc, &["network", "create", "guests"]);
    let subnet = json_of(
        &osc,
        &[
            "subnet",
            "create",
            "--network",
            "guests",
            "--subnet-range",
            "10.77.0.0/24",
            "guests-v4",
        ],
    );
    assert_eq!(subnet["cidr"], "10.77.0.0/24");

    let first = json_of(
        &osc,
        &[
            "server",
            "create",
            "--image",
            &image,
            "--flavor",
            "tiny",
            "--network",
            "guests",
            "--wait",
            "first",
        ],
    );
    assert_eq!(first["status"], "ACTIVE", "{first}");
    let first_id = first["id"].as_str().expect("id").to_owned();
    let shown = json_of(&osc, &["server", "show", &first_id]);
    let addresses = shown["addresses"].to_string();
    let ip = addresses
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| w.starts_with("10.77.0."))
        .unwrap_or_else(|| panic!("an address on guests: {shown}"))
        .to_owned();

    // The guest booted and got that address by DHCP from the network service.
    step("The guest booted and got that address by DHCP from the network service");
    let log = console_until(
        &osc,
        &first_id,
        "the first guest's address on its console",
        |t| parse_console(t).ready,
    )
    .await;
    let console = parse_console(&log);
    assert!(console.booted.is_some(), "{log}");
    assert!(
        console
            .addresses
            .iter()
            .any(|(_, a)| a.starts_with(&format!("{ip}/"))),
        "the guest has {ip}: {log}"
    );

    // A second guest pings the first (told so through user data).
    let user_data = dir.path.join("user-data");
    std::fs::write(&user_data, format!("#!/bin/sh\nping {ip}\n")).expect("user data");
    let second = json_of(
        &osc,
        &[
            "server",
            "create",
            "--image",
            &image,
            "--flavor",
            "tiny",
            "--network",
            "guests",
            "--user-data",
            user_data.to_str().expect("path"),
            "--wait",
            "second",
        ],
    );
    let second_id = second["id"].as_str().expect("id").to_owned();
    let log = console_until(
        &osc,
        &second_id,
        "the second guest pinging the first",
        |t| parse_console(t).pinged.iter().any(|p| p == &ip),
    )
    .await;
    assert!(parse_console(&log).pinged.contains(&ip));

    // Power.
    step("Power");
    ok(&osc, &["server", "stop", &first_id]);
    poll_until(Duration::from_secs(120), "first SHUTOFF", || async {
        let s = json_of(&osc, &["server", "show", &first_id]);
        (s["status"] == "SHUTOFF").then_some(())
    })
    .await;
    ok(&osc, &["server", "start", &first_id]);
    poll_until(Duration::from_secs(120), "first ACTIVE again", || async {
        let s = json_of(&osc, &["server", "show", &first_id]);
        (s["status"] == "ACTIVE" && s["OS-EXT-STS:task_state"].is_null()).then_some(())
    })
    .await;
    ok(&osc, &["server", "reboot", "--hard", "--wait", &first_id]);
    let s = json_of(&osc, &["server", "show", &first_id]);
    assert_eq!(s["status"], "ACTIVE");
    assert_eq!(s["OS-EXT-STS:power_state"], 1, "running");
    let listed = json_of(&osc, &["server", "list"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    // A volume appears in the running guest, and goes again.
    step("A volume appears in the running guest, and goes again");
    ok(&osc, &["volume", "create", "--size", "1", "data"]);
    poll_until(
        Duration::from_secs(120),
        "volume data available",
        || async {
            let v = json_of(&osc, &["volume", "show", "data"]);
            (v["status"] == "available").then_some(())
        },
    )
    .await;
    ok(&osc, &["server", "add", "volume", &first_id, "data"]);
    // The guest names disks in the order they appear (the config drive
    // took vdb): the volume is the new 1 GiB disk that is not its root.
    let new_disk = |t: &str| {
        parse_console(t)
            .disks
            .into_iter()
            .find(|(d, sectors, _)| d != "vda" && *sectors == 2 * 1024 * 1024)
            .map(|(d, _, _)| d)
    };
    let log = console_until(&osc, &first_id, "the volume in the guest", |t| {
        new_disk(t).is_some()
    })
    .await;
    let dev = new_disk(&log).expect("the volume's disk");
    let v = json_of(&osc, &["volume", "show", "data"]);
    assert_eq!(v["status"], "in-use");
    ok(&osc, &["server", "remove", "volume", &first_id, "data"]);
    console_until(&osc, &first_id, "the volume gone from the guest", |t| {
        parse_console(t).gone.contains(&dev)
    })
    .await;
    poll_until(
        Duration::from_secs(120),
        "volume data available again",
        || async {
            let v = json_of(&osc, &["volume", "show", "data"]);
            (v["status"] == "available").then_some(())
        },
    )
    .await;

    // A server boots from a volume made from the guest image.
    step("A server boots from a volume made from the guest image");
    ok(
        &osc,
        &[
            "volume", "create", "--image", &image, "--size", "1", "bootvol",
        ],
    );
    poll_until(
        Duration::from_secs(120),
        "volume bootvol available",
        || async {
            let v = json_of(&osc, &["volume", "show", "bootvol"]);
            (v["status"] == "available").then_some(())
        },
    )
    .await;
    let third = json_of(
        &osc,
        &[
            "server",
            "create",
            "--volume",
            "bootvol",
            "--flavor",
            "tiny",
            "--network",
            "guests",
            "third",
        ],
    );
    let third_id = third["id"].as_str().expect("id").to_owned();
    // Its run is timed here to the tens of milliseconds (the API polled
    // directly), for its metering below.
    let server_path = format!("/v2.1/servers/{third_id}");
    let active_at = poll_until(Duration::from_secs(240), "third ACTIVE", || async {
        let (_, v) = c
            .send(reqwest::Method::GET, &server_path, &alice, None)
            .await;
        (v["server"]["status"] == "ACTIVE").then(std::time::Instant::now)
    })
    .await;
    let log = console_until(&osc, &third_id, "the volume-booted guest ready", |t| {
        parse_console(t).ready
    })
    .await;
    let disks = parse_console(&log).disks;
    assert!(
        disks
            .iter()
            .any(|(d, _, head)| d == "vda"
                && head.starts_with(stratus_test_support::guest::DISK_MARKER)),
        "its root disk is the volume with the image's data: {log}"
    );
    ok(&osc, &["server", "delete", &third_id]);
    let gone_at = poll_until(Duration::from_secs(120), "third gone", || async {
        let (st, _) = c
            .send(reqwest::Method::GET, &server_path, &alice, None)
            .await;
        (st == 404).then(std::time::Instant::now)
    })
    .await;
    step("third's metering");
    metered_as_it_ran(&c, &third_id, gone_at - active_at).await;
    poll_until(
        Duration::from_secs(120),
        "bootvol available after its server",
        || async {
            let v = json_of(&osc, &["volume", "show", "bootvol"]);
            (v["status"] == "available").then_some(())
        },
    )
    .await;

    // A snapshot of the first guest is an image that boots.
    step("A snapshot of the first guest is an image that boots");
    ok(
        &osc,
        &[
            "server", "image", "create", "--name", "snapimg", "--wait", &first_id,
        ],
    );
    let snap = json_of(&osc, &["image", "show", "snapimg"]);
    assert_eq!(snap["status"], "active", "{snap}");
    let fourth = json_of(
        &osc,
        &[
            "server",
            "create",
            "--image",
            "snapimg",
            "--flavor",
            "tiny",
            "--network",
            "guests",
            "--wait",
            "fourth",
        ],
    );
    let fourth_id = fourth["id"].as_str().expect("id").to_owned();
    console_until(&osc, &fourth_id, "the guest from the snapshot ready", |t| {
        parse_console(t).ready
    })
    .await;

    // Resize the first to a bigger flavor and confirm.
    step("Resize the first to a bigger flavor and confirm");
    c.flavor("small", 1, 192, 2).await;
    ok(
        &osc,
        &["server", "resize", "--flavor", "small", "--wait", &first_id],
    );
    let s = json_of(&osc, &["server", "show", &first_id]);
    assert_eq!(s["status"], "VERIFY_RESIZE", "{s}");
    ok(&osc, &["server", "resize", "confirm", &first_id]);
    poll_until(
        Duration::from_secs(120),
        "first ACTIVE after the resize",
        || async {
            let s = json_of(&osc, &["server", "show", &first_id]);
            (s["status"] == "ACTIVE").then_some(s)
        },
    )
    .await;
    let s = json_of(&osc, &["server", "show", &first_id]);
    assert!(s["flavor"].to_string().contains("small"), "{s}");
    ok(&osc, &["server", "delete", "--wait", &fourth_id]);

    // Delete leaves no domain, disk, tap or port.
    step("Delete leaves no domain, disk, tap or port");
    let ports = json_of(&osc, &["port", "list", "--server", &first_id]);
    let port_id = ports[0]["ID"].as_str().expect("port").to_owned();
    ok(&osc, &["server", "delete", "--wait", &first_id, &second_id]);
    assert_eq!(json_of(&osc, &["server", "list"]), json!([]));
    let driver = Libvirt::open(libvirt).expect("libvirt");
    assert!(driver.list().expect("domains").is_empty(), "no domain left");
    assert!(
        std::fs::read_dir(&instances)
            .expect("instances")
            .next()
            .is_none(),
        "no instance files left"
    );
    let out = tokio::task::block_in_place(|| osc.run(&["port", "show", &port_id]));
    assert!(!out.status.success(), "the port went with its server");
    let links = stratus_network_agent::links::Links::open(Some(&hv_ns))
        .await
        .expect("netlink");
    let tap = stratus_bus_protocol::network::tap_name(&port_id);
    assert!(
        links.get(&tap).await.expect("links").is_none(),
        "no tap {tap} left"
    );

    // Their hours, from metering, as the client shows them.
    step("Their hours, from metering, as the client shows them");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let usage = loop {
        let u = json_of(&osc, &["usage", "show"]);
        if u["Servers"].as_array().map(Vec::len) == Some(4) {
            break u;
        }
        if std::time::Instant::now() > deadline {
            let events = stratus_metering::datastore::lifecycle_all(
                &c.full.as_ref().expect("full").metering.pool,
                None,
                None,
            )
            .await
            .expect("events");
            let events: Vec<_> = events
                .iter()
                .map(|e| format!("{} {} {} {}", e.resource_id, e.event, e.at, e.project_id))
                .collect();
            panic!(
                "usage show did not show the four servers in 60 s: {u}\nmetering's events:\n{}",
                events.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        usage["CPU Hours"].as_f64().is_some_and(|h| h > 0.0),
        "{usage}"
    );
    let admin = Openstack::new(
        openstack_cli().expect("cli"),
        c.identity.clouds_yaml(&dir.path),
        "admin",
    );
    let all = json_of(&admin, &["usage", "list"]);
    assert!(all.as_array().is_some_and(|a| !a.is_empty()), "{all}");
}
