//! The test guest boots under QEMU (TCG, no libvirt: this checks the guest
//! itself) and reports on its serial console that it booted, its addresses
//! (after DHCP from QEMU's own isolated user-mode network) and its disk.

use std::time::Duration;
use stratus_test_support::guest::{DISK_MARKER, guest_images, parse_console};
use stratus_test_support::{TempDir, poll_until};

/// Kills QEMU when the test ends, also on failure.
struct Qemu(std::process::Child);

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_test_guest_boots_and_reports_on_its_console() {
    let Some(images) = guest_images() else { return };
    let dir = TempDir::new("stratus-guest");
    let console = dir.path.join("console.log");
    let qemu = std::process::Command::new("qemu-system-x86_64")
        .args([
            "-machine",
            "accel=tcg",
            "-m",
            "256",
            "-display",
            "none",
            "-monitor",
            "none",
        ])
        .args(["-no-reboot", "-nodefaults"])
        .arg("-kernel")
        .arg(&images.kernel)
        .arg("-initrd")
        .arg(&images.ramdisk)
        .args(["-append", "console=ttyS0 quiet panic=-1"])
        .arg("-drive")
        .arg(format!(
            "file={},format=qcow2,if=virtio,snapshot=on",
            images.disk.display()
        ))
        // QEMU's user-mode network, restricted: DHCP inside QEMU, nothing leaves.
        .args(["-nic", "user,restrict=on,model=virtio-net-pci"])
        .arg("-serial")
        .arg(format!("file:{}", console.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("qemu-system-x86_64");
    let _qemu = Qemu(qemu);
    let report = poll_until(Duration::from_secs(180), "the guest to be ready", || {
        let console = console.clone();
        async move {
            let log = std::fs::read(&console).ok()?;
            let c = parse_console(&String::from_utf8_lossy(&log));
            c.ready.then_some(c)
        }
    })
    .await;
    assert!(
        report
            .booted
            .as_deref()
            .is_some_and(|r| r.ends_with("amd64")),
        "{report:?}"
    );
    assert!(
        report
            .addresses
            .iter()
            .any(|(i, a)| i == "eth0" && a.starts_with("10.0.2.")),
        "{report:?}"
    );
    assert_eq!(
        report.disks,
        vec![("vda".into(), 131_072, DISK_MARKER.into())]
    );
}
