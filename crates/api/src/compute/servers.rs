//! Servers.

use super::*;
use crate::serde_helpers::nullable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

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

/// Why a server is in `ERROR`. Named `ServerFault` in the documents: the
/// error body is `Fault` there.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = ServerFault)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// An existing port's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_ip: Option<String>,
    /// Accepted, not kept.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// `volume` or `local`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// 0 for the root disk.
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_index: Option<serde_json::Value>,
    /// GiB.
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_size: Option<serde_json::Value>,
    #[schema(value_type = Option<bool>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_on_termination: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_bus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[schema(value_type = Option<bool>)]
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub networks: Option<Vec<NetworkRequest>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    /// Base64, at most 65535 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<SecurityGroupRequest>>,
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_count: Option<serde_json::Value>,
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_count: Option<serde_json::Value>,
    #[schema(value_type = Option<bool>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_reservation_id: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[schema(value_type = Option<bool>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_drive: Option<serde_json::Value>,
    #[serde(rename = "accessIPv4")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ipv4: Option<String>,
    #[serde(rename = "accessIPv6")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ipv6: Option<String>,
    /// `AUTO` or `MANUAL`.
    #[serde(rename = "OS-DCF:diskConfig")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_config: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_device_mapping_v2: Option<Vec<BlockDeviceMapping>>,
    /// Accepted, not used: the password is not injected.
    #[serde(rename = "adminPass")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_pass: Option<String>,
    /// Not supported: files are not injected (refused when not empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personality: Option<Vec<Personality>>,
}

/// A file to inject (refused: Stratus injects no files).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Personality {
    pub path: String,
    pub contents: String,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduler_hints: Option<SchedulerHints>,
    /// The same as `os:scheduler_hints`.
    #[serde(rename = "OS-SCH-HNT:scheduler_hints")]
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "accessIPv4")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ipv4: Option<String>,
    #[serde(rename = "accessIPv6")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ipv6: Option<String>,
    #[serde(rename = "OS-DCF:diskConfig")]
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<serde_json::Value>,
}

/// `rebuild`: the server again from an image.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rebuild {
    #[serde(rename = "imageRef")]
    pub image_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(rename = "adminPass")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_pass: Option<String>,
    #[serde(rename = "accessIPv4")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ipv4: Option<String>,
    #[serde(rename = "accessIPv6")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ipv6: Option<String>,
    #[serde(rename = "OS-DCF:diskConfig")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_config: Option<String>,
    #[schema(value_type = Option<bool>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preserve_ephemeral: Option<serde_json::Value>,
}

/// `resize`: onto another flavor, confirmed or reverted after.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resize {
    #[serde(rename = "flavorRef")]
    pub flavor_ref: FlavorRef,
    #[serde(rename = "OS-DCF:diskConfig")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_config: Option<String>,
}

/// `createImage`: a snapshot of the server's disk as a new image.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateImage {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
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

/// A server's metadata, or metadata to set (`PUT` replaces it all, `POST`
/// merges).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerMetadata {
    pub metadata: BTreeMap<String, String>,
}

/// One metadata item (`{"meta": {"key": "value"}}`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerMetaItem {
    pub meta: BTreeMap<String, String>,
}

/// An address of an attached interface.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InterfaceFixedIp {
    pub subnet_id: String,
    pub ip_address: String,
}

/// A port attached to a server (`os-interface`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InterfaceAttachment {
    /// The port's status: `ACTIVE` once its host wired it.
    pub port_state: String,
    pub fixed_ips: Vec<InterfaceFixedIp>,
    pub port_id: String,
    pub net_id: String,
    pub mac_addr: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InterfaceAttachmentBody {
    #[serde(rename = "interfaceAttachment")]
    pub interface_attachment: InterfaceAttachment,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InterfaceAttachmentList {
    #[serde(rename = "interfaceAttachments")]
    pub interface_attachments: Vec<InterfaceAttachment>,
}

/// An address asked for on a new interface.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterfaceFixedIpRequest {
    pub ip_address: String,
}

/// An interface to attach: a port of the project, or a new port on a
/// network (with at most one address asked for).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterfaceAttach {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_ips: Option<Vec<InterfaceFixedIpRequest>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterfaceAttachBody {
    #[serde(rename = "interfaceAttachment")]
    pub interface_attachment: InterfaceAttach,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[schema(value_type = Option<bool>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_on_termination: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeAttachBody {
    #[serde(rename = "volumeAttachment")]
    pub volume_attachment: VolumeAttach,
}
