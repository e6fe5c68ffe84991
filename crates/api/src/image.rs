//! The Glance v2 subset served by `stratus-storage`: images (a record of
//! known attributes plus free-form string properties), their data, tags and
//! members, and the JSON schemas glanceclient reads.

use crate::serde_helpers::parse_text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// An image's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImageStatus {
    Queued,
    Saving,
    Uploading,
    Importing,
    Active,
    Deactivated,
    Killed,
    Deleted,
    PendingDelete,
}

impl ImageStatus {
    /// The status stored as text; an unknown one reads as `killed`.
    pub fn parse(text: &str) -> Self {
        parse_text(text).unwrap_or(Self::Killed)
    }
}

/// Who sees an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
    Shared,
    Community,
}

impl Visibility {
    /// The visibility stored as text; an unknown one reads as `private`.
    pub fn parse(text: &str) -> Self {
        parse_text(text).unwrap_or(Self::Private)
    }
}

/// An image.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Image {
    pub id: String,
    pub name: Option<String>,
    pub status: ImageStatus,
    pub visibility: Visibility,
    pub protected: bool,
    pub os_hidden: bool,
    /// The owning project.
    pub owner: String,
    /// MD5 of the data.
    pub checksum: Option<String>,
    pub os_hash_algo: Option<String>,
    pub os_hash_value: Option<String>,
    /// Bytes.
    pub size: Option<i64>,
    pub virtual_size: Option<i64>,
    pub min_ram: i64,
    pub min_disk: i64,
    /// `raw`, `qcow2`, `aki` or `ari` for data a guest boots.
    pub disk_format: Option<String>,
    pub container_format: Option<String>,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(rename = "self")]
    pub self_link: String,
    pub file: String,
    pub schema: String,
    /// Free-form properties (`os_distro`, `hw_*`, `kernel_id`, ...).
    #[serde(flatten)]
    pub properties: BTreeMap<String, String>,
}

/// A page of images.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ImageList {
    pub images: Vec<Image>,
    pub first: String,
    pub schema: String,
    /// The next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The query of the image list; any other key filters on a property.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size (default 25, at most 1000).
    pub limit: Option<i64>,
    /// The last image of the previous page.
    pub marker: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    /// `public`, `private`, `shared`, `community` or `all`.
    pub visibility: Option<String>,
    pub owner: Option<String>,
    /// Repeat for images with every tag.
    pub tag: Option<String>,
    /// `in:<id>,<id>`.
    pub id: Option<String>,
    pub disk_format: Option<String>,
    pub container_format: Option<String>,
    pub os_hidden: Option<bool>,
    /// `pending`, `accepted`, `rejected` or `all`.
    pub member_status: Option<String>,
    /// Only `created_at` (descending) is supported.
    pub sort_key: Option<String>,
    pub sort_dir: Option<String>,
    pub sort: Option<String>,
}

/// What an image record is created with; other keys are properties.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ImageCreate {
    /// A UUID; made when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only admins make `public` images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_hidden: Option<bool>,
    /// Needed before data is uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_disk: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ram: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Free-form string properties; read-only attributes (`status`,
    /// `checksum`, `size`, ...) are refused.
    #[serde(flatten)]
    #[schema(value_type = BTreeMap<String, String>)]
    pub properties: BTreeMap<String, serde_json::Value>,
}

/// What a JSON-patch operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PatchVerb {
    Add,
    Replace,
    Remove,
}

/// One operation of Glance's JSON patch
/// (`application/openstack-images-v2.1-json-patch`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchOp {
    pub op: PatchVerb,
    /// `/<attribute>`.
    pub path: String,
    /// For `add` and `replace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// Whether a member took the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    Pending,
    Accepted,
    Rejected,
}

impl MemberStatus {
    /// The status stored as text; an unknown one reads as `pending`.
    pub fn parse(text: &str) -> Self {
        parse_text(text).unwrap_or(Self::Pending)
    }
}

/// A project an image is shared with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub image_id: String,
    /// The project.
    pub member_id: String,
    pub status: MemberStatus,
    pub created_at: String,
    pub updated_at: String,
    pub schema: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberList {
    pub members: Vec<Member>,
    pub schema: String,
}

/// Shares an image with a project.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberCreate {
    /// The project.
    pub member: String,
}

/// A member accepts or rejects the image.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdate {
    pub status: MemberStatus,
}

/// A JSON schema document as Glance publishes one.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SchemaDocument {
    pub name: String,
    /// The attributes, each a JSON schema.
    pub properties: BTreeMap<String, serde_json::Value>,
    /// `additionalProperties`, `links`, `required`, ... as JSON Schema has them.
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}
