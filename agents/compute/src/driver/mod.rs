//! The hypervisor behind one trait: [`libvirt::Libvirt`] runs real guests,
//! [`fake::Fake`] keeps instances in memory for scale tests of the control
//! plane. Calls block (libvirt's API does); the agent makes them on the
//! blocking pool.

pub mod config_drive;
pub mod domain_xml;
pub mod fake;
pub mod kvm;
pub mod libvirt;

use std::time::Duration;

use stratus_bus_protocol::compute::{DiskSpec, InstanceSpec, InstanceState, NicSpec, PowerState};

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("instance {0} is not on this host")]
    NotFound(String),
    #[error("libvirt: {0}")]
    Libvirt(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("preparing disks: {0}")]
    Disk(String),
    #[error("{0}")]
    Invalid(String),
    /// The guest kept a disk it was asked again and again to let go of.
    #[error("the guest did not release {0}")]
    NotReleased(String),
}

/// What a host offers guests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capacity {
    pub vcpus: u32,
    pub memory_mb: u64,
    pub disk_gb: u64,
    /// `QEMU` or `fake`.
    pub hypervisor_type: String,
    /// `kvm` or `qemu` (TCG); `fake` for the fake driver.
    pub virt_type: String,
    pub hypervisor_version: u64,
}

pub trait Driver: Send + Sync {
    /// The host's capacity.
    fn capacity(&self) -> Result<Capacity, DriverError>;
    /// Makes the instance and starts it; an instance that exists is started.
    fn spawn(&self, spec: &InstanceSpec) -> Result<PowerState, DriverError>;
    /// Stops and removes the instance and its own disks; done when absent.
    fn destroy(&self, id: &str) -> Result<(), DriverError>;
    /// ACPI power-off, forced after `timeout`.
    fn power_off(&self, id: &str, timeout: Duration) -> Result<PowerState, DriverError>;
    fn power_on(&self, id: &str) -> Result<PowerState, DriverError>;
    /// Soft: power off (forced after `timeout`) and on; hard: stop at once
    /// and start again.
    fn reboot(&self, id: &str, hard: bool, timeout: Duration) -> Result<PowerState, DriverError>;
    /// Plugs a volume in (live when the instance runs, and for its next
    /// starts).
    fn attach_volume(&self, id: &str, disk: &DiskSpec) -> Result<(), DriverError>;
    /// Unplugs a volume; done when it is not attached.
    fn detach_volume(&self, id: &str, disk: &DiskSpec) -> Result<(), DriverError>;
    /// Plugs a NIC in (live when the instance runs, and for its next
    /// starts); done when it is plugged already.
    fn attach_interface(&self, id: &str, nic: &NicSpec) -> Result<(), DriverError>;
    /// Unplugs a NIC; done when it is not plugged.
    fn detach_interface(&self, id: &str, nic: &NicSpec) -> Result<(), DriverError>;
    /// The serial console's output so far.
    fn console_log(&self, id: &str) -> Result<String, DriverError>;
    /// Every instance of this agent's on the host.
    fn list(&self) -> Result<Vec<InstanceState>, DriverError>;
    /// Gives a (stopped or running) instance `spec`'s vCPUs and memory and
    /// grows its root disk to `spec`'s size (disks never shrink); it runs
    /// afterwards if it ran before.
    fn resize(&self, spec: &InstanceSpec) -> Result<PowerState, DriverError>;
    /// Copies the instance's root disk into a standalone image kept until
    /// [`Driver::snapshot_done`]; its size in bytes and format (`qcow2`,
    /// `raw`).
    fn snapshot(&self, id: &str, image_id: &str) -> Result<(u64, String), DriverError>;
    /// Up to `len` bytes of a snapshot from `offset` (none at the end).
    fn snapshot_read(
        &self,
        id: &str,
        image_id: &str,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, DriverError>;
    /// Removes a snapshot's copy.
    fn snapshot_done(&self, id: &str, image_id: &str) -> Result<(), DriverError>;
    /// What each instance holds and has used since it started, for usage
    /// samples.
    fn stats(&self) -> Result<Vec<InstanceStats>, DriverError>;
}

/// An instance's usage as its hypervisor counts it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstanceStats {
    pub id: String,
    pub project_id: String,
    pub flavor: String,
    pub running: bool,
    pub vcpus: u32,
    pub memory_mb: u64,
    /// Counters since the instance started.
    pub cpu_time_ns: u64,
    pub disk_read_bytes: u64,
    pub disk_write_bytes: u64,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
}

/// The last `lines` lines of `text` (all of it for `None`).
pub fn tail(text: &str, lines: Option<u32>) -> String {
    match lines {
        None => text.to_owned(),
        Some(n) => {
            let all: Vec<&str> = text.lines().collect();
            let from = all.len().saturating_sub(n as usize);
            let mut out = all[from..].join("\n");
            if !out.is_empty() && text.ends_with('\n') {
                out.push('\n');
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", Some(2)), "b\nc\n");
        assert_eq!(tail("a\nb\nc", Some(5)), "a\nb\nc");
        assert_eq!(tail("a\nb\n", None), "a\nb\n");
        assert_eq!(tail("", Some(3)), "");
    }
}
