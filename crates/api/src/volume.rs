//! The Cinder v3 subset served by `stratus-storage` (microversion 3.0):
//! volumes, their actions and metadata, snapshots, the default volume
//! type, quotas and limits.

use crate::serde_helpers::parse_text;
use crate::serde_helpers::{loose_bool, loose_int};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub use crate::Link;

/// A volume's (and a snapshot's) status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VolumeStatus {
    Creating,
    Available,
    Reserved,
    Attaching,
    Detaching,
    InUse,
    Maintenance,
    Deleting,
    Extending,
    Uploading,
    Downloading,
    Error,
    #[serde(rename = "error_deleting")]
    ErrorDeleting,
    #[serde(rename = "error_extending")]
    ErrorExtending,
}

impl VolumeStatus {
    /// The status stored as text; an unknown one reads as `error`.
    pub fn parse(text: &str) -> Self {
        parse_text(text).unwrap_or(Self::Error)
    }
}

/// A volume's attachment to a server.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeAttachment {
    /// The volume (Cinder repeats it here).
    pub id: String,
    pub attachment_id: String,
    pub volume_id: String,
    pub server_id: Option<String>,
    pub host_name: Option<String>,
    pub device: Option<String>,
    pub attached_at: String,
}

/// A volume in a list without detail.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeSummary {
    pub id: String,
    pub name: Option<String>,
    pub links: Vec<Link>,
}

/// A volume.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Volume {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: VolumeStatus,
    /// GiB.
    pub size: i64,
    pub availability_zone: String,
    /// `"true"` or `"false"`, as Cinder renders it.
    pub bootable: String,
    pub encrypted: bool,
    pub multiattach: bool,
    pub attachments: Vec<VolumeAttachment>,
    pub volume_type: String,
    pub snapshot_id: Option<String>,
    pub source_volid: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub user_id: String,
    #[serde(rename = "os-vol-tenant-attr:tenant_id")]
    pub tenant_id: String,
    #[serde(rename = "os-vol-host-attr:host")]
    pub host: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub replication_status: Option<String>,
    pub consistencygroup_id: Option<String>,
    pub migration_status: Option<String>,
    pub links: Vec<Link>,
    /// The properties of the image a volume was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_image_metadata: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeBody {
    pub volume: Volume,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeList {
    pub volumes: Vec<Volume>,
    pub volumes_links: Vec<Link>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeSummaryList {
    pub volumes: Vec<VolumeSummary>,
    pub volumes_links: Vec<Link>,
}

/// The query of volume and snapshot lists.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size (at most 1000).
    pub limit: Option<i64>,
    /// The id of the last item of the previous page.
    pub marker: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    /// Snapshots of this volume.
    pub volume_id: Option<String>,
    /// A JSON object of metadata every item must have.
    pub metadata: Option<String>,
    /// Admins: every project's (then `project_id` filters).
    pub all_tenants: Option<String>,
    pub project_id: Option<String>,
    /// Only `created_at` (descending) is supported.
    pub sort: Option<String>,
    pub sort_key: Option<String>,
    pub sort_dir: Option<String>,
}

/// `"metadata": null` is no metadata.
fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(d)?.unwrap_or_default())
}

fn loose_flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(loose_bool(d)?.unwrap_or(false))
}

/// What a volume is created with: empty, or from an image, a snapshot or
/// another volume.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeCreate {
    /// GiB; may be left out when the source gives it.
    #[serde(default, deserialize_with = "loose_int")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    // `display_name` as Cinder also takes it (not in the schema).
    #[serde(alias = "display_name")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    // `display_description` as Cinder also takes it (not in the schema).
    #[serde(alias = "display_description")]
    pub description: Option<String>,
    #[serde(rename = "imageRef")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_volid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Accepted and ignored, as clients send it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consistencygroup_id: Option<String>,
    /// Accepted and ignored, as clients send it.
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiattach: Option<bool>,
    /// Accepted and ignored, as clients send it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_id: Option<String>,
    /// Accepted and ignored, as clients send it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeCreateBody {
    pub volume: VolumeCreate,
}

/// What a volume's update may change (`display_*` are the v1 names).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeUpdateBody {
    pub volume: VolumeUpdate,
}

/// An action without arguments (`{"os-reserve": {}}` or `null`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct NoArguments {}

/// `os-extend`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Extend {
    /// GiB, more than now.
    #[serde(deserialize_with = "required_int")]
    #[schema(value_type = i64)]
    pub new_size: i64,
}

fn required_int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    loose_int(d)?.ok_or_else(|| serde::de::Error::custom("an integer is required"))
}

fn required_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    loose_bool(d)?.ok_or_else(|| serde::de::Error::custom("a boolean is required"))
}

/// `os-set_bootable`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBootable {
    #[serde(deserialize_with = "required_bool")]
    #[schema(value_type = bool)]
    pub bootable: bool,
}

/// `os-reset_status` (admin).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ResetStatus {
    pub status: VolumeStatus,
    pub attach_status: Option<String>,
    pub migration_status: Option<String>,
}

/// `os-initialize_connection` and `os-terminate_connection`: the host's
/// connector (as os-brick describes it).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Connector {
    pub connector: BTreeMap<String, serde_json::Value>,
}

/// `os-attach`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attach {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mountpoint: Option<String>,
    /// `rw` or `ro`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// `os-detach`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Detach {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_id: Option<String>,
}

/// `os-volume_upload_image`: a new image from the volume.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadImage {
    pub image_name: String,
    pub disk_format: Option<String>,
    pub container_format: Option<String>,
    pub visibility: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub protected: Option<bool>,
    /// Upload an in-use volume too.
    #[serde(default, deserialize_with = "loose_flag")]
    pub force: bool,
}

/// A volume action: the body names exactly one.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub enum VolumeAction {
    #[serde(rename = "os-extend")]
    Extend(Extend),
    #[serde(rename = "os-set_bootable")]
    SetBootable(SetBootable),
    #[serde(rename = "os-reset_status")]
    ResetStatus(ResetStatus),
    #[serde(rename = "os-reserve")]
    Reserve(Option<NoArguments>),
    #[serde(rename = "os-unreserve")]
    Unreserve(Option<NoArguments>),
    #[serde(rename = "os-begin_detaching")]
    BeginDetaching(Option<NoArguments>),
    #[serde(rename = "os-roll_detaching")]
    RollDetaching(Option<NoArguments>),
    #[serde(rename = "os-initialize_connection")]
    InitializeConnection(Connector),
    #[serde(rename = "os-terminate_connection")]
    TerminateConnection(Connector),
    #[serde(rename = "os-attach")]
    Attach(Attach),
    #[serde(rename = "os-detach")]
    Detach(Option<Detach>),
    #[serde(rename = "os-volume_upload_image")]
    UploadImage(UploadImage),
}

/// How a host reaches the volume (`os-initialize_connection`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ConnectionInfo {
    /// `file`.
    pub driver_volume_type: String,
    pub data: ConnectionData,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ConnectionData {
    pub path: String,
    /// `qcow2` or `raw`.
    pub format: String,
    pub volume_id: String,
    pub storage_host: String,
    pub access_mode: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ConnectionInfoBody {
    pub connection_info: ConnectionInfo,
}

/// A volume type's name and id.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TypeRef {
    pub name: String,
    pub id: String,
}

/// The image `os-volume_upload_image` made.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadedImage {
    pub id: String,
    pub status: VolumeStatus,
    pub size: i64,
    pub updated_at: String,
    pub display_description: Option<String>,
    pub volume_type: TypeRef,
    pub image_id: String,
    pub image_name: Option<String>,
    pub disk_format: Option<String>,
    pub container_format: Option<String>,
    pub visibility: String,
    pub protected: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadedImageBody {
    #[serde(rename = "os-volume_upload_image")]
    pub upload: UploadedImage,
}

/// Metadata of a volume.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MetadataBody {
    pub metadata: BTreeMap<String, String>,
}

/// A snapshot.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Snapshot {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: VolumeStatus,
    pub size: i64,
    pub volume_id: String,
    pub metadata: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(rename = "os-extended-snapshot-attributes:project_id")]
    pub project_id: String,
    /// `0%` or `100%`.
    #[serde(rename = "os-extended-snapshot-attributes:progress")]
    pub progress: String,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SnapshotBody {
    pub snapshot: Snapshot,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SnapshotList {
    pub snapshots: Vec<Snapshot>,
    pub snapshots_links: Vec<Link>,
}

/// What a snapshot is made with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotCreate {
    pub volume_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    // `display_name` as Cinder also takes it (not in the schema).
    #[serde(alias = "display_name")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    // `display_description` as Cinder also takes it (not in the schema).
    #[serde(alias = "display_description")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Snapshot an in-use volume too.
    #[serde(default, deserialize_with = "loose_flag")]
    pub force: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SnapshotCreateBody {
    pub snapshot: SnapshotCreate,
}

/// What a snapshot's update may change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    // `display_name` as Cinder also takes it (not in the schema).
    #[serde(alias = "display_name")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    // `display_description` as Cinder also takes it (not in the schema).
    #[serde(alias = "display_description")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SnapshotUpdateBody {
    pub snapshot: SnapshotUpdate,
}

/// A volume type (there is one: Cinder's default).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeType {
    pub id: String,
    pub name: String,
    pub description: String,
    pub is_public: bool,
    #[serde(rename = "os-volume-type-access:is_public")]
    pub access_is_public: bool,
    pub extra_specs: BTreeMap<String, String>,
    pub qos_specs_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeTypeBody {
    pub volume_type: VolumeType,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolumeTypeList {
    pub volume_types: Vec<VolumeType>,
}

/// One resource's limit and use (`?usage=true`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaUsage {
    pub limit: i64,
    pub in_use: i64,
    pub reserved: i64,
    pub allocated: i64,
}

/// A limit, or with `?usage=true` a limit with its use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum QuotaValue {
    Limit(i64),
    Usage(QuotaUsage),
}

/// A project's quota set: `id` and, by resource (`volumes`, `gigabytes`,
/// `snapshots`, `backups`, `backup_gigabytes`, `groups`,
/// `per_volume_gigabytes`), the limit (-1 is unlimited).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSet {
    pub id: String,
    #[serde(flatten)]
    pub resources: BTreeMap<String, QuotaValue>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSetBody {
    pub quota_set: QuotaSet,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuotaQuery {
    /// `true` to add what is in use.
    pub usage: Option<String>,
}

/// New limits by resource (integers, also as strings); `id` and
/// `tenant_id` are ignored.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaSetUpdateBody {
    #[schema(value_type = BTreeMap<String, i64>)]
    pub quota_set: BTreeMap<String, serde_json::Value>,
}

/// Absolute limits and use of the caller's project.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AbsoluteLimits {
    pub max_total_volumes: i64,
    pub total_volumes_used: i64,
    pub max_total_volume_gigabytes: i64,
    pub total_gigabytes_used: i64,
    pub max_total_snapshots: i64,
    pub total_snapshots_used: i64,
    pub max_total_backups: i64,
    pub total_backups_used: i64,
    pub max_total_backup_gigabytes: i64,
    pub total_backup_gigabytes_used: i64,
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
