//! Volumes and snapshots as Cinder has them: each project sees its own
//! (admins all; 404 for the rest), quotas are checked under a per-project
//! lock so concurrent creates never overrun them, and the work is a cast to
//! the storage host whose `storage.volume.result` event ends the status
//! (`creating` → `available` | `error`, `extending` → `available` |
//! `error_extending`, `deleting` → gone | `error_deleting`). The sweeper ends
//! operations whose agent died.

use super::App;
use crate::datastore::images::Image;
use crate::datastore::volumes::{self as ds, ListFilter, Metadata, Volume};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use stratus_auth::TokenClaims;
use stratus_bus_protocol::StorageAgent;
use stratus_bus_protocol::StorageAgentRequest;
use stratus_bus_protocol::storage::{
    VolumeCreate, VolumeDelete, VolumeExtend, VolumeSource, VolumeToImage,
};
use stratus_common::{Error, ErrorKind, RequestContext};

pub(crate) const GIB: i64 = 1024 * 1024 * 1024;

/// Quota defaults (`[storage.quotas]`); -1 is unlimited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaDefaults {
    pub volumes: i64,
    pub gigabytes: i64,
    pub snapshots: i64,
}

impl Default for QuotaDefaults {
    fn default() -> Self {
        Self {
            volumes: 10,
            gigabytes: 1000,
            snapshots: 10,
        }
    }
}

use stratus_api::volume as api;

/// The one volume type: Cinder's default.
pub const DEFAULT_TYPE_ID: &str = "4a9d2a4b-8d46-4e36-9c1a-5c3c7a1e0d01";
pub const DEFAULT_TYPE_NAME: &str = "__DEFAULT__";

pub(crate) fn bad(message: impl Into<String>) -> Error {
    Error::bad_request(message)
}

pub(crate) fn over_quota(resource: &str, requested: i64, used: i64, limit: i64) -> Error {
    Error::new(
        ErrorKind::PayloadTooLarge,
        format!("Requested {resource} of {requested} exceeds the quota: {used} of {limit} used."),
    )
}

pub(crate) fn volume_not_found(id: &str) -> Error {
    Error::not_found(format!("Volume {id} could not be found."))
}

pub(crate) fn snapshot_not_found(id: &str) -> Error {
    Error::not_found(format!("Snapshot {id} could not be found."))
}

pub(crate) fn check_text(field: &str, v: &Option<String>) -> Result<(), Error> {
    if v.as_ref().is_some_and(|s| s.chars().count() > 255) {
        return Err(bad(format!(
            "Invalid input for field '{field}': longer than 255 characters."
        )));
    }
    Ok(())
}

pub(crate) fn check_metadata(m: &BTreeMap<String, String>) -> Result<(), Error> {
    for (k, v) in m {
        if k.is_empty() || k.chars().count() > 255 || v.chars().count() > 255 {
            return Err(bad(format!(
                "Invalid input for field 'metadata': key {k:?} or its value is empty or longer than 255 characters."
            )));
        }
    }
    Ok(())
}

/// Name, description and metadata as a client changes them; `None` leaves
/// one alone, metadata is replaced whole.
#[derive(Debug, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub description: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
}

impl Changes {
    pub(crate) fn metadata(m: BTreeMap<String, String>) -> Self {
        Self {
            metadata: Some(m),
            ..Self::default()
        }
    }

    pub(crate) fn apply(
        self,
        name: &mut Option<String>,
        description: &mut Option<String>,
        metadata: &mut Metadata,
    ) -> Result<(), Error> {
        check_text("name", &self.name)?;
        check_text("description", &self.description)?;
        if let Some(n) = self.name {
            *name = Some(n);
        }
        if let Some(d) = self.description {
            *description = Some(d);
        }
        if let Some(m) = self.metadata {
            check_metadata(&m)?;
            *metadata = sqlx::types::Json(m);
        }
        Ok(())
    }
}

/// A page of at most `limit` of `rows` (fetched one more than `limit`), and
/// whether more follow.
pub(crate) fn one_page<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    (rows, more)
}

impl App {
    /// The URL's project and the list filter it implies: only that project,
    /// unless an admin asks for all.
    pub(crate) fn scoped_filter<'a>(
        &self,
        caller: &TokenClaims,
        project: &'a str,
        all_tenants: bool,
        mut filter: ListFilter,
    ) -> Result<(&'a str, ListFilter), Error> {
        let project = self.project_scope(caller, project)?;
        if !(all_tenants && caller.is_admin()) {
            filter.project_id = Some(project.to_owned());
        }
        Ok((project, filter))
    }

    /// The project the URL names, if the caller may act in it.
    pub fn project_scope<'a>(
        &self,
        caller: &TokenClaims,
        project: &'a str,
    ) -> Result<&'a str, Error> {
        if caller.owns(project) {
            Ok(project)
        } else {
            Err(Error::forbidden(format!(
                "The URL's project {project} is not the token's project."
            )))
        }
    }

    pub async fn volume_get(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<Volume, Error> {
        self.project_scope(caller, project)?;
        let v = ds::volume_get(&self.pool, id)
            .await?
            .ok_or_else(|| volume_not_found(id))?;
        if caller.is_admin() || v.project_id == project {
            Ok(v)
        } else {
            Err(volume_not_found(id))
        }
    }

    pub(crate) fn write_scope<'a>(
        &self,
        caller: &TokenClaims,
        project: &'a str,
    ) -> Result<&'a str, Error> {
        let project = self.project_scope(caller, project)?;
        super::policy::member(caller)?;
        Ok(project)
    }

    pub(crate) async fn cast(
        &self,
        host: &str,
        message: impl Into<StorageAgentRequest>,
    ) -> Result<(), Error> {
        StorageAgent::on(&self.bus, host)
            .cast(&RequestContext::system(), message)
            .await
            .map(|_| ())
            .map_err(Error::from)
    }

    pub async fn volume_create(
        &self,
        caller: &TokenClaims,
        project: &str,
        req: api::VolumeCreate,
    ) -> Result<Volume, Error> {
        let project = self.write_scope(caller, project)?;
        check_text("name", &req.name)?;
        check_text("description", &req.description)?;
        check_metadata(&req.metadata)?;
        if let Some(t) = &req.volume_type
            && t != DEFAULT_TYPE_NAME
            && t != DEFAULT_TYPE_ID
        {
            return Err(Error::not_found(format!(
                "Volume type {t} could not be found."
            )));
        }
        if let Some(az) = &req.availability_zone
            && az != "nova"
        {
            return Err(bad(format!("Availability zone '{az}' is invalid.")));
        }
        let sources = [
            req.image_ref.is_some(),
            req.snapshot_id.is_some(),
            req.source_volid.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            return Err(bad(
                "Give at most one of imageRef, snapshot_id and source_volid.",
            ));
        }
        let mut volume = Volume {
            id: uuid::Uuid::new_v4().to_string(),
            project_id: project.to_owned(),
            user_id: caller.sub.clone(),
            name: req.name,
            description: req.description,
            size: 0,
            status: "creating".into(),
            host: None,
            availability_zone: "nova".into(),
            image_id: None,
            snapshot_id: None,
            source_volid: None,
            bootable: false,
            metadata: sqlx::types::Json(req.metadata),
            image_metadata: None,
            error: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        // The source, its host and the smallest size it allows.
        let (source, host, min_size) = if let Some(image_id) = &req.image_ref {
            let image = self.image_get(caller, image_id).await.map_err(|_| {
                bad(format!(
                    "Invalid image identifier or unable to access requested image: {image_id}."
                ))
            })?;
            let host = match (&image.host, image.status.as_str()) {
                (Some(h), "active") => h.clone(),
                _ => return Err(bad(format!("Image {image_id} is not active."))),
            };
            let bytes = image.virtual_size.or(image.size).unwrap_or(0);
            let min = (bytes + GIB - 1) / GIB;
            volume.image_id = Some(image.id.clone());
            volume.bootable = true;
            volume.image_metadata = Some(image_metadata(&image));
            let target = self.pick_host().await?;
            (
                VolumeSource::Image {
                    image_id: image.id.clone(),
                    host,
                    disk_format: image.disk_format.clone(),
                },
                target,
                min.max(i64::from(image.min_disk)),
            )
        } else if let Some(snapshot_id) = &req.snapshot_id {
            let s = self
                .snapshot_get(caller, project, snapshot_id)
                .await
                .map_err(|_| {
                    Error::not_found(format!("Snapshot {snapshot_id} could not be found."))
                })?;
            if s.status != "available" {
                return Err(bad(format!(
                    "Snapshot {snapshot_id} is {}, not available.",
                    s.status
                )));
            }
            volume.snapshot_id = Some(s.id.clone());
            (
                VolumeSource::Snapshot { snapshot_id: s.id },
                s.host,
                i64::from(s.size),
            )
        } else if let Some(source_id) = &req.source_volid {
            let v = self.volume_get(caller, project, source_id).await?;
            if v.status != "available" {
                return Err(bad(format!(
                    "Volume {source_id} is {}, not available.",
                    v.status
                )));
            }
            let host = v
                .host
                .clone()
                .ok_or_else(|| bad(format!("Volume {source_id} has no data.")))?;
            volume.source_volid = Some(v.id.clone());
            volume.bootable = v.bootable;
            volume.image_metadata = v.image_metadata.clone();
            (
                VolumeSource::Volume { volume_id: v.id },
                host,
                i64::from(v.size),
            )
        } else {
            (VolumeSource::Empty, self.pick_host().await?, 1)
        };
        let size = match req.size {
            Some(s) => s,
            None if !matches!(source, VolumeSource::Empty | VolumeSource::Image { .. }) => min_size,
            None => return Err(bad("Invalid input for field 'size': it is required.")),
        };
        if size <= 0 || size > i64::from(i32::MAX) {
            return Err(bad(format!(
                "Invalid input for field 'size': {size} must be a positive number of GiB."
            )));
        }
        if size < min_size {
            return Err(bad(format!(
                "Invalid input for field 'size': {size} GiB is smaller than its source ({min_size} GiB)."
            )));
        }
        volume.size =
            i32::try_from(size).map_err(|_| bad("Invalid input for field 'size': too large."))?;
        volume.host = Some(host.clone());

        let mut tx = self.pool.begin().await?;
        ds::lock_project(&mut tx, project).await?;
        self.check_quota(&mut tx, project, 1, size, 0).await?;
        ds::volume_insert(&mut *tx, &volume).await?;
        tx.commit().await?;
        self.cast(
            &host,
            VolumeCreate {
                volume_id: volume.id.clone(),
                size_gb: volume.size.unsigned_abs(),
                source,
            },
        )
        .await?;
        Ok(volume)
    }

    pub(crate) async fn pick_host(&self) -> Result<String, Error> {
        crate::datastore::host_pick(&self.pool, 0, i64::from(self.config.host_fresh_s))
            .await?
            .ok_or_else(|| Error::unavailable("No storage host is up now."))
    }

    pub async fn volume_list(
        &self,
        caller: &TokenClaims,
        project: &str,
        all_tenants: bool,
        filter: ListFilter,
        marker: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<Volume>, bool), Error> {
        let (project, filter) = self.scoped_filter(caller, project, all_tenants, filter)?;
        let marker = match marker {
            Some(m) => {
                let v = self
                    .volume_get(caller, project, m)
                    .await
                    .map_err(|_| bad(format!("Marker volume {m} could not be found.")))?;
                Some((v.created_at, v.id))
            }
            None => None,
        };
        let rows = ds::volume_list(&self.pool, &filter, marker, limit + 1).await?;
        Ok(one_page(rows, limit))
    }

    /// Name, description, metadata (replaced whole when given).
    pub async fn volume_update(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        changes: Changes,
    ) -> Result<Volume, Error> {
        let project = self.write_scope(caller, project)?;
        let mut v = self.volume_get(caller, project, id).await?;
        changes.apply(&mut v.name, &mut v.description, &mut v.metadata)?;
        ds::volume_update(&self.pool, &v)
            .await?
            .ok_or_else(|| volume_not_found(id))
    }

    /// Merges (`replace` false) or replaces a volume's metadata.
    pub async fn volume_metadata(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        metadata: BTreeMap<String, String>,
        replace: bool,
    ) -> Result<Metadata, Error> {
        let v = self.volume_get(caller, project, id).await?;
        let mut merged = if replace {
            BTreeMap::new()
        } else {
            v.metadata.0.clone()
        };
        merged.extend(metadata);
        Ok(self
            .volume_update(caller, project, id, Changes::metadata(merged))
            .await?
            .metadata)
    }

    pub async fn volume_metadata_delete(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        key: &str,
    ) -> Result<(), Error> {
        let v = self.volume_get(caller, project, id).await?;
        let mut m = v.metadata.0.clone();
        if m.remove(key).is_none() {
            return Err(Error::not_found(format!(
                "Volume {id} has no metadata with key {key}."
            )));
        }
        self.volume_update(caller, project, id, Changes::metadata(m))
            .await
            .map(|_| ())
    }

    pub async fn volume_set_bootable(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        bootable: bool,
    ) -> Result<(), Error> {
        let project = self.write_scope(caller, project)?;
        let mut v = self.volume_get(caller, project, id).await?;
        v.bootable = bootable;
        ds::volume_update(&self.pool, &v).await?;
        Ok(())
    }

    pub async fn volume_delete(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<(), Error> {
        let project = self.write_scope(caller, project)?;
        let v = self.volume_get(caller, project, id).await?;
        if ds::snapshots_of_volume(&self.pool, id).await? > 0 {
            return Err(bad(format!(
                "Volume {id} still has dependent snapshots; delete them first."
            )));
        }
        let deletable = ["available", "error", "error_extending", "error_deleting"];
        let Some(v) = ds::volume_transition(&self.pool, id, &deletable, "deleting").await? else {
            return Err(bad(format!(
                "Volume {id} is {}; it must be available or in error to be deleted.",
                v.status
            )));
        };
        match v.host {
            Some(host) => {
                self.cast(
                    &host,
                    VolumeDelete {
                        volume_id: id.to_owned(),
                    },
                )
                .await
            }
            None => ds::volume_delete(&self.pool, id)
                .await
                .map(|_| ())
                .map_err(Error::from),
        }
    }

    pub async fn volume_extend(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        new_size: i64,
    ) -> Result<(), Error> {
        let project = self.write_scope(caller, project)?;
        let v = self.volume_get(caller, project, id).await?;
        if new_size <= i64::from(v.size) {
            return Err(bad(format!(
                "New size for extend must be greater than current size ({new_size} <= {}).",
                v.size
            )));
        }
        let new_size = i32::try_from(new_size)
            .map_err(|_| bad("Invalid input for field 'new_size': too large."))?;
        let mut tx = self.pool.begin().await?;
        ds::lock_project(&mut tx, &v.project_id).await?;
        self.check_quota(&mut tx, &v.project_id, 0, i64::from(new_size - v.size), 0)
            .await?;
        let moved = ds::volume_transition(&mut *tx, id, &["available"], "extending").await?;
        tx.commit().await?;
        let Some(v) = moved else {
            return Err(bad(format!(
                "Volume {id} is {}; only available volumes can be extended.",
                v.status
            )));
        };
        let host = v
            .host
            .ok_or_else(|| bad(format!("Volume {id} has no data.")))?;
        self.cast(
            &host,
            VolumeExtend {
                volume_id: id.to_owned(),
                size_gb: new_size.unsigned_abs(),
            },
        )
        .await
    }

    /// Sets any status (admin), as `os-reset_status` does.
    pub async fn volume_reset_status(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        status: &str,
    ) -> Result<(), Error> {
        if !caller.is_admin() {
            return Err(Error::forbidden(
                "Only administrators may reset a volume's status.",
            ));
        }
        let v = self.volume_get(caller, project, id).await?;
        let all = [
            "available",
            "error",
            "creating",
            "deleting",
            "extending",
            "error_deleting",
            "error_extending",
            "in-use",
        ];
        if !all.contains(&status) {
            return Err(bad(format!(
                "Invalid input for field 'status': {status:?}."
            )));
        }
        ds::volume_transition(&self.pool, id, &[v.status.as_str()], status).await?;
        Ok(())
    }

    // ---- snapshots ----

    /// Copies a volume into a new image (`os-volume_upload_image`): the
    /// image is made `saving` on the volume's host, the volume is
    /// `uploading` until the host reports, then both are done.
    pub async fn volume_upload_image(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        req: api::UploadImage,
    ) -> Result<(Volume, Image), Error> {
        let project = self.write_scope(caller, project)?;
        let v = self.volume_get(caller, project, id).await?;
        let disk_format = req.disk_format.unwrap_or_else(|| "raw".into());
        if disk_format != "raw" && disk_format != "qcow2" {
            return Err(bad(format!(
                "Invalid input for field 'disk_format': {disk_format:?}; volumes upload as raw or qcow2."
            )));
        }
        let ok = v.status == "available" || (req.force && v.status == "in-use");
        if !ok {
            return Err(bad(format!(
                "Volume {id} is {}; it must be available to be uploaded.",
                v.status
            )));
        }
        let host = v
            .host
            .clone()
            .ok_or_else(|| bad(format!("Volume {id} has no data.")))?;
        let visibility = match req.visibility.as_deref() {
            None => None,
            Some(v) => Some(
                serde_json::from_value(serde_json::Value::String(v.to_owned())).map_err(|_| {
                    bad(format!(
                        "Invalid input for field/attribute visibility. Reason: '{v}' is not public, private, shared or community."
                    ))
                })?,
            ),
        };
        let attrs = stratus_api::image::ImageCreate {
            name: Some(req.image_name),
            disk_format: Some(disk_format.clone()),
            container_format: Some(req.container_format.unwrap_or_else(|| "bare".into())),
            visibility,
            protected: req.protected,
            ..Default::default()
        };
        let image = self.image_create(caller, &attrs).await?;
        let moved =
            ds::volume_transition(&self.pool, id, &[v.status.as_str()], "uploading").await?;
        if moved.is_none()
            || !crate::datastore::images::upload_start(&self.pool, &image.id, &host).await?
        {
            let _ = crate::datastore::images::delete(&self.pool, &image.id).await;
            return Err(bad(format!("Volume {id} changed status meanwhile.")));
        }
        self.cast(
            &host,
            VolumeToImage {
                volume_id: id.to_owned(),
                image_id: image.id.clone(),
                disk_format,
            },
        )
        .await?;
        let v = self.volume_get(caller, project, id).await?;
        let image = self.image_get(caller, &image.id).await?;
        Ok((v, image))
    }

    // ---- results from the storage hosts ----
}

/// What Cinder copies from an image into `volume_image_metadata`.
pub(crate) fn image_metadata(image: &Image) -> Metadata {
    let mut m: BTreeMap<String, String> = image.properties.0.clone();
    m.insert("image_id".into(), image.id.clone());
    if let Some(n) = &image.name {
        m.insert("image_name".into(), n.clone());
    }
    for (k, v) in [
        ("disk_format", &image.disk_format),
        ("container_format", &image.container_format),
        ("checksum", &image.checksum),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), v.clone());
        }
    }
    m.insert("min_disk".into(), image.min_disk.to_string());
    m.insert("min_ram".into(), image.min_ram.to_string());
    if let Some(s) = image.size {
        m.insert("size".into(), s.to_string());
    }
    sqlx::types::Json(m)
}
