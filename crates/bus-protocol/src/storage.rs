//! The storage agent's requests (topic `storage.<host>`) and its capacity
//! reports. Image data moves in chunks of at most [`CHUNK_BYTES`], each one
//! call, so data travels over the bus like everything else and a storage
//! host needs no port of its own.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Pong;

/// The largest chunk of image data one call carries.
pub const CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// Bytes, as base64 in the JSON envelope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunk(pub Vec<u8>);

impl Serialize for Chunk {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Chunk {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Chunk)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StoragePing {}

/// Writes `data` at `offset` of the image's partial file (created on the
/// first write).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageWrite {
    pub image_id: String,
    pub offset: u64,
    pub data: Chunk,
}

/// The partial file's size after a write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    pub size: u64,
}

/// Makes the partial file the image, once its size is `size` and its
/// content is what `disk_format` says (qcow2 checked with qemu-img, and never
/// with a backing file).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageCommit {
    pub image_id: String,
    pub size: u64,
    pub disk_format: Option<String>,
}

/// What `qemu-img info` found in a committed image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredImage {
    pub size: u64,
    /// The disk's size as a guest sees it, for disk formats qemu-img knows.
    pub virtual_size: Option<u64>,
    /// The format qemu-img detected (`qcow2`, `raw`, ...).
    pub format: String,
}

/// Reads up to `len` bytes of a committed image from `offset`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageRead {
    pub image_id: String,
    pub offset: u64,
    pub len: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageData {
    pub data: Chunk,
    pub eof: bool,
}

/// Asks where a hypervisor on this host finds a committed image's file
/// (a root disk's backing file, a kernel, a ramdisk).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageExport {
    pub image_id: String,
    /// The image's declared `disk_format`: the export says the file is
    /// that (a raw image whose bytes look like qcow2 stays raw).
    #[serde(default)]
    pub disk_format: Option<String>,
}

/// Removes an image's files, committed or partial; done if there are none.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageDelete {
    pub image_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {}

/// Where a new volume's data comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VolumeSource {
    Empty,
    /// An image's data, on `host` (fetched into this host's cache first
    /// when it is another).
    Image {
        image_id: String,
        host: String,
        /// The image's declared `disk_format` (checked against its data at
        /// upload): the data is opened as that, never as what it looks like.
        #[serde(default)]
        disk_format: Option<String>,
    },
    /// A snapshot on this host.
    Snapshot {
        snapshot_id: String,
    },
    /// Another volume on this host.
    Volume {
        volume_id: String,
    },
}

/// Makes a qcow2 volume of `size_gb` GiB from `source` (a cast; the result
/// comes back as a [`VolumeEvent`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumeCreate {
    pub volume_id: String,
    pub size_gb: u32,
    pub source: VolumeSource,
}

/// Grows a volume to `size_gb` GiB (a cast).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumeExtend {
    pub volume_id: String,
    pub size_gb: u32,
}

/// Removes a volume's file (a cast).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumeDelete {
    pub volume_id: String,
}

/// Copies a volume into a snapshot file (a cast).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotCreate {
    pub snapshot_id: String,
    pub volume_id: String,
}

/// Removes a snapshot's file (a cast).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotDelete {
    pub snapshot_id: String,
}

/// Asks where a volume can be reached by a hypervisor on this host.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumeExport {
    pub volume_id: String,
}

/// How to reach a volume: for the file backend, its path and format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    /// `file` (a path on the storage host).
    pub driver_volume_type: String,
    pub path: String,
    pub format: String,
}

/// Copies a volume into a new image's file on this host (a cast; the
/// result comes back as an [`ImageFromVolume`] event).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumeToImage {
    pub volume_id: String,
    pub image_id: String,
    /// `qcow2` or `raw`.
    pub disk_format: String,
}

/// The result of a [`VolumeToImage`], published as `storage.image.uploaded`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageFromVolume {
    pub volume_id: String,
    pub image_id: String,
    pub host: String,
    pub error: Option<String>,
    pub size: Option<u64>,
    pub virtual_size: Option<u64>,
    /// MD5 and SHA-512 of the image file, hex.
    pub checksum: Option<String>,
    pub sha512: Option<String>,
}

stratus_bus::protocol! {
    /// Requests the storage agent handles (topic `storage.<host>`).
    pub enum StorageAgentRequest {
        Ping(StoragePing) -> Pong,
        ImageWrite(ImageWrite) -> Written,
        ImageCommit(ImageCommit) -> StoredImage,
        ImageRead(ImageRead) -> ImageData,
        ImageDelete(ImageDelete) -> Done,
        VolumeExport(VolumeExport) -> Export,
        ImageExport(ImageExport) -> Export,
        VolumeCreate(VolumeCreate),
        VolumeExtend(VolumeExtend),
        VolumeDelete(VolumeDelete),
        SnapshotCreate(SnapshotCreate),
        SnapshotDelete(SnapshotDelete),
        VolumeToImage(VolumeToImage),
    }
}

/// The storage service's own topic, for other services.
pub(crate) const SERVICE_TOPIC: &str = "storage-service";

/// Where an active image's file is, for a compute host that boots from it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageLocate {
    pub image_id: String,
    /// The user the image is located for: an image they cannot see is not
    /// found. `None` for the service's own use.
    #[serde(default)]
    pub caller: Option<stratus_auth::TokenClaims>,
    /// Without a caller: the project the image is located for (a server's
    /// kernel and ramdisk, for its project): an image that project cannot
    /// see is not found. Neither: the service's own use.
    #[serde(default)]
    pub project_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageLocation {
    pub image_id: String,
    /// The storage host that holds the file.
    pub host: String,
    /// The file on that host.
    pub path: String,
    /// The format qemu-img finds (`qcow2`, `raw`).
    pub format: String,
    pub disk_format: Option<String>,
    pub size: Option<u64>,
    pub virtual_size: Option<u64>,
    pub min_disk: u32,
    pub min_ram: u32,
    /// The image's properties (`kernel_id`, `ramdisk_id`, `os_command_line`, ...).
    pub properties: BTreeMap<String, String>,
}

stratus_bus::protocol! {
    /// Requests the storage service answers for other services (topic
    /// [`SERVICE_TOPIC`]). Where a request names a `caller`, that user's
    /// visibility applies as in this service's own API.
    pub enum StorageServiceRequest {
        ImageLocate(ImageLocate) -> ImageLocation,
        Volume(VolumeUse) -> VolumeState,
        ImageCreate(ImageCreate) -> ImageCreated,
        ImageUploadFrom(ImageUploadFrom) -> ImageCreated,
    }
}

/// Creates an image record (queued) for `caller`, as the image API's
/// create with `body` (name, formats, properties).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageCreate {
    pub caller: stratus_auth::TokenClaims,
    pub body: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageCreated {
    pub id: String,
    pub status: String,
}

/// Uploads a queued image's data from a compute host's prepared snapshot
/// of `instance_id` (read in pieces from `compute.<host>`); done when the
/// image is active.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageUploadFrom {
    pub caller: stratus_auth::TokenClaims,
    pub image_id: String,
    pub host: String,
    pub instance_id: String,
    pub size: u64,
    /// The snapshot's format (`qcow2`, or `raw` from the fake driver): the
    /// image's `disk_format`, set before the data is stored.
    pub disk_format: String,
}

/// What the compute service does with a volume for a server, on behalf of
/// the server's user (Cinder's attach flow, over the bus).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumeUse {
    pub caller: stratus_auth::TokenClaims,
    pub volume_id: String,
    pub op: VolumeOpFor,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VolumeOpFor {
    /// Whether the caller may use it: its state, nothing changed.
    Check,
    /// available → attaching.
    Reserve,
    /// attaching → available.
    Unreserve,
    /// Where the hypervisor finds it (reserved or in use).
    Connect,
    /// attaching → in-use, recorded as attached to `server` at `device`.
    Attach { server: String, device: String },
    /// in-use → detaching: the host is unplugging it.
    BeginDetaching,
    /// detaching → in-use: the unplug failed.
    RollDetaching,
    /// Removes the attachment; available once none is left.
    Detach { attachment_id: Option<String> },
    /// Deletes it (delete on termination).
    Delete,
}

/// A volume as the compute service needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeState {
    pub id: String,
    pub status: String,
    pub size_gb: u32,
    pub bootable: bool,
    /// The image properties it was made with (`kernel_id`, ...).
    pub image_metadata: BTreeMap<String, String>,
    /// With `Connect`: where the file is.
    pub export: Option<Export>,
    /// With `Attach`: the attachment's id.
    pub attachment_id: Option<String>,
}

/// What finished on a storage host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeOp {
    VolumeCreated,
    VolumeExtended,
    VolumeDeleted,
    SnapshotCreated,
    SnapshotDeleted,
}

/// The result of a volume or snapshot cast, published as
/// `storage.volume.result`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeEvent {
    pub op: VolumeOp,
    /// The volume's or snapshot's id.
    pub id: String,
    pub host: String,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The size reached, in GiB, for creates and extends.
    pub size_gb: Option<u32>,
}

/// Published by each storage agent with every heartbeat: what its storage
/// directory can still hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageCapacity {
    pub host: String,
    pub total_bytes: u64,
    pub free_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_travel_as_base64() {
        let w = ImageWrite {
            image_id: "i".into(),
            offset: 3,
            data: Chunk(vec![0, 1, 2, 255]),
        };
        let v = serde_json::to_value(&w).expect("serialize");
        assert_eq!(v["data"], "AAEC/w==");
        let back: ImageWrite = serde_json::from_value(v).expect("deserialize");
        assert_eq!(back.data, w.data);
        assert!(serde_json::from_value::<Chunk>(serde_json::json!("not base64!")).is_err());
    }
}
