//! The libvirt driver against the host's real libvirtd and QEMU: the test
//! guest boots by direct kernel boot from a qcow2 overlay on its disk image,
//! its serial console is captured, and power off/on, hard and soft reboot
//! and destroy do what they say, leaving no domain and no file behind.
//! Domains get a unique name prefix and are destroyed even when the test
//! fails.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use stratus_bus_protocol::compute::{DiskSpec, ImageDisk, InstanceSpec, PowerState};
use stratus_compute_agent::driver::Driver;
use stratus_compute_agent::driver::libvirt::{Libvirt, LibvirtSettings};
use stratus_network_agent::links::LinkOps;
use stratus_test_support::guest::{DISK_MARKER, guest_images, parse_console};
use stratus_test_support::{TempDir, unique_name};

/// Destroys every domain of this test's prefix.
struct Domains {
    driver: Libvirt,
}

impl Drop for Domains {
    fn drop(&mut self) {
        if let Ok(all) = self.driver.list() {
            for i in all {
                let _ = self.driver.destroy(&i.id);
            }
        }
    }
}

/// A directory QEMU (an unprivileged user under qemu:///system) can enter.
fn open_dir(path: &Path) {
    let mut p = std::fs::metadata(path).expect("dir").permissions();
    p.set_mode(0o755);
    std::fs::set_permissions(path, p).expect("chmod");
}

fn copy_into(dir: &Path, from: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(from, &to).expect("copy a guest file");
    to
}

fn wait_console(driver: &Libvirt, id: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let log = driver.console_log(id).expect("console log");
        if done(&log) {
            return log;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} within 120 s; console so far:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_test_guest_boots_and_obeys_power_operations() {
    let Some(guest) = guest_images() else { return };
    let dir = TempDir::new("stratus-libvirt");
    open_dir(&dir.path);
    let images = dir.path.join("images");
    std::fs::create_dir(&images).expect("images dir");
    open_dir(&images);
    let kernel = copy_into(&images, &guest.kernel, "kernel");
    let ramdisk = copy_into(&images, &guest.ramdisk, "ramdisk");
    let disk = copy_into(&images, &guest.disk, "disk.qcow2");
    let instances = dir.path.join("instances");
    let settings = LibvirtSettings {
        instances_dir: instances.clone(),
        domain_prefix: format!("{}-", unique_name("sxvm")),
        // Detection boots the guest's kernel under KVM: where KVM hangs
        // real kernels (as on the project's build machines) it says TCG.
        probe_kernel: Some(kernel.clone()),
        probe_timeout_s: 10,
        ..LibvirtSettings::default()
    };
    let driver = Libvirt::open(settings.clone()).expect("libvirt");
    assert!(
        ["kvm", "qemu"].contains(&driver.virt_type()),
        "{}",
        driver.virt_type()
    );
    open_dir(&instances);
    let guard = Domains {
        driver: Libvirt::open(LibvirtSettings {
            virt_type: driver.virt_type().into(),
            ..settings
        })
        .expect("libvirt"),
    };
    let capacity = driver.capacity().expect("capacity");
    assert!(
        capacity.vcpus >= 1 && capacity.memory_mb > 0,
        "{capacity:?}"
    );
    assert_eq!(capacity.hypervisor_type, "QEMU");

    let id = uuid_v4();
    let spec = InstanceSpec {
        id: id.clone(),
        name: "boot <test>".into(),
        project_id: "p".into(),
        flavor: "tiny".into(),
        vcpus: 1,
        memory_mb: 256,
        image_disk: Some(ImageDisk {
            image_id: "img".into(),
            path: disk.to_string_lossy().into_owned(),
            format: "qcow2".into(),
            size_gb: 1,
        }),
        disks: vec![],
        kernel: Some(kernel.to_string_lossy().into_owned()),
        ramdisk: Some(ramdisk.to_string_lossy().into_owned()),
        // What to ping comes from the command line and the user data.
        cmdline: Some("quiet stratus.ping=127.0.0.2".into()),
        nics: vec![],
        user_data: Some(
            base64::engine::general_purpose::STANDARD.encode("#!/bin/sh\nping 127.0.0.3\n"),
        ),
        metadata: BTreeMap::new(),
        config_drive: true,
        public_keys: BTreeMap::new(),
    };
    assert_eq!(driver.spawn(&spec).expect("spawn"), PowerState::Running);
    assert_eq!(
        driver.spawn(&spec).expect("spawn again"),
        PowerState::Running,
        "spawning twice is harmless"
    );
    let log = wait_console(&driver, &id, "the guest ready", |l| parse_console(l).ready);
    let console = parse_console(&log);
    assert!(console.booted.is_some(), "{log}");
    // The root disk is the overlay: the image's marker, grown to 1 GiB.
    assert_eq!(
        console.disks[0],
        ("vda".into(), 2 * 1024 * 1024, DISK_MARKER.into()),
        "{log}"
    );
    assert!(console.config_drive.is_some(), "the config drive: {log}");
    let log = wait_console(
        &driver,
        &id,
        "pings from the command line and user data",
        |l| parse_console(l).pinged.len() == 2,
    );
    let mut pinged = parse_console(&log).pinged;
    pinged.sort();
    assert_eq!(pinged, ["127.0.0.2", "127.0.0.3"]);

    // Usage as libvirt counts it: the booted guest used CPU and read its disk.
    let stats = driver.stats().expect("stats");
    let st = stats
        .iter()
        .find(|s| s.id == id)
        .expect("the instance's stats");
    assert_eq!((st.project_id.as_str(), st.flavor.as_str()), ("p", "tiny"));
    assert!(st.running);
    assert_eq!(st.vcpus, 1);
    assert!(st.cpu_time_ns > 0 && st.disk_read_bytes > 0, "{st:?}");

    // A volume plugged in shows up in the guest, and goes when unplugged.
    let volume = images.join("volume.raw");
    std::fs::write(&volume, "STRATUS-VOLUME01").expect("volume");
    std::fs::File::options()
        .write(true)
        .open(&volume)
        .and_then(|f| f.set_len(16 << 20))
        .expect("size");
    let disk = DiskSpec {
        device: "vdb".into(),
        path: volume.to_string_lossy().into_owned(),
        format: "raw".into(),
        volume_id: Some("0f0f0f0f-1111-4222-8333-444444444444".into()),
    };
    driver.attach_volume(&id, &disk).expect("attach");
    let log = wait_console(&driver, &id, "the volume in the guest", |l| {
        parse_console(l)
            .disks
            .iter()
            .any(|d| d.2 == "STRATUS-VOLUME01")
    });
    let plugged = parse_console(&log)
        .disks
        .into_iter()
        .find(|d| d.2 == "STRATUS-VOLUME01")
        .expect("volume line");
    assert_eq!(plugged.1, 32768, "16 MiB in sectors");
    driver.detach_volume(&id, &disk).expect("detach");
    // Detached means the guest let go: the same target takes the disk again
    // at once, and a detach right after that plug (which a guest may
    // ignore while it settles the plug) is asked again until it is done.
    driver
        .attach_volume(&id, &disk)
        .expect("attach again right after the detach");
    driver
        .detach_volume(&id, &disk)
        .expect("detach right after the plug");
    wait_console(&driver, &id, "the volume gone from the guest", |l| {
        parse_console(l).gone.contains(&plugged.0)
    });
    driver
        .detach_volume(&id, &disk)
        .expect("detaching again is done");
    let listed = driver.list().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].power_state, PowerState::Running);

    // The guest ignores ACPI, so power-off is forced after the timeout.
    assert_eq!(
        driver.power_off(&id, Duration::from_secs(2)).expect("off"),
        PowerState::Shutdown
    );
    assert_eq!(
        driver.list().expect("list")[0].power_state,
        PowerState::Shutdown
    );
    assert_eq!(driver.power_on(&id).expect("on"), PowerState::Running);
    let boots = |l: &str| l.matches("STRATUS-GUEST booted").count();
    wait_console(&driver, &id, "a second boot", |l| boots(l) >= 2);
    assert_eq!(
        driver
            .reboot(&id, true, Duration::from_secs(2))
            .expect("hard reboot"),
        PowerState::Running
    );
    wait_console(&driver, &id, "a third boot", |l| boots(l) >= 3);
    assert_eq!(
        driver
            .reboot(&id, false, Duration::from_secs(2))
            .expect("soft reboot"),
        PowerState::Running
    );
    wait_console(&driver, &id, "a fourth boot", |l| boots(l) >= 4);

    driver.destroy(&id).expect("destroy");
    assert!(driver.list().expect("list").is_empty(), "no domain left");
    assert!(!instances.join(&id).exists(), "no instance files left");
    assert!(matches!(
        driver.console_log(&id),
        Err(stratus_compute_agent::driver::DriverError::NotFound(_))
    ));
    driver.destroy(&id).expect("destroying again is done");
    drop(guard);
}

fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_taps_land_in_the_hypervisor_namespace_unplugged() {
    let Some(guest) = guest_images() else { return };
    let ns = std::env::var("STRATUS_HV_NETNS").unwrap_or_else(|_| "stratus-host".into());
    if !stratus_netns::exists(&ns) {
        let why = format!("libvirtd's namespace {ns} does not exist (scripts/test makes it)");
        assert!(std::env::var("STRATUS_REQUIRE_CLIENTS").is_err(), "{why}");
        eprintln!("SKIPPED: {why}");
        return;
    }
    let dir = TempDir::new("stratus-libvirt-nic");
    open_dir(&dir.path);
    let kernel = copy_into(&dir.path, &guest.kernel, "kernel");
    let ramdisk = copy_into(&dir.path, &guest.ramdisk, "ramdisk");
    let instances = dir.path.join("instances");
    let settings = LibvirtSettings {
        instances_dir: instances.clone(),
        domain_prefix: format!("{}-", unique_name("sxvm")),
        virt_type: "qemu".into(),
        ..LibvirtSettings::default()
    };
    let driver = Libvirt::open(settings.clone()).expect("libvirt");
    open_dir(&instances);
    let _guard = Domains {
        driver: Libvirt::open(settings).expect("libvirt"),
    };
    let hex = &unique_name("x")[2..10];
    let links = stratus_network_agent::links::Links::open(Some(&ns))
        .await
        .expect("netlink in the hypervisor namespace");
    let tap = format!("sxt{hex}");
    let id = uuid_v4();
    let spec = InstanceSpec {
        id: id.clone(),
        name: "nic".into(),
        project_id: "p".into(),
        flavor: "tiny".into(),
        vcpus: 1,
        memory_mb: 128,
        image_disk: None,
        disks: vec![],
        kernel: Some(kernel.to_string_lossy().into_owned()),
        ramdisk: Some(ramdisk.to_string_lossy().into_owned()),
        cmdline: None,
        nics: vec![stratus_bus_protocol::compute::NicSpec {
            port_id: "p".into(),
            mac_address: "fa:16:3e:12:34:56".into(),
            tap: tap.clone(),
            mtu: 1500,
        }],
        user_data: None,
        metadata: BTreeMap::new(),
        config_drive: false,
        public_keys: BTreeMap::new(),
    };
    let d = tokio::task::spawn_blocking({
        let spec = spec.clone();
        move || driver.spawn(&spec).map(|s| (s, driver))
    })
    .await
    .expect("spawn task");
    let (state, driver) = d.expect("spawn");
    assert_eq!(state, PowerState::Running);
    let t = links
        .get(&tap)
        .await
        .expect("get")
        .expect("the tap in the hypervisor namespace");
    assert_eq!(t.master, None, "the network agent, not libvirt, plugs it");
    let root = stratus_network_agent::links::Links::open(None)
        .await
        .expect("netlink");
    assert!(
        root.get(&tap).await.expect("get").is_none(),
        "no tap in the host's own namespace"
    );
    tokio::task::spawn_blocking(move || driver.destroy(&id))
        .await
        .expect("destroy task")
        .expect("destroy");
    assert!(
        links.get(&tap).await.expect("get").is_none(),
        "the tap goes with the domain"
    );
}
