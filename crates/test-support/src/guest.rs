//! The test guest `scripts/build-test-guest` makes (Debian's kernel, a
//! busybox initramfs, a small marked disk), and reading what it prints on
//! its serial console.

use std::path::PathBuf;

/// The guest's files.
#[derive(Clone, Debug)]
pub struct GuestImages {
    pub kernel: PathBuf,
    pub ramdisk: PathBuf,
    pub disk: PathBuf,
}

/// The first bytes of the guest's disk, which the guest prints for each
/// block device it sees.
pub const DISK_MARKER: &str = "STRATUS-TESTDISK";

/// The built guest (`$STRATUS_TEST_GUEST`, else `~/.cache/stratus/guest`),
/// or `None` (after saying why) when it has not been built and
/// `STRATUS_REQUIRE_CLIENTS` is not set. Under `scripts/test`, which builds
/// it, a missing guest fails the test instead.
pub fn guest_images() -> Option<GuestImages> {
    let dir = std::env::var("STRATUS_TEST_GUEST")
        .map(PathBuf::from)
        .ok()
        .or_else(|| {
            std::env::var("HOME")
                .ok()
                .map(|h| PathBuf::from(h).join(".cache/stratus/guest"))
        })?;
    let images = GuestImages {
        kernel: dir.join("vmlinuz"),
        ramdisk: dir.join("initrd.img"),
        disk: dir.join("disk.qcow2"),
    };
    if [&images.kernel, &images.ramdisk, &images.disk]
        .iter()
        .all(|p| p.is_file())
    {
        return Some(images);
    }
    let why = format!(
        "the test guest is not built in {} (run scripts/build-test-guest)",
        dir.display()
    );
    assert!(std::env::var("STRATUS_REQUIRE_CLIENTS").is_err(), "{why}");
    eprintln!("SKIPPED: {why}");
    None
}

/// What the guest reported on its console so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Console {
    /// `booted` line seen: the kernel release.
    pub booted: Option<String>,
    /// `(interface, address/prefix)` per address.
    pub addresses: Vec<(String, String)>,
    /// `(device, sectors, first bytes)` per block device.
    pub disks: Vec<(String, u64, String)>,
    /// The `ready` line: everything above is complete.
    pub ready: bool,
    /// The device of the config drive it found.
    pub config_drive: Option<String>,
    /// Devices that went away after boot.
    pub gone: Vec<String>,
    /// Addresses it was told to ping that answered.
    pub pinged: Vec<String>,
}

/// Parses a console log (other lines and terminal noise are ignored).
pub fn parse_console(log: &str) -> Console {
    let mut c = Console::default();
    for line in log.lines() {
        let Some(rest) = line.split("STRATUS-GUEST ").nth(1) else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        match words.as_slice() {
            ["booted", release, ..] => c.booted = Some((*release).to_owned()),
            ["addr", ifname, addr, ..] => c.addresses.push(((*ifname).into(), (*addr).into())),
            ["disk", dev, sectors, first @ ..] => {
                c.disks
                    .push(((*dev).into(), sectors.parse().unwrap_or(0), first.join(" ")))
            }
            ["ready", ..] => c.ready = true,
            ["config-drive", dev, ..] => c.config_drive = Some((*dev).to_owned()),
            ["gone", dev, ..] => c.gone.push((*dev).to_owned()),
            ["ping", addr, "ok", ..] => c.pinged.push((*addr).to_owned()),
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_lines_are_parsed_through_terminal_noise() {
        let log = "SeaBIOS\r\nBooting from ROM..\x1b[2JSTRATUS-GUEST booted 6.1.0-56-amd64\r\n\
                   STRATUS-GUEST addr eth0 10.0.2.15/24\nSTRATUS-GUEST disk vda 131072 STRATUS-TESTDISK\n\
                   STRATUS-GUEST config-drive vdb\nSTRATUS-GUEST ready\n\
                   STRATUS-GUEST disk vdc 2048 \nSTRATUS-GUEST gone vdc\nSTRATUS-GUEST ping 10.0.0.3 ok";
        let c = parse_console(log);
        assert_eq!(c.booted.as_deref(), Some("6.1.0-56-amd64"));
        assert_eq!(c.addresses, vec![("eth0".into(), "10.0.2.15/24".into())]);
        assert_eq!(c.disks[0], ("vda".into(), 131_072, DISK_MARKER.into()));
        assert!(c.ready);
        assert_eq!(c.config_drive.as_deref(), Some("vdb"));
        assert_eq!(c.disks.last(), Some(&("vdc".into(), 2048, String::new())));
        assert_eq!(c.gone, vec!["vdc".to_owned()]);
        assert_eq!(c.pinged, vec!["10.0.0.3".to_owned()]);
        assert_eq!(parse_console("nothing"), Console::default());
    }
}
