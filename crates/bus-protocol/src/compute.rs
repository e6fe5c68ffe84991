//! The compute agent's requests (topic `compute.<host>`), the instance it
//! is asked to run, and what it reports back: results of long operations as
//! `compute.instance.result` events and its host's inventory with every
//! heartbeat as `compute.inventory`.
//!
//! Everything an agent needs comes resolved in the request (disk paths,
//! kernel and ramdisk paths, the taps of its ports), so an agent never
//! asks another service while it builds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Ping, Pong};

/// Nova's power states, as numbers in the API (`OS-EXT-STS:power_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerState {
    NoState,
    Running,
    Paused,
    Shutdown,
    Crashed,
    Suspended,
}

impl PowerState {
    /// Nova's number for the state.
    pub fn code(self) -> u8 {
        match self {
            PowerState::NoState => 0,
            PowerState::Running => 1,
            PowerState::Paused => 3,
            PowerState::Shutdown => 4,
            PowerState::Crashed => 6,
            PowerState::Suspended => 7,
        }
    }
}

/// A disk of an instance, by path on the compute host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskSpec {
    /// The guest's device name without `/dev/` (`vda`, `vdb`, ...).
    pub device: String,
    /// The file backing the disk.
    pub path: String,
    /// `qcow2` or `raw`.
    pub format: String,
    /// The volume's id, for volumes (`None` for the instance's own disks).
    pub volume_id: Option<String>,
}

/// The root disk of an image-backed instance: a qcow2 overlay the agent
/// makes on the image's file, grown to `size_gb` (the flavor's disk, or the
/// image's own size when the flavor says 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDisk {
    pub image_id: String,
    /// The image's file on this host.
    pub path: String,
    /// The image's format (`qcow2` or `raw`).
    pub format: String,
    pub size_gb: u32,
}

/// A NIC: a tap named after the port. The hypervisor makes the tap; the
/// network agent, which owns the bridges, plugs it into its network's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NicSpec {
    pub port_id: String,
    pub mac_address: String,
    /// The tap's name (`tap` and the port id's first 11 characters).
    pub tap: String,
    pub mtu: u32,
}

/// Everything about an instance a compute host needs to run it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceSpec {
    /// The server's id; also the domain's UUID.
    pub id: String,
    /// The server's display name.
    pub name: String,
    pub project_id: String,
    /// The flavor's name (for usage samples).
    #[serde(default)]
    pub flavor: String,
    pub vcpus: u32,
    pub memory_mb: u32,
    /// The root disk made from an image, unless the instance boots from a
    /// volume (then the first of `disks`).
    pub image_disk: Option<ImageDisk>,
    /// Volumes, the boot volume first when there is one.
    pub disks: Vec<DiskSpec>,
    /// Direct kernel boot: the kernel's and ramdisk's files on this host.
    pub kernel: Option<String>,
    pub ramdisk: Option<String>,
    /// The kernel command line for direct kernel boot (the image's
    /// `os_command_line`; the agent adds the serial console).
    pub cmdline: Option<String>,
    pub nics: Vec<NicSpec>,
    /// Base64 as the API got it.
    pub user_data: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// Whether the instance gets a config drive (a vfat disk with Nova's
    /// `openstack/latest/` layout: meta data, user data, keys).
    #[serde(default)]
    pub config_drive: bool,
    /// Key pair name → public key, for the config drive.
    #[serde(default)]
    pub public_keys: BTreeMap<String, String>,
}

/// Makes and starts the instance (a cast; the result comes back as an
/// [`InstanceEvent`]). Idempotent: an instance that exists is started.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Spawn {
    pub spec: InstanceSpec,
}

/// Stops and removes the instance with its own disks (volumes are left).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Destroy {
    pub id: String,
}

/// Powers the instance off: ACPI first, forced after `timeout_s`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PowerOff {
    pub id: String,
    pub timeout_s: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PowerOn {
    pub id: String,
}

/// A soft reboot asks the guest (forced after `timeout_s`); a hard one
/// resets it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reboot {
    pub id: String,
    pub hard: bool,
    pub timeout_s: u32,
}

/// Makes the instance again from `spec` (a new root disk from its image;
/// volumes stay), started (a cast; the result comes back as a `Spawn`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Rebuild {
    pub spec: InstanceSpec,
}

/// Gives the instance `spec`'s size (a cast; the result comes back as a
/// `Resize`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Resize {
    pub spec: InstanceSpec,
}

/// Copies the instance's root disk for image `image_id`; its size.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotPrepare {
    pub id: String,
    pub image_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFile {
    pub size: u64,
    /// `qcow2` (libvirt) or `raw` (fake).
    pub format: String,
}

/// A piece of a prepared snapshot (empty at the end).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotRead {
    pub id: String,
    pub image_id: String,
    pub offset: u64,
    pub len: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotChunk {
    pub data: crate::storage::Chunk,
}

/// Removes a prepared snapshot's copy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotDone {
    pub id: String,
    pub image_id: String,
}

/// Hot-plugs a volume into a running (or stopped) instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttachVolume {
    pub id: String,
    pub disk: DiskSpec,
}

/// Unplugs a volume.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DetachVolume {
    pub id: String,
    pub disk: DiskSpec,
}

/// Hot-plugs a NIC (an interface attach).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttachInterface {
    pub id: String,
    pub nic: NicSpec,
}

/// Unplugs a NIC.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DetachInterface {
    pub id: String,
    pub nic: NicSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {}

/// The last `lines` lines of the serial console (all for `None`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsoleLog {
    pub id: String,
    pub lines: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleText {
    pub output: String,
}

/// Every instance the host runs, for reconciliation.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ListInstances {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceState {
    pub id: String,
    pub power_state: PowerState,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceList {
    pub instances: Vec<InstanceState>,
}

/// What a host offers, published with every heartbeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInventory {
    pub host: String,
    pub availability_zone: String,
    pub vcpus: u32,
    pub memory_mb: u64,
    pub disk_gb: u64,
    /// `QEMU` or `fake`.
    pub hypervisor_type: String,
    /// `kvm` or `qemu` (TCG) for libvirt.
    pub virt_type: String,
    pub hypervisor_version: u64,
    /// The address the host is reached at.
    pub host_ip: String,
    /// Instances of this cloud on the host that no server of the service
    /// owns and none was deleted: left alone, shown to admins.
    #[serde(default)]
    pub unknown_instances: Vec<String>,
}

/// The operations whose results come back as events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceOp {
    Spawn,
    Destroy,
    PowerOff,
    PowerOn,
    Reboot,
    Resize,
    /// The agent found the power state changed on its own (reconciliation).
    PowerSync,
}

/// Published as `compute.instance.result` when an operation ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceEvent {
    pub id: String,
    pub host: String,
    pub op: InstanceOp,
    pub power_state: PowerState,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// The compute service's own topic, for its agents.
pub(crate) const SERVICE_TOPIC: &str = "compute-service";

/// An agent's question at start (and now and then): which instances should
/// this host run?
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HostInstances {
    pub host: String,
    /// The instances the host has (its own cloud's): the answer says which
    /// of them belong to servers the service has deleted.
    #[serde(default)]
    pub present: Vec<String>,
}

/// An instance the host should have, running or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WantedInstance {
    pub spec: InstanceSpec,
    pub running: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInstanceList {
    pub wanted: Vec<WantedInstance>,
    /// Servers on the host in the middle of something (building, being
    /// deleted, in error): left as they are.
    pub busy: Vec<String>,
    /// Of the instances the host named present, those whose servers the
    /// service's records say were deleted: the only ones an agent may
    /// remove on its own. Any other instance it does not know is left
    /// alone and reported (a restored database must not cost guests).
    #[serde(default)]
    pub deleted: Vec<String>,
}

stratus_bus::protocol! {
    /// Requests the compute service answers for its agents (topic
    /// [`SERVICE_TOPIC`]).
    pub enum ComputeServiceRequest {
        HostInstances(HostInstances) -> HostInstanceList,
    }
}

stratus_bus::protocol! {
    /// Requests the compute agent handles (topic `compute.<host>`).
    pub enum ComputeAgentRequest {
        Ping(Ping) -> Pong,
        ConsoleLog(ConsoleLog) -> ConsoleText,
        ListInstances(ListInstances) -> InstanceList,
        AttachVolume(AttachVolume) -> Done,
        DetachVolume(DetachVolume) -> Done,
        AttachInterface(AttachInterface) -> Done,
        DetachInterface(DetachInterface) -> Done,
        SnapshotPrepare(SnapshotPrepare) -> SnapshotFile,
        SnapshotRead(SnapshotRead) -> SnapshotChunk,
        SnapshotDone(SnapshotDone) -> Done,
        Spawn(Spawn),
        Rebuild(Rebuild),
        Resize(Resize),
        Destroy(Destroy),
        PowerOff(PowerOff),
        PowerOn(PowerOn),
        Reboot(Reboot),
    }
}
