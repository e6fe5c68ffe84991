//! Interfaces of servers (`os-interface`): a new port on a network, or a
//! port of the project, bound to the server's host by the network service
//! and hot-plugged by the host; detached: unplugged first, then given back
//! (a port made for the server is deleted, the project's own is unbound).

use stratus_auth::TokenClaims;
use stratus_bus_protocol::compute::{AttachInterface, DetachInterface, NicSpec};
use stratus_bus_protocol::network::{self as net, PortRequest, ServerPort};
use stratus_bus_protocol::{ComputeAgent, NetworkService};
use stratus_common::{Error, RequestContext};

use super::App;
use super::servers::state::*;
use crate::datastore::servers::{self as ds, Server};

/// A server port as the host plugs it.
pub(crate) fn nic_of(p: &ServerPort) -> NicSpec {
    NicSpec {
        port_id: p.port_id.clone(),
        mac_address: p.mac_address.clone(),
        tap: net::tap_name(&p.port_id),
        mtu: p.mtu,
    }
}

/// The host of a server that can take a hot-plug (a NIC or a volume) now:
/// ACTIVE or SHUTOFF with no task and no volume detach under way.
pub(crate) fn plug_host(s: &Server, id: &str, what: &str) -> Result<String, Error> {
    // The host does one thing at a time per guest, and an unplug may wait
    // long for the guest.
    if let Some(b) = s.block_devices.0.iter().find(|b| b.detaching) {
        return Err(Error::conflict(format!(
            "Cannot '{what}' instance {id} while it is detaching volume {}",
            b.volume_id
        )));
    }
    match (&s.host, s.vm_state.as_str(), &s.task_state) {
        (Some(h), ACTIVE | STOPPED, None) => Ok(h.clone()),
        _ => Err(Error::conflict(format!(
            "Cannot '{what}' instance {id} while it is in vm_state {}",
            s.vm_state
        ))),
    }
}

impl App {
    /// A server's interfaces (its ports), for a caller who may see it.
    pub async fn server_interfaces(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<Vec<ServerPort>, Error> {
        Ok(self.server_get(caller, id).await?.ports.0)
    }

    /// Attaches a port (`request.port_id`) or a new port on a network
    /// (`request.network_id`, optionally with `fixed_ip`).
    pub async fn server_interface_attach(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        request: PortRequest,
    ) -> Result<ServerPort, Error> {
        let s = self.server_get(caller, id).await?;
        super::policy::member(caller)?;
        let host = plug_host(&s, id, "attach_interface")?;
        if let Some(p) = &request.port_id
            && s.ports.0.iter().any(|q| &q.port_id == p)
        {
            return Err(Error::conflict(format!(
                "Port {p} is still in use: it is attached to instance {id}."
            )));
        }
        let bound = NetworkService::of(&self.bus)
            .call(
                &RequestContext::system(),
                net::PortsBind {
                    caller: caller.clone(),
                    device_id: id.to_owned(),
                    device_owner: format!(
                        "compute:{}",
                        s.availability_zone.as_deref().unwrap_or("nova")
                    ),
                    host: host.clone(),
                    requests: vec![request],
                    security_groups: s.security_groups.0.clone(),
                    validate_only: false,
                    add: true,
                },
            )
            .await
            .map_err(Error::from)?;
        let port =
            bound.ports.into_iter().next().ok_or_else(|| {
                Error::unavailable("The network service bound no port; try again.")
            })?;
        let plugged = ComputeAgent::on(&self.bus, &host)
            .call(
                &RequestContext::system(),
                AttachInterface {
                    id: id.to_owned(),
                    nic: nic_of(&port),
                },
            )
            .await
            .map_err(Error::from);
        let recorded = match plugged {
            Ok(_) => {
                self.record_ports(caller, ctx, &s, &host, "attach_interface", |ports| {
                    ports.retain(|q| q.port_id != port.port_id);
                    ports.push(port.clone());
                })
                .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = recorded {
            // Not plugged (or gone meanwhile): the port goes back.
            self.release_ports(id, std::slice::from_ref(&port), true)
                .await;
            return Err(e);
        }
        Ok(port)
    }

    /// Detaches one of a server's ports.
    pub async fn server_interface_detach(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        port_id: &str,
    ) -> Result<(), Error> {
        let s = self.server_get(caller, id).await?;
        super::policy::member(caller)?;
        let port = s
            .ports
            .0
            .iter()
            .find(|p| p.port_id == port_id)
            .cloned()
            .ok_or_else(|| {
                Error::not_found(format!("Port {port_id} is not attached to instance {id}."))
            })?;
        let host = plug_host(&s, id, "detach_interface")?;
        ComputeAgent::on(&self.bus, &host)
            .call(
                &RequestContext::system(),
                DetachInterface {
                    id: id.to_owned(),
                    nic: nic_of(&port),
                },
            )
            .await
            .map_err(Error::from)?;
        self.record_ports(caller, ctx, &s, &host, "detach_interface", |ports| {
            ports.retain(|q| q.port_id != port_id);
        })
        .await?;
        self.release_ports(id, std::slice::from_ref(&port), true)
            .await;
        Ok(())
    }

    /// Changes the server's recorded ports and records the action.
    async fn record_ports(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        s: &Server,
        host: &str,
        action: &str,
        change: impl FnOnce(&mut Vec<ServerPort>),
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let Some(mut row) = ds::lock(&mut *tx, s.id).await? else {
            return Err(super::servers::not_found(&s.id.to_string()));
        };
        change(&mut row.ports.0);
        ds::save(&mut *tx, &row).await?;
        ds::action_start(&mut *tx, &row, action, ctx.request_id.as_str(), &caller.sub).await?;
        ds::action_finish(
            &mut *tx,
            row.id,
            &format!("compute_{action}"),
            Some(host),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
