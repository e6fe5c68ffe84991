//! Subnets as Neutron has them: IPv4 or IPv6 on a network the caller owns,
//! a CIDR written as its network that overlaps no other subnet of the
//! network (checked with the network row locked, so racing creates cannot
//! both pass), a gateway inside it and outside the allocation pools, pools
//! inside the CIDR that do not overlap, DNS servers and host routes.

use super::App;
use super::input::{bad, invalid, limit, required};
use super::ipam;
use crate::datastore::{self as ds, Subnet};
use ipnet::IpNet;
use serde_json::{Value, json};
use std::net::IpAddr;
use stratus_api::network::{HostRoute, SubnetCreate, SubnetUpdate};
use stratus_auth::TokenClaims;
use stratus_common::Error;

fn not_found(id: &str) -> Error {
    Error::not_found(format!("Subnet {id} could not be found.")).with_type("SubnetNotFound")
}

const IPV6_MODES: &[&str] = &["slaac", "dhcpv6-stateful", "dhcpv6-stateless"];

fn ip_in(key: &str, v: &str, net: &IpNet) -> Result<IpAddr, Error> {
    let ip: IpAddr = v
        .parse()
        .map_err(|_| invalid(key, format!("'{v}' is not a valid IP address")))?;
    if !net.contains(&ip) {
        return Err(invalid(key, format!("{ip} is not in {net}")));
    }
    Ok(ip)
}

fn dns(given: &Option<Vec<String>>, version: i32) -> Result<Option<Vec<String>>, Error> {
    let Some(list) = given else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for s in list {
        let ip: IpAddr = s.parse().map_err(|_| {
            invalid(
                "dns_nameservers",
                format!("'{s}' is not a valid IP address"),
            )
        })?;
        if (version == 4) != ip.is_ipv4() {
            return Err(invalid(
                "dns_nameservers",
                format!("{ip} is not an IPv{version} address"),
            ));
        }
        if out.contains(&ip.to_string()) {
            return Err(invalid(
                "dns_nameservers",
                format!("duplicate nameserver '{ip}'"),
            ));
        }
        out.push(ip.to_string());
    }
    Ok(Some(out))
}

fn routes(given: &Option<Vec<HostRoute>>, version: i32) -> Result<Option<Vec<Value>>, Error> {
    let Some(list) = given else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for HostRoute {
        destination,
        nexthop,
    } in list
    {
        let route = format!("{destination} via {nexthop}");
        let (dest, hop) = (destination.as_str(), nexthop.as_str());
        let dest = ipam::parse_route_destination(dest).map_err(|e| invalid("host_routes", e))?;
        let hop: IpAddr = hop
            .parse()
            .map_err(|_| invalid("host_routes", format!("'{hop}' is not a valid IP address")))?;
        if (version == 4) != hop.is_ipv4() || (version == 4) != matches!(dest, IpNet::V4(_)) {
            return Err(invalid(
                "host_routes",
                format!("{route} is not IPv{version}"),
            ));
        }
        out.push(json!({"destination": dest.to_string(), "nexthop": hop.to_string()}));
    }
    Ok(Some(out))
}

impl App {
    pub async fn subnet_get(&self, caller: &TokenClaims, id: &str) -> Result<Subnet, Error> {
        let s = ds::subnet_get(&self.pool, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        // A subnet is seen with its network.
        self.network_get(caller, &s.network_id)
            .await
            .map_err(|_| not_found(id))?;
        Ok(s)
    }

    /// The subnets of the networks the caller sees.
    pub async fn subnet_list(&self, caller: &TokenClaims) -> Result<Vec<Subnet>, Error> {
        let ids: Vec<String> = self
            .network_list(caller)
            .await?
            .into_iter()
            .map(|n| n.id)
            .collect();
        ds::subnets_of(&self.pool, &ids).await.map_err(Error::from)
    }

    /// The subnets of the given networks.
    pub async fn subnets_of(&self, network_ids: &[String]) -> Result<Vec<Subnet>, Error> {
        ds::subnets_of(&self.pool, network_ids)
            .await
            .map_err(Error::from)
    }

    pub async fn subnet_create(
        &self,
        caller: &TokenClaims,
        body: &SubnetCreate,
    ) -> Result<Subnet, Error> {
        let network_id = required("network_id", &body.network_id, 255)?;
        let network = self
            .network_owned(caller, &network_id, "create_subnet")
            .await
            .map_err(|e| {
                if e.status().as_u16() == 404 {
                    Error::not_found(format!("Network {network_id} could not be found."))
                        .with_type("NetworkNotFound")
                } else {
                    e
                }
            })?;
        let version = match body.ip_version {
            Some(4) => 4,
            Some(6) => 6,
            Some(v) => return Err(invalid("ip_version", format!("'{v}' is not in [4, 6]"))),
            None => return Err(invalid("ip_version", "it is required")),
        };
        let cidr = required("cidr", &body.cidr, 64)?;
        let net = ipam::parse_cidr(&cidr).map_err(|e| invalid("cidr", e))?;
        if (version == 4) != matches!(net, IpNet::V4(_)) {
            return Err(invalid(
                "cidr",
                format!("{net} is not an IPv{version} subnet"),
            ));
        }
        let gateway = match &body.gateway_ip {
            Some(None) => None,
            Some(Some(g)) => Some(ip_in("gateway_ip", g, &net)?),
            None => Some(ipam::from_u128(ipam::usable(&net).0, net.network())),
        };
        let pools: Vec<(u128, u128)> = match &body.allocation_pools {
            None => ipam::default_pools(&net, gateway),
            Some(given) => {
                let mut pools = Vec::new();
                for p in given {
                    let (a, b) = (
                        ip_in("allocation_pools", &p.start, &net)?,
                        ip_in("allocation_pools", &p.end, &net)?,
                    );
                    let (a, b) = (ipam::to_u128(a), ipam::to_u128(b));
                    if a > b {
                        return Err(invalid(
                            "allocation_pools",
                            format!("{} is after {}", p.start, p.end),
                        ));
                    }
                    let (lo, hi) = ipam::usable(&net);
                    if a < lo || b > hi {
                        return Err(invalid(
                            "allocation_pools",
                            format!(
                                "{}-{} includes the network or broadcast address",
                                p.start, p.end
                            ),
                        ));
                    }
                    if pools.iter().any(|(x, y)| a <= *y && *x <= b) {
                        return Err(bad(format!(
                            "Found overlapping allocation pools: {}-{}",
                            p.start, p.end
                        ))
                        .with_type("OverlappingAllocationPools"));
                    }
                    pools.push((a, b));
                }
                if let Some(g) = gateway.map(ipam::to_u128)
                    && pools.iter().any(|(a, b)| (*a..=*b).contains(&g))
                {
                    return Err(Error::conflict(format!(
                        "Gateway ip {} conflicts with allocation pool",
                        gateway.map(|g| g.to_string()).unwrap_or_default()
                    ))
                    .with_type("GatewayConflictWithAllocationPools"));
                }
                pools.sort_unstable();
                pools
            }
        };
        let mode = |key: &str, given: &Option<String>| -> Result<Option<String>, Error> {
            match limit(key, given, 32)? {
                Some(m) if version != 6 => {
                    Err(invalid(key, format!("'{m}' is for IPv6 subnets only")))
                }
                Some(m) if !IPV6_MODES.contains(&m.as_str()) => {
                    Err(invalid(key, format!("'{m}' is not in {IPV6_MODES:?}")))
                }
                other => Ok(other),
            }
        };
        let enable_dhcp = body.enable_dhcp.unwrap_or(true);
        let subnet = Subnet {
            id: uuid::Uuid::new_v4().to_string(),
            network_id: network.id.clone(),
            project_id: network.project_id.clone(),
            name: limit("name", &body.name, 255)?.unwrap_or_default(),
            description: limit("description", &body.description, 255)?.unwrap_or_default(),
            ip_version: version,
            cidr: net.to_string(),
            gateway_ip: gateway.map(|g| g.to_string()),
            enable_dhcp,
            allocation_pools: sqlx::types::Json(ipam::pool_json(&pools, net.network())),
            dns_nameservers: sqlx::types::Json(
                dns(&body.dns_nameservers, version)?.unwrap_or_default(),
            ),
            host_routes: sqlx::types::Json(routes(&body.host_routes, version)?.unwrap_or_default()),
            ipv6_ra_mode: mode("ipv6_ra_mode", &body.ipv6_ra_mode)?,
            ipv6_address_mode: mode("ipv6_address_mode", &body.ipv6_address_mode)?,
            revision_number: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let mut tx = self.pool.begin().await?;
        self.quota_check(&mut tx, &subnet.project_id, "subnet")
            .await?;
        ds::lock_network(&mut tx, &network.id).await?;
        let existing = ds::subnets_of(&mut *tx, std::slice::from_ref(&network.id)).await?;
        for other in existing {
            if let Ok(o) = other.cidr.parse::<IpNet>()
                && (o.contains(&net.network()) || net.contains(&o.network()))
            {
                return Err(bad(format!(
                    "Invalid input for operation: Requested subnet with cidr: {net} for network: {} overlaps with another subnet.",
                    network.id
                )));
            }
        }
        ds::subnet_insert(&mut *tx, &subnet).await?;
        tx.commit().await?;
        Ok(subnet)
    }

    pub async fn subnet_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        body: &SubnetUpdate,
    ) -> Result<Subnet, Error> {
        let mut s = self.subnet_get(caller, id).await?;
        self.network_owned(caller, &s.network_id, "update_subnet")
            .await?;
        let net: IpNet = s
            .cidr
            .parse()
            .map_err(|_| Error::internal(&std::io::Error::other("stored cidr")))?;
        if let Some(n) = limit("name", &body.name, 255)? {
            s.name = n;
        }
        if let Some(d) = limit("description", &body.description, 255)? {
            s.description = d;
        }
        match &body.gateway_ip {
            None => {}
            Some(None) => s.gateway_ip = None,
            Some(Some(g)) => {
                let ip = ip_in("gateway_ip", g, &net)?;
                let g = ipam::to_u128(ip);
                let in_pool = s.allocation_pools.0.iter().any(|p| {
                    let (a, b) = (
                        p.start.parse().map(ipam::to_u128),
                        p.end.parse().map(ipam::to_u128),
                    );
                    matches!((a, b), (Ok(a), Ok(b)) if (a..=b).contains(&g))
                });
                if in_pool {
                    return Err(Error::conflict(format!(
                        "Gateway ip {ip} conflicts with allocation pool"
                    ))
                    .with_type("GatewayConflictWithAllocationPools"));
                }
                s.gateway_ip = Some(ip.to_string());
            }
        }
        if let Some(b) = body.enable_dhcp {
            s.enable_dhcp = b;
        }
        if let Some(d) = dns(&body.dns_nameservers, s.ip_version)? {
            s.dns_nameservers = sqlx::types::Json(d);
        }
        if let Some(r) = routes(&body.host_routes, s.ip_version)? {
            s.host_routes = sqlx::types::Json(r);
        }
        ds::subnet_update(&self.pool, &s)
            .await?
            .ok_or_else(|| not_found(id))
    }

    pub async fn subnet_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        let s = self.subnet_get(caller, id).await?;
        self.network_owned(caller, &s.network_id, "delete_subnet")
            .await?;
        if ds::allocations_in(&self.pool, id).await? > 0 {
            return Err(Error::conflict(format!(
                "Unable to complete operation on subnet {id}: One or more ports have an IP allocation from this subnet."
            ))
            .with_type("SubnetInUse"));
        }
        if ds::subnet_delete(&self.pool, id).await? == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }
}
