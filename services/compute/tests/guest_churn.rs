//! Guests that keep working under churn, and two clouds sharing one host
//! (libvirtd, its namespace, the host name and the domain prefix) that
//! never touch each other, with real guests (the test guest under TCG).
//!
//! - Twenty rounds of create → address on the console → delete on one
//!   network: every round's guest gets its address, also when IPAM hands
//!   a released address to a new MAC; two guests made after that ping.
//! - Two clouds keep their guests and their guests' networking through
//!   both clouds' agents' reconciles and restarts; a compute database that
//!   lost a server's record (restored from an older backup) destroys
//!   nothing: the guest is reported to admins and left running.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::Cloud;
use common::guests::{GuestHost, HostOptions, address_on, console_until};
use serde_json::{Value, json};
use stratus_compute::app::ComputeConfig;
use stratus_compute_agent::driver::Driver;
use stratus_compute_agent::driver::libvirt::Libvirt;
use stratus_test_support::guest::parse_console;
use stratus_test_support::unique_name;
use stratus_testbed::Login;

fn config() -> ComputeConfig {
    ComputeConfig {
        sweep_interval_s: 2,
        shutdown_timeout_s: 2,
        ..ComputeConfig::default()
    }
}

/// Creates a server on `network` (user data optional) and waits for
/// ACTIVE; its view.
async fn boot(
    c: &Cloud,
    who: &Login,
    host: &GuestHost,
    name: &str,
    network: &str,
    user_data: Option<&str>,
) -> Value {
    let mut server = json!({"name": name, "imageRef": host.image, "flavorRef": host.flavor,
        "networks": [{"uuid": network}]});
    if let Some(u) = user_data {
        use base64::Engine as _;
        server["user_data"] = json!(base64::engine::general_purpose::STANDARD.encode(u));
    }
    let (st, v) = c
        .send(
            reqwest::Method::POST,
            "/v2.1/servers",
            who,
            Some(json!({"server": server})),
        )
        .await;
    assert_eq!(st, 202, "{v}");
    let id = v["server"]["id"].as_str().expect("id").to_owned();
    c.wait_status(who, &id, "ACTIVE").await
}

/// Waits until the guest shows `ip` on eth0 on its console.
async fn address_shown(c: &Cloud, who: &Login, id: &str, ip: &str) {
    let want = format!("{ip}/");
    console_until(c, who, id, &format!("{id} with {ip} on its console"), |t| {
        parse_console(t)
            .addresses
            .iter()
            .any(|(_, a)| a.starts_with(&want))
    })
    .await;
}

async fn delete(c: &Cloud, who: &Login, id: &str) {
    let (st, v) = c
        .send(
            reqwest::Method::DELETE,
            &format!("/v2.1/servers/{id}"),
            who,
            None,
        )
        .await;
    assert_eq!(st, 204, "{v}");
    c.wait_gone(who, id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_guests_in_a_row_each_get_their_address() {
    let began = std::time::Instant::now();
    let step = |what: &str| eprintln!("[{:7.1} s] {what}", began.elapsed().as_secs_f64());
    let c = Cloud::start_full(config()).await;
    let alice = c.identity.alice.clone();
    let Some(host) = GuestHost::start(&c, &alice, HostOptions::default()).await else {
        return;
    };
    let net_name = unique_name("churn");
    let network = c.network(&alice, &net_name, "10.78.0.0/24").await;
    step("cloud and host up");

    // Every (address, MAC) a round's guest had.
    let mut held: Vec<(String, String)> = Vec::new();
    for round in 1..=20 {
        let s = boot(&c, &alice, &host, &format!("churn-{round}"), &network, None).await;
        let id = s["id"].as_str().expect("id").to_owned();
        let (ip, mac) = address_on(&s, &net_name);
        assert!(ip.starts_with("10.78.0."), "round {round}: {s}");
        address_shown(&c, &alice, &id, &ip).await;
        delete(&c, &alice, &id).await;
        step(&format!("round {round}: {ip} ({mac}) served and released"));
        held.push((ip, mac));
    }
    // IPAM gave a released address to a new MAC (the case dnsmasq refused
    // before leases were released), and each of those guests got it.
    let mut macs_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (ip, mac) in &held {
        macs_of.entry(ip).or_default().push(mac);
    }
    let reused = macs_of
        .iter()
        .filter(|(_, m)| m.len() > 1 && m.windows(2).all(|w| w[0] != w[1]))
        .count();
    assert!(
        reused > 0,
        "some address served to a new MAC after a delete: {held:?}"
    );

    // Two guests made after all that find each other.
    let first = boot(&c, &alice, &host, "after-1", &network, None).await;
    let first_id = first["id"].as_str().expect("id").to_owned();
    let (first_ip, _) = address_on(&first, &net_name);
    address_shown(&c, &alice, &first_id, &first_ip).await;
    let second = boot(
        &c,
        &alice,
        &host,
        "after-2",
        &network,
        Some(&format!("#!/bin/sh\nping {first_ip}\n")),
    )
    .await;
    let second_id = second["id"].as_str().expect("id").to_owned();
    console_until(
        &c,
        &alice,
        &second_id,
        "the second guest pinging the first",
        |t| parse_console(t).pinged.iter().any(|p| p == &first_ip),
    )
    .await;
    step("two guests after the churn ping each other");
    delete(&c, &alice, &first_id).await;
    delete(&c, &alice, &second_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_clouds_on_one_host_keep_their_guests_through_reconciles_and_restarts() {
    let began = std::time::Instant::now();
    let step = |what: &str| eprintln!("[{:7.1} s] {what}", began.elapsed().as_secs_f64());
    // One host name and one domain prefix for both clouds' agents: only
    // what the objects carry (the cloud) tells them apart.
    let host_name = unique_name("shared");
    let domain_prefix = format!("sx{}-vm-", &unique_name("x")[2..8]);
    let options = HostOptions {
        name: Some(host_name.clone()),
        domain_prefix: Some(domain_prefix),
        reconcile_interval_s: Some(3),
        ..HostOptions::default()
    };
    let a = Cloud::start_full(config()).await;
    let b = Cloud::start_full(config()).await;
    let (alice_a, alice_b) = (a.identity.alice.clone(), b.identity.alice.clone());
    let Some(mut host_a) = GuestHost::start(&a, &alice_a, options.clone()).await else {
        return;
    };
    let Some(mut host_b) = GuestHost::start(&b, &alice_b, options).await else {
        return;
    };
    // The same addresses in both clouds: their bridges keep them apart.
    let (net_a, net_b) = (unique_name("a"), unique_name("b"));
    let network_a = a.network(&alice_a, &net_a, "10.79.0.0/24").await;
    let network_b = b.network(&alice_b, &net_b, "10.79.0.0/24").await;
    let ga = boot(&a, &alice_a, &host_a, "guest-a", &network_a, None).await;
    let gb = boot(&b, &alice_b, &host_b, "guest-b", &network_b, None).await;
    let (ga_id, gb_id) = (
        ga["id"].as_str().expect("id").to_owned(),
        gb["id"].as_str().expect("id").to_owned(),
    );
    let (ga_ip, _) = address_on(&ga, &net_a);
    let (gb_ip, _) = address_on(&gb, &net_b);
    address_shown(&a, &alice_a, &ga_id, &ga_ip).await;
    address_shown(&b, &alice_b, &gb_id, &gb_ip).await;
    step("a guest in each cloud, with its address");

    // Cloud A's compute database loses guest-a's record, as when it is
    // restored from a backup older than the guest.
    sqlx::query("DELETE FROM servers WHERE id = $1::uuid")
        .bind(&ga_id)
        .execute(&a.app_pool())
        .await
        .expect("the record gone");
    // Both clouds' agents restart; each reconciles at start and every 3 s.
    host_a.stop_agents().await;
    host_b.stop_agents().await;
    host_a.start_agents();
    host_b.start_agents();
    a.wait_host(&host_name).await;
    b.wait_host(&host_name).await;
    // A's agent reports guest-a, which nothing owns, to admins...
    let admin_a = a.identity.admin.clone();
    stratus_test_support::poll_until(
        Duration::from_secs(60),
        "guest-a reported as unknown in cloud A's hypervisor view",
        || async {
            let (_, v) = a
                .send(
                    reqwest::Method::GET,
                    "/v2.1/os-hypervisors/detail",
                    &admin_a,
                    None,
                )
                .await;
            v["hypervisors"]
                .as_array()?
                .iter()
                .any(|h| {
                    h["hypervisor_hostname"] == host_name.as_str()
                        && h["stratus:unknown_instances"] == json!([ga_id])
                })
                .then_some(())
        },
    )
    .await;
    step("cloud A reports its guest it has no record of");
    // ... and B's, which sees only its own cloud's domains, reports none.
    let admin_b = b.identity.admin.clone();
    let (_, v) = b
        .send(
            reqwest::Method::GET,
            "/v2.1/os-hypervisors/detail",
            &admin_b,
            None,
        )
        .await;
    assert_eq!(
        v["hypervisors"][0]["stratus:unknown_instances"],
        json!([]),
        "{v}"
    );

    // Both guests still run (nothing destroyed either), and each cloud's
    // network still serves its guests: a new guest in each pings the old.
    let running = |host: &GuestHost| {
        let driver = Libvirt::open(host.libvirt.clone()).expect("libvirt");
        driver.list().expect("list")
    };
    let on_a = running(&host_a);
    let on_b = running(&host_b);
    assert!(
        on_a.iter().any(|i| i.id == ga_id) && !on_a.iter().any(|i| i.id == gb_id),
        "cloud A sees its guest only: {on_a:?}"
    );
    assert!(
        on_b.iter().any(|i| i.id == gb_id) && !on_b.iter().any(|i| i.id == ga_id),
        "cloud B sees its guest only: {on_b:?}"
    );
    let pa = boot(
        &a,
        &alice_a,
        &host_a,
        "pinger-a",
        &network_a,
        Some(&format!("#!/bin/sh\nping {ga_ip}\n")),
    )
    .await;
    let pb = boot(
        &b,
        &alice_b,
        &host_b,
        "pinger-b",
        &network_b,
        Some(&format!("#!/bin/sh\nping {gb_ip}\n")),
    )
    .await;
    let (pa_id, pb_id) = (
        pa["id"].as_str().expect("id").to_owned(),
        pb["id"].as_str().expect("id").to_owned(),
    );
    console_until(
        &a,
        &alice_a,
        &pa_id,
        "a new guest of A pinging guest-a",
        |t| parse_console(t).pinged.iter().any(|p| p == &ga_ip),
    )
    .await;
    console_until(
        &b,
        &alice_b,
        &pb_id,
        "a new guest of B pinging guest-b",
        |t| parse_console(t).pinged.iter().any(|p| p == &gb_ip),
    )
    .await;
    step("each cloud's guests reach each other after the restarts");
    assert!(
        running(&host_a).iter().any(|i| i.id == ga_id),
        "the guest A has no record of is still there"
    );
    delete(&a, &alice_a, &pa_id).await;
    delete(&b, &alice_b, &pb_id).await;
    delete(&b, &alice_b, &gb_id).await;
}
