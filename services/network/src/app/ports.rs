//! Ports as Neutron has them: on a network the caller sees (their own or a
//! shared one), a unique MAC (generated as `fa:16:3e:…` or given), and
//! addresses from the network's subnets: asked for by subnet and address, by
//! subnet alone, or by default one from the first IPv4 and the first IPv6
//! subnet. An address is held by one row of `ip_allocations`, so two ports
//! never get the same one, also when creates race (the loser moves to the
//! next free address).

use super::App;
use super::input::{bad, invalid, limit, list_scope, required};
use super::ipam;
use super::policy;
use crate::datastore::{self as ds, FixedIp, Port, Subnet};
use ipnet::IpNet;
use serde_json::Value;
use std::net::IpAddr;
use stratus_api::network::{AddressPair, FixedIpRequest, PortCreate, PortUpdate};
use stratus_auth::TokenClaims;
use stratus_common::Error;

fn not_found(id: &str) -> Error {
    Error::not_found(format!("Port {id} could not be found.")).with_type("PortNotFound")
}

fn random_mac() -> String {
    let b: [u8; 3] = rand::random();
    format!("fa:16:3e:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
}

/// Neutron's default bound on a port's allowed address pairs.
const MAX_ADDRESS_PAIRS: usize = 10;

/// `allowed_address_pairs`, if given: each an `ip_address` (an address or a
/// CIDR) and an optional unicast `mac_address`, nothing else, at most
/// [`MAX_ADDRESS_PAIRS`]; written back in canonical form, since both reach
/// the hosts' firewalls.
fn address_pairs(given: &Option<Vec<AddressPair>>) -> Result<Option<Vec<Value>>, Error> {
    let Some(items) = given else {
        return Ok(None);
    };
    if items.len() > MAX_ADDRESS_PAIRS {
        return Err(invalid(
            "allowed_address_pairs",
            format!("at most {MAX_ADDRESS_PAIRS} pairs, not {}", items.len()),
        ));
    }
    let mut out = Vec::new();
    for pair in items {
        let a = &pair.ip_address;
        let ip = a
            .parse::<IpNet>()
            .map(|n| n.to_string())
            .or_else(|_| a.parse::<IpAddr>().map(|a| a.to_string()))
            .map_err(|_| {
                invalid(
                    "allowed_address_pairs",
                    format!("'{a}' is not an IP address or CIDR"),
                )
            })?;
        let mut canonical = serde_json::Map::new();
        canonical.insert("ip_address".into(), Value::String(ip));
        if let Some(m) = &pair.mac_address {
            canonical.insert("mac_address".into(), Value::String(check_mac(m)?));
        }
        out.push(Value::Object(canonical));
    }
    Ok(Some(out))
}

fn check_mac(mac: &str) -> Result<String, Error> {
    stratus_common::mac::canonical_unicast(mac).ok_or_else(|| {
        invalid(
            "mac_address",
            format!("'{mac}' is not a valid unicast MAC address"),
        )
    })
}

/// One requested address: a subnet (or none: any of the network's) and
/// maybe the address itself.
#[derive(Clone)]
pub(crate) struct Wanted {
    pub subnet_id: Option<String>,
    pub ip: Option<IpAddr>,
}

fn wanted(given: &Option<Vec<FixedIpRequest>>) -> Result<Option<Vec<Wanted>>, Error> {
    let Some(items) = given else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for item in items {
        let ip =
            match &item.ip_address {
                None => None,
                Some(s) => Some(s.parse().map_err(|_| {
                    invalid("fixed_ips", format!("'{s}' is not a valid IP address"))
                })?),
            };
        if item.subnet_id.is_none() && ip.is_none() {
            return Err(invalid(
                "fixed_ips",
                "an entry names neither subnet_id nor ip_address",
            ));
        }
        out.push(Wanted {
            subnet_id: item.subnet_id.clone(),
            ip,
        });
    }
    Ok(Some(out))
}

fn pools_of(s: &Subnet) -> Vec<(u128, u128)> {
    s.allocation_pools
        .0
        .iter()
        .filter_map(|p| {
            Some((
                ipam::to_u128(p.start.parse().ok()?),
                ipam::to_u128(p.end.parse().ok()?),
            ))
        })
        .collect()
}

impl App {
    pub async fn port_get(&self, caller: &TokenClaims, id: &str) -> Result<Port, Error> {
        let p = ds::port_get(&self.pool, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if caller.is_admin() || caller.project_id() == Some(p.project_id.as_str()) {
            return Ok(p);
        }
        // Owners of a network see the ports on it.
        match ds::network_get(&self.pool, &p.network_id).await? {
            Some(n) if caller.project_id() == Some(n.project_id.as_str()) => Ok(p),
            _ => Err(not_found(id)),
        }
    }

    pub async fn port_list(&self, caller: &TokenClaims) -> Result<Vec<Port>, Error> {
        let project = list_scope(caller, "get_port")?;
        ds::port_list(&self.pool, project)
            .await
            .map_err(Error::from)
    }

    pub async fn fixed_ips(&self, ports: &[Port]) -> Result<Vec<FixedIp>, Error> {
        let ids: Vec<String> = ports.iter().map(|p| p.id.clone()).collect();
        ds::fixed_ips_of(&self.pool, &ids)
            .await
            .map_err(Error::from)
    }

    async fn owned_port(&self, caller: &TokenClaims, id: &str) -> Result<Port, Error> {
        let p = self.port_get(caller, id).await?;
        caller.require(stratus_auth::Role::Member)?;
        Ok(p)
    }

    /// Hands the port its addresses (inside `tx`): each asked-for one, or
    /// the first free of its subnet; by default one per IP version.
    async fn allocate_ips(
        &self,
        tx: &mut sqlx::PgConnection,
        network_id: &str,
        port_id: &str,
        wanted: Option<Vec<Wanted>>,
    ) -> Result<(), Error> {
        let subnets = ds::subnets_of(&mut *tx, &[network_id.to_owned()]).await?;
        let wanted = match wanted {
            Some(w) => w,
            None => [4, 6]
                .iter()
                .filter_map(|v| subnets.iter().find(|s| s.ip_version == *v))
                .map(|s| Wanted {
                    subnet_id: Some(s.id.clone()),
                    ip: None,
                })
                .collect(),
        };
        for w in wanted {
            let subnet = match (&w.subnet_id, w.ip) {
                (Some(id), _) => subnets.iter().find(|s| &s.id == id).ok_or_else(|| {
                    bad(format!("Invalid input for operation: Subnet {id} is not on network {network_id}."))
                })?,
                (None, Some(ip)) => subnets
                    .iter()
                    .find(|s| s.cidr.parse::<IpNet>().is_ok_and(|n| n.contains(&ip)))
                    .ok_or_else(|| bad(format!("Invalid input for operation: IP address {ip} is in no subnet of network {network_id}.")))?,
                (None, None) => continue,
            };
            let net: IpNet = subnet
                .cidr
                .parse()
                .map_err(|_| Error::internal(&std::io::Error::other("stored cidr")))?;
            if let Some(ip) = w.ip {
                if !net.contains(&ip) {
                    return Err(bad(format!(
                        "IP address {ip} is not a valid IP for the specified subnet."
                    ))
                    .with_type("InvalidIpForSubnet"));
                }
                if !ds::allocate(&mut *tx, &subnet.id, &ip.to_string(), port_id).await? {
                    return Err(Error::conflict(format!(
                        "IP address {ip} already allocated in subnet {}",
                        subnet.id
                    ))
                    .with_type("IpAddressAlreadyAllocated"));
                }
                continue;
            }
            let pools = pools_of(subnet);
            loop {
                let mut used: Vec<u128> = ds::used_addresses(&mut *tx, &subnet.id)
                    .await?
                    .iter()
                    .filter_map(|a| a.parse::<IpAddr>().ok().map(ipam::to_u128))
                    .collect();
                used.sort_unstable();
                let Some(free) = ipam::first_free(&pools, &used) else {
                    return Err(Error::conflict(format!(
                        "No more IP addresses available on network {network_id}."
                    ))
                    .with_type("IpAddressGenerationFailure"));
                };
                let ip = ipam::from_u128(free, net.network()).to_string();
                if ds::allocate(&mut *tx, &subnet.id, &ip, port_id).await? {
                    break;
                }
            }
        }
        Ok(())
    }

    pub async fn port_create(
        &self,
        caller: &TokenClaims,
        body: &PortCreate,
    ) -> Result<Port, Error> {
        caller.require(stratus_auth::Role::Member)?;
        let network_id = required("network_id", &body.network_id, 255)?;
        let network = self.network_get(caller, &network_id).await?;
        policy::port_attributes(
            caller,
            &network,
            &policy::PortAsk::create(body),
            "create_port",
        )?;
        let own = caller.project_id().unwrap_or_default().to_owned();
        let project_id = match limit("project_id", &body.project_id, 255)?.or(limit(
            "tenant_id",
            &body.tenant_id,
            255,
        )?) {
            Some(p) if p != own && !caller.is_admin() => {
                return Err(Error::forbidden(
                    "(rule:create_port:tenant_id) is disallowed by policy",
                )
                .with_type("PolicyNotAuthorized"));
            }
            Some(p) => p,
            None => own,
        };
        let given_mac = body.mac_address.as_deref().map(check_mac).transpose()?;
        let pairs = address_pairs(&body.allowed_address_pairs)?.unwrap_or_default();
        let wanted = wanted(&body.fixed_ips)?;
        let port_security = body
            .port_security_enabled
            .unwrap_or(network.port_security_enabled);
        let named = body.security_groups.clone();
        let groups = if port_security {
            self.port_groups(caller, &project_id, named).await?
        } else if named.as_ref().is_some_and(|n| !n.is_empty()) {
            return Err(bad("Port security must be enabled in order to have allowed address pairs or security groups on a port.")
                .with_type("PortSecurityAndIPRequiredForSecurityGroups"));
        } else {
            Vec::new()
        };
        let template = Port {
            id: String::new(),
            network_id: network.id.clone(),
            project_id,
            name: limit("name", &body.name, 255)?.unwrap_or_default(),
            description: limit("description", &body.description, 255)?.unwrap_or_default(),
            mac_address: String::new(),
            admin_state_up: body.admin_state_up.unwrap_or(true),
            status: "DOWN".into(),
            device_owner: limit("device_owner", &body.device_owner, 255)?.unwrap_or_default(),
            device_id: limit("device_id", &body.device_id, 255)?.unwrap_or_default(),
            binding_host_id: limit("binding:host_id", &body.binding_host_id, 255)?
                .unwrap_or_default(),
            port_security_enabled: port_security,
            security_groups: sqlx::types::Json(groups),
            allowed_address_pairs: sqlx::types::Json(pairs),
            revision_number: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        self.insert_port(template, given_mac, wanted).await
    }

    /// Stores a port made from `template` (a fresh id; the given MAC or a
    /// generated one, retried if taken) with its addresses, in one
    /// transaction.
    pub(crate) async fn insert_port(
        &self,
        template: Port,
        given_mac: Option<String>,
        wanted: Option<Vec<Wanted>>,
    ) -> Result<Port, Error> {
        for attempt in 0..8 {
            let port = Port {
                id: uuid::Uuid::new_v4().to_string(),
                mac_address: given_mac.clone().unwrap_or_else(random_mac),
                ..template.clone()
            };
            let mut tx = self.pool.begin().await?;
            self.quota_check(&mut tx, &port.project_id, "port").await?;
            match ds::port_insert(&mut *tx, &port).await {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    if given_mac.is_some() {
                        return Err(Error::conflict(format!(
                            "Unable to complete operation for network {}. The mac address {} is in use.",
                            port.network_id, port.mac_address
                        ))
                        .with_type("MacAddressInUse"));
                    }
                    tracing::debug!(attempt, "generated MAC taken; another");
                    continue;
                }
                other => other?,
            }
            self.allocate_ips(&mut tx, &port.network_id, &port.id, wanted.clone())
                .await?;
            tx.commit().await?;
            return Ok(port);
        }
        Err(
            Error::conflict("Could not generate a unique MAC address; try again.")
                .with_type("MacAddressGenerationFailure"),
        )
    }

    /// A port the service itself owns on `network` (a router's gateway or
    /// interface, a floating IP's address): no security groups.
    pub(crate) async fn service_port(
        &self,
        network: &crate::datastore::Network,
        project_id: &str,
        device_owner: &str,
        device_id: &str,
        wanted: Option<Vec<Wanted>>,
    ) -> Result<Port, Error> {
        let template = Port {
            id: String::new(),
            network_id: network.id.clone(),
            project_id: project_id.to_owned(),
            name: String::new(),
            description: String::new(),
            mac_address: String::new(),
            admin_state_up: true,
            status: "ACTIVE".into(),
            device_owner: device_owner.into(),
            device_id: device_id.into(),
            binding_host_id: String::new(),
            port_security_enabled: false,
            security_groups: sqlx::types::Json(Vec::new()),
            allowed_address_pairs: sqlx::types::Json(Vec::new()),
            revision_number: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        self.insert_port(template, None, wanted).await
    }

    /// Gives a DHCP port an address on each DHCP-enabled subnet of its
    /// network it has none on (subnets added after the port); whether it
    /// gained one.
    pub(crate) async fn dhcp_port_addresses(&self, port: &Port) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        let subnets = ds::subnets_of(&mut *tx, std::slice::from_ref(&port.network_id)).await?;
        let have = ds::fixed_ips_of(&mut *tx, std::slice::from_ref(&port.id)).await?;
        let missing: Vec<Wanted> = subnets
            .iter()
            .filter(|s| s.enable_dhcp && !have.iter().any(|f| f.subnet_id == s.id))
            .map(|s| Wanted {
                subnet_id: Some(s.id.clone()),
                ip: None,
            })
            .collect();
        if missing.is_empty() {
            return Ok(false);
        }
        self.allocate_ips(&mut tx, &port.network_id, &port.id, Some(missing))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn port_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        body: &PortUpdate,
    ) -> Result<Port, Error> {
        let mut p = self.owned_port(caller, id).await?;
        policy::port_changer(caller, &p)?;
        let network = ds::network_get(&self.pool, &p.network_id)
            .await?
            .ok_or_else(|| not_found(id))?;
        policy::port_attributes(
            caller,
            &network,
            &policy::PortAsk::update(body),
            "update_port",
        )?;
        if let Some(v) = limit("name", &body.name, 255)? {
            p.name = v;
        }
        if let Some(v) = limit("description", &body.description, 255)? {
            p.description = v;
        }
        if let Some(v) = limit("device_owner", &body.device_owner, 255)? {
            p.device_owner = v;
        }
        if let Some(v) = limit("device_id", &body.device_id, 255)? {
            p.device_id = v;
        }
        if let Some(v) = limit("binding:host_id", &body.binding_host_id, 255)? {
            p.binding_host_id = v;
        }
        if let Some(v) = body.admin_state_up {
            p.admin_state_up = v;
        }
        if let Some(v) = body.port_security_enabled {
            p.port_security_enabled = v;
        }
        if let Some(v) = address_pairs(&body.allowed_address_pairs)? {
            p.allowed_address_pairs = sqlx::types::Json(v);
        }
        if let Some(v) = body.security_groups.clone() {
            let project = p.project_id.clone();
            p.security_groups =
                sqlx::types::Json(self.port_groups(caller, &project, Some(v)).await?);
        }
        let mut tx = self.pool.begin().await?;
        if let Some(w) = wanted(&body.fixed_ips)? {
            ds::release_all(&mut *tx, id).await?;
            self.allocate_ips(&mut tx, &p.network_id, id, Some(w))
                .await?;
        }
        let p = ds::port_update(&mut *tx, &p)
            .await?
            .ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        Ok(p)
    }

    pub async fn port_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        self.owned_port(caller, id).await?;
        if ds::port_delete(&self.pool, id).await? == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }
}
