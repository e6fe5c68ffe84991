//! Compute hosts as admins see them (`os-hypervisors`, `os-services`,
//! `os-availability-zone`), fed by the agents' `compute.inventory` reports.

use stratus_auth::TokenClaims;
use stratus_bus::{Incoming, ServerHandle};
use stratus_bus_protocol::Notification;
use stratus_common::Error;

use super::scheduler::is_up;
use super::{App, admin};
use crate::datastore::hosts::{self as ds, Node};

/// The binary name Nova gives compute services.
pub const BINARY: &str = "nova-compute";

impl App {
    /// Records the compute hosts' inventory reports (one queue shared by
    /// the service's replicas).
    pub fn follow_inventory(&self) -> ServerHandle {
        let pool = self.pool.clone();
        self.bus.subscribe(
            "compute-service.inventory",
            &["compute.inventory"],
            move |inc: Incoming<Notification>| {
                let pool = pool.clone();
                async move {
                    if let Notification::ComputeInventory(inv) = inc.message {
                        ds::node_report(&pool, &inv).await?;
                    }
                    Ok(serde_json::Value::Null)
                }
            },
        )
    }

    pub fn node_up(&self, n: &Node) -> bool {
        is_up(n, self.config.scheduler.service_down_time_s)
    }

    pub async fn hypervisors(&self, caller: &TokenClaims) -> Result<Vec<Node>, Error> {
        admin(caller, "os-hypervisors:list")?;
        ds::nodes(&self.pool).await.map_err(Error::from)
    }

    pub async fn hypervisor(&self, caller: &TokenClaims, id: &str) -> Result<Node, Error> {
        admin(caller, "os-hypervisors:show")?;
        let missing = || Error::not_found(format!("Hypervisor with ID {id} could not be found."));
        let id: i64 = id.parse().map_err(|_| missing())?;
        ds::node(&self.pool, id).await?.ok_or_else(missing)
    }

    pub async fn services(&self, caller: &TokenClaims) -> Result<Vec<Node>, Error> {
        admin(caller, "os-services:list")?;
        ds::nodes(&self.pool).await.map_err(Error::from)
    }

    /// Enables (`disabled` false) or disables a host's compute service.
    pub async fn service_set(
        &self,
        caller: &TokenClaims,
        host: &str,
        binary: &str,
        disabled: bool,
        reason: Option<&str>,
    ) -> Result<Node, Error> {
        admin(caller, "os-services:update")?;
        if binary != BINARY {
            return Err(Error::not_found(format!(
                "Service {binary} on host {host} not found."
            )));
        }
        ds::set_disabled(&self.pool, host, disabled, reason)
            .await?
            .ok_or_else(|| Error::not_found(format!("Host '{host}' is not mapped to any cell")))
    }

    pub async fn service_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        admin(caller, "os-services:delete")?;
        let missing = || Error::not_found(format!("Service {id} not found."));
        let id: i64 = id.parse().map_err(|_| missing())?;
        let node = ds::node(&self.pool, id).await?.ok_or_else(missing)?;
        if node.running_vms > 0 {
            return Err(Error::conflict(format!(
                "Unable to delete compute service that is hosting instances. Migrate or delete the instances first. ({} instances on {})",
                node.running_vms, node.host
            )));
        }
        ds::node_delete(&self.pool, id).await?;
        Ok(())
    }

    /// Every zone with a host, and its hosts (for `detail`, admins only).
    pub async fn zones(&self, caller: &TokenClaims, detail: bool) -> Result<Vec<Node>, Error> {
        if detail {
            admin(caller, "os-availability-zone:detail")?;
        }
        ds::nodes(&self.pool).await.map_err(Error::from)
    }
}
