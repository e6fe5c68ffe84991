//! The fake driver: instances in memory, spawned at once, for scale tests
//! of the control plane (as Nova's fake driver). Its capacity is whatever
//! it is configured to report.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use stratus_bus_protocol::compute::{DiskSpec, InstanceSpec, InstanceState, NicSpec, PowerState};

use super::{Capacity, Driver, DriverError};

/// The `[fake]` section: the capacity a fake host reports.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FakeSettings {
    pub vcpus: u32,
    pub memory_mb: u64,
    pub disk_gb: u64,
    /// Refuse every spawn (for tests of retries and faults).
    pub fail_spawns: bool,
}

impl Default for FakeSettings {
    fn default() -> Self {
        Self {
            vcpus: 64,
            memory_mb: 256 * 1024,
            disk_gb: 4096,
            fail_spawns: false,
        }
    }
}

pub struct Fake {
    settings: FakeSettings,
    instances: Mutex<BTreeMap<String, (InstanceSpec, PowerState)>>,
    /// Snapshots by image id: a few bytes naming the instance.
    snapshots: Mutex<BTreeMap<String, Vec<u8>>>,
    /// When each instance was made, for its usage counters.
    started: Mutex<BTreeMap<String, std::time::Instant>>,
    /// Simulated time added to every instance's running time (tests that
    /// sample a day in seconds).
    advanced: Mutex<Duration>,
    /// Volume unplugs wait while this is set (a guest slow to let go).
    hold_detaches: AtomicBool,
    /// Volume unplugs fail while this is set (a guest that never lets go).
    fail_detaches: AtomicBool,
}

impl Fake {
    pub fn new(settings: FakeSettings) -> Self {
        Self {
            settings,
            instances: Mutex::new(BTreeMap::new()),
            snapshots: Mutex::new(BTreeMap::new()),
            started: Mutex::new(BTreeMap::new()),
            advanced: Mutex::new(Duration::ZERO),
            hold_detaches: AtomicBool::new(false),
            fail_detaches: AtomicBool::new(false),
        }
    }

    /// Volume unplugs wait (`true`) until released (`false`); tests of a
    /// detach in progress.
    pub fn hold_detaches(&self, hold: bool) {
        self.hold_detaches.store(hold, Ordering::SeqCst);
    }

    /// Volume unplugs fail while `fail` is set.
    pub fn fail_detaches(&self, fail: bool) {
        self.fail_detaches.store(fail, Ordering::SeqCst);
    }

    /// Lets `by` of simulated time pass for every instance's counters.
    pub fn advance(&self, by: Duration) {
        if let Ok(mut a) = self.advanced.lock() {
            *a += by;
        }
    }

    fn with<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut (InstanceSpec, PowerState)) -> T,
    ) -> Result<T, DriverError> {
        let mut all = self
            .instances
            .lock()
            .map_err(|_| DriverError::Invalid("fake driver state poisoned".into()))?;
        all.get_mut(id)
            .map(f)
            .ok_or_else(|| DriverError::NotFound(id.to_owned()))
    }

    /// What an instance was made with, and its disks now (tests).
    pub fn spec(&self, id: &str) -> Option<InstanceSpec> {
        self.with(id, |i| i.0.clone()).ok()
    }

    /// Sets an instance's power state as if the guest did it (tests).
    pub fn set_power_state(&self, id: &str, state: PowerState) -> Result<(), DriverError> {
        self.with(id, |i| i.1 = state)
    }
}

impl Driver for Fake {
    fn capacity(&self) -> Result<Capacity, DriverError> {
        Ok(Capacity {
            vcpus: self.settings.vcpus,
            memory_mb: self.settings.memory_mb,
            disk_gb: self.settings.disk_gb,
            hypervisor_type: "fake".into(),
            virt_type: "fake".into(),
            hypervisor_version: 1000,
        })
    }

    fn spawn(&self, spec: &InstanceSpec) -> Result<PowerState, DriverError> {
        if self.settings.fail_spawns {
            return Err(DriverError::Invalid(format!(
                "this fake host refuses to spawn {}",
                spec.id
            )));
        }
        let mut all = self
            .instances
            .lock()
            .map_err(|_| DriverError::Invalid("fake driver state poisoned".into()))?;
        let entry = all
            .entry(spec.id.clone())
            .or_insert_with(|| (spec.clone(), PowerState::Running));
        entry.1 = PowerState::Running;
        Ok(PowerState::Running)
    }

    fn destroy(&self, id: &str) -> Result<(), DriverError> {
        if let Ok(mut all) = self.instances.lock() {
            all.remove(id);
        }
        Ok(())
    }

    fn power_off(&self, id: &str, _timeout: Duration) -> Result<PowerState, DriverError> {
        self.with(id, |i| {
            i.1 = PowerState::Shutdown;
            i.1
        })
    }

    fn power_on(&self, id: &str) -> Result<PowerState, DriverError> {
        self.with(id, |i| {
            i.1 = PowerState::Running;
            i.1
        })
    }

    fn reboot(&self, id: &str, _hard: bool, _timeout: Duration) -> Result<PowerState, DriverError> {
        self.power_on(id)
    }

    fn attach_volume(&self, id: &str, disk: &DiskSpec) -> Result<(), DriverError> {
        self.with(id, |i| {
            i.0.disks.retain(|d| d.device != disk.device);
            i.0.disks.push(disk.clone());
        })
    }

    fn detach_volume(&self, id: &str, disk: &DiskSpec) -> Result<(), DriverError> {
        // Held for a minute at most: a test that forgets to let go fails
        // on what it waits for, not by hanging.
        let until = std::time::Instant::now() + Duration::from_secs(60);
        while self.hold_detaches.load(Ordering::SeqCst) && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.fail_detaches.load(Ordering::SeqCst) {
            return Err(DriverError::NotReleased(disk.device.clone()));
        }
        self.with(id, |i| i.0.disks.retain(|d| d.device != disk.device))
    }

    fn attach_interface(&self, id: &str, nic: &NicSpec) -> Result<(), DriverError> {
        self.with(id, |i| {
            i.0.nics.retain(|n| n.port_id != nic.port_id);
            i.0.nics.push(nic.clone());
        })
    }

    fn detach_interface(&self, id: &str, nic: &NicSpec) -> Result<(), DriverError> {
        self.with(id, |i| i.0.nics.retain(|n| n.port_id != nic.port_id))
    }

    fn console_log(&self, id: &str) -> Result<String, DriverError> {
        self.with(id, |i| format!("fake console of {}\n", i.0.name))
    }

    fn list(&self) -> Result<Vec<InstanceState>, DriverError> {
        let all = self
            .instances
            .lock()
            .map_err(|_| DriverError::Invalid("fake driver state poisoned".into()))?;
        Ok(all
            .iter()
            .map(|(id, (_, state))| InstanceState {
                id: id.clone(),
                power_state: *state,
            })
            .collect())
    }

    fn resize(&self, spec: &InstanceSpec) -> Result<PowerState, DriverError> {
        self.with(&spec.id, |i| {
            let disks = std::mem::take(&mut i.0.disks);
            i.0 = spec.clone();
            i.0.disks = disks;
            i.1
        })
    }

    fn snapshot(&self, id: &str, image_id: &str) -> Result<(u64, String), DriverError> {
        let data = self.with(id, |i| {
            format!("fake snapshot of {}\n", i.0.id).into_bytes()
        })?;
        let len = data.len() as u64;
        self.snapshots
            .lock()
            .map_err(|_| DriverError::Invalid("fake driver state poisoned".into()))?
            .insert(image_id.to_owned(), data);
        Ok((len, "raw".into()))
    }

    fn snapshot_read(
        &self,
        _id: &str,
        image_id: &str,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, DriverError> {
        let all = self
            .snapshots
            .lock()
            .map_err(|_| DriverError::Invalid("fake driver state poisoned".into()))?;
        let data = all
            .get(image_id)
            .ok_or_else(|| DriverError::NotFound(image_id.to_owned()))?;
        let from = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(data.len());
        Ok(data[from..(from + len).min(data.len())].to_vec())
    }

    fn snapshot_done(&self, _id: &str, image_id: &str) -> Result<(), DriverError> {
        if let Ok(mut all) = self.snapshots.lock() {
            all.remove(image_id);
        }
        Ok(())
    }

    /// Counters that grow with time: each vCPU busy half the time, 1 MB/s
    /// read, 0.5 MB/s written, 10 kB/s in and 5 kB/s out per instance.
    fn stats(&self) -> Result<Vec<super::InstanceStats>, DriverError> {
        let all = self
            .instances
            .lock()
            .map_err(|_| DriverError::Invalid("fake driver state poisoned".into()))?;
        let mut started = self
            .started
            .lock()
            .map_err(|_| DriverError::Invalid("fake driver state poisoned".into()))?;
        started.retain(|id, _| all.contains_key(id));
        let advanced = self.advanced.lock().map(|a| *a).unwrap_or_default();
        Ok(all
            .iter()
            .map(|(id, (spec, state))| {
                let since = started
                    .entry(id.clone())
                    .or_insert_with(std::time::Instant::now)
                    .elapsed()
                    + advanced;
                let ms = u64::try_from(since.as_millis()).unwrap_or(u64::MAX);
                super::InstanceStats {
                    id: id.clone(),
                    project_id: spec.project_id.clone(),
                    flavor: spec.flavor.clone(),
                    running: *state == PowerState::Running,
                    vcpus: spec.vcpus,
                    memory_mb: u64::from(spec.memory_mb),
                    cpu_time_ns: ms * 500_000 * u64::from(spec.vcpus),
                    disk_read_bytes: ms * 1000,
                    disk_write_bytes: ms * 500,
                    net_rx_bytes: ms * 10,
                    net_tx_bytes: ms * 5,
                }
            })
            .collect())
    }
}
