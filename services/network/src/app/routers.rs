//! Routers and floating IPs as Neutron has them. A router's external gateway
//! is a port on an external network; each interface is a port holding its
//! subnet's gateway address. A floating IP is an address of an external
//! network (held by a port of its own) that maps to a port's fixed IPv4
//! address, which needs a router with a gateway on that external network and
//! an interface on the port's subnet.

use super::App;
use super::input::{bad, limit, list_scope, required};
use super::policy;
use super::ports::Wanted;
use super::usage::held_event;
use crate::datastore::{self as ds, FloatingIp, Network, Router};
use std::net::IpAddr;
use stratus_api::network::DeviceOwner;
use stratus_api::network::{
    ExternalGatewayRequest, FloatingIpCreate, FloatingIpUpdate, RouterCreate,
    RouterInterfaceRequest, RouterUpdate,
};
use stratus_auth::TokenClaims;
use stratus_bus_protocol::usage::Lifecycle;
use stratus_common::Error;

pub const GATEWAY: &str = DeviceOwner::ROUTER_GATEWAY;
pub const INTERFACE: &str = DeviceOwner::ROUTER_INTERFACE;
pub const FLOATING: &str = DeviceOwner::FLOATING_IP;

fn router_not_found(id: &str) -> Error {
    Error::not_found(format!("Router {id} could not be found")).with_type("RouterNotFound")
}

fn fip_not_found(id: &str) -> Error {
    Error::not_found(format!("Floating IP {id} could not be found")).with_type("FloatingIPNotFound")
}

fn member(caller: &TokenClaims) -> Result<(), Error> {
    caller.require(stratus_auth::Role::Member)
}

/// What an interface change names: a subnet or a port.
pub struct InterfaceInfo {
    pub router_id: String,
    pub project_id: String,
    pub port_id: String,
    pub subnet_id: String,
    pub network_id: String,
}

impl App {
    pub async fn router_get(&self, caller: &TokenClaims, id: &str) -> Result<Router, Error> {
        let r = ds::router_get(&self.pool, id)
            .await?
            .ok_or_else(|| router_not_found(id))?;
        if caller.is_admin() || caller.project_id() == Some(r.project_id.as_str()) {
            Ok(r)
        } else {
            Err(router_not_found(id))
        }
    }

    pub async fn router_list(&self, caller: &TokenClaims) -> Result<Vec<Router>, Error> {
        let scope = list_scope(caller, "get_router")?;
        ds::router_list(&self.pool, scope)
            .await
            .map_err(Error::from)
    }

    /// The addresses of a router's gateway port.
    pub async fn router_gateway_ips(&self, router_id: &str) -> Result<Vec<ds::FixedIp>, Error> {
        let ports = ds::router_ports(&self.pool, router_id, GATEWAY).await?;
        self.fixed_ips(&ports).await
    }

    /// The external network a gateway names, if it is one.
    async fn external_network(&self, caller: &TokenClaims, id: &str) -> Result<Network, Error> {
        let n = self.network_get(caller, id).await?;
        if !n.external {
            return Err(bad(format!(
                "Bad router request: Network {id} is not an external network."
            )));
        }
        Ok(n)
    }

    async fn set_gateway(
        &self,
        caller: &TokenClaims,
        router: &mut Router,
        info: Option<&ExternalGatewayRequest>,
    ) -> Result<(), Error> {
        let old = ds::router_ports(&self.pool, &router.id, GATEWAY).await?;
        let wanted = match info {
            None => None,
            Some(i) => limit("external_gateway_info.network_id", &i.network_id, 255)?,
        };
        if info.is_some_and(|i| i.enable_snat.is_some() && i.network_id.is_none()) {
            return Err(bad(
                "Invalid input for external_gateway_info. Reason: network_id is required.",
            ));
        }
        if let Some(snat) = info.and_then(|i| i.enable_snat) {
            router.enable_snat = snat;
        }
        if wanted == router.gateway_network_id {
            return Ok(());
        }
        if wanted.is_none() && ds::fips_via_router(&self.pool, &router.id).await? > 0 {
            return Err(Error::conflict(format!(
                "Gateway cannot be updated for router {}, since a gateway to external network {} is required by one or more floating IPs.",
                router.id,
                router.gateway_network_id.as_deref().unwrap_or_default()
            ))
            .with_type("RouterExternalGatewayInUseByFloatingIp"));
        }
        if let Some(net_id) = &wanted {
            let net = self.external_network(caller, net_id).await?;
            self.service_port(&net, &router.project_id, GATEWAY, &router.id, None)
                .await?;
        }
        for p in old {
            ds::port_delete(&self.pool, &p.id).await?;
        }
        router.gateway_network_id = wanted;
        Ok(())
    }

    pub async fn router_create(
        &self,
        caller: &TokenClaims,
        body: &RouterCreate,
    ) -> Result<Router, Error> {
        member(caller)?;
        for (key, given) in [("distributed", body.distributed), ("ha", body.ha)] {
            if given == Some(true) {
                return Err(bad(format!(
                    "Invalid input for {key}. Reason: Stratus routers are centralized and not {key}."
                )));
            }
        }
        let project = caller.project_id().ok_or_else(|| {
            Error::forbidden("Routers need a project-scoped token.")
                .with_type("PolicyNotAuthorized")
        })?;
        let mut router = Router {
            id: uuid::Uuid::new_v4().to_string(),
            project_id: project.to_owned(),
            name: limit("name", &body.name, 255)?.unwrap_or_default(),
            description: limit("description", &body.description, 255)?.unwrap_or_default(),
            admin_state_up: body.admin_state_up.unwrap_or(true),
            gateway_network_id: None,
            enable_snat: true,
            revision_number: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let mut tx = self.pool.begin().await?;
        self.quota_check(&mut tx, project, "router").await?;
        ds::router_save(&mut *tx, &router).await?;
        let (rid, owner) = (router.id.clone(), router.project_id.clone());
        let held = |e| held_event("router", &rid, &owner, e);
        stratus_outbox::put(&mut tx, &held(Lifecycle::Created)).await?;
        tx.commit().await?;
        self.outbox.flush_soon();
        // The gateway comes second: its port names the stored router.
        if let Some(info) = &body.external_gateway_info {
            if let Err(e) = self.set_gateway(caller, &mut router, Some(info)).await {
                let mut tx = self.pool.begin().await?;
                ds::router_delete(&mut *tx, &router.id).await?;
                stratus_outbox::put(&mut tx, &held(Lifecycle::Deleted)).await?;
                tx.commit().await?;
                self.outbox.flush_soon();
                return Err(e);
            }
            ds::router_save(&self.pool, &router).await?;
        }
        self.router_get(caller, &router.id).await
    }

    pub async fn router_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        body: &RouterUpdate,
    ) -> Result<Router, Error> {
        let mut r = self.router_get(caller, id).await?;
        member(caller)?;
        if let Some(v) = limit("name", &body.name, 255)? {
            r.name = v;
        }
        if let Some(v) = limit("description", &body.description, 255)? {
            r.description = v;
        }
        if let Some(v) = body.admin_state_up {
            r.admin_state_up = v;
        }
        if let Some(info) = &body.external_gateway_info {
            self.set_gateway(caller, &mut r, info.as_ref()).await?;
        }
        ds::router_save(&self.pool, &r).await?;
        self.router_get(caller, id).await
    }

    pub async fn router_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        let mut r = self.router_get(caller, id).await?;
        member(caller)?;
        if !ds::router_ports(&self.pool, id, INTERFACE)
            .await?
            .is_empty()
        {
            return Err(
                Error::conflict(format!("Router {id} still has ports")).with_type("RouterInUse")
            );
        }
        self.set_gateway(caller, &mut r, None).await?;
        let mut tx = self.pool.begin().await?;
        if ds::router_delete(&mut *tx, id).await? > 0 {
            let ev = held_event("router", id, &r.project_id, Lifecycle::Deleted);
            stratus_outbox::put(&mut tx, &ev).await?;
        }
        tx.commit().await?;
        self.outbox.flush_soon();
        Ok(())
    }

    /// The router's interfaces: (port, subnet) pairs.
    pub async fn router_interfaces(&self, router_id: &str) -> Result<Vec<(String, String)>, Error> {
        let ports = ds::router_ports(&self.pool, router_id, INTERFACE).await?;
        let ips = self.fixed_ips(&ports).await?;
        Ok(ips.into_iter().map(|i| (i.port_id, i.subnet_id)).collect())
    }

    pub async fn router_add_interface(
        &self,
        caller: &TokenClaims,
        id: &str,
        body: &RouterInterfaceRequest,
    ) -> Result<InterfaceInfo, Error> {
        let r = self.router_get(caller, id).await?;
        member(caller)?;
        let subnet_id = match (
            limit("subnet_id", &body.subnet_id, 255)?,
            limit("port_id", &body.port_id, 255)?,
        ) {
            (Some(s), None) => s,
            (None, Some(_)) => {
                return Err(bad(
                    "Bad router request: attaching an existing port is not supported; name a subnet_id.",
                ));
            }
            _ => {
                return Err(bad(
                    "Bad router request: Either subnet_id or port_id must be specified.",
                ));
            }
        };
        let subnet = self.subnet_get(caller, &subnet_id).await?;
        let network = self.network_get(caller, &subnet.network_id).await?;
        if !policy::network_owner(caller, &network) {
            // Another project's shared subnet: its gateway address is its
            // owner's to give to a router.
            if network.shared {
                return Err(policy::policy("add_router_interface: the subnet's owner"));
            }
            return Err(
                Error::not_found(format!("Subnet {subnet_id} could not be found."))
                    .with_type("SubnetNotFound"),
            );
        }
        let gateway: IpAddr = subnet
            .gateway_ip
            .as_deref()
            .and_then(|g| g.parse().ok())
            .ok_or_else(|| {
                bad(format!(
                    "Bad router request: Subnet {subnet_id} does not have a gateway IP."
                ))
            })?;
        if self
            .router_interfaces(id)
            .await?
            .iter()
            .any(|(_, s)| *s == subnet_id)
        {
            return Err(bad(format!(
                "Bad router request: Router already has a port on subnet {subnet_id}."
            )));
        }
        let port = self
            .service_port(
                &network,
                &r.project_id,
                INTERFACE,
                id,
                Some(vec![Wanted {
                    subnet_id: Some(subnet_id.clone()),
                    ip: Some(gateway),
                }]),
            )
            .await?;
        Ok(InterfaceInfo {
            router_id: id.into(),
            project_id: r.project_id,
            port_id: port.id,
            subnet_id,
            network_id: network.id,
        })
    }

    pub async fn router_remove_interface(
        &self,
        caller: &TokenClaims,
        id: &str,
        body: &RouterInterfaceRequest,
    ) -> Result<InterfaceInfo, Error> {
        let r = self.router_get(caller, id).await?;
        member(caller)?;
        let (subnet, port) = (
            limit("subnet_id", &body.subnet_id, 255)?,
            limit("port_id", &body.port_id, 255)?,
        );
        if subnet.is_none() && port.is_none() {
            return Err(bad(
                "Bad router request: Either subnet_id or port_id must be specified.",
            ));
        }
        let found = self
            .router_interfaces(id)
            .await?
            .into_iter()
            .find(|(p, s)| {
                subnet.as_ref().is_none_or(|x| x == s) && port.as_ref().is_none_or(|x| x == p)
            })
            .ok_or_else(|| {
                Error::not_found(format!(
                    "Router {id} does not have an interface with {}",
                    subnet.clone().or(port.clone()).unwrap_or_default()
                ))
                .with_type("RouterInterfaceNotFoundForSubnet")
            })?;
        let in_use = crate::datastore::floating_ips_via(&self.pool, id, &found.1).await?;
        if in_use > 0 {
            return Err(Error::conflict(format!(
                "Router interface for subnet {} on router {id} cannot be deleted, as it is required by one or more floating IPs.",
                found.1
            ))
            .with_type("RouterInterfaceInUseByFloatingIP"));
        }
        let network_id = ds::port_get(&self.pool, &found.0)
            .await?
            .map(|p| p.network_id)
            .unwrap_or_default();
        ds::port_delete(&self.pool, &found.0).await?;
        Ok(InterfaceInfo {
            router_id: id.into(),
            project_id: r.project_id,
            port_id: found.0,
            subnet_id: found.1,
            network_id,
        })
    }

    // ---- floating IPs ----

    pub async fn fip_get(&self, caller: &TokenClaims, id: &str) -> Result<FloatingIp, Error> {
        let f = ds::fip_get(&self.pool, id)
            .await?
            .ok_or_else(|| fip_not_found(id))?;
        if caller.is_admin() || caller.project_id() == Some(f.project_id.as_str()) {
            Ok(f)
        } else {
            Err(fip_not_found(id))
        }
    }

    pub async fn fip_list(&self, caller: &TokenClaims) -> Result<Vec<FloatingIp>, Error> {
        let scope = list_scope(caller, "get_floatingip")?;
        ds::fip_list(&self.pool, scope).await.map_err(Error::from)
    }

    /// The port's address and the router that connects it to `external`.
    async fn fip_target(
        &self,
        caller: &TokenClaims,
        external: &str,
        port_id: &str,
        fixed: Option<&str>,
    ) -> Result<(String, String), Error> {
        let port = self.port_get(caller, port_id).await?;
        // Only onto the caller's own ports (a network owner sees others'
        // ports on its network, and may not take their traffic).
        if !caller.is_admin() && caller.project_id() != Some(port.project_id.as_str()) {
            return Err(
                Error::not_found(format!("Port {port_id} could not be found."))
                    .with_type("PortNotFound"),
            );
        }
        if DeviceOwner::parse(&port.device_owner).is_network() {
            return Err(bad(format!(
                "Port {port_id} belongs to the network service and cannot have a floating IP."
            )));
        }
        let ips = self.fixed_ips(std::slice::from_ref(&port)).await?;
        let chosen = ips
            .iter()
            .filter(|i| i.ip_address.parse::<IpAddr>().is_ok_and(|a| a.is_ipv4()))
            .find(|i| fixed.is_none_or(|f| f == i.ip_address))
            .ok_or_else(|| {
                bad(format!(
                    "Bad floatingip request: Port {port_id} does not have an IPv4 address{}.",
                    fixed.map(|f| format!(" {f}")).unwrap_or_default()
                ))
            })?;
        let router =
            crate::datastore::router_between(&self.pool, external, &chosen.subnet_id, INTERFACE)
                .await?;
        let router = router.ok_or_else(|| {
            Error::not_found(format!(
                "External network {external} is not reachable from subnet {}. Therefore, cannot associate Port {port_id} with a Floating IP.",
                chosen.subnet_id
            ))
            .with_type("ExternalGatewayForFloatingIPNotFound")
        })?;
        Ok((chosen.ip_address.clone(), router))
    }

    pub async fn fip_create(
        &self,
        caller: &TokenClaims,
        body: &FloatingIpCreate,
    ) -> Result<FloatingIp, Error> {
        member(caller)?;
        let project = caller
            .project_id()
            .ok_or_else(|| {
                Error::forbidden("Floating IPs need a project-scoped token.")
                    .with_type("PolicyNotAuthorized")
            })?
            .to_owned();
        let net_id = required("floating_network_id", &body.floating_network_id, 255)?;
        let external = self.external_network(caller, &net_id).await?;
        let target = match limit("port_id", &body.port_id, 255)? {
            Some(port_id) => {
                let fixed = limit("fixed_ip_address", &body.fixed_ip_address, 64)?;
                let (ip, router) = self
                    .fip_target(caller, &net_id, &port_id, fixed.as_deref())
                    .await?;
                Some((port_id, ip, router))
            }
            None => None,
        };
        let wanted_ip = match limit("floating_ip_address", &body.floating_ip_address, 64)? {
            Some(a) => Some(a.parse::<IpAddr>().map_err(|_| bad(format!("Invalid input for floating_ip_address. Reason: '{a}' is not a valid IP address.")))?),
            None => None,
        };
        let id = uuid::Uuid::new_v4().to_string();
        let wanted = wanted_ip.map(|ip| {
            vec![Wanted {
                subnet_id: None,
                ip: Some(ip),
            }]
        });
        let port = self
            .service_port(&external, &project, FLOATING, &id, wanted)
            .await?;
        let address = self
            .fixed_ips(std::slice::from_ref(&port))
            .await?
            .into_iter()
            .map(|i| i.ip_address)
            .find(|a| a.parse::<IpAddr>().is_ok_and(|a| a.is_ipv4()));
        let Some(address) = address else {
            ds::port_delete(&self.pool, &port.id).await?;
            return Err(Error::conflict(format!(
                "No more IP addresses available on network {net_id}."
            ))
            .with_type("IpAddressGenerationFailure"));
        };
        let fip = FloatingIp {
            id,
            project_id: project,
            floating_network_id: net_id,
            floating_port_id: port.id,
            floating_ip_address: address,
            port_id: target.as_ref().map(|t| t.0.clone()),
            fixed_ip_address: target.as_ref().map(|t| t.1.clone()),
            router_id: target.as_ref().map(|t| t.2.clone()),
            description: limit("description", &body.description, 255)?.unwrap_or_default(),
            revision_number: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let mut tx = self.pool.begin().await?;
        if let Err(e) = self
            .quota_check(&mut tx, &fip.project_id, "floatingip")
            .await
        {
            drop(tx);
            ds::port_delete(&self.pool, &fip.floating_port_id).await?;
            return Err(e);
        }
        let inserted = ds::fip_insert(&mut *tx, &fip).await;
        if inserted.is_ok() {
            let ev = held_event("floating_ip", &fip.id, &fip.project_id, Lifecycle::Created);
            stratus_outbox::put(&mut tx, &ev).await?;
            tx.commit().await?;
            self.outbox.flush_soon();
        } else {
            drop(tx);
        }
        if let Err(e) = inserted {
            ds::port_delete(&self.pool, &fip.floating_port_id).await?;
            return Err(match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => Error::conflict(format!(
                    "Cannot associate floating IP with port {} using fixed IP {}, as that fixed IP already has a floating IP.",
                    fip.port_id.unwrap_or_default(),
                    fip.fixed_ip_address.unwrap_or_default()
                ))
                .with_type("FloatingIPPortAlreadyAssociated"),
                other => Error::from(other),
            });
        }
        Ok(fip)
    }

    pub async fn fip_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        body: &FloatingIpUpdate,
    ) -> Result<FloatingIp, Error> {
        let f = self.fip_get(caller, id).await?;
        member(caller)?;
        let description = limit("description", &body.description, 255)?;
        if let Some(d) = &description {
            let updated = ds::fip_set_description(&self.pool, id, d)
                .await?
                .ok_or_else(|| fip_not_found(id))?;
            if body.port_id.is_none() {
                return Ok(updated);
            }
        }
        let target = match &body.port_id {
            None => return Ok(f),
            Some(None) => None,
            Some(Some(port_id)) => {
                let fixed = limit("fixed_ip_address", &body.fixed_ip_address, 64)?;
                Some(
                    self.fip_target(caller, &f.floating_network_id, port_id, fixed.as_deref())
                        .await
                        .map(|(ip, r)| (port_id.clone(), ip, r))?,
                )
            }
        };
        ds::fip_associate(
            &self.pool,
            id,
            target.as_ref().map(|t| t.0.as_str()),
            target.as_ref().map(|t| t.1.as_str()),
            target.as_ref().map(|t| t.2.as_str()),
        )
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                Error::conflict("That fixed IP already has a floating IP.")
                    .with_type("FloatingIPPortAlreadyAssociated")
            }
            other => Error::from(other),
        })?
        .ok_or_else(|| fip_not_found(id))
    }

    pub async fn fip_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        let f = self.fip_get(caller, id).await?;
        member(caller)?;
        let mut tx = self.pool.begin().await?;
        if ds::fip_delete(&mut *tx, id).await? > 0 {
            let ev = held_event("floating_ip", id, &f.project_id, Lifecycle::Deleted);
            stratus_outbox::put(&mut tx, &ev).await?;
        }
        tx.commit().await?;
        self.outbox.flush_soon();
        ds::port_delete(&self.pool, &f.floating_port_id).await?;
        Ok(())
    }
}
