//! `stratus_port`: a port on a network, with its addresses and security
//! groups (a set of ids: order never makes a diff).

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{
    FixedIpRequest, Port as Api, PortBody, PortCreate, PortCreateBody, PortUpdate, PortUpdateBody,
};
use tf_provider::schema::{Attribute, Block, Description, NestedBlock};
use tf_provider::value::{self, Value};

use crate::client::{Client, service::NETWORK};
use crate::framework::{
    Kind, Result, StringList, StringSet, Timeouts, attr::*, changed, known, set_of, to_list, to_set,
};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FixedIp {
    pub subnet_id: Value<String>,
    pub ip_address: Value<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub network_id: Value<String>,
    pub name: Value<String>,
    pub description: Value<String>,
    pub admin_state_up: Value<bool>,
    pub mac_address: Value<String>,
    pub fixed_ip: Value<Vec<FixedIp>>,
    pub all_fixed_ips: StringList,
    pub security_group_ids: StringSet,
    pub port_security_enabled: Value<bool>,
    pub device_id: Value<String>,
    pub device_owner: Value<String>,
    pub project_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Port;

pub(crate) fn state_of(p: Api, prior: &State) -> State {
    let all = p
        .fixed_ips
        .iter()
        .map(|f| f.ip_address.clone())
        .collect::<Vec<_>>();
    State {
        id: Value::Value(p.id),
        network_id: Value::Value(p.network_id),
        name: Value::Value(p.name),
        description: Value::Value(p.description),
        admin_state_up: Value::Value(p.admin_state_up),
        mac_address: Value::Value(p.mac_address),
        // Blocks as configured: none stay none; after an import (null),
        // every address.
        fixed_ip: match &prior.fixed_ip {
            Value::Value(v) if v.is_empty() => Value::Value(Vec::new()),
            _ => Value::Value(
                p.fixed_ips
                    .into_iter()
                    .map(|f| FixedIp {
                        subnet_id: Value::Value(f.subnet_id),
                        ip_address: Value::Value(f.ip_address),
                    })
                    .collect(),
            ),
        },
        all_fixed_ips: to_list(all),
        security_group_ids: to_set(p.security_groups),
        port_security_enabled: Value::Value(p.port_security_enabled),
        device_id: Value::Value(p.device_id),
        device_owner: Value::Value(p.device_owner),
        project_id: Value::Value(p.project_id),
        timeouts: Value::Null,
    }
}

fn fixed_ips(s: &State) -> Option<Vec<FixedIpRequest>> {
    known(&s.fixed_ip).filter(|v| !v.is_empty()).map(|ips| {
        ips.into_iter()
            .map(|f| FixedIpRequest {
                subnet_id: known(&f.subnet_id),
                ip_address: known(&f.ip_address).filter(|a| !a.is_empty()),
            })
            .collect()
    })
}

#[async_trait]
impl Kind for Port {
    type State = State;
    const DESCRIPTION: &'static str = "A port on a network: an address (or several) and a MAC, filtered by security groups. Give it to `stratus_instance.port_ids` to boot an instance with a fixed address.";
    const REPLACE: &'static [&'static str] = &["network_id", "mac_address", "project_id"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("network_id", required(string(), "The network.")),
            ("name", defaulted(string(), "The port's name.")),
            ("description", defaulted(string(), "A description.")),
            (
                "admin_state_up",
                defaulted(bool(), "Whether it forwards (default true)."),
            ),
            (
                "mac_address",
                defaulted(string(), "The MAC (generated when absent)."),
            ),
            (
                "all_fixed_ips",
                computed(list_of_strings(), "Every address it has."),
            ),
            (
                "security_group_ids",
                defaulted(
                    set_of_strings(),
                    "Its security groups (the project's `default` when absent).",
                ),
            ),
            (
                "port_security_enabled",
                defaulted(
                    bool(),
                    "Filtering and anti-spoofing (default: the network's).",
                ),
            ),
            (
                "device_id",
                computed(string(), "What uses it (a server or router id)."),
            ),
            (
                "device_owner",
                computed(
                    string(),
                    "The kind of user (`compute:<zone>`, `network:router_interface`, ...).",
                ),
            ),
            (
                "project_id",
                defaulted(string(), "The owning project (admins may name another)."),
            ),
        ]
    }

    fn blocks(&self) -> Vec<(&'static str, NestedBlock)> {
        let block = Block {
            attributes: HashMap::from([
                ("subnet_id".to_owned(), required(string(), "The subnet.")),
                (
                    "ip_address".to_owned(),
                    defaulted(
                        string(),
                        "The address (allocated from the subnet when absent).",
                    ),
                ),
            ]),
            description: Description::plain(
                "An address of the port (one from the network's first subnet when none is given).",
            ),
            ..Default::default()
        };
        vec![("fixed_ip", NestedBlock::List(block))]
    }

    async fn plan(
        &self,
        _client: &Client,
        prior: Option<&State>,
        planned: &mut State,
    ) -> Result<Vec<(String, String)>> {
        // Addresses the API picks are unknown until it has.
        // (Blocks removed from the configuration change nothing: the port
        // keeps its addresses.)
        let ips_changed = prior.is_none_or(|p| p.fixed_ip != planned.fixed_ip)
            && !matches!(&planned.fixed_ip, Value::Value(v) if v.is_empty());
        if let Value::Value(ips) = &mut planned.fixed_ip {
            for ip in ips.iter_mut() {
                if matches!(ip.ip_address, Value::Null) {
                    ip.ip_address = Value::Unknown;
                }
            }
        }
        if ips_changed {
            planned.all_fixed_ips = Value::Unknown;
        }
        Ok(Vec::new())
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let body = PortCreateBody {
            port: PortCreate {
                network_id: known(&plan.network_id).unwrap_or_default(),
                name: known(&plan.name),
                description: known(&plan.description),
                admin_state_up: known(&plan.admin_state_up),
                mac_address: known(&plan.mac_address),
                fixed_ips: fixed_ips(plan),
                security_groups: set_of(&plan.security_group_ids),
                port_security_enabled: known(&plan.port_security_enabled),
                project_id: known(&plan.project_id),
                ..Default::default()
            },
        };
        let made: PortBody = client.post(NETWORK, "/v2.0/ports", &body).await?;
        *id = Some(made.port.id.clone());
        Ok(state_of(made.port, plan))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<PortBody> = client
            .get_opt(NETWORK, &format!("/v2.0/ports/{id}"))
            .await?;
        Ok(got.map(|b| state_of(b.port, state)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let mut u = PortUpdate {
            name: changed(&prior.name, &plan.name),
            description: changed(&prior.description, &plan.description),
            admin_state_up: changed(&prior.admin_state_up, &plan.admin_state_up),
            port_security_enabled: changed(
                &prior.port_security_enabled,
                &plan.port_security_enabled,
            ),
            ..Default::default()
        };
        if plan.fixed_ip != prior.fixed_ip {
            u.fixed_ips = fixed_ips(plan);
        }
        if plan.security_group_ids != prior.security_group_ids {
            u.security_groups = Some(set_of(&plan.security_group_ids).unwrap_or_default());
        }
        let got: PortBody = client
            .put(
                NETWORK,
                &format!("/v2.0/ports/{id}"),
                &PortUpdateBody { port: u },
            )
            .await?;
        Ok(state_of(got.port, plan))
    }

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        super::delete_retrying_conflicts(client, NETWORK, &format!("/v2.0/ports/{id}"), deadline)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_unknowns_round_trip() {
        let s = State {
            fixed_ip: Value::Value(vec![FixedIp {
                subnet_id: Value::Unknown,
                ip_address: Value::Null,
            }]),
            ..Default::default()
        };
        let bytes = rmp_serde::to_vec_named(&s).expect("encode");
        let back: State = rmp_serde::from_slice(&bytes).expect("decode");
        assert_eq!(back, s);
    }
}
