//! Attaching volumes the way Nova asks at Cinder microversion 3.0:
//! `os-reserve` (available → attaching), `os-initialize_connection` (where
//! the hypervisor finds the volume: the storage agent's export),
//! `os-attach` (→ in-use, recording the server and device),
//! `os-begin_detaching` (→ detaching), `os-roll_detaching` (→ in-use),
//! `os-detach` (→ available once no attachment is left), `os-unreserve`
//! (attaching → available) and `os-terminate_connection`.

use super::App;
use crate::datastore::volumes::{self as ds, Attachment};
use stratus_auth::TokenClaims;
use stratus_bus_protocol::StorageAgent;
use stratus_bus_protocol::storage::{Export, VolumeExport};
use stratus_common::{Error, RequestContext};

fn wrong_state(id: &str, status: &str, want: &str) -> Error {
    Error::bad_request(format!(
        "Invalid volume: volume {id} is {status}; this needs it {want}."
    ))
}

/// Where and how a server attaches a volume.
#[derive(Debug, Default)]
pub struct AttachRequest {
    pub instance_uuid: Option<String>,
    pub host_name: Option<String>,
    pub mountpoint: Option<String>,
    pub mode: Option<String>,
}

impl App {
    /// The attachments of the given volumes.
    pub async fn attachments_of(&self, volume_ids: &[String]) -> Result<Vec<Attachment>, Error> {
        ds::attachments_of(&self.pool, volume_ids)
            .await
            .map_err(Error::from)
    }

    async fn move_volume(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        from: &[&str],
        to: &str,
    ) -> Result<(), Error> {
        let v = self.volume_get(caller, project, id).await?;
        super::policy::member(caller)?;
        ds::volume_transition(&self.pool, id, from, to)
            .await?
            .map(|_| ())
            .ok_or_else(|| wrong_state(id, &v.status, &from.join(" or ")))
    }

    pub async fn volume_reserve(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<(), Error> {
        self.move_volume(caller, project, id, &["available"], "attaching")
            .await
    }

    pub async fn volume_unreserve(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<(), Error> {
        self.move_volume(caller, project, id, &["attaching"], "available")
            .await
    }

    pub async fn volume_begin_detaching(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<(), Error> {
        self.move_volume(caller, project, id, &["in-use"], "detaching")
            .await
    }

    pub async fn volume_roll_detaching(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<(), Error> {
        self.move_volume(caller, project, id, &["detaching"], "in-use")
            .await
    }

    /// Where the hypervisor finds the volume (asked of its storage host).
    pub async fn volume_initialize_connection(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
    ) -> Result<(Export, String), Error> {
        let v = self.volume_get(caller, project, id).await?;
        super::policy::member(caller)?;
        if !["attaching", "in-use"].contains(&v.status.as_str()) {
            return Err(wrong_state(id, &v.status, "attaching or in-use"));
        }
        let host = v
            .host
            .ok_or_else(|| Error::bad_request(format!("Volume {id} has no data.")))?;
        let export = StorageAgent::on(&self.bus, &host)
            .call(
                &RequestContext::system(),
                VolumeExport {
                    volume_id: id.to_owned(),
                },
            )
            .await?;
        Ok((export, host))
    }

    pub async fn volume_attach(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        req: AttachRequest,
    ) -> Result<Attachment, Error> {
        let v = self.volume_get(caller, project, id).await?;
        super::policy::member(caller)?;
        let mode = req.mode.unwrap_or_else(|| "rw".into());
        if mode != "rw" && mode != "ro" {
            return Err(Error::bad_request(format!(
                "Invalid input for field 'mode': {mode:?} is not rw or ro."
            )));
        }
        if req.instance_uuid.is_none() && req.host_name.is_none() {
            return Err(Error::bad_request(
                "Invalid input: os-attach needs instance_uuid or host_name.",
            ));
        }
        let attachment = Attachment {
            id: uuid::Uuid::new_v4().to_string(),
            volume_id: id.to_owned(),
            instance_uuid: req.instance_uuid,
            host_name: req.host_name,
            mountpoint: req.mountpoint,
            attach_mode: mode,
            attached_at: chrono::Utc::now(),
        };
        let mut tx = self.pool.begin().await?;
        if ds::volume_transition(&mut *tx, id, &["attaching"], "in-use")
            .await?
            .is_none()
        {
            return Err(wrong_state(id, &v.status, "attaching (reserved)"));
        }
        ds::attachment_insert(&mut *tx, &attachment).await?;
        tx.commit().await?;
        Ok(attachment)
    }

    /// Removes an attachment (or all, when none is named); the volume is
    /// available again once none is left.
    pub async fn volume_detach(
        &self,
        caller: &TokenClaims,
        project: &str,
        id: &str,
        attachment_id: Option<&str>,
    ) -> Result<(), Error> {
        let v = self.volume_get(caller, project, id).await?;
        super::policy::member(caller)?;
        if !["detaching", "in-use"].contains(&v.status.as_str()) {
            return Err(wrong_state(id, &v.status, "detaching or in-use"));
        }
        let mut tx = self.pool.begin().await?;
        if ds::attachment_delete(&mut *tx, id, attachment_id).await? == 0 {
            return Err(Error::not_found(format!(
                "Volume {id} has no attachment {}.",
                attachment_id.unwrap_or("at all")
            )));
        }
        let left = ds::attachment_count(&mut *tx, id).await?;
        let to = if left == 0 { "available" } else { "in-use" };
        ds::volume_transition(&mut *tx, id, &["detaching", "in-use"], to).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl App {
    /// The compute service's use of a volume for a server, with the
    /// server's user's rights (see [`stratus_bus_protocol::storage::VolumeUse`]).
    pub async fn volume_use(
        &self,
        u: &stratus_bus_protocol::storage::VolumeUse,
    ) -> Result<stratus_bus_protocol::storage::VolumeState, Error> {
        use stratus_bus_protocol::storage::{VolumeOpFor as Op, VolumeState};
        let caller = &u.caller;
        let project = caller
            .project_id()
            .ok_or_else(|| Error::bad_request("A project-scoped token is required."))?
            .to_owned();
        let id = u.volume_id.as_str();
        let mut export = None;
        let mut attachment_id = None;
        match &u.op {
            Op::Check => {}
            Op::Reserve => self.volume_reserve(caller, &project, id).await?,
            Op::Unreserve => self.volume_unreserve(caller, &project, id).await?,
            Op::BeginDetaching => self.volume_begin_detaching(caller, &project, id).await?,
            Op::RollDetaching => self.volume_roll_detaching(caller, &project, id).await?,
            Op::Connect => {
                export = Some(
                    self.volume_initialize_connection(caller, &project, id)
                        .await?
                        .0,
                );
            }
            Op::Attach { server, device } => {
                let a = self
                    .volume_attach(
                        caller,
                        &project,
                        id,
                        AttachRequest {
                            instance_uuid: Some(server.clone()),
                            host_name: None,
                            mountpoint: Some(device.clone()),
                            mode: None,
                        },
                    )
                    .await?;
                attachment_id = Some(a.id);
            }
            Op::Detach { attachment_id } => {
                self.volume_detach(caller, &project, id, attachment_id.as_deref())
                    .await?;
            }
            Op::Delete => {
                self.volume_delete(caller, &project, id).await?;
                return Ok(VolumeState {
                    id: id.to_owned(),
                    status: "deleting".into(),
                    ..VolumeState::default()
                });
            }
        }
        let v = self.volume_get(caller, &project, id).await?;
        Ok(VolumeState {
            id: v.id,
            status: v.status,
            size_gb: u32::try_from(v.size).unwrap_or(0),
            bootable: v.bootable,
            image_metadata: v.image_metadata.map(|m| m.0).unwrap_or_default(),
            export,
            attachment_id,
        })
    }
}
