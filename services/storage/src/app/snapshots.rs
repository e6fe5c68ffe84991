//! Snapshots of volumes, as Cinder has them: each in its volume's project, made and removed by a cast to the volume's storage host.

use super::App;
use super::volumes::*;
use crate::datastore::volumes::{self as ds, ListFilter, Snapshot};
use stratus_api::volume as api;
use stratus_auth::TokenClaims;
use stratus_bus_protocol::storage::{SnapshotCreate, SnapshotDelete};
use stratus_common::Error;

impl App {
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
}
