//! The ports of servers, for the compute service over the bus: make or take
//! the ports a server asks for and bind them to its host, and give them
//! back when it goes. Requests carry the claims of the user who asked for
//! the server, so the same visibility and policy apply as to that user's
//! own calls to this API. Messages are Nova's, since the compute API passes
//! them on.

use std::collections::BTreeMap;

use stratus_api::network::{FixedIpRequest, PortCreate};
use stratus_bus_protocol::network::{
    PortRequest, PortsBind, PortsRelease, ServerPort, ServerPorts,
};
use stratus_common::Error;

use super::App;
use crate::datastore::{self as ds, Network, Port};

/// What a request resolved to.
enum Nic {
    New {
        network: Network,
        fixed_ip: Option<String>,
    },
    Existing(Port),
}

impl App {
    /// Makes, takes and binds the ports of a server (see [`PortsBind`]).
    /// Idempotent on the server's id: a retry (on another host) finds the
    /// ports already made and moves their binding.
    pub async fn ports_bind(&self, req: &PortsBind) -> Result<ServerPorts, Error> {
        let caller = &req.caller;
        let project = caller
            .project_id()
            .ok_or_else(|| Error::bad_request("A project-scoped token is required."))?
            .to_owned();
        if req.add && req.requests.is_empty() {
            return Err(Error::bad_request(
                "An interface attach names a network or a port.",
            ));
        }
        let have = ds::ports_of_devices(&self.pool, std::slice::from_ref(&req.device_id)).await?;
        if !have.is_empty() && !req.validate_only && !req.add {
            for p in &have {
                ds::port_attach(
                    &self.pool,
                    &p.id,
                    &req.device_id,
                    &req.device_owner,
                    &req.host,
                )
                .await?;
            }
            self.announce_change();
            return self.server_ports(&have, &[]).await;
        }
        let nics = self.resolve_nics(req, &project).await?;
        let groups = self
            .resolve_groups(caller, &project, &req.security_groups)
            .await?;
        if req.validate_only {
            return Ok(ServerPorts::default());
        }
        let mut made: Vec<Port> = Vec::new();
        let mut ports: Vec<Port> = Vec::new();
        let mut failed = None;
        for nic in nics {
            let port = match nic {
                Nic::New { network, fixed_ip } => {
                    // The device owner (compute:*) is reserved: the attach
                    // below sets it, as the service; what the user asked
                    // for (a fixed address) goes through the port policy.
                    let body = PortCreate {
                        network_id: network.id.clone(),
                        device_id: Some(req.device_id.clone()),
                        security_groups: network.port_security_enabled.then(|| groups.clone()),
                        fixed_ips: fixed_ip.map(|ip| {
                            vec![FixedIpRequest {
                                subnet_id: None,
                                ip_address: Some(ip),
                            }]
                        }),
                        ..PortCreate::default()
                    };
                    match self.port_create(caller, &body).await {
                        Ok(p) => {
                            made.push(p.clone());
                            p
                        }
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                Nic::Existing(p) => p,
            };
            match ds::port_attach(
                &self.pool,
                &port.id,
                &req.device_id,
                &req.device_owner,
                &req.host,
            )
            .await
            {
                Ok(true) => ports.push(port),
                Ok(false) => {
                    failed = Some(in_use(&port.id));
                    break;
                }
                Err(e) => {
                    failed = Some(Error::from(e));
                    break;
                }
            }
        }
        if let Some(e) = failed {
            // Nothing half-done: ports made here go, ports taken are given back.
            for p in &ports {
                if !made.iter().any(|m| m.id == p.id) {
                    let _ = ds::port_detach(&self.pool, &p.id, &req.device_id).await;
                }
            }
            for p in &made {
                let _ = ds::port_delete(&self.pool, &p.id).await;
            }
            return Err(e);
        }
        self.announce_change();
        let made: Vec<String> = made.into_iter().map(|p| p.id).collect();
        self.server_ports(&ports, &made).await
    }

    /// Unbinds a server's ports, deleting those made for it.
    pub async fn ports_release(&self, req: &PortsRelease) -> Result<ServerPorts, Error> {
        let have: Vec<Port> =
            ds::ports_of_devices(&self.pool, std::slice::from_ref(&req.device_id))
                .await?
                .into_iter()
                .filter(|p| req.only.as_ref().is_none_or(|only| only.contains(&p.id)))
                .collect();
        for p in &have {
            if req.created.contains(&p.id) {
                ds::port_delete(&self.pool, &p.id).await?;
            } else {
                ds::port_detach(&self.pool, &p.id, &req.device_id).await?;
            }
        }
        if !have.is_empty() {
            self.announce_change();
        }
        Ok(ServerPorts::default())
    }

    async fn server_ports(&self, ports: &[Port], made: &[String]) -> Result<ServerPorts, Error> {
        let ips = self.fixed_ips(ports).await?;
        let ids: Vec<String> = ports.iter().map(|p| p.network_id.clone()).collect();
        let mut networks = BTreeMap::new();
        for id in ids {
            if !networks.contains_key(&id)
                && let Some(n) = ds::network_get(&self.pool, &id).await?
            {
                networks.insert(id, n);
            }
        }
        Ok(ServerPorts {
            ports: ports
                .iter()
                .map(|p| {
                    let n = networks.get(&p.network_id);
                    ServerPort {
                        port_id: p.id.clone(),
                        device_id: p.device_id.clone(),
                        network_id: p.network_id.clone(),
                        network_name: n.map(|n| n.name.clone()).unwrap_or_default(),
                        mac_address: p.mac_address.clone(),
                        mtu: n.and_then(|n| u32::try_from(n.mtu).ok()).unwrap_or(1500),
                        fixed_ips: ips
                            .iter()
                            .filter(|i| i.port_id == p.id)
                            .map(|i| i.ip_address.clone())
                            .collect(),
                        subnet_ids: ips
                            .iter()
                            .filter(|i| i.port_id == p.id)
                            .map(|i| i.subnet_id.clone())
                            .collect(),
                        created: made.contains(&p.id),
                        status: p.status.clone(),
                    }
                })
                .collect(),
        })
    }

    /// The networks and ports a server's requests name, checked.
    async fn resolve_nics(&self, req: &PortsBind, project: &str) -> Result<Vec<Nic>, Error> {
        let caller = &req.caller;
        if req.requests.is_empty() {
            // Nova without `networks`: the one network the project can use.
            let usable: Vec<Network> = ds::network_list(&self.pool, Some(project))
                .await?
                .into_iter()
                .filter(|n| n.project_id == project || (n.shared && !n.external))
                .collect();
            return match usable.len() {
                0 => Ok(Vec::new()),
                1 => Ok(usable
                    .into_iter()
                    .map(|network| Nic::New {
                        network,
                        fixed_ip: None,
                    })
                    .collect()),
                _ => Err(Error::conflict(
                    "Multiple possible networks found, use a Network ID to be more specific.",
                )),
            };
        }
        let mut out = Vec::new();
        for r in &req.requests {
            out.push(match r {
                PortRequest {
                    port_id: Some(id), ..
                } => {
                    let p = self.port_get(caller, id).await.map_err(|_| {
                        Error::bad_request(format!("Port id {id} could not be found."))
                    })?;
                    if p.project_id != project && !caller.is_admin() {
                        return Err(Error::bad_request(format!(
                            "Port id {id} could not be found."
                        )));
                    }
                    if !p.device_id.is_empty() && p.device_id != req.device_id {
                        return Err(in_use(id));
                    }
                    Nic::Existing(p)
                }
                PortRequest {
                    network_id: Some(id),
                    fixed_ip,
                    ..
                } => {
                    let network = self.network_get(caller, id).await.map_err(|_| {
                        Error::bad_request(format!("Network {id} could not be found."))
                    })?;
                    if network.external && !network.shared && !caller.is_admin() {
                        return Err(Error::forbidden(format!(
                            "It is not allowed to create an interface on external network {id}"
                        )));
                    }
                    if let Some(ip) = fixed_ip
                        && ip.parse::<std::net::IpAddr>().is_err()
                    {
                        return Err(Error::bad_request(format!(
                            "Invalid input for field/attribute fixed_ip. Value: {ip}. '{ip}' is not a valid IP address."
                        )));
                    }
                    Nic::New {
                        network,
                        fixed_ip: fixed_ip.clone(),
                    }
                }
                _ => {
                    return Err(Error::bad_request(
                        "Each of networks needs a uuid or a port.",
                    ));
                }
            });
        }
        Ok(out)
    }

    /// Security groups by name or id, in the server's project.
    async fn resolve_groups(
        &self,
        caller: &stratus_auth::TokenClaims,
        project: &str,
        named: &[String],
    ) -> Result<Vec<String>, Error> {
        if named.is_empty() {
            return Ok(vec![self.default_group(project).await?.id]);
        }
        let all = self.sg_list(caller).await?;
        let mut ids = Vec::new();
        for name in named {
            let found: Vec<_> = all
                .iter()
                .filter(|g| g.project_id == project && (&g.id == name || &g.name == name))
                .collect();
            match found.as_slice() {
                [g] => {
                    if !ids.contains(&g.id) {
                        ids.push(g.id.clone());
                    }
                }
                [] if name == "default" => ids.push(self.default_group(project).await?.id),
                [] => {
                    return Err(Error::bad_request(format!(
                        "Security group {name} not found for project {project}."
                    )));
                }
                _ => {
                    return Err(Error::conflict(format!(
                        "Multiple security groups named {name} found; use an id."
                    )));
                }
            }
        }
        Ok(ids)
    }
}

fn in_use(id: &str) -> Error {
    Error::conflict(format!("Port {id} is still in use."))
}
