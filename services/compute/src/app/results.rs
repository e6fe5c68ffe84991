//! What the hosts tell the compute service: instance results (`compute.instance.result`) moving servers between Nova's states, the instances an agent should run (asked at its start), and the sweeper that finishes work whose driver went away.

use super::App;
use super::build::*;
use super::servers::state::*;
use crate::datastore::servers::{self as ds};
use sqlx::types::Json;
use std::time::Duration;
use stratus_bus::{Incoming, ServerHandle};
use stratus_bus_protocol::ComputeService;
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::compute::{Destroy, InstanceEvent, InstanceOp, PowerState};
use stratus_bus_protocol::usage::Lifecycle;
use stratus_common::Error;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

impl App {
    /// Follows the hosts' results (one queue shared by the replicas).
    pub fn follow_results(&self) -> ServerHandle {
        let app = self.clone();
        self.bus.subscribe(
            "compute-service.results",
            &["compute.instance.result"],
            move |inc: Incoming<Notification>| {
                let app = app.clone();
                async move {
                    if let Notification::InstanceResult(ev) = inc.message {
                        app.on_result(&ev).await?;
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    }

    /// Moves a server on by a host's result.
    pub async fn on_result(&self, ev: &InstanceEvent) -> Result<(), Error> {
        let Ok(id) = Uuid::parse_str(&ev.id) else {
            return Ok(());
        };
        let mut tx = self.pool.begin().await?;
        let Some(mut s) = ds::lock(&mut *tx, id).await? else {
            if ev.op == InstanceOp::Spawn && ev.error.is_none() {
                // Made after its server was deleted: it goes too.
                drop(tx);
                self.cast_host(&ev.host, Destroy { id: ev.id.clone() })
                    .await?;
            }
            return Ok(());
        };
        if s.host.as_deref() != Some(ev.host.as_str()) {
            // From a host the server left (a failed attempt's cleanup).
            return Ok(());
        }
        let ok = ev.error.is_none();
        let power = i32::from(ev.power_state.code());
        let task = s.task_state.clone();
        let mut lifecycle = None;
        let event_name = match ev.op {
            InstanceOp::Spawn => "compute__do_build_and_run_instance",
            InstanceOp::Destroy => "compute_terminate_instance",
            InstanceOp::PowerOff => "compute_stop_instance",
            InstanceOp::PowerOn => "compute_start_instance",
            InstanceOp::Reboot => "compute_reboot_instance",
            InstanceOp::Resize => "compute_finish_resize",
            InstanceOp::PowerSync => "compute_sync_power_state",
        };
        match (ev.op, task.as_deref()) {
            (InstanceOp::Spawn, Some(DELETING)) => {
                drop(tx);
                return self
                    .cast_host(&ev.host, Destroy { id: ev.id.clone() })
                    .await;
            }
            (InstanceOp::Spawn, Some(SPAWNING)) if !ok => {
                drop(tx);
                return self
                    .build_failed(id, ev.error.as_deref().unwrap_or("spawn failed"), true)
                    .await;
            }
            (InstanceOp::Spawn, Some(SPAWNING | REBUILDING | REBUILD_SPAWNING)) if ok => {
                if s.launched_at.is_none() {
                    lifecycle = Some(Lifecycle::Created);
                }
                s.vm_state = ACTIVE.into();
                s.task_state = None;
                s.power_state = power;
                s.launched_at = Some(chrono::Utc::now());
                s.fault = None;
            }
            (InstanceOp::Spawn, Some(REBUILDING | REBUILD_SPAWNING)) => {
                s.vm_state = ERROR.into();
                s.task_state = None;
                s.fault = Some(Json(fault(ev.error.as_deref().unwrap_or("failed"), 500)));
            }
            (InstanceOp::Resize, Some(RESIZE_FINISH)) => {
                s.task_state = None;
                if ok {
                    s.vm_state = RESIZED.into();
                    s.power_state = power;
                } else {
                    // Back to the old size: the new claim goes.
                    drop_new_flavor(&mut tx, &ev.host, &mut s).await?;
                }
            }
            (InstanceOp::Resize, Some(RESIZE_REVERTING)) => {
                s.task_state = None;
                if ok {
                    drop_new_flavor(&mut tx, &ev.host, &mut s).await?;
                    s.vm_state = if ev.power_state == PowerState::Running {
                        ACTIVE.into()
                    } else {
                        STOPPED.into()
                    };
                    s.power_state = power;
                }
            }
            (InstanceOp::Destroy, Some(DELETING)) => {
                drop(tx);
                return self.finish_delete(id).await;
            }
            (InstanceOp::PowerOff, Some(POWERING_OFF)) => {
                s.task_state = None;
                if ok {
                    s.vm_state = STOPPED.into();
                    s.power_state = power;
                }
            }
            (InstanceOp::PowerOn, Some(POWERING_ON)) => {
                s.task_state = None;
                if ok {
                    s.vm_state = ACTIVE.into();
                    s.power_state = power;
                }
            }
            (InstanceOp::Reboot, Some(REBOOTING | REBOOTING_HARD)) => {
                s.task_state = None;
                if ok {
                    s.vm_state = ACTIVE.into();
                    s.power_state = power;
                }
            }
            (InstanceOp::PowerSync, None) => {
                s.power_state = power;
                let off = matches!(ev.power_state, PowerState::Shutdown | PowerState::Crashed);
                if s.vm_state == ACTIVE && off {
                    // The guest powered itself off: Nova's power sync stops it.
                    s.vm_state = STOPPED.into();
                } else if s.vm_state == STOPPED && ev.power_state == PowerState::Running {
                    s.vm_state = ACTIVE.into();
                }
                ds::save(&mut *tx, &s).await?;
                stratus_outbox::put(&mut tx, &changed_event(&s)).await?;
                tx.commit().await?;
                self.outbox.flush_soon();
                return Ok(());
            }
            _ => {
                // A result for a task no longer running: keep the power state.
                if ok && ev.op != InstanceOp::Destroy {
                    s.power_state = power;
                    ds::save(&mut *tx, &s).await?;
                    tx.commit().await?;
                }
                return Ok(());
            }
        }
        ds::save(&mut *tx, &s).await?;
        ds::action_finish(
            &mut *tx,
            id,
            event_name,
            Some(&ev.host),
            ev.error.as_deref(),
        )
        .await?;
        if let Some(l) = lifecycle {
            stratus_outbox::put(&mut tx, &lifecycle_event(&s, l)).await?;
        }
        stratus_outbox::put(&mut tx, &changed_event(&s)).await?;
        tx.commit().await?;
        self.outbox.flush_soon();
        Ok(())
    }

    /// Every `sweep_interval_s` until `shutdown`: finishes work nobody is
    /// driving any more.
    pub fn start_sweeper(&self, shutdown: CancellationToken) {
        let app = self.clone();
        let every = Duration::from_secs(u64::from(self.config.sweep_interval_s.max(1)));
        tokio::spawn(async move {
            loop {
                if let Err(e) = app.sweep().await {
                    tracing::warn!(error = %e, "sweeping servers failed");
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(every) => {}
                }
            }
        });
    }

    /// One sweep: builds whose driver went away are driven again, spawns
    /// never answered fail (and are retried elsewhere), deletes are asked
    /// again or finished without the host, other tasks are cleared.
    pub async fn sweep(&self) -> Result<(), Error> {
        let cfg = &self.config;
        let stale = chrono::Utc::now()
            - chrono::Duration::seconds(i64::from(cfg.sweep_interval_s.max(1)) * 3);
        for s in ds::stale_tasks(&self.pool, stale).await? {
            let age = (chrono::Utc::now() - s.updated_at).num_seconds();
            let busy = self.builds.lock().is_ok_and(|b| b.contains(&s.id));
            match s.task_state.as_deref() {
                Some(SCHEDULING | NETWORKING | BLOCK_DEVICE_MAPPING) if !busy => {
                    tracing::info!(id = %s.id, "driving a build nobody drives");
                    self.start_build(s.id, s.creator.0.clone(), None);
                }
                Some(SPAWNING) if age > i64::from(cfg.build_timeout_s) => {
                    let message = format!("Build of instance {} timed out", s.id);
                    self.build_failed(s.id, &message, true).await?;
                }
                Some(DELETING) if !busy => {
                    tracing::info!(id = %s.id, "delete not finished; again");
                    ds::touch(&self.pool, s.id).await?;
                    self.continue_delete(&s, None).await?;
                }
                Some(POWERING_OFF | POWERING_ON | REBOOTING | REBOOTING_HARD)
                    if age > i64::from(cfg.task_timeout_s) =>
                {
                    let mut tx = self.pool.begin().await?;
                    if let Some(mut now) = ds::lock(&mut *tx, s.id).await?
                        && now.task_state == s.task_state
                    {
                        now.task_state = None;
                        ds::save(&mut *tx, &now).await?;
                        ds::action_finish(
                            &mut *tx,
                            s.id,
                            "timeout",
                            now.host.as_deref(),
                            Some("the host did not answer in time"),
                        )
                        .await?;
                    }
                    tx.commit().await?;
                }
                _ => {}
            }
        }
        self.sweep_detaches(stale).await
    }

    /// Answers the agents' calls (one queue shared by the replicas).
    pub fn serve_agents(&self) -> ServerHandle {
        use stratus_bus::Call;
        use stratus_bus_protocol::compute::ComputeServiceRequest;
        let app = self.clone();
        ComputeService::of(&self.bus).serve(move |inc: Incoming<ComputeServiceRequest>| {
            let app = app.clone();
            async move {
                match inc.message {
                    ComputeServiceRequest::HostInstances(h) => {
                        let list = app.host_instances(&h.host, &h.present).await?;
                        h.reply(list)
                    }
                }
            }
        })
    }

    /// What `host` should run: its servers that are active, stopped or
    /// resized, with their specs; the others on it are busy. Of the
    /// instances it has (`present`), those of deleted servers.
    pub async fn host_instances(
        &self,
        host: &str,
        present: &[String],
    ) -> Result<stratus_bus_protocol::compute::HostInstanceList, Error> {
        use stratus_bus_protocol::compute::{HostInstanceList, WantedInstance};
        let mut out = HostInstanceList::default();
        let ids: Vec<uuid::Uuid> = present.iter().filter_map(|p| p.parse().ok()).collect();
        out.deleted = ds::deleted_of(&self.pool, &ids)
            .await?
            .iter()
            .map(ToString::to_string)
            .collect();
        for s in ds::on_host(&self.pool, host).await? {
            let settled = matches!(s.vm_state.as_str(), ACTIVE | STOPPED | RESIZED)
                && !matches!(
                    s.task_state.as_deref(),
                    Some(DELETING | REBUILDING | REBUILD_SPAWNING)
                );
            if !settled {
                out.busy.push(s.id.to_string());
                continue;
            }
            let image = if s.image_id.is_empty() {
                None
            } else {
                match self.image_for(&s.creator.0, &s.image_id).await {
                    Ok(i) => Some(i),
                    Err(e) => {
                        tracing::warn!(id = %s.id, error = %e, "image of a server not found; left alone");
                        out.busy.push(s.id.to_string());
                        continue;
                    }
                }
            };
            let spec = self.instance_spec(&s, image.as_ref()).await?;
            out.wanted.push(WantedInstance {
                spec,
                running: s.vm_state != STOPPED,
            });
        }
        Ok(out)
    }
}
