//! The agents' side of the service: a [`HostSync`] call records the agent,
//! sets the status of the ports it wired, hands it networks' DHCP and
//! routers nobody live serves, and answers with everything its host
//! carries. Every change a data plane must follow is announced with
//! `network.changed`.

use std::collections::{BTreeMap, BTreeSet};

use stratus_bus::{Call, Incoming, ServerHandle};
use stratus_bus_protocol::Notification;
use stratus_bus_protocol::network::{
    AddressPair, DhcpHost, DhcpSpec, FixedIpSpec, FloatingIpSpec, HostConfig, HostSync,
    NetworkChanged, NetworkServiceRequest, NetworkSpec, PortSpec, RouterPortSpec, RuleSpec,
    SecurityGroupSpec, SubnetSpec,
};
use stratus_common::{Error, RequestContext};

use super::App;
use super::routers::{GATEWAY, INTERFACE};
use crate::datastore::hosts as ds;
use crate::datastore::{FixedIp, Port, Subnet};

impl App {
    /// Serves the agents' and the compute service's calls (one queue shared
    /// by the service's replicas).
    pub fn serve_agents(&self) -> ServerHandle {
        let app = self.clone();
        stratus_bus_protocol::NetworkService::of(&self.bus).serve(
            move |inc: Incoming<NetworkServiceRequest>| {
                let app = app.clone();
                async move {
                    match inc.message {
                        NetworkServiceRequest::Sync(sync) => {
                            let config = app.host_sync(&sync).await?;
                            sync.reply(config)
                        }
                        NetworkServiceRequest::PortsBind(r) => {
                            let ports = app.ports_bind(&r).await?;
                            r.reply(ports)
                        }
                        NetworkServiceRequest::PortsRelease(r) => {
                            let ports = app.ports_release(&r).await?;
                            r.reply(ports)
                        }
                    }
                }
            },
        )
    }

    /// Tells every agent to sync (in the background: a request never waits
    /// for the bus).
    pub fn announce_change(&self) {
        let bus = self.bus.clone();
        tokio::spawn(async move {
            if let Err(e) = bus
                .notify::<Notification>(&RequestContext::system(), NetworkChanged {})
                .await
            {
                tracing::warn!(error = %e, "network.changed not published");
            }
        });
    }

    /// Records the agent's report and answers with what its host carries.
    pub async fn host_sync(&self, sync: &HostSync) -> Result<HostConfig, Error> {
        if sync.host.is_empty() {
            return Err(Error::bad_request("host must not be empty"));
        }
        let down_s = i64::from(self.config.agent_down_s);
        let host = sync.host.as_str();
        ds::agent_seen(
            &self.pool,
            host,
            sync.tunnel_ip.as_deref(),
            &sync.physical_networks,
        )
        .await?;
        ds::set_port_status(&self.pool, host, &sync.ports_up, "ACTIVE").await?;
        ds::set_port_status(&self.pool, host, &sync.ports_down, "DOWN").await?;

        let ports = ds::bound_ports(&self.pool, host).await?;
        let port_networks: Vec<String> = ports
            .iter()
            .map(|p| p.network_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut changed = ds::claim_dhcp(&self.pool, host, &port_networks, down_s).await? > 0;
        changed |= ds::claim_routers(&self.pool, host, &sync.physical_networks, down_s).await? > 0;

        // DHCP: a port per served network, bound here.
        let dhcp_networks = ds::dhcp_networks(&self.pool, host).await?;
        let mut dhcp_ports = Vec::new();
        for net in &dhcp_networks {
            let port = match ds::dhcp_port(&self.pool, net).await? {
                Some(p) => p,
                None => {
                    let Some(network) = crate::datastore::network_get(&self.pool, net).await?
                    else {
                        continue;
                    };
                    changed = true;
                    self.service_port(
                        &network,
                        &network.project_id,
                        stratus_api::network::DeviceOwner::DHCP,
                        &format!("dhcp-{net}"),
                        None,
                    )
                    .await?
                }
            };
            if port.binding_host_id != host {
                ds::bind_port(&self.pool, &port.id, host).await?;
                changed = true;
            }
            // A subnet added later gets served too; a full pool only
            // leaves that subnet without DHCP.
            match self.dhcp_port_addresses(&port).await {
                Ok(gained) => changed |= gained,
                Err(e) => {
                    tracing::warn!(network = %net, error = %e, "no DHCP address on a subnet")
                }
            }
            dhcp_ports.push(port);
        }

        // Routers and their ports.
        let routers = ds::routers_of(&self.pool, host).await?;
        let mut router_ports = Vec::new();
        for (id, snat) in &routers {
            let mut rports = crate::datastore::router_ports(&self.pool, id, GATEWAY).await?;
            rports.extend(crate::datastore::router_ports(&self.pool, id, INTERFACE).await?);
            for p in &rports {
                if p.binding_host_id != host {
                    ds::bind_port(&self.pool, &p.id, host).await?;
                    changed = true;
                }
            }
            let fips = ds::router_floating_ips(&self.pool, id).await?;
            router_ports.push((id.clone(), *snat, rports, fips));
        }

        // Every network the host carries, with subnets and addresses.
        let mut network_ids: BTreeSet<String> = port_networks.iter().cloned().collect();
        network_ids.extend(dhcp_networks.iter().cloned());
        for (_, _, rports, _) in &router_ports {
            network_ids.extend(rports.iter().map(|p| p.network_id.clone()));
        }
        let network_ids: Vec<String> = network_ids.into_iter().collect();
        let subnets = crate::datastore::subnets_of(&self.pool, &network_ids).await?;
        let mut all_ports: Vec<&Port> = ports.iter().chain(dhcp_ports.iter()).collect();
        for (_, _, rports, _) in &router_ports {
            all_ports.extend(rports.iter());
        }
        let dhcp_members = ds::ports_of_networks(&self.pool, &dhcp_networks).await?;
        let mut ip_of: Vec<String> = all_ports.iter().map(|p| p.id.clone()).collect();
        ip_of.extend(dhcp_members.iter().map(|p| p.id.clone()));
        let fixed = crate::datastore::fixed_ips_of(&self.pool, &ip_of).await?;
        let mut by_port: BTreeMap<&str, Vec<&FixedIp>> = BTreeMap::new();
        for f in &fixed {
            by_port.entry(f.port_id.as_str()).or_default().push(f);
        }
        let spec = |p: &Port| port_spec(p, by_port.get(p.id.as_str()));

        let mut networks = Vec::new();
        for n in ds::networks(&self.pool, &network_ids).await? {
            let peers = if n.network_type == "vxlan" {
                ds::peers(&self.pool, host, &n.id, down_s).await?
            } else {
                Vec::new()
            };
            networks.push(NetworkSpec {
                id: n.id,
                network_type: n.network_type,
                physical_network: n.physical_network,
                segmentation_id: n.segmentation_id.and_then(|s| u32::try_from(s).ok()),
                mtu: u32::try_from(n.mtu).unwrap_or(1500),
                peers,
            });
        }

        let dhcp = dhcp_ports
            .iter()
            .map(|dp| DhcpSpec {
                network_id: dp.network_id.clone(),
                port: spec(dp),
                subnets: subnets
                    .iter()
                    .filter(|s| s.network_id == dp.network_id && s.enable_dhcp)
                    .map(subnet_spec)
                    .collect(),
                hosts: dhcp_members
                    .iter()
                    .filter(|p| p.network_id == dp.network_id && p.id != dp.id)
                    .flat_map(|p| {
                        by_port
                            .get(p.id.as_str())
                            .into_iter()
                            .flatten()
                            .map(|f| DhcpHost {
                                mac_address: p.mac_address.clone(),
                                ip_address: f.ip_address.clone(),
                                hostname: format!("host-{}", f.ip_address.replace(['.', ':'], "-")),
                            })
                    })
                    .collect(),
            })
            .collect();

        let router_port = |p: &Port| RouterPortSpec {
            port: spec(p),
            subnets: subnets
                .iter()
                .filter(|s| {
                    by_port
                        .get(p.id.as_str())
                        .is_some_and(|ips| ips.iter().any(|f| f.subnet_id == s.id))
                })
                .map(subnet_spec)
                .collect(),
        };
        let routers = router_ports
            .iter()
            .map(
                |(id, snat, rports, fips)| stratus_bus_protocol::network::RouterSpec {
                    id: id.clone(),
                    enable_snat: *snat,
                    gateway: rports
                        .iter()
                        .find(|p| p.device_owner == GATEWAY)
                        .map(router_port),
                    interfaces: rports
                        .iter()
                        .filter(|p| p.device_owner == INTERFACE)
                        .map(router_port)
                        .collect(),
                    floating_ips: fips
                        .iter()
                        .map(|(f, x)| FloatingIpSpec {
                            floating_ip_address: f.clone(),
                            fixed_ip_address: x.clone(),
                        })
                        .collect(),
                },
            )
            .collect();

        let security_groups = self.group_specs(&ports).await?;
        if changed {
            self.announce_change();
        }
        Ok(HostConfig {
            networks,
            ports: ports.iter().map(spec).collect(),
            security_groups,
            dhcp,
            routers,
        })
    }

    /// The groups of these ports and the groups their rules name as remote.
    async fn group_specs(&self, ports: &[Port]) -> Result<Vec<SecurityGroupSpec>, Error> {
        let mut ids: BTreeSet<String> = ports
            .iter()
            .filter(|p| p.port_security_enabled)
            .flat_map(|p| p.security_groups.0.iter().cloned())
            .collect();
        let direct: Vec<String> = ids.iter().cloned().collect();
        let rules = crate::datastore::rules_of(&self.pool, &direct).await?;
        ids.extend(rules.iter().filter_map(|r| r.remote_group_id.clone()));
        let ids: Vec<String> = ids.into_iter().collect();
        let groups = ds::groups(&self.pool, &ids).await?;
        let members = ds::group_members(&self.pool, &ids).await?;
        Ok(groups
            .into_iter()
            .map(|g| SecurityGroupSpec {
                rules: rules
                    .iter()
                    .filter(|r| r.security_group_id == g.id)
                    .map(|r| RuleSpec {
                        id: r.id.clone(),
                        direction: r.direction.clone(),
                        ethertype: r.ethertype.clone(),
                        protocol: r.protocol.clone(),
                        port_range_min: r.port_range_min.and_then(|v| u32::try_from(v).ok()),
                        port_range_max: r.port_range_max.and_then(|v| u32::try_from(v).ok()),
                        remote_ip_prefix: r.remote_ip_prefix.clone(),
                        remote_group_id: r.remote_group_id.clone(),
                    })
                    .collect(),
                members: members
                    .iter()
                    .filter(|(group, _)| *group == g.id)
                    .map(|(_, ip)| ip.clone())
                    .collect(),
                id: g.id,
                stateful: g.stateful,
            })
            .collect())
    }
}

fn port_spec(p: &Port, ips: Option<&Vec<&FixedIp>>) -> PortSpec {
    PortSpec {
        id: p.id.clone(),
        network_id: p.network_id.clone(),
        mac_address: p.mac_address.clone(),
        fixed_ips: ips
            .into_iter()
            .flatten()
            .map(|f| FixedIpSpec {
                subnet_id: f.subnet_id.clone(),
                ip_address: f.ip_address.clone(),
            })
            .collect(),
        device_owner: p.device_owner.clone(),
        admin_state_up: p.admin_state_up,
        port_security_enabled: p.port_security_enabled,
        security_groups: p.security_groups.0.clone(),
        allowed_address_pairs: p
            .allowed_address_pairs
            .0
            .iter()
            .filter_map(|pair| {
                Some(AddressPair {
                    ip_address: pair.get("ip_address")?.as_str()?.to_owned(),
                    mac_address: pair
                        .get("mac_address")
                        .and_then(|m| m.as_str())
                        .unwrap_or(&p.mac_address)
                        .to_owned(),
                })
            })
            .collect(),
    }
}

fn subnet_spec(s: &Subnet) -> SubnetSpec {
    SubnetSpec {
        id: s.id.clone(),
        ip_version: u8::try_from(s.ip_version).unwrap_or(4),
        cidr: s.cidr.clone(),
        gateway_ip: s.gateway_ip.clone(),
        enable_dhcp: s.enable_dhcp,
        dns_nameservers: s.dns_nameservers.0.clone(),
        host_routes: s
            .host_routes
            .0
            .iter()
            .filter_map(|r| {
                Some((
                    r.get("destination")?.as_str()?.to_owned(),
                    r.get("nexthop")?.as_str()?.to_owned(),
                ))
            })
            .collect(),
    }
}
