//! Server actions (`POST /servers/{id}/action`): stop, start, reboot,
//! the console log, rebuild, resize with confirm and revert (on the same
//! host), and createImage (the root disk snapshotted into the image
//! service).

use stratus_api::compute as api;
use stratus_auth::TokenClaims;
use stratus_bus_protocol::compute::{ConsoleLog, PowerOff, PowerOn, Reboot, Rebuild, Resize};
use stratus_bus_protocol::{ComputeAgent, StorageService};
use stratus_common::{Error, ErrorKind, RequestContext};

use super::App;
use super::input::invalid;
use super::servers::state::*;
use crate::datastore::servers::{self as ds, FlavorInfo, Server};

impl App {
    pub async fn server_stop(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(), Error> {
        let s = self
            .begin(caller, ctx, id, "stop", &[ACTIVE, ERROR], POWERING_OFF)
            .await?;
        let host = self.host_of(&s)?;
        self.cast_host(
            &host,
            PowerOff {
                id: s.id.to_string(),
                timeout_s: self.config.shutdown_timeout_s,
            },
        )
        .await
    }

    pub async fn server_start(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(), Error> {
        let s = self
            .begin(caller, ctx, id, "start", &[STOPPED], POWERING_ON)
            .await?;
        let host = self.host_of(&s)?;
        self.cast_host(
            &host,
            PowerOn {
                id: s.id.to_string(),
            },
        )
        .await
    }

    pub async fn server_reboot(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        hard: bool,
    ) -> Result<(), Error> {
        let (task, states): (&str, &[&str]) = if hard {
            (REBOOTING_HARD, &[ACTIVE, STOPPED, ERROR])
        } else {
            (REBOOTING, &[ACTIVE])
        };
        let s = self.begin(caller, ctx, id, "reboot", states, task).await?;
        let host = self.host_of(&s)?;
        self.cast_host(
            &host,
            Reboot {
                id: s.id.to_string(),
                hard,
                timeout_s: self.config.shutdown_timeout_s,
            },
        )
        .await
    }

    /// The last `lines` lines of the server's serial console.
    pub async fn server_console(
        &self,
        caller: &TokenClaims,
        id: &str,
        lines: Option<u32>,
    ) -> Result<String, Error> {
        let s = self.server_get(caller, id).await?;
        let host = match (&s.host, s.vm_state.as_str()) {
            (Some(h), ACTIVE | STOPPED | RESIZED) => h.clone(),
            _ => {
                return Err(Error::conflict(format!(
                    "Instance {id} is not ready (vm_state {})",
                    s.vm_state
                )));
            }
        };
        let text = ComputeAgent::on(&self.bus, &host)
            .call(
                &RequestContext::system(),
                ConsoleLog {
                    id: s.id.to_string(),
                    lines,
                },
            )
            .await
            .map_err(Error::from)?;
        Ok(text.output)
    }

    fn host_of(&self, s: &Server) -> Result<String, Error> {
        s.host
            .clone()
            .ok_or_else(|| Error::conflict(format!("Instance {} has no host", s.id)))
    }
}

impl App {
    /// Makes the server again from an image (its root disk anew; ports,
    /// volumes and host stay).
    pub async fn server_rebuild(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        args: &api::Rebuild,
    ) -> Result<Server, Error> {
        let text = |v: &str| serde_json::Value::String(v.to_owned());
        let image_id = uuid::Uuid::parse_str(&args.image_ref)
            .map_err(|_| {
                invalid(
                    "imageRef",
                    &text(&args.image_ref),
                    format!("'{}' is not a 'uuid'", args.image_ref),
                )
            })?
            .to_string();
        let name = args
            .name
            .as_deref()
            .map(|n| super::input::name("name", &text(n), 255))
            .transpose()?;
        let metadata = args.metadata.clone();
        let pre = self.server_get(caller, id).await?;
        if pre.image_id.is_empty() {
            return Err(Error::conflict(format!(
                "Cannot rebuild volume-backed instance {id}: it has no image to rebuild from."
            )));
        }
        let image = self.image_for(caller, &image_id).await?;
        let mut s = self
            .begin(
                caller,
                ctx,
                id,
                "rebuild",
                &[ACTIVE, STOPPED, ERROR],
                REBUILDING,
            )
            .await?;
        s.image_id = image_id;
        if let Some(n) = name {
            s.hostname = super::servers::hostname(&n);
            s.name = n;
        }
        if let Some(m) = metadata {
            s.metadata = sqlx::types::Json(m);
        }
        ds::save(&self.pool, &s).await?;
        let spec = self.instance_spec(&s, Some(&image)).await?;
        let host = self.host_of(&s)?;
        self.cast_host(&host, Rebuild { spec }).await?;
        Ok(s)
    }

    /// Resizes a server to another flavor on its host (the new size is
    /// claimed beside the old until confirmed or reverted).
    pub async fn server_resize(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        args: &api::Resize,
    ) -> Result<(), Error> {
        let fid = args.flavor_ref.as_id();
        let flavor = self
            .flavor_get(caller, &fid)
            .await
            .map_err(|_| Error::bad_request(format!("Flavor {fid} could not be found.")))?;
        let pre = self.server_get(caller, id).await?;
        if pre.flavor.0.id == flavor.id {
            return Err(Error::bad_request(
                "When resizing, instances must change flavor!",
            ));
        }
        if !pre.image_id.is_empty() && flavor.disk_gb < pre.flavor.0.disk {
            return Err(Error::bad_request(
                "Resizing to a smaller disk flavor is not allowed.",
            ));
        }
        let new = self.flavor_info(&flavor).await?;
        // The quota counts the larger flavor while both are held.
        let mut s = self
            .begin(caller, ctx, id, "resize", &[ACTIVE, STOPPED], RESIZE_PREP)
            .await?;
        if let Err(e) = self.hold_resize_quota(&mut s, &new).await {
            return Err(self.abandon_resize(&mut s, None, e).await);
        }
        let host = self.host_of(&s)?;
        let resized = Server {
            flavor: sqlx::types::Json(new.clone()),
            ..s.clone()
        };
        let claimed = crate::datastore::hosts::claim(
            &self.pool,
            &host,
            super::build::resources(&resized),
            self.config.scheduler.ratios(),
            i64::from(self.config.scheduler.service_down_time_s),
        )
        .await?;
        if !claimed {
            let e = Error::bad_request("No valid host was found. No valid host found for resize");
            return Err(self.abandon_resize(&mut s, Some(&host), e).await);
        }
        s.new_flavor = Some(sqlx::types::Json(new));
        s.task_state = Some(RESIZE_FINISH.into());
        ds::save(&self.pool, &s).await?;
        let spec = self
            .instance_spec(&resized, self.image_of(&s).await?.as_ref())
            .await?;
        self.cast_host(&host, Resize { spec }).await
    }

    /// A resize that cannot go on: the server is back as it was (no task,
    /// no new flavor held) and its action ends with `why`, which is
    /// returned (or the database error that stopped the reset).
    async fn abandon_resize(&self, s: &mut Server, host: Option<&str>, why: Error) -> Error {
        s.task_state = None;
        s.new_flavor = None;
        if let Err(e) = ds::save(&self.pool, s).await {
            return Error::from(e);
        }
        match ds::action_finish(
            &self.pool,
            s.id,
            "compute_prep_resize",
            host,
            Some(&why.message),
        )
        .await
        {
            Ok(_) => why,
            Err(e) => Error::from(e),
        }
    }

    /// Checks the growth of a resize against the project's cores and RAM
    /// under the project's lock and holds it (the server counts with its
    /// larger flavor from here), so concurrent resizes and creates cannot
    /// together exceed the quota.
    async fn hold_resize_quota(&self, s: &mut Server, new: &FlavorInfo) -> Result<(), Error> {
        let limits = self.limits_of(&s.project_id).await?;
        let mut tx = self.pool.begin().await?;
        ds::lock_project(&mut *tx, &s.project_id).await?;
        let (_, cores, ram) = ds::usage(&mut *tx, &s.project_id).await?;
        let old = &s.flavor.0;
        for (res, used, grow) in [
            ("cores", cores, i64::from(new.vcpus) - i64::from(old.vcpus)),
            ("ram", ram, i64::from(new.ram) - i64::from(old.ram)),
        ] {
            let limit = i64::from(limits.get(res).copied().unwrap_or(-1));
            if grow > 0 && limit >= 0 && used + grow > limit {
                return Err(Error::new(
                    ErrorKind::OverQuota,
                    format!(
                        "Quota exceeded for {res}: Requested {grow}, but already used {used} of {limit} {res}"
                    ),
                ));
            }
        }
        s.new_flavor = Some(sqlx::types::Json(new.clone()));
        ds::save(&mut *tx, s).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the new size: the old claim is given back.
    pub async fn server_confirm_resize(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(), Error> {
        let mut s = self
            .begin(
                caller,
                ctx,
                id,
                "confirmResize",
                &[RESIZED],
                RESIZE_CONFIRMING,
            )
            .await?;
        let host = self.host_of(&s)?;
        let old = s.clone();
        if let Some(new) = s.new_flavor.take() {
            s.flavor = new;
        }
        self.unclaim(&host, super::build::resources(&old)).await?;
        s.vm_state = if s.power_state == 4 {
            STOPPED.into()
        } else {
            ACTIVE.into()
        };
        s.task_state = None;
        let mut tx = self.pool.begin().await?;
        ds::save(&mut *tx, &s).await?;
        ds::action_finish(&mut *tx, s.id, "compute_confirm_resize", Some(&host), None).await?;
        let resized =
            super::build::lifecycle_event(&s, stratus_bus_protocol::usage::Lifecycle::Resized);
        stratus_outbox::put(&mut tx, &resized).await?;
        tx.commit().await?;
        self.outbox.flush_soon();
        Ok(())
    }

    /// Goes back to the old size (the root disk keeps its grown size).
    pub async fn server_revert_resize(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(), Error> {
        let s = self
            .begin(
                caller,
                ctx,
                id,
                "revertResize",
                &[RESIZED],
                RESIZE_REVERTING,
            )
            .await?;
        let host = self.host_of(&s)?;
        let spec = self
            .instance_spec(&s, self.image_of(&s).await?.as_ref())
            .await?;
        self.cast_host(&host, Resize { spec }).await
    }

    /// The image a server runs from, located for its host.
    pub(crate) async fn image_of(
        &self,
        s: &Server,
    ) -> Result<Option<stratus_bus_protocol::storage::ImageLocation>, Error> {
        if s.image_id.is_empty() {
            return Ok(None);
        }
        self.image_for(&s.creator.0, &s.image_id).await.map(Some)
    }

    /// Snapshots the server's root disk into a new image of the caller's
    /// project (in the background); the image's id.
    pub async fn server_create_image(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        args: &api::CreateImage,
    ) -> Result<String, Error> {
        use stratus_bus_protocol::storage::ImageCreate;
        let name = super::input::name("name", &serde_json::Value::String(args.name.clone()), 255)?;
        let metadata = args.metadata.clone().unwrap_or_default();
        let pre = self.server_get(caller, id).await?;
        if pre.image_id.is_empty() {
            return Err(Error::conflict(format!(
                "Cannot 'createImage' instance {id}: it boots from a volume (snapshot the volume instead)."
            )));
        }
        let base = self.image_for(caller, &pre.image_id).await.ok();
        let s = self
            .begin(
                caller,
                ctx,
                id,
                "createImage",
                &[ACTIVE, STOPPED],
                IMAGE_SNAPSHOT,
            )
            .await?;
        let mut body = metadata;
        if let Some(b) = &base {
            for k in [
                "kernel_id",
                "ramdisk_id",
                "os_command_line",
                "hypervisor_type",
            ] {
                if let Some(v) = b.properties.get(k) {
                    body.insert(k.into(), v.clone());
                }
            }
        }
        body.insert("name".into(), name);
        // The disk format is set when the host says what it made.
        body.insert("container_format".into(), "bare".into());
        body.insert("image_type".into(), "snapshot".into());
        body.insert("instance_uuid".into(), s.id.to_string());
        body.insert("base_image_ref".into(), s.image_id.clone());
        let made = StorageService::of(&self.bus)
            .call(
                &RequestContext::system(),
                ImageCreate {
                    caller: caller.clone(),
                    body,
                },
            )
            .await;
        let made = match made {
            Ok(m) => m,
            Err(e) => {
                self.end_task(&s, "compute_snapshot_instance", Some(&e.to_string()))
                    .await?;
                return Err(Error::from(e));
            }
        };
        let app = self.clone();
        let caller = caller.clone();
        let image_id = made.id.clone();
        tokio::spawn(async move {
            let r = app.snapshot_into(&s, &caller, &image_id).await;
            let error = r.err().map(|e| e.message);
            if let Some(e) = &error {
                tracing::warn!(server = %s.id, image = %image_id, error = %e, "snapshot failed");
            }
            if let Err(e) = app
                .end_task(&s, "compute_snapshot_instance", error.as_deref())
                .await
            {
                tracing::warn!(server = %s.id, error = %e, "snapshot's end not recorded");
            }
        });
        Ok(made.id)
    }

    async fn snapshot_into(
        &self,
        s: &Server,
        caller: &TokenClaims,
        image_id: &str,
    ) -> Result<(), Error> {
        use stratus_bus_protocol::compute::{SnapshotDone, SnapshotPrepare};
        use stratus_bus_protocol::storage::ImageUploadFrom;
        let host = self.host_of(s)?;
        let agent = ComputeAgent::on(&self.bus, &host);
        let long = std::time::Duration::from_secs(1800);
        let file = agent
            .call_with_timeout(
                &RequestContext::system(),
                SnapshotPrepare {
                    id: s.id.to_string(),
                    image_id: image_id.to_owned(),
                },
                long,
            )
            .await
            .map_err(Error::from)?;
        let uploaded = StorageService::of(&self.bus)
            .call_with_timeout(
                &RequestContext::system(),
                ImageUploadFrom {
                    caller: caller.clone(),
                    image_id: image_id.to_owned(),
                    host: host.clone(),
                    instance_id: s.id.to_string(),
                    size: file.size,
                    disk_format: file.format,
                },
                long,
            )
            .await
            .map_err(Error::from);
        let _ = agent
            .call(
                &RequestContext::system(),
                SnapshotDone {
                    id: s.id.to_string(),
                    image_id: image_id.to_owned(),
                },
            )
            .await;
        uploaded.map(|_| ())
    }

    /// Clears a task begun by [`App::begin`], recording how it ended.
    async fn end_task(&self, s: &Server, event: &str, error: Option<&str>) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        if let Some(mut now) = ds::lock(&mut *tx, s.id).await?
            && now.task_state == s.task_state
        {
            now.task_state = None;
            ds::save(&mut *tx, &now).await?;
            ds::action_finish(&mut *tx, s.id, event, s.host.as_deref(), error).await?;
        }
        tx.commit().await.map_err(Error::from)
    }
}
