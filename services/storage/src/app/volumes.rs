//! Volumes and snapshots as Cinder has them: each project sees its own
//! (admins all; 404 for the rest), quotas are checked under a per-project
//! lock so concurrent creates never overrun them, and the work is a cast to
//! the storage host whose `storage.volume.result` event ends the status
//! (`creating` → `available` | `error`, `extending` → `available` |
//! `error_extending`, `deleting` → gone | `error_deleting`). The sweeper ends
//! operations whose agent died.

use super::App;
use crate::datastore::images::Image;
use crate::datastore::volumes::{self as ds, ListFilter, Metadata, Snapshot, Volume};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use stratus_auth::TokenClaims;
use stratus_bus::Incoming;
use stratus_bus_protocol::StorageAgent;
use stratus_bus_protocol::storage::{
    ImageFromVolume, SnapshotCreate, SnapshotDelete, VolumeCreate, VolumeDelete, VolumeEvent,
    VolumeExtend, VolumeOp, VolumeSource, VolumeToImage,
};
use stratus_bus_protocol::usage::Lifecycle;
use stratus_bus_protocol::{Notification, StorageAgentRequest};
use stratus_common::{Error, ErrorKind, RequestContext};

const GIB: i64 = 1024 * 1024 * 1024;

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

fn bad(message: impl Into<String>) -> Error {
    Error::bad_request(message)
}

fn over_quota(resource: &str, requested: i64, used: i64, limit: i64) -> Error {
    Error::new(
        ErrorKind::PayloadTooLarge,
        format!("Requested {resource} of {requested} exceeds the quota: {used} of {limit} used."),
    )
}

fn volume_not_found(id: &str) -> Error {
    Error::not_found(format!("Volume {id} could not be found."))
}

fn snapshot_not_found(id: &str) -> Error {
    Error::not_found(format!("Snapshot {id} could not be found."))
}

fn check_text(field: &str, v: &Option<String>) -> Result<(), Error> {
    if v.as_ref().is_some_and(|s| s.chars().count() > 255) {
        return Err(bad(format!(
            "Invalid input for field '{field}': longer than 255 characters."
        )));
    }
    Ok(())
}

fn check_metadata(m: &BTreeMap<String, String>) -> Result<(), Error> {
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
    fn metadata(m: BTreeMap<String, String>) -> Self {
        Self {
            metadata: Some(m),
            ..Self::default()
        }
    }

    fn apply(
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
fn one_page<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    (rows, more)
}

impl App {
    /// The URL's project and the list filter it implies: only that project,
    /// unless an admin asks for all.
    fn scoped_filter<'a>(
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

    fn write_scope<'a>(&self, caller: &TokenClaims, project: &'a str) -> Result<&'a str, Error> {
        let project = self.project_scope(caller, project)?;
        super::policy::member(caller)?;
        Ok(project)
    }

    /// Limits and usage of a project's resources.
    pub async fn quota_view(&self, project: &str) -> Result<Vec<(&'static str, i64, i64)>, Error> {
        let mut conn = self.pool.acquire().await?;
        self.quota_rows(&mut conn, project).await
    }

    /// Each resource's limit (override or default) and use, through `conn`.
    async fn quota_rows(
        &self,
        conn: &mut sqlx::PgConnection,
        project: &str,
    ) -> Result<Vec<(&'static str, i64, i64)>, Error> {
        let defaults = &self.config.quotas;
        let overrides = ds::quota_overrides(&mut *conn, project).await?;
        let limit = |r: &str, d: i64| {
            overrides
                .iter()
                .find(|(k, _)| k == r)
                .map_or(d, |(_, v)| *v)
        };
        let (volumes, gigabytes, snapshots) = ds::usage(&mut *conn, project).await?;
        Ok(vec![
            ("volumes", limit("volumes", defaults.volumes), volumes),
            (
                "gigabytes",
                limit("gigabytes", defaults.gigabytes),
                gigabytes,
            ),
            (
                "snapshots",
                limit("snapshots", defaults.snapshots),
                snapshots,
            ),
        ])
    }

    /// Checks that `volumes` more volumes, `gigabytes` more GiB and
    /// `snapshots` more snapshots fit (call with the project locked).
    async fn check_quota(
        &self,
        conn: &mut sqlx::PgConnection,
        project: &str,
        volumes: i64,
        gigabytes: i64,
        snapshots: i64,
    ) -> Result<(), Error> {
        let rows = self.quota_rows(conn, project).await?;
        for ((resource, limit, used), want) in rows.into_iter().zip([volumes, gigabytes, snapshots])
        {
            if want > 0 && limit >= 0 && used + want > limit {
                return Err(over_quota(resource, want, used, limit));
            }
        }
        Ok(())
    }

    async fn cast(&self, host: &str, message: impl Into<StorageAgentRequest>) -> Result<(), Error> {
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

    async fn pick_host(&self) -> Result<String, Error> {
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

    pub async fn snapshot_get(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<Snapshot, Error> {
        self.project_scope(caller, project)?;
        let s = ds::snapshot_get(&self.pool, id)
            .await?
            .ok_or_else(|| snapshot_not_found(id))?;
        if caller.is_admin() || s.project_id == project {
            Ok(s)
        } else {
            Err(snapshot_not_found(id))
        }
    }

    pub async fn snapshot_create(
        &self,
        caller: &TokenClaims,
        project: &str,
        req: api::SnapshotCreate,
    ) -> Result<Snapshot, Error> {
        let api::SnapshotCreate {
            volume_id,
            name,
            description,
            metadata,
            force,
        } = req;
        let volume_id = volume_id.as_str();
        let project = self.write_scope(caller, project)?;
        check_text("name", &name)?;
        check_text("description", &description)?;
        check_metadata(&metadata)?;
        let v = self.volume_get(caller, project, volume_id).await?;
        let ok = v.status == "available" || (force && v.status == "in-use");
        if !ok {
            return Err(bad(format!(
                "Volume {volume_id} is {}; snapshots are taken of available volumes.",
                v.status
            )));
        }
        let host = v
            .host
            .clone()
            .ok_or_else(|| bad(format!("Volume {volume_id} has no data.")))?;
        let snapshot = Snapshot {
            id: uuid::Uuid::new_v4().to_string(),
            project_id: v.project_id.clone(),
            user_id: caller.sub.clone(),
            volume_id: v.id.clone(),
            name,
            description,
            size: v.size,
            status: "creating".into(),
            host: host.clone(),
            metadata: sqlx::types::Json(metadata),
            error: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let mut tx = self.pool.begin().await?;
        ds::lock_project(&mut tx, &v.project_id).await?;
        self.check_quota(&mut tx, &v.project_id, 0, i64::from(v.size), 1)
            .await?;
        ds::snapshot_insert(&mut *tx, &snapshot).await?;
        tx.commit().await?;
        self.cast(
            &host,
            SnapshotCreate {
                snapshot_id: snapshot.id.clone(),
                volume_id: v.id,
            },
        )
        .await?;
        Ok(snapshot)
    }

    pub async fn snapshot_list(
        &self,
        caller: &TokenClaims,
        project: &str,
        all_tenants: bool,
        filter: ListFilter,
        marker: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<Snapshot>, bool), Error> {
        let (project, filter) = self.scoped_filter(caller, project, all_tenants, filter)?;
        let marker = match marker {
            Some(m) => {
                let s = self
                    .snapshot_get(caller, project, m)
                    .await
                    .map_err(|_| bad(format!("Marker snapshot {m} could not be found.")))?;
                Some((s.created_at, s.id))
            }
            None => None,
        };
        let rows = ds::snapshot_list(&self.pool, &filter, marker, limit + 1).await?;
        Ok(one_page(rows, limit))
    }

    pub async fn snapshot_update(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        changes: Changes,
    ) -> Result<Snapshot, Error> {
        let project = self.write_scope(caller, project)?;
        let mut s = self.snapshot_get(caller, project, id).await?;
        changes.apply(&mut s.name, &mut s.description, &mut s.metadata)?;
        ds::snapshot_update(&self.pool, &s)
            .await?
            .ok_or_else(|| snapshot_not_found(id))
    }

    pub async fn snapshot_delete(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<(), Error> {
        let project = self.write_scope(caller, project)?;
        let s = self.snapshot_get(caller, project, id).await?;
        let Some(s) = ds::snapshot_transition(
            &self.pool,
            id,
            &["available", "error", "error_deleting"],
            "deleting",
        )
        .await?
        else {
            return Err(bad(format!(
                "Snapshot {id} is {}; it must be available or in error to be deleted.",
                s.status
            )));
        };
        self.cast(
            &s.host,
            SnapshotDelete {
                snapshot_id: id.to_owned(),
            },
        )
        .await
    }

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

    async fn apply_image_from_volume(&self, e: &ImageFromVolume) -> Result<(), Error> {
        let image = match (&e.error, e.size, &e.checksum, &e.sha512) {
            (None, Some(size), Some(checksum), Some(sha512)) => {
                let stored = crate::datastore::images::Stored {
                    host: &e.host,
                    size: i64::try_from(size).unwrap_or(i64::MAX),
                    virtual_size: e.virtual_size.and_then(|v| i64::try_from(v).ok()),
                    checksum,
                    os_hash_value: sha512,
                };
                self.activate_image(&e.image_id, &stored).await?
            }
            _ => {
                tracing::warn!(volume = %e.volume_id, image = %e.image_id, error = ?e.error, "volume upload failed");
                crate::datastore::images::transition(
                    &self.pool,
                    &e.image_id,
                    &["saving"],
                    "killed",
                )
                .await?;
                None
            }
        };
        if image.is_none() && e.error.is_none() {
            // The image was deleted meanwhile: its new file goes too.
            self.cast(
                &e.host,
                stratus_bus_protocol::storage::ImageDelete {
                    image_id: e.image_id.clone(),
                },
            )
            .await?;
        }
        ds::volume_finish(
            &self.pool,
            &e.volume_id,
            "uploading",
            "available",
            None,
            e.error.as_deref(),
        )
        .await?;
        Ok(())
    }

    // ---- results from the storage hosts ----

    /// Applies the storage hosts' `storage.volume.result` events (one queue
    /// shared by the service's replicas).
    pub fn follow_volume_results(&self) -> stratus_bus::ServerHandle {
        let app = self.clone();
        self.bus.subscribe(
            "storage-service.volume-results",
            &["storage.volume.result", "storage.image.uploaded"],
            move |inc: Incoming<Notification>| {
                let app = app.clone();
                async move {
                    match inc.message {
                        Notification::VolumeResult(event) => app.apply_result(&event).await?,
                        Notification::ImageFromVolume(event) => {
                            app.apply_image_from_volume(&event).await?
                        }
                        _ => {}
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    }

    pub async fn apply_result(&self, e: &VolumeEvent) -> Result<(), Error> {
        let error = e.error.as_deref();
        let size = e.size_gb.and_then(|s| i32::try_from(s).ok());
        // The change and metering's event of it commit together.
        let mut tx = self.pool.begin().await?;
        // Whose it is, read before a delete removes it (for metering).
        let owner = match e.op {
            VolumeOp::VolumeCreated | VolumeOp::VolumeExtended | VolumeOp::VolumeDeleted => {
                ds::volume_get(&mut *tx, &e.id)
                    .await?
                    .map(|v| (v.project_id, v.size))
            }
            VolumeOp::SnapshotCreated | VolumeOp::SnapshotDeleted => {
                ds::snapshot_get(&mut *tx, &e.id)
                    .await?
                    .map(|s| (s.project_id, s.size))
            }
        };
        let mut n = match (e.op, error) {
            (VolumeOp::VolumeCreated, None) => {
                ds::volume_finish(&mut *tx, &e.id, "creating", "available", None, None).await
            }
            (VolumeOp::VolumeCreated, Some(_)) => {
                ds::volume_finish(&mut *tx, &e.id, "creating", "error", None, error).await
            }
            (VolumeOp::VolumeExtended, None) => {
                ds::volume_finish(&mut *tx, &e.id, "extending", "available", size, None).await
            }
            (VolumeOp::VolumeExtended, Some(_)) => {
                ds::volume_finish(&mut *tx, &e.id, "extending", "error_extending", None, error)
                    .await
            }
            (VolumeOp::VolumeDeleted, None) => ds::volume_delete(&mut *tx, &e.id).await,
            (VolumeOp::VolumeDeleted, Some(_)) => {
                ds::volume_finish(&mut *tx, &e.id, "deleting", "error_deleting", None, error).await
            }
            (VolumeOp::SnapshotCreated, None) => {
                ds::snapshot_finish(&mut *tx, &e.id, "creating", "available", None).await
            }
            (VolumeOp::SnapshotCreated, Some(_)) => {
                ds::snapshot_finish(&mut *tx, &e.id, "creating", "error", error).await
            }
            (VolumeOp::SnapshotDeleted, None) => ds::snapshot_delete(&mut *tx, &e.id).await,
            (VolumeOp::SnapshotDeleted, Some(_)) => {
                ds::snapshot_finish(&mut *tx, &e.id, "deleting", "error_deleting", error).await
            }
        }?;
        let mut late = false;
        if n == 0 && error.is_none() {
            tx.commit().await?;
            n = self.apply_late_success(e, size).await?;
            // Its event follows the late change in a transaction of its own.
            tx = self.pool.begin().await?;
            late = true;
        }
        if let (Some((project, size_before)), None, true) = (owner, error, n > 0) {
            let (kind, event) = match e.op {
                VolumeOp::VolumeCreated => ("volume", Lifecycle::Created),
                VolumeOp::VolumeExtended => ("volume", Lifecycle::Resized),
                VolumeOp::VolumeDeleted => ("volume", Lifecycle::Deleted),
                VolumeOp::SnapshotCreated => ("snapshot", Lifecycle::Created),
                VolumeOp::SnapshotDeleted => ("snapshot", Lifecycle::Deleted),
            };
            let size =
                (event != Lifecycle::Deleted).then(|| i64::from(size.unwrap_or(size_before)));
            let ev = super::usage::held_event(kind, &e.id, &project, event, size);
            stratus_outbox::put(&mut tx, &ev).await?;
        }
        tx.commit().await?;
        if n > 0 || late {
            self.outbox.flush_soon();
        }
        Ok(())
    }

    /// A success for something no longer waiting for it (the sweeper gave
    /// up, or it was deleted meanwhile): what the host did stands, and data
    /// nobody owns is removed.
    async fn apply_late_success(&self, e: &VolumeEvent, size: Option<i32>) -> Result<u64, Error> {
        let pool = &self.pool;
        let (n, orphan) = match e.op {
            VolumeOp::VolumeCreated => {
                let n = ds::volume_finish(pool, &e.id, "error", "available", None, None).await?;
                let gone = ds::volume_get(pool, &e.id).await?.is_none();
                (
                    n,
                    gone.then(|| {
                        StorageAgentRequest::from(VolumeDelete {
                            volume_id: e.id.clone(),
                        })
                    }),
                )
            }
            VolumeOp::VolumeExtended => (
                ds::volume_finish(pool, &e.id, "error_extending", "available", size, None).await?,
                None,
            ),
            VolumeOp::VolumeDeleted => (ds::volume_delete_after_error(pool, &e.id).await?, None),
            VolumeOp::SnapshotCreated => {
                let n = ds::snapshot_finish(pool, &e.id, "error", "available", None).await?;
                let gone = ds::snapshot_get(pool, &e.id).await?.is_none();
                (
                    n,
                    gone.then(|| {
                        StorageAgentRequest::from(SnapshotDelete {
                            snapshot_id: e.id.clone(),
                        })
                    }),
                )
            }
            VolumeOp::SnapshotDeleted => {
                (ds::snapshot_delete_after_error(pool, &e.id).await?, None)
            }
        };
        if let Some(cleanup) = orphan {
            tracing::warn!(op = ?e.op, id = %e.id, "late result for something deleted; removing its data");
            self.cast(&e.host, cleanup).await?;
            return Ok(0);
        } else if n == 0 {
            tracing::info!(op = ?e.op, id = %e.id, "result for something no longer waiting for it; ignored");
        }
        Ok(n)
    }

    /// Ends volume and snapshot operations stuck past the timeout.
    pub async fn sweep_stuck_operations(&self) -> Result<(), Error> {
        let mut conn = self.pool.acquire().await?;
        let n = ds::sweep_stuck(&mut conn, f64::from(self.config.operation_timeout_s)).await?;
        if n > 0 {
            tracing::warn!(
                count = n,
                "storage operations that never finished are now in error"
            );
        }
        Ok(())
    }

    /// Sets a project's quotas (admin).
    pub async fn quota_update(
        &self,
        caller: &TokenClaims,
        target: &str,
        limits: &BTreeMap<String, i64>,
    ) -> Result<(), Error> {
        if !caller.is_admin() {
            return Err(Error::forbidden("Only administrators may change quotas."));
        }
        for (resource, limit) in limits {
            if !["volumes", "gigabytes", "snapshots"].contains(&resource.as_str()) {
                return Err(bad(format!("Bad key(s) in quota set: {resource}.")));
            }
            if *limit < -1 {
                return Err(bad(format!(
                    "Quota limit {limit} for {resource} must be -1 or more."
                )));
            }
        }
        for (resource, limit) in limits {
            ds::quota_set(&self.pool, target, resource, *limit).await?;
        }
        Ok(())
    }
}

/// What Cinder copies from an image into `volume_image_metadata`.
fn image_metadata(image: &Image) -> Metadata {
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
