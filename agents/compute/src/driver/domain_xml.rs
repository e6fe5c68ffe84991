//! The libvirt domain XML of an instance: disks by path (the instance's
//! overlay on its image, then volumes), direct kernel boot when the image
//! has a kernel, NICs as taps (libvirt makes them; the network agent plugs them
//! into its bridges), and a serial
//! console that virtlogd writes to the instance's console log.

use std::fmt::Write as _;

use quick_xml::escape::escape;
use stratus_bus_protocol::compute::{DiskSpec, InstanceSpec, NicSpec};

/// The XML namespace of Stratus's metadata in a domain.
pub const METADATA_NS: &str = "https://stratus.example.org/xmlns/instance/1";

/// The config drive's target, out of the way of volumes' names.
pub const CONFIG_DRIVE_DEVICE: &str = "vdz";

/// Where an instance's files are and how its domain runs.
pub struct DomainPaths<'a> {
    /// The cloud the domain belongs to (its agent's bus prefix), written
    /// in its metadata: an agent lists only its own cloud's domains.
    pub cloud: &'a str,
    /// `kvm` or `qemu`.
    pub virt_type: &'a str,
    /// The domain's name.
    pub name: &'a str,
    /// The root disk made from the image, if any.
    pub root_disk: Option<&'a str>,
    /// The config drive's raw image, if any (last disk, target `vdz`).
    pub config_drive: Option<&'a str>,
    pub console_log: &'a str,
}

/// Checks what of `spec` reaches the domain XML and qemu-img, again in the
/// agent (the services checked it first): disk formats only `raw` or
/// `qcow2` (qemu never guesses one), absolute paths without control
/// characters, `vd*` device names, canonical unicast MACs, interface names and
/// MTUs, a bounded kernel command line. The reason, when it fails.
pub fn check(spec: &InstanceSpec) -> Result<(), String> {
    if let Some(image) = &spec.image_disk {
        format(&image.format)?;
        path(&image.path)?;
    }
    for d in &spec.disks {
        check_disk(d)?;
    }
    for p in spec.kernel.iter().chain(&spec.ramdisk) {
        path(p)?;
    }
    for n in &spec.nics {
        check_nic(n)?;
    }
    if let Some(c) = &spec.cmdline
        && (c.len() > 2048 || c.chars().any(char::is_control))
    {
        return Err("the kernel command line is too long or has control characters".into());
    }
    Ok(())
}

fn format(f: &str) -> Result<(), String> {
    match f {
        "raw" | "qcow2" => Ok(()),
        other => Err(format!("disk format {other:?} is not raw or qcow2")),
    }
}

fn path(p: &str) -> Result<(), String> {
    if p.starts_with('/') && p.len() < 4096 && !p.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(format!("{p:?} is not an absolute path"))
    }
}

/// Checks a volume's disk as [`check`] does.
/// Checks a NIC: a canonical unicast MAC, a Linux interface name for its
/// tap, an MTU in range.
pub fn check_nic(n: &NicSpec) -> Result<(), String> {
    if stratus_common::mac::canonical_unicast(&n.mac_address).as_deref()
        != Some(n.mac_address.as_str())
    {
        return Err(format!("MAC {:?} is not a unicast MAC", n.mac_address));
    }
    // A Linux interface name: 1 to 15 of [A-Za-z0-9_.-], not a dot alone.
    if n.tap.is_empty()
        || n.tap.len() > 15
        || n.tap.starts_with('.')
        || !n
            .tap
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(format!("tap {:?} is not an interface name", n.tap));
    }
    if !(68..=65535).contains(&n.mtu) {
        return Err(format!("MTU {} is out of range", n.mtu));
    }
    Ok(())
}

pub fn check_disk(d: &DiskSpec) -> Result<(), String> {
    format(&d.format)?;
    path(&d.path)?;
    let letters = d.device.strip_prefix("vd").unwrap_or_default();
    if letters.is_empty() || letters.len() > 2 || !letters.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(format!("device {:?} is not vd[a-z]", d.device));
    }
    Ok(())
}

/// The cloud named in a domain's Stratus metadata (from the domain's XML
/// or the metadata element alone), if it has one.
pub fn cloud_of(xml: &str) -> Option<String> {
    let start = xml.find("<stratus:cloud>")? + "<stratus:cloud>".len();
    let end = xml[start..].find("</stratus:cloud>")? + start;
    quick_xml::escape::unescape(&xml[start..end])
        .ok()
        .map(|c| c.into_owned())
}

/// One disk element.
pub fn disk(d: &DiskSpec) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "    <disk type='file' device='disk'>");
    let _ = writeln!(
        s,
        "      <driver name='qemu' type='{}'/>",
        escape(d.format.as_str())
    );
    let _ = writeln!(s, "      <source file='{}'/>", escape(d.path.as_str()));
    let _ = writeln!(
        s,
        "      <target dev='{}' bus='virtio'/>",
        escape(d.device.as_str())
    );
    if let Some(v) = &d.volume_id {
        // The guest sees the volume's id as the disk's serial, as on Nova.
        let serial: String = v.chars().take(20).collect();
        let _ = writeln!(s, "      <serial>{}</serial>", escape(serial.as_str()));
    }
    s.push_str("    </disk>\n");
    s
}

/// A NIC's `<interface>` element (also what a hot-plug attaches).
pub fn interface(n: &NicSpec) -> String {
    format!(
        "    <interface type='ethernet'>\n      <mac address='{}'/>\n      <target dev='{}' managed='yes'/>\n      <model type='virtio'/>\n      <mtu size='{}'/>\n    </interface>\n",
        escape(n.mac_address.as_str()),
        escape(n.tap.as_str()),
        n.mtu
    )
}

/// The whole domain.
pub fn domain(spec: &InstanceSpec, paths: &DomainPaths<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "<domain type='{}'>", escape(paths.virt_type));
    let _ = writeln!(s, "  <name>{}</name>", escape(paths.name));
    let _ = writeln!(s, "  <uuid>{}</uuid>", escape(spec.id.as_str()));
    let _ = writeln!(
        s,
        "  <metadata>\n    <stratus:instance xmlns:stratus='{METADATA_NS}'>\n      <stratus:cloud>{}</stratus:cloud>\n      <stratus:server>{}</stratus:server>\n      <stratus:name>{}</stratus:name>\n      <stratus:project>{}</stratus:project>\n      <stratus:flavor>{}</stratus:flavor>\n    </stratus:instance>\n  </metadata>",
        escape(paths.cloud),
        escape(spec.id.as_str()),
        escape(spec.name.as_str()),
        escape(spec.project_id.as_str()),
        escape(spec.flavor.as_str())
    );
    let _ = writeln!(s, "  <memory unit='MiB'>{}</memory>", spec.memory_mb);
    let _ = writeln!(s, "  <vcpu>{}</vcpu>", spec.vcpus);
    s.push_str("  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n");
    if let Some(kernel) = &spec.kernel {
        let _ = writeln!(s, "    <kernel>{}</kernel>", escape(kernel.as_str()));
        if let Some(rd) = &spec.ramdisk {
            let _ = writeln!(s, "    <initrd>{}</initrd>", escape(rd.as_str()));
        }
        let mut cmdline = String::from("console=ttyS0");
        if let Some(extra) = spec.cmdline.as_deref().filter(|c| !c.trim().is_empty()) {
            cmdline = format!("{} {cmdline}", extra.trim());
        }
        let _ = writeln!(s, "    <cmdline>{}</cmdline>", escape(cmdline.as_str()));
    } else {
        s.push_str("    <boot dev='hd'/>\n");
    }
    s.push_str("  </os>\n  <features>\n    <acpi/>\n    <apic/>\n  </features>\n");
    s.push_str("  <clock offset='utc'/>\n");
    s.push_str("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n");
    s.push_str("  <devices>\n");
    if let Some(root) = paths.root_disk {
        s.push_str(&disk(&DiskSpec {
            device: "vda".into(),
            path: root.into(),
            format: "qcow2".into(),
            volume_id: None,
        }));
    }
    for d in &spec.disks {
        s.push_str(&disk(d));
    }
    if let Some(cd) = paths.config_drive {
        s.push_str(&disk(&DiskSpec {
            device: CONFIG_DRIVE_DEVICE.into(),
            path: cd.into(),
            format: "raw".into(),
            volume_id: None,
        }));
    }
    for n in &spec.nics {
        s.push_str(&interface(n));
    }
    let _ = writeln!(
        s,
        "    <serial type='pty'>\n      <log file='{}' append='on'/>\n      <target port='0'/>\n    </serial>",
        escape(paths.console_log)
    );
    s.push_str(
        "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n",
    );
    s.push_str("    <memballoon model='virtio'>\n      <stats period='10'/>\n    </memballoon>\n");
    s.push_str("  </devices>\n</domain>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn spec() -> InstanceSpec {
        InstanceSpec {
            id: "6f1c5a2e-0000-4000-8000-000000000001".into(),
            name: "web <1> & 'co'".into(),
            project_id: "p1".into(),
            flavor: "tiny".into(),
            vcpus: 2,
            memory_mb: 256,
            image_disk: None,
            disks: vec![DiskSpec {
                device: "vdb".into(),
                path: "/var/lib/stratus/storage/volumes/v-1".into(),
                format: "qcow2".into(),
                volume_id: Some("0123456789abcdefghijklmnop".into()),
            }],
            kernel: Some("/img/k".into()),
            ramdisk: Some("/img/r".into()),
            cmdline: Some("quiet stratus.ping=10.0.0.3".into()),
            nics: vec![NicSpec {
                port_id: "p".into(),
                mac_address: "fa:16:3e:00:00:01".into(),
                tap: "tap12345678-9a".into(),
                mtu: 1450,
            }],
            user_data: None,
            metadata: BTreeMap::new(),
            config_drive: false,
            public_keys: BTreeMap::new(),
        }
    }

    #[test]
    fn direct_kernel_boot_with_disks_nics_and_a_logged_console() {
        let xml = domain(
            &spec(),
            &DomainPaths {
                cloud: "c1",
                virt_type: "qemu",
                name: "instance-6f1c",
                root_disk: Some("/inst/6f1c/disk"),
                config_drive: Some("/inst/6f1c/disk.config"),
                console_log: "/inst/6f1c/console.log",
            },
        );
        assert!(xml.starts_with("<domain type='qemu'>"));
        assert!(xml.contains("<uuid>6f1c5a2e-0000-4000-8000-000000000001</uuid>"));
        assert!(xml.contains("<stratus:name>web &lt;1&gt; &amp; &apos;co&apos;</stratus:name>"));
        assert!(xml.contains("<stratus:cloud>c1</stratus:cloud>"));
        assert_eq!(
            super::cloud_of(&xml),
            Some("c1".to_owned()),
            "the cloud reads back from the XML"
        );
        assert!(xml.contains("<memory unit='MiB'>256</memory>"));
        assert!(xml.contains("<kernel>/img/k</kernel>"));
        assert!(xml.contains("<initrd>/img/r</initrd>"));
        assert!(xml.contains("<cmdline>quiet stratus.ping=10.0.0.3 console=ttyS0</cmdline>"));
        assert!(!xml.contains("<boot dev"), "no boot device with a kernel");
        let root = xml
            .find("<source file='/inst/6f1c/disk'/>")
            .expect("root disk");
        let vol = xml
            .find("<source file='/var/lib/stratus/storage/volumes/v-1'/>")
            .expect("volume");
        assert!(root < vol, "the root disk comes first");
        assert!(xml.contains("<target dev='vda' bus='virtio'/>"));
        assert!(xml.contains("<serial>0123456789abcdefghij</serial>"));
        assert!(xml.contains("<interface type='ethernet'>"));
        assert!(xml.contains("<target dev='tap12345678-9a' managed='yes'/>"));
        assert!(xml.contains("<mtu size='1450'/>"));
        assert!(xml.contains("<log file='/inst/6f1c/console.log' append='on'/>"));
        let cd = xml
            .find("<source file='/inst/6f1c/disk.config'/>")
            .expect("config drive");
        assert!(vol < cd, "the config drive comes last");
        assert!(xml.contains("<target dev='vdz' bus='virtio'/>"));
    }

    #[test]
    fn disk_images_boot_from_their_first_disk() {
        let mut s = spec();
        s.kernel = None;
        let xml = domain(
            &s,
            &DomainPaths {
                cloud: "c1",
                virt_type: "kvm",
                name: "n",
                root_disk: None,
                config_drive: None,
                console_log: "/l",
            },
        );
        assert!(xml.starts_with("<domain type='kvm'>"));
        assert!(xml.contains("<boot dev='hd'/>"));
        assert!(!xml.contains("<kernel>"));
    }
}
