//! The libvirt driver (the `virt` crate): persistent domains named
//! `<domain_prefix><server id>` (by default `<cloud>-instance-<server id>`)
//! whose metadata names the cloud and the server, so agents of several
//! clouds (or another libvirt user) sharing a libvirtd see only their own
//! domains; one directory per instance under
//! `instances_dir` (`disk`, a qcow2 overlay on the image's file, and
//! `console.log`, written by virtlogd), `kvm` where the host's KVM runs a
//! guest, else `qemu` (TCG), detected once at start unless configured.
//!
//! Detection: the vCPU probe of [`super::kvm`] first; then, when a Linux
//! kernel is at hand (`probe_kernel`, else the host's own
//! `/boot/vmlinuz-<release>`), that kernel is booted under KVM as a
//! transient domain and must print its banner on the serial console within
//! `probe_timeout_s`: hosts exist whose KVM runs a few instructions but
//! hangs a real kernel.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use stratus_bus_protocol::compute::{DiskSpec, InstanceSpec, InstanceState, NicSpec, PowerState};
use virt::connect::Connect;
use virt::domain::{Domain, DomainState, DomainStateEnum};
use virt::enumutil::Enum;
use virt::error::ErrorNumber;
use virt::sys;

use super::domain_xml::{self, DomainPaths};
use super::{Capacity, Driver, DriverError};

/// The `[libvirt]` section.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LibvirtSettings {
    pub uri: String,
    /// `auto` (probe KVM), `kvm` or `qemu`.
    pub virt_type: String,
    /// Where each instance's directory is made.
    pub instances_dir: PathBuf,
    /// Domains of this agent are named this and the server's id (empty:
    /// `<cloud>-instance-`); others on the host are not its business.
    pub domain_prefix: String,
    /// The cloud (the agent's bus prefix), set by the agent at start and
    /// written in every domain's metadata: only domains naming it are
    /// listed.
    #[serde(skip)]
    pub cloud: String,
    /// A Linux kernel to boot under KVM once at start (empty: the host's
    /// own, when readable).
    pub probe_kernel: Option<PathBuf>,
    pub probe_timeout_s: u32,
    /// What to report instead of the host's own numbers (0: the host's).
    pub vcpus: u32,
    pub memory_mb: u64,
    pub disk_gb: u64,
}

impl Default for LibvirtSettings {
    fn default() -> Self {
        Self {
            uri: "qemu:///system".into(),
            virt_type: "auto".into(),
            instances_dir: PathBuf::from("/var/lib/stratus/instances"),
            domain_prefix: String::new(),
            cloud: String::new(),
            probe_kernel: None,
            probe_timeout_s: 15,
            vcpus: 0,
            memory_mb: 0,
            disk_gb: 0,
        }
    }
}

impl LibvirtSettings {
    /// The cloud domains are made for (`stratus` when unset).
    pub fn cloud(&self) -> &str {
        if self.cloud.is_empty() {
            "stratus"
        } else {
            &self.cloud
        }
    }

    /// What the names of this agent's domains start with.
    pub fn prefix(&self) -> String {
        if self.domain_prefix.is_empty() {
            format!("{}-instance-", self.cloud())
        } else {
            self.domain_prefix.clone()
        }
    }
}

pub struct Libvirt {
    conn: Arc<Connect>,
    settings: LibvirtSettings,
    virt_type: String,
}

fn lv(e: virt::error::Error) -> DriverError {
    DriverError::Libvirt(e.to_string())
}

fn io(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> DriverError {
    move |e| DriverError::Io(what.to_string(), e)
}

/// libvirt's state as Nova's power state.
pub fn power_state(state: DomainStateEnum) -> PowerState {
    match state {
        Enum::Known(DomainState::Running | DomainState::Blocked) => PowerState::Running,
        Enum::Known(DomainState::Paused) => PowerState::Paused,
        Enum::Known(DomainState::Shutdown | DomainState::Shutoff) => PowerState::Shutdown,
        Enum::Known(DomainState::Crashed) => PowerState::Crashed,
        Enum::Known(DomainState::PMSuspended) => PowerState::Suspended,
        _ => PowerState::NoState,
    }
}

/// Whether KVM runs guests: how it was found to, or why not.
fn detect_kvm(conn: &Connect, settings: &LibvirtSettings) -> Result<String, String> {
    super::kvm::probe(Duration::from_secs(3))?;
    let kernel = settings.probe_kernel.clone().or_else(|| {
        let release = rustix::system::uname()
            .release()
            .to_string_lossy()
            .into_owned();
        let own = PathBuf::from(format!("/boot/vmlinuz-{release}"));
        std::fs::File::open(&own).is_ok().then_some(own)
    });
    let Some(kernel) = kernel else {
        return Ok("a vCPU ran the probe (no kernel at hand to boot)".into());
    };
    boot_probe(conn, settings, &kernel)?;
    Ok(format!("{} booted under KVM", kernel.display()))
}

/// Boots `kernel` under KVM until its banner shows on the console.
fn boot_probe(conn: &Connect, settings: &LibvirtSettings, kernel: &Path) -> Result<(), String> {
    let dir = settings.instances_dir.join(".kvm-probe");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let copy = dir.join("kernel");
    std::fs::copy(kernel, &copy).map_err(|e| format!("{}: {e}", kernel.display()))?;
    let console = dir.join("console.log");
    let _ = std::fs::remove_file(&console);
    let name = format!("{}kvm-probe-{}", settings.prefix(), std::process::id());
    let xml = format!(
        "<domain type='kvm'>\n  <name>{}</name>\n  <memory unit='MiB'>256</memory>\n  <vcpu>1</vcpu>\n  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n    <kernel>{}</kernel>\n    <cmdline>console=ttyS0 panic=-1</cmdline>\n  </os>\n  <on_reboot>destroy</on_reboot>\n  <devices>\n    <serial type='file'>\n      <source path='{}'/>\n      <target port='0'/>\n    </serial>\n  </devices>\n</domain>\n",
        quick_xml::escape::escape(name.as_str()),
        quick_xml::escape::escape(copy.to_string_lossy().as_ref()),
        quick_xml::escape::escape(console.to_string_lossy().as_ref()),
    );
    let domain = conn
        .create_domain_xml(&xml, 0)
        .map_err(|e| format!("starting a KVM probe guest: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(u64::from(settings.probe_timeout_s.max(1)));
    let booted = loop {
        let text = std::fs::read(&console).unwrap_or_default();
        if String::from_utf8_lossy(&text).contains("Linux version") {
            break true;
        }
        if Instant::now() >= deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = domain.destroy();
    let _ = std::fs::remove_dir_all(&dir);
    if booted {
        Ok(())
    } else {
        Err(format!(
            "{} printed nothing under KVM within {} s",
            kernel.display(),
            settings.probe_timeout_s
        ))
    }
}

impl Libvirt {
    /// Connects and decides between KVM and TCG.
    pub fn open(settings: LibvirtSettings) -> Result<Self, DriverError> {
        // Errors come back as values; libvirt's default handler would also
        // print each to stderr.
        virt::error::clear_error_callback();
        let conn = Connect::open(Some(&settings.uri)).map_err(lv)?;
        std::fs::create_dir_all(&settings.instances_dir)
            .map_err(io(settings.instances_dir.display()))?;
        let virt_type = match settings.virt_type.as_str() {
            "kvm" | "qemu" => settings.virt_type.clone(),
            "auto" => match detect_kvm(&conn, &settings) {
                Ok(how) => {
                    tracing::info!(%how, "KVM runs guests here");
                    "kvm".into()
                }
                Err(why) => {
                    tracing::warn!(%why, "KVM cannot run guests here: using QEMU's TCG (slow)");
                    "qemu".into()
                }
            },
            other => {
                return Err(DriverError::Invalid(format!(
                    "[libvirt] virt_type {other:?}: use auto, kvm or qemu"
                )));
            }
        };
        Ok(Self {
            conn: Arc::new(conn),
            settings,
            virt_type,
        })
    }

    pub fn virt_type(&self) -> &str {
        &self.virt_type
    }

    fn name(&self, id: &str) -> String {
        format!("{}{id}", self.settings.prefix())
    }

    fn dir(&self, id: &str) -> PathBuf {
        self.settings.instances_dir.join(id)
    }

    fn lookup(&self, id: &str) -> Result<Option<Domain>, DriverError> {
        match self.conn.lookup_domain_by_name(&self.name(id)) {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.code() == Enum::Known(ErrorNumber::NoDomain) => Ok(None),
            Err(e) => Err(lv(e)),
        }
    }

    fn get(&self, id: &str) -> Result<Domain, DriverError> {
        self.lookup(id)?
            .ok_or_else(|| DriverError::NotFound(id.to_owned()))
    }

    fn state(d: &Domain) -> Result<PowerState, DriverError> {
        Ok(power_state(d.state().map_err(lv)?.0))
    }

    /// Waits until the domain is off, up to `timeout`; whether it is.
    fn wait_off(d: &Domain, timeout: Duration) -> Result<bool, DriverError> {
        let deadline = Instant::now() + timeout;
        loop {
            if !d.is_active().map_err(lv)? {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Makes the instance's files (root overlay, config drive: those that
    /// exist are kept) and defines its domain.
    fn define(&self, spec: &InstanceSpec) -> Result<Domain, DriverError> {
        domain_xml::check(spec).map_err(DriverError::Invalid)?;
        let dir = self.dir(&spec.id);
        std::fs::create_dir_all(&dir).map_err(io(dir.display()))?;
        let root = self.root_disk(spec, &dir)?;
        let config_drive = if spec.config_drive {
            let path = dir.join("disk.config");
            if !path.exists() {
                super::config_drive::write(&path, spec)?;
            }
            Some(path)
        } else {
            None
        };
        let name = self.name(&spec.id);
        let console = dir.join("console.log");
        let xml = domain_xml::domain(
            spec,
            &DomainPaths {
                cloud: self.settings.cloud(),
                virt_type: &self.virt_type,
                name: &name,
                root_disk: root.as_deref().and_then(Path::to_str),
                config_drive: config_drive.as_deref().and_then(Path::to_str),
                console_log: &console.to_string_lossy(),
            },
        );
        std::fs::write(dir.join("domain.xml"), &xml).map_err(io(dir.display()))?;
        self.conn.define_domain_xml(&xml).map_err(lv)
    }

    /// Runs qemu-img with `args`; its output.
    fn qemu_img(args: &[&str]) -> Result<Vec<u8>, DriverError> {
        let out = std::process::Command::new("qemu-img")
            .args(args)
            .output()
            .map_err(io("running qemu-img"))?;
        if !out.status.success() {
            return Err(DriverError::Disk(format!(
                "qemu-img {}: {}",
                args.first().copied().unwrap_or(""),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(out.stdout)
    }

    fn snapshot_path(&self, id: &str, image_id: &str) -> Result<PathBuf, DriverError> {
        if uuid::Uuid::parse_str(image_id).is_err() {
            return Err(DriverError::Invalid(format!("{image_id:?} is not a UUID")));
        }
        Ok(self.dir(id).join(format!("snapshot-{image_id}.qcow2")))
    }

    /// The root disk: a qcow2 overlay on the image's file.
    fn root_disk(&self, spec: &InstanceSpec, dir: &Path) -> Result<Option<PathBuf>, DriverError> {
        let Some(image) = &spec.image_disk else {
            return Ok(None);
        };
        let disk = dir.join("disk");
        if disk.exists() {
            return Ok(Some(disk));
        }
        let mut cmd = std::process::Command::new("qemu-img");
        cmd.args([
            "create",
            "-q",
            "-f",
            "qcow2",
            "-F",
            &image.format,
            "-b",
            &image.path,
        ]);
        cmd.arg(&disk);
        if image.size_gb > 0 {
            cmd.arg(format!("{}G", image.size_gb));
        }
        let out = cmd.output().map_err(io("running qemu-img"))?;
        if !out.status.success() {
            return Err(DriverError::Disk(format!(
                "qemu-img create: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(Some(disk))
    }
}

impl Driver for Libvirt {
    fn capacity(&self) -> Result<Capacity, DriverError> {
        let node = self.conn.node_info().map_err(lv)?;
        let disk_gb = match self.settings.disk_gb {
            0 => rustix::fs::statvfs(&self.settings.instances_dir)
                .map(|s| s.f_blocks * s.f_frsize / (1 << 30))
                .unwrap_or(0),
            n => n,
        };
        Ok(Capacity {
            vcpus: match self.settings.vcpus {
                0 => node.cpus,
                n => n,
            },
            memory_mb: match self.settings.memory_mb {
                0 => node.memory / 1024,
                n => n,
            },
            disk_gb,
            hypervisor_type: "QEMU".into(),
            virt_type: self.virt_type.clone(),
            hypervisor_version: self.conn.hyp_version().map(u64::from).unwrap_or(0),
        })
    }

    fn spawn(&self, spec: &InstanceSpec) -> Result<PowerState, DriverError> {
        if uuid::Uuid::parse_str(&spec.id).is_err() {
            return Err(DriverError::Invalid(format!(
                "instance id {:?} is not a UUID",
                spec.id
            )));
        }
        let domain = match self.lookup(&spec.id)? {
            Some(d) => d,
            None => self.define(spec)?,
        };
        if !domain.is_active().map_err(lv)? {
            domain.create().map_err(lv)?;
        }
        Self::state(&domain)
    }

    fn destroy(&self, id: &str) -> Result<(), DriverError> {
        if let Some(d) = self.lookup(id)? {
            if d.is_active().map_err(lv)? {
                d.destroy().map_err(lv)?;
            }
            d.undefine().map_err(lv)?;
        }
        let dir = self.dir(id);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(DriverError::Io(dir.display().to_string(), e)),
        }
    }

    fn power_off(&self, id: &str, timeout: Duration) -> Result<PowerState, DriverError> {
        let d = self.get(id)?;
        if d.is_active().map_err(lv)? {
            // A guest that ignores ACPI is forced off after the timeout.
            let asked = d.shutdown().is_ok();
            if (!asked || !Self::wait_off(&d, timeout)?)
                && let Err(e) = d.destroy()
                && d.is_active().map_err(lv)?
            {
                return Err(lv(e));
            }
        }
        Self::state(&d)
    }

    fn power_on(&self, id: &str) -> Result<PowerState, DriverError> {
        let d = self.get(id)?;
        if !d.is_active().map_err(lv)? {
            d.create().map_err(lv)?;
        }
        Self::state(&d)
    }

    fn reboot(&self, id: &str, hard: bool, timeout: Duration) -> Result<PowerState, DriverError> {
        let d = self.get(id)?;
        if hard {
            if d.is_active().map_err(lv)? {
                d.destroy().map_err(lv)?;
            }
        } else {
            self.power_off(id, timeout)?;
        }
        d.create().map_err(lv)?;
        Self::state(&d)
    }

    fn attach_volume(&self, id: &str, disk: &DiskSpec) -> Result<(), DriverError> {
        domain_xml::check_disk(disk).map_err(DriverError::Invalid)?;
        let d = self.get(id)?;
        let xml = domain_xml::disk(disk);
        let mut flags = sys::VIR_DOMAIN_AFFECT_CONFIG;
        if d.is_active().map_err(lv)? {
            flags |= sys::VIR_DOMAIN_AFFECT_LIVE;
        }
        d.attach_device_flags(&xml, flags).map_err(lv)
    }

    /// Unplugs a volume: gone from the persistent definition at once, and
    /// from the running guest once the guest lets go. A guest may ignore an
    /// unplug request (one that comes too soon after a plug, or while it
    /// boots), so it is asked again, as Nova's libvirt driver does, until
    /// the disk is gone or the attempts run out.
    fn detach_volume(&self, id: &str, disk: &DiskSpec) -> Result<(), DriverError> {
        let d = self.get(id)?;
        let xml = domain_xml::disk(disk);
        let in_config = has_target(
            &d.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE).map_err(lv)?,
            &disk.device,
        );
        if in_config {
            d.detach_device_flags(&xml, sys::VIR_DOMAIN_AFFECT_CONFIG)
                .map_err(lv)?;
        }
        for attempt in 1..=DETACH_ATTEMPTS {
            if !d.is_active().map_err(lv)? || !has_target(&d.xml_desc(0).map_err(lv)?, &disk.device)
            {
                return Ok(());
            }
            if let Err(e) = d.detach_device_flags(&xml, sys::VIR_DOMAIN_AFFECT_LIVE) {
                // "already in the process of unplug": the last request runs.
                tracing::debug!(%id, device = %disk.device, attempt, error = %e, "unplug request");
            }
            let deadline = Instant::now() + DETACH_WAIT;
            while Instant::now() < deadline {
                if !has_target(&d.xml_desc(0).map_err(lv)?, &disk.device) {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            tracing::info!(%id, device = %disk.device, attempt, "the guest has not let go of the disk; asking again");
        }
        tracing::warn!(%id, device = %disk.device, "the guest did not release the disk after {DETACH_ATTEMPTS} unplug requests");
        Err(DriverError::NotReleased(disk.device.clone()))
    }

    fn attach_interface(&self, id: &str, nic: &NicSpec) -> Result<(), DriverError> {
        domain_xml::check_nic(nic).map_err(DriverError::Invalid)?;
        let d = self.get(id)?;
        if has_mac(&d.xml_desc(0).map_err(lv)?, &nic.mac_address) {
            return Ok(());
        }
        let mut flags = sys::VIR_DOMAIN_AFFECT_CONFIG;
        if d.is_active().map_err(lv)? {
            flags |= sys::VIR_DOMAIN_AFFECT_LIVE;
        }
        d.attach_device_flags(&domain_xml::interface(nic), flags)
            .map_err(lv)
    }

    fn detach_interface(&self, id: &str, nic: &NicSpec) -> Result<(), DriverError> {
        domain_xml::check_nic(nic).map_err(DriverError::Invalid)?;
        let d = self.get(id)?;
        if !has_mac(&d.xml_desc(0).map_err(lv)?, &nic.mac_address) {
            return Ok(());
        }
        let mut flags = sys::VIR_DOMAIN_AFFECT_CONFIG;
        if d.is_active().map_err(lv)? {
            flags |= sys::VIR_DOMAIN_AFFECT_LIVE;
        }
        d.detach_device_flags(&domain_xml::interface(nic), flags)
            .map_err(lv)
    }

    fn resize(&self, spec: &InstanceSpec) -> Result<PowerState, DriverError> {
        let d = self.get(&spec.id)?;
        let running = d.is_active().map_err(lv)?;
        if running {
            let _ = d.shutdown();
            if !Self::wait_off(&d, Duration::from_secs(30))? {
                d.destroy().map_err(lv)?;
            }
        }
        let disk = self.dir(&spec.id).join("disk");
        if let Some(img) = &spec.image_disk
            && img.size_gb > 0
            && disk.exists()
        {
            let path = disk.to_string_lossy().into_owned();
            let info = Self::qemu_img(&["info", "-U", "-f", "qcow2", "--output=json", &path])?;
            let have = serde_json::from_slice::<serde_json::Value>(&info)
                .ok()
                .and_then(|v| v["virtual-size"].as_u64())
                .unwrap_or(0);
            let want = u64::from(img.size_gb) << 30;
            if want > have {
                Self::qemu_img(&[
                    "resize",
                    "-q",
                    "-f",
                    "qcow2",
                    &path,
                    &format!("{}G", img.size_gb),
                ])?;
            }
        }
        d.undefine().map_err(lv)?;
        let d = self.define(spec)?;
        if running {
            d.create().map_err(lv)?;
        }
        Self::state(&d)
    }

    fn snapshot(&self, id: &str, image_id: &str) -> Result<(u64, String), DriverError> {
        self.get(id)?;
        let disk = self.dir(id).join("disk");
        if !disk.exists() {
            return Err(DriverError::Invalid(format!(
                "instance {id} boots from a volume: snapshot the volume"
            )));
        }
        let dest = self.snapshot_path(id, image_id)?;
        // A running guest's disk is copied as it is (crash-consistent).
        Self::qemu_img(&[
            "convert",
            "-U",
            "-q",
            "-f",
            "qcow2",
            "-O",
            "qcow2",
            &disk.to_string_lossy(),
            &dest.to_string_lossy(),
        ])?;
        let len = std::fs::metadata(&dest).map_err(io(dest.display()))?.len();
        Ok((len, "qcow2".into()))
    }

    fn snapshot_read(
        &self,
        id: &str,
        image_id: &str,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, DriverError> {
        use std::io::{Read, Seek, SeekFrom};
        let path = self.snapshot_path(id, image_id)?;
        let mut f = std::fs::File::open(&path).map_err(io(path.display()))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(io(path.display()))?;
        let mut buf = Vec::with_capacity(len);
        f.take(len as u64)
            .read_to_end(&mut buf)
            .map_err(io(path.display()))?;
        Ok(buf)
    }

    fn snapshot_done(&self, id: &str, image_id: &str) -> Result<(), DriverError> {
        let path = self.snapshot_path(id, image_id)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(DriverError::Io(path.display().to_string(), e)),
        }
    }

    fn console_log(&self, id: &str) -> Result<String, DriverError> {
        self.get(id)?;
        let path = self.dir(id).join("console.log");
        match std::fs::read(&path) {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(DriverError::Io(path.display().to_string(), e)),
        }
    }

    fn stats(&self) -> Result<Vec<super::InstanceStats>, DriverError> {
        let mut out = Vec::new();
        for i in self.list()? {
            let Some(d) = self.lookup(&i.id)? else {
                continue;
            };
            let info = d.info().map_err(lv)?;
            let xml = d.xml_desc(0).map_err(lv)?;
            let running = d.is_active().map_err(lv)?;
            let mut st = super::InstanceStats {
                id: i.id.clone(),
                project_id: between(&xml, "<stratus:project>", "</stratus:project>")
                    .unwrap_or_default(),
                flavor: between(&xml, "<stratus:flavor>", "</stratus:flavor>").unwrap_or_default(),
                running,
                vcpus: info.nr_virt_cpu,
                memory_mb: info.max_mem / 1024,
                cpu_time_ns: info.cpu_time,
                ..Default::default()
            };
            if running {
                for dev in targets(&xml, "vd") {
                    if let Ok(b) = d.block_stats(&dev) {
                        st.disk_read_bytes += u64::try_from(b.rd_bytes).unwrap_or(0);
                        st.disk_write_bytes += u64::try_from(b.wr_bytes).unwrap_or(0);
                    }
                }
                for tap in targets(&xml, "tap") {
                    if let Ok(n) = d.interface_stats(&tap) {
                        // The tap's rx is what the guest sent.
                        st.net_tx_bytes += u64::try_from(n.rx_bytes).unwrap_or(0);
                        st.net_rx_bytes += u64::try_from(n.tx_bytes).unwrap_or(0);
                    }
                }
            }
            out.push(st);
        }
        Ok(out)
    }

    fn list(&self) -> Result<Vec<InstanceState>, DriverError> {
        let mut out = Vec::new();
        let prefix = self.settings.prefix();
        for d in self.conn.list_all_domains(0).map_err(lv)? {
            let Ok(name) = d.name() else { continue };
            let Some(id) = name.strip_prefix(&prefix) else {
                continue;
            };
            if uuid::Uuid::parse_str(id).is_err() {
                continue;
            }
            // Named like ours is not enough: the metadata must name this
            // cloud (another cloud's agent, or a guest someone made by
            // hand, may use the same prefix).
            let Ok(xml) = d.xml_desc(0) else { continue };
            if domain_xml::cloud_of(&xml).as_deref() != Some(self.settings.cloud()) {
                continue;
            }
            out.push(InstanceState {
                id: id.to_owned(),
                power_state: Self::state(&d)?,
            });
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}

/// The text between `open` and `close` in `xml`, unescaped.
fn between(xml: &str, open: &str, close: &str) -> Option<String> {
    let start = xml.find(open)? + open.len();
    let end = xml[start..].find(close)? + start;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&apos;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

/// The `<target dev='...'>` names in `xml` starting with `prefix`.
fn targets(xml: &str, prefix: &str) -> Vec<String> {
    xml.split("<target dev=")
        .skip(1)
        .filter_map(|rest| {
            let quote = rest.chars().next()?;
            let name: String = rest[1..].chars().take_while(|c| *c != quote).collect();
            name.starts_with(prefix).then_some(name)
        })
        .collect()
}

/// How many times a guest is asked to let go of a disk, and how long each
/// request is waited for (Nova: `device_detach_attempts` 8,
/// `device_detach_timeout` 20 s).
const DETACH_ATTEMPTS: u32 = 8;
const DETACH_WAIT: Duration = Duration::from_secs(20);

/// Whether the domain's XML has a disk on `target` (`vdb`).
fn has_target(xml: &str, target: &str) -> bool {
    xml.contains(&format!("<target dev='{target}'"))
        || xml.contains(&format!("<target dev=\"{target}\""))
}

/// Whether a domain's XML has a NIC with `mac` (libvirt writes MACs in
/// lower case, as the network service makes them).
fn has_mac(xml: &str, mac: &str) -> bool {
    let mac = mac.to_ascii_lowercase();
    xml.contains(&format!("address='{mac}'")) || xml.contains(&format!("address=\"{mac}\""))
}
