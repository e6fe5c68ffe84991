//! The Nova v2.1 subset served by `stratus-compute` (microversion 2.1):
//! servers and their actions, flavors, key pairs, server groups, quotas and
//! limits, hypervisors, services, availability zones and tenant usage.

use crate::serde_helpers::nullable;
use crate::serde_helpers::parse_text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub use crate::Link;

// ------------------------------------------------------------------ states

/// A server's `status`, derived from its vm and task states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServerStatus {
    Active,
    Build,
    Deleted,
    Error,
    HardReboot,
    Reboot,
    Rebuild,
    Resize,
    RevertResize,
    VerifyResize,
    Shutoff,
    Unknown,
}

impl ServerStatus {
    /// The status as text; an unknown one reads as `UNKNOWN`.
    pub fn parse(text: &str) -> Self {
        parse_text(text).unwrap_or(Self::Unknown)
    }
}

/// A server's vm state (`OS-EXT-STS:vm_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VmState {
    Building,
    Active,
    Stopped,
    Resized,
    Error,
    Deleted,
}

impl VmState {
    /// The state stored as text; an unknown one reads as `error`.
    pub fn parse(text: &str) -> Self {
        parse_text(text).unwrap_or(Self::Error)
    }
}

/// What is being done to a server (`OS-EXT-STS:task_state`), if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Scheduling,
    Networking,
    BlockDeviceMapping,
    Spawning,
    Deleting,
    #[serde(rename = "powering-off")]
    PoweringOff,
    #[serde(rename = "powering-on")]
    PoweringOn,
    Rebooting,
    RebootingHard,
    Rebuilding,
    RebuildSpawning,
    ResizePrep,
    ResizeFinish,
    ResizeReverting,
    ResizeConfirming,
    ImageSnapshot,
}

impl TaskState {
    /// The state stored as text; `None` for one this API does not know.
    pub fn parse(text: &str) -> Option<Self> {
        parse_text(text)
    }
}

// ----------------------------------------------------------------- servers

/// An id with its bookmark link (a server's image and flavor).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Reference {
    pub id: String,
    pub links: Vec<Link>,
}

/// A server's image: the reference, or `""` for one booted from a volume.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ImageField {
    Image(Reference),
    /// Booted from a volume.
    None(String),
}

/// One address of a server on a network.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Address {
    /// 4 or 6.
    pub version: i64,
    pub addr: String,
    /// `fixed`.
    #[serde(rename = "OS-EXT-IPS:type")]
    pub kind: String,
    #[serde(rename = "OS-EXT-IPS-MAC:mac_addr")]
    pub mac_addr: String,
}

/// A volume attached to a server, by id.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AttachedVolume {
    pub id: String,
}

/// A security group of a server, by name.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct GroupName {
    pub name: String,
}

/// Why a server is in `ERROR`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Fault {
    pub code: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    pub created: String,
}

/// A server as shown by `show` and `detail`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Server {
    pub id: String,
    pub name: String,
    pub status: ServerStatus,
    pub tenant_id: String,
    pub user_id: String,
    pub metadata: BTreeMap<String, String>,
    /// The host, hashed with the project: the same for a project's servers
    /// on one host.
    #[serde(rename = "hostId")]
    pub host_id: String,
    pub image: ImageField,
    pub flavor: Reference,
    pub created: String,
    pub updated: String,
    /// Fixed addresses by network name.
    pub addresses: BTreeMap<String, Vec<Address>>,
    #[serde(rename = "accessIPv4")]
    pub access_ipv4: String,
    #[serde(rename = "accessIPv6")]
    pub access_ipv6: String,
    pub links: Vec<Link>,
    #[serde(rename = "OS-DCF:diskConfig")]
    pub disk_config: String,
    pub progress: i64,
    #[serde(rename = "OS-EXT-AZ:availability_zone")]
    pub availability_zone: String,
    /// `"True"` or `""`.
    pub config_drive: String,
    pub key_name: Option<String>,
    #[serde(rename = "OS-SRV-USG:launched_at")]
    pub launched_at: Option<String>,
    #[serde(rename = "OS-SRV-USG:terminated_at")]
    pub terminated_at: Option<String>,
    #[serde(rename = "OS-EXT-STS:task_state")]
    pub task_state: Option<TaskState>,
    #[serde(rename = "OS-EXT-STS:vm_state")]
    pub vm_state: VmState,
    /// 0 no state, 1 running, 3 paused, 4 shut down, 6 crashed, 7 suspended.
    #[serde(rename = "OS-EXT-STS:power_state")]
    pub power_state: i64,
    #[serde(rename = "os-extended-volumes:volumes_attached")]
    pub volumes_attached: Vec<AttachedVolume>,
    pub security_groups: Vec<GroupName>,
    /// Admins only: the compute host.
    #[serde(
        rename = "OS-EXT-SRV-ATTR:host",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub host: Option<Option<String>>,
    /// Admins only.
    #[serde(
        rename = "OS-EXT-SRV-ATTR:hypervisor_hostname",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub hypervisor_hostname: Option<Option<String>>,
    /// Admins only: the libvirt domain's name.
    #[serde(
        rename = "OS-EXT-SRV-ATTR:instance_name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub instance_name: Option<String>,
    /// When the server is in `ERROR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerBody {
    pub server: Server,
}

/// A server in a list without detail.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerSummary {
    pub id: String,
    pub name: String,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerSummaryList {
    pub servers: Vec<ServerSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers_links: Option<Vec<Link>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerList {
    pub servers: Vec<Server>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers_links: Option<Vec<Link>>,
}

/// The query of the server lists.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServerQuery {
    /// Admins: every project's servers.
    pub all_tenants: Option<String>,
    pub project_id: Option<String>,
    pub tenant_id: Option<String>,
    /// A regular expression on the name.
    pub name: Option<String>,
    pub status: Option<String>,
    pub host: Option<String>,
    pub image: Option<String>,
    pub flavor: Option<String>,
    pub reservation_id: Option<String>,
    pub availability_zone: Option<String>,
    /// Servers changed since (ISO 8601).
    #[serde(rename = "changes-since")]
    #[param(rename = "changes-since")]
    pub changes_since: Option<String>,
    /// A regular expression on the fixed addresses.
    pub ip: Option<String>,
    /// The last server of the previous page.
    pub marker: Option<String>,
    pub limit: Option<String>,
    /// Only `false`: deleted servers are gone.
    pub deleted: Option<String>,
}

/// A network (or port) a new server is put on.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkRequest {
    /// The network's id.
    pub uuid: Option<String>,
    /// An existing port's id.
    pub port: Option<String>,
    pub fixed_ip: Option<String>,
    /// Accepted, not kept.
    pub tag: Option<String>,
}

/// A security group of a new server, by name or id.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRequest {
    pub name: String,
}

/// A block device of a new server (Nova's `block_device_mapping_v2`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockDeviceMapping {
    /// `volume`, `image`, `snapshot` or `blank`.
    pub source_type: Option<String>,
    /// `volume` or `local`.
    pub destination_type: Option<String>,
    pub uuid: Option<String>,
    /// 0 for the root disk.
    #[schema(value_type = Option<i64>)]
    pub boot_index: Option<serde_json::Value>,
    /// GiB.
    #[schema(value_type = Option<i64>)]
    pub volume_size: Option<serde_json::Value>,
    #[schema(value_type = Option<bool>)]
    pub delete_on_termination: Option<serde_json::Value>,
    pub device_name: Option<String>,
    pub disk_bus: Option<String>,
    pub device_type: Option<String>,
    pub guest_format: Option<String>,
    pub volume_type: Option<String>,
    pub tag: Option<String>,
    #[schema(value_type = Option<bool>)]
    pub no_device: Option<serde_json::Value>,
}

/// A flavor reference: an id, as a string or a number.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum FlavorRef {
    Id(String),
    Number(u64),
}

impl FlavorRef {
    pub fn as_id(&self) -> String {
        match self {
            Self::Id(s) => s.clone(),
            Self::Number(n) => n.to_string(),
        }
    }
}

/// What a server is created with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerCreate {
    pub name: String,
    #[serde(rename = "flavorRef")]
    pub flavor_ref: FlavorRef,
    /// An image's id; leave out (or `""`) to boot from a volume.
    #[serde(rename = "imageRef")]
    pub image_ref: Option<String>,
    pub networks: Option<Vec<NetworkRequest>>,
    pub key_name: Option<String>,
    /// Base64, at most 65535 characters.
    pub user_data: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub security_groups: Option<Vec<SecurityGroupRequest>>,
    #[schema(value_type = Option<i64>)]
    pub min_count: Option<serde_json::Value>,
    #[schema(value_type = Option<i64>)]
    pub max_count: Option<serde_json::Value>,
    #[schema(value_type = Option<bool>)]
    pub return_reservation_id: Option<serde_json::Value>,
    pub availability_zone: Option<String>,
    #[schema(value_type = Option<bool>)]
    pub config_drive: Option<serde_json::Value>,
    #[serde(rename = "accessIPv4")]
    pub access_ipv4: Option<String>,
    #[serde(rename = "accessIPv6")]
    pub access_ipv6: Option<String>,
    /// `AUTO` or `MANUAL`.
    #[serde(rename = "OS-DCF:diskConfig")]
    pub disk_config: Option<String>,
    pub block_device_mapping_v2: Option<Vec<BlockDeviceMapping>>,
    /// Accepted, not used: the password is not injected.
    #[serde(rename = "adminPass")]
    pub admin_pass: Option<String>,
    /// Not supported: files are not injected (refused when not empty).
    pub personality: Option<Vec<serde_json::Value>>,
}

/// Hints to the scheduler.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SchedulerHints {
    /// A server group's id: its policy places the server.
    pub group: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerCreateBody {
    pub server: ServerCreate,
    #[serde(rename = "os:scheduler_hints")]
    pub scheduler_hints: Option<SchedulerHints>,
    /// The same as `os:scheduler_hints`.
    #[serde(rename = "OS-SCH-HNT:scheduler_hints")]
    pub scheduler_hints_legacy: Option<SchedulerHints>,
}

/// The first server made, with its password.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerCreated {
    pub id: String,
    pub links: Vec<Link>,
    #[serde(rename = "OS-DCF:diskConfig")]
    pub disk_config: String,
    pub security_groups: Vec<GroupName>,
    #[serde(rename = "adminPass")]
    pub admin_pass: String,
}

/// What creating servers answers: the first server, or with
/// `return_reservation_id` the reservation.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ServerCreateResponse {
    Server { server: ServerCreated },
    Reservation { reservation_id: String },
}

/// What a server's update may change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerUpdate {
    pub name: Option<String>,
    #[serde(rename = "accessIPv4")]
    pub access_ipv4: Option<String>,
    #[serde(rename = "accessIPv6")]
    pub access_ipv6: Option<String>,
    #[serde(rename = "OS-DCF:diskConfig")]
    pub disk_config: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerUpdateBody {
    pub server: ServerUpdate,
}

/// `reboot`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reboot {
    /// `SOFT` or `HARD`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// `os-getConsoleOutput`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsoleOutputRequest {
    /// The last lines only; -1 or `null` for all.
    #[schema(value_type = Option<i64>)]
    pub length: Option<serde_json::Value>,
}

/// `rebuild`: the server again from an image.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rebuild {
    #[serde(rename = "imageRef")]
    pub image_ref: String,
    pub name: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(rename = "adminPass")]
    pub admin_pass: Option<String>,
    #[serde(rename = "accessIPv4")]
    pub access_ipv4: Option<String>,
    #[serde(rename = "accessIPv6")]
    pub access_ipv6: Option<String>,
    #[serde(rename = "OS-DCF:diskConfig")]
    pub disk_config: Option<String>,
    #[schema(value_type = Option<bool>)]
    pub preserve_ephemeral: Option<serde_json::Value>,
}

/// `resize`: onto another flavor, confirmed or reverted after.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resize {
    #[serde(rename = "flavorRef")]
    pub flavor_ref: FlavorRef,
    #[serde(rename = "OS-DCF:diskConfig")]
    pub disk_config: Option<String>,
}

/// `createImage`: a snapshot of the server's disk as a new image.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateImage {
    pub name: String,
    pub metadata: Option<BTreeMap<String, String>>,
}

/// A server action: the body names exactly one.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub enum ServerAction {
    #[serde(rename = "os-stop")]
    Stop(Option<serde_json::Value>),
    #[serde(rename = "os-start")]
    Start(Option<serde_json::Value>),
    #[serde(rename = "reboot")]
    Reboot(Reboot),
    #[serde(rename = "os-getConsoleOutput")]
    ConsoleOutput(Option<ConsoleOutputRequest>),
    #[serde(rename = "rebuild")]
    Rebuild(Rebuild),
    #[serde(rename = "resize")]
    Resize(Resize),
    #[serde(rename = "confirmResize")]
    ConfirmResize(Option<serde_json::Value>),
    #[serde(rename = "revertResize")]
    RevertResize(Option<serde_json::Value>),
    #[serde(rename = "createImage")]
    CreateImage(CreateImage),
}

/// `os-getConsoleOutput`'s answer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsoleOutput {
    pub output: String,
}

/// `createImage`'s answer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ImageCreated {
    pub image_id: String,
}

/// Something done to a server.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InstanceAction {
    pub action: String,
    pub instance_uuid: String,
    pub request_id: String,
    pub user_id: String,
    pub project_id: String,
    pub start_time: String,
    pub message: Option<String>,
    /// With a single action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<InstanceActionEvent>>,
}

/// A step of an action.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InstanceActionEvent {
    pub event: String,
    pub start_time: String,
    pub finish_time: Option<String>,
    pub result: Option<String>,
    /// Admins only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceback: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InstanceActionList {
    #[serde(rename = "instanceActions")]
    pub instance_actions: Vec<InstanceAction>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InstanceActionBody {
    #[serde(rename = "instanceAction")]
    pub instance_action: InstanceAction,
}

/// A volume attached to a server.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeAttachment {
    pub id: String,
    #[serde(rename = "serverId")]
    pub server_id: String,
    #[serde(rename = "volumeId")]
    pub volume_id: String,
    pub device: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeAttachmentBody {
    #[serde(rename = "volumeAttachment")]
    pub volume_attachment: VolumeAttachment,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeAttachmentList {
    #[serde(rename = "volumeAttachments")]
    pub volume_attachments: Vec<VolumeAttachment>,
}

/// A volume to attach.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeAttach {
    #[serde(rename = "volumeId")]
    pub volume_id: String,
    /// Accepted; the host names the device.
    pub device: Option<String>,
    pub tag: Option<String>,
    #[schema(value_type = Option<bool>)]
    pub delete_on_termination: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeAttachBody {
    #[serde(rename = "volumeAttachment")]
    pub volume_attachment: VolumeAttach,
}

// ----------------------------------------------------------------- flavors

/// A flavor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    /// MiB.
    pub ram: i64,
    /// GiB.
    pub disk: i64,
    pub vcpus: i64,
    /// MiB, or `""` for none (a number or a string).
    pub swap: serde_json::Value,
    #[serde(rename = "OS-FLV-EXT-DATA:ephemeral")]
    pub ephemeral: i64,
    #[serde(rename = "OS-FLV-DISABLED:disabled")]
    pub disabled: bool,
    pub rxtx_factor: f64,
    #[serde(rename = "os-flavor-access:is_public")]
    pub is_public: bool,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorBody {
    pub flavor: Flavor,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorList {
    pub flavors: Vec<Flavor>,
}

/// A flavor in a list without detail.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorSummary {
    pub id: String,
    pub name: String,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorSummaryList {
    pub flavors: Vec<FlavorSummary>,
}

/// The query of the flavor lists.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlavorQuery {
    /// `true`, `false` or `none` (admins: both).
    pub is_public: Option<String>,
    #[serde(rename = "minRam")]
    #[param(rename = "minRam")]
    pub min_ram: Option<String>,
    #[serde(rename = "minDisk")]
    #[param(rename = "minDisk")]
    pub min_disk: Option<String>,
    pub limit: Option<String>,
    pub marker: Option<String>,
}

/// A new flavor (admins).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlavorCreate {
    pub name: String,
    /// Made when absent or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub id: Option<Option<serde_json::Value>>,
    /// MiB.
    #[schema(value_type = i64)]
    pub ram: serde_json::Value,
    #[schema(value_type = i64)]
    pub vcpus: serde_json::Value,
    /// GiB.
    #[schema(value_type = i64)]
    pub disk: serde_json::Value,
    #[serde(rename = "OS-FLV-EXT-DATA:ephemeral")]
    #[schema(value_type = Option<i64>)]
    pub ephemeral: Option<serde_json::Value>,
    /// MiB.
    #[schema(value_type = Option<i64>)]
    pub swap: Option<serde_json::Value>,
    #[schema(value_type = Option<f64>)]
    pub rxtx_factor: Option<serde_json::Value>,
    #[serde(rename = "os-flavor-access:is_public")]
    #[schema(value_type = Option<bool>)]
    pub is_public: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlavorCreateBody {
    pub flavor: FlavorCreate,
}

/// A flavor's extra specs.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ExtraSpecs {
    pub extra_specs: BTreeMap<String, String>,
}

/// Extra specs to set: keys of letters, digits and `-_:. `; values
/// strings (numbers and booleans are taken as their text).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraSpecsSet {
    #[schema(value_type = BTreeMap<String, String>)]
    pub extra_specs: serde_json::Map<String, serde_json::Value>,
}

/// Gives or takes a project's access to a private flavor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantAccess {
    pub tenant: String,
}

/// `addTenantAccess` or `removeTenantAccess`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub enum FlavorAction {
    #[serde(rename = "addTenantAccess")]
    AddTenantAccess(TenantAccess),
    #[serde(rename = "removeTenantAccess")]
    RemoveTenantAccess(TenantAccess),
}

/// A project that may use a private flavor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorAccess {
    pub flavor_id: String,
    pub tenant_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FlavorAccessList {
    pub flavor_access: Vec<FlavorAccess>,
}

// --------------------------------------------------------------- key pairs

/// A key pair (`private_key` only when the API made it).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Keypair {
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct KeypairBody {
    pub keypair: Keypair,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct KeypairList {
    pub keypairs: Vec<KeypairBody>,
}

/// A key pair to import (`public_key`) or to make.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeypairCreate {
    pub name: String,
    /// OpenSSH format; made (with its private key) when absent.
    pub public_key: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeypairCreateBody {
    pub keypair: KeypairCreate,
}

// ----------------------------------------------------------- server groups

/// A server group.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerGroup {
    pub id: String,
    pub name: String,
    /// `affinity`, `anti-affinity`, `soft-affinity` or `soft-anti-affinity`.
    pub policies: Vec<String>,
    pub members: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    pub project_id: String,
    pub user_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerGroupBody {
    pub server_group: ServerGroup,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerGroupList {
    pub server_groups: Vec<ServerGroup>,
}

/// A new server group.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerGroupCreate {
    pub name: String,
    /// One policy.
    pub policies: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerGroupCreateBody {
    pub server_group: ServerGroupCreate,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServerGroupQuery {
    /// Admins: every project's groups.
    pub all_projects: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

// ------------------------------------------------------------------ quotas

/// A project's limits by resource (`instances`, `cores`, `ram`,
/// `key_pairs`, `metadata_items`, `server_groups`,
/// `server_group_members`, ...); -1 is unlimited.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(flatten)]
    pub limits: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSetBody {
    pub quota_set: QuotaSet,
}

/// One resource's limit and use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaDetail {
    pub limit: i64,
    pub in_use: i64,
    pub reserved: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSetDetail {
    pub id: String,
    #[serde(flatten)]
    pub resources: BTreeMap<String, QuotaDetail>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSetDetailBody {
    pub quota_set: QuotaSetDetail,
}

/// New limits (admins), integers also as strings; `force` is accepted.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaSetUpdateBody {
    #[schema(value_type = BTreeMap<String, i64>)]
    pub quota_set: serde_json::Map<String, serde_json::Value>,
}

/// The caller's project's absolute limits and use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AbsoluteLimits {
    pub max_total_instances: i64,
    pub max_total_cores: i64,
    #[serde(rename = "maxTotalRAMSize")]
    pub max_total_ram_size: i64,
    pub max_server_meta: i64,
    pub max_personality: i64,
    pub max_personality_size: i64,
    pub max_total_keypairs: i64,
    pub max_server_groups: i64,
    pub max_server_group_members: i64,
    pub max_total_floating_ips: i64,
    pub max_security_groups: i64,
    pub max_security_group_rules: i64,
    pub total_instances_used: i64,
    pub total_cores_used: i64,
    #[serde(rename = "totalRAMUsed")]
    pub total_ram_used: i64,
    pub total_server_groups_used: i64,
    pub total_floating_ips_used: i64,
    pub total_security_groups_used: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Limits {
    pub rate: Vec<serde_json::Value>,
    pub absolute: AbsoluteLimits,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LimitsBody {
    pub limits: Limits,
}

// ------------------------------------------------------------------- hosts

/// A compute host in a list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorSummary {
    pub id: i64,
    pub hypervisor_hostname: String,
    /// `up` or `down`.
    pub state: String,
    /// `enabled` or `disabled`.
    pub status: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorSummaryList {
    pub hypervisors: Vec<HypervisorSummary>,
}

/// The service of a hypervisor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorService {
    pub host: String,
    pub id: i64,
    pub disabled_reason: Option<String>,
}

/// A compute host with its capacity and use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Hypervisor {
    pub id: i64,
    pub hypervisor_hostname: String,
    pub state: String,
    pub status: String,
    pub vcpus: i64,
    pub memory_mb: i64,
    pub local_gb: i64,
    pub vcpus_used: i64,
    pub memory_mb_used: i64,
    pub local_gb_used: i64,
    pub free_ram_mb: i64,
    pub free_disk_gb: i64,
    pub disk_available_least: i64,
    pub current_workload: i64,
    pub running_vms: i64,
    pub hypervisor_type: String,
    pub hypervisor_version: i64,
    pub host_ip: String,
    pub cpu_info: String,
    pub service: HypervisorService,
    /// Instances of this cloud on the host that no server owns: left alone
    /// by the agent, for the operator to judge.
    #[serde(rename = "stratus:unknown_instances")]
    pub unknown_instances: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorBody {
    pub hypervisor: Hypervisor,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorList {
    pub hypervisors: Vec<Hypervisor>,
}

/// Totals over every compute host.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorStatistics {
    pub count: i64,
    pub vcpus: i64,
    pub memory_mb: i64,
    pub local_gb: i64,
    pub vcpus_used: i64,
    pub memory_mb_used: i64,
    pub local_gb_used: i64,
    pub free_ram_mb: i64,
    pub free_disk_gb: i64,
    pub disk_available_least: i64,
    pub current_workload: i64,
    pub running_vms: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HypervisorStatisticsBody {
    pub hypervisor_statistics: HypervisorStatistics,
}

/// A compute service (one per host).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Service {
    pub id: i64,
    pub binary: String,
    pub host: String,
    pub zone: String,
    pub status: String,
    pub state: String,
    pub updated_at: String,
    pub disabled_reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceList {
    pub services: Vec<Service>,
}

/// Enables or disables a host's service (`PUT /os-services/{enable|disable|disable-log-reason}`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceUpdate {
    pub host: String,
    pub binary: String,
    pub disabled_reason: Option<String>,
}

/// A service as changed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceChanged {
    pub host: String,
    pub binary: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceChangedBody {
    pub service: ServiceChanged,
}

/// Whether a zone (or a host's service in it) is available.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ZoneState {
    pub available: bool,
}

/// A service of a host in a zone (detail).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ZoneService {
    pub available: bool,
    pub active: bool,
    pub updated_at: String,
}

/// An availability zone.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityZone {
    #[serde(rename = "zoneName")]
    pub zone_name: String,
    #[serde(rename = "zoneState")]
    pub zone_state: ZoneState,
    /// With detail: each host's services.
    pub hosts: Option<BTreeMap<String, BTreeMap<String, ZoneService>>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityZoneList {
    #[serde(rename = "availabilityZoneInfo")]
    pub availability_zone_info: Vec<AvailabilityZone>,
}

// ------------------------------------------------------------------- usage

/// The query of tenant usage.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// ISO 8601; four weeks before `end` if not given.
    pub start: Option<String>,
    /// ISO 8601; now if not given.
    pub end: Option<String>,
    /// `1` or `true` for each server's usage.
    pub detailed: Option<String>,
}

/// One server's usage in the period.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerUsage {
    pub instance_id: String,
    pub name: String,
    pub flavor: String,
    pub hours: f64,
    pub vcpus: i64,
    pub memory_mb: i64,
    pub local_gb: i64,
    pub tenant_id: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// `active` or `terminated`.
    pub state: String,
    /// Seconds.
    pub uptime: i64,
}

/// A project's usage in a period.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct TenantUsage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_vcpus_usage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_memory_mb_usage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_local_gb_usage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_usages: Option<Vec<ServerUsage>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantUsageBody {
    pub tenant_usage: TenantUsage,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantUsageList {
    pub tenant_usages: Vec<TenantUsage>,
}
