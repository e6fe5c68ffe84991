//! `stratus_subnet`: an address range of a network.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{
    AllocationPool, HostRoute, Subnet as Api, SubnetBody, SubnetCreate, SubnetCreateBody,
    SubnetUpdate, SubnetUpdateBody,
};
use tf_provider::schema::{Attribute, AttributeType};
use tf_provider::value::{self, Value};

use crate::client::{Client, service::NETWORK};
use crate::framework::{
    Error, Kind, Result, StringList, Timeouts, attr::*, changed, known, list_of, to_list,
};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Pool {
    pub start: Value<String>,
    pub end: Value<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Route {
    pub destination: Value<String>,
    pub nexthop: Value<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub network_id: Value<String>,
    pub cidr: Value<String>,
    pub ip_version: Value<i64>,
    pub name: Value<String>,
    pub description: Value<String>,
    pub gateway_ip: Value<String>,
    pub no_gateway: Value<bool>,
    pub enable_dhcp: Value<bool>,
    pub dns_nameservers: StringList,
    pub allocation_pools: Value<Vec<Pool>>,
    pub host_routes: Value<Vec<Route>>,
    pub project_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Subnet;

pub(crate) fn state_of(s: Api, prior: &State) -> State {
    State {
        id: Value::Value(s.id),
        network_id: Value::Value(s.network_id),
        cidr: Value::Value(s.cidr),
        ip_version: Value::Value(s.ip_version),
        name: Value::Value(s.name),
        description: Value::Value(s.description),
        no_gateway: match prior.no_gateway {
            Value::Null if s.gateway_ip.is_some() => Value::Null,
            _ => Value::Value(s.gateway_ip.is_none()),
        },
        gateway_ip: Value::Value(s.gateway_ip.unwrap_or_default()),
        enable_dhcp: Value::Value(s.enable_dhcp),
        dns_nameservers: match (&prior.dns_nameservers, s.dns_nameservers.is_empty()) {
            (Value::Null, true) => Value::Null,
            _ => to_list(s.dns_nameservers),
        },
        allocation_pools: Value::Value(
            s.allocation_pools
                .into_iter()
                .map(|p| Pool {
                    start: Value::Value(p.start),
                    end: Value::Value(p.end),
                })
                .collect(),
        ),
        host_routes: Value::Value(
            s.host_routes
                .into_iter()
                .map(|r| Route {
                    destination: Value::Value(r.destination),
                    nexthop: Value::Value(r.nexthop),
                })
                .collect(),
        ),
        project_id: Value::Value(s.project_id),
        timeouts: Value::Null,
    }
}

fn pools(v: &Value<Vec<Pool>>) -> Option<Vec<AllocationPool>> {
    known(v).map(|ps| {
        ps.into_iter()
            .map(|p| AllocationPool {
                start: known(&p.start).unwrap_or_default(),
                end: known(&p.end).unwrap_or_default(),
            })
            .collect()
    })
}

fn routes(v: &Value<Vec<Route>>) -> Option<Vec<HostRoute>> {
    known(v).map(|rs| {
        rs.into_iter()
            .map(|r| HostRoute {
                destination: known(&r.destination).unwrap_or_default(),
                nexthop: known(&r.nexthop).unwrap_or_default(),
            })
            .collect()
    })
}

/// What the gateway becomes: `Some(None)` for none, `Some(Some(ip))` for an
/// address, `None` for the API's default.
fn gateway(s: &State) -> Option<Option<String>> {
    if known(&s.no_gateway) == Some(true) {
        return Some(None);
    }
    known(&s.gateway_ip).filter(|g| !g.is_empty()).map(Some)
}

fn object(fields: &[&str]) -> AttributeType {
    AttributeType::Object(
        fields
            .iter()
            .map(|f| ((*f).to_owned(), AttributeType::String))
            .collect::<HashMap<_, _>>(),
    )
}

#[async_trait]
impl Kind for Subnet {
    type State = State;
    const DESCRIPTION: &'static str = "A subnet: an IPv4 or IPv6 range of a network, with its gateway, DHCP and allocation pools.";
    const REPLACE: &'static [&'static str] = &[
        "network_id",
        "cidr",
        "ip_version",
        "project_id",
        "allocation_pools",
    ];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            (
                "network_id",
                required(string(), "The network it belongs to."),
            ),
            ("cidr", required(string(), "The range, e.g. `10.0.0.0/24`.")),
            ("ip_version", defaulted(number(), "4 (default) or 6.")),
            ("name", defaulted(string(), "The subnet's name.")),
            ("description", defaulted(string(), "A description.")),
            (
                "gateway_ip",
                defaulted(
                    string(),
                    "The gateway address (default: the first address of the range).",
                ),
            ),
            ("no_gateway", optional(bool(), "No gateway at all.")),
            (
                "enable_dhcp",
                defaulted(bool(), "Whether DHCP serves the range (default true)."),
            ),
            (
                "dns_nameservers",
                optional(
                    list_of_strings(),
                    "DNS servers handed out by DHCP, in order.",
                ),
            ),
            (
                "allocation_pools",
                defaulted(
                    AttributeType::List(Box::new(object(&["start", "end"]))),
                    "The ranges addresses are allocated from (default: the whole range but the gateway).",
                ),
            ),
            (
                "host_routes",
                defaulted(
                    AttributeType::List(Box::new(object(&["destination", "nexthop"]))),
                    "Routes handed out by DHCP.",
                ),
            ),
            (
                "project_id",
                defaulted(string(), "The owning project (admins may name another)."),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        let mut errors = Vec::new();
        if known(&c.no_gateway) == Some(true) && known(&c.gateway_ip).is_some_and(|g| !g.is_empty())
        {
            errors.push(Error::attr(
                "no_gateway",
                "no_gateway and gateway_ip cannot both be given",
            ));
        }
        if let Some(v) = known(&c.ip_version)
            && v != 4
            && v != 6
        {
            errors.push(Error::attr("ip_version", format!("{v} is neither 4 nor 6")));
        }
        errors
    }

    async fn plan(
        &self,
        _client: &Client,
        prior: Option<&State>,
        planned: &mut State,
    ) -> Result<Vec<(String, String)>> {
        // The gateway follows no_gateway.
        if let Some(prior) = prior
            && prior.no_gateway != planned.no_gateway
            && planned.gateway_ip == prior.gateway_ip
        {
            planned.gateway_ip = Value::Unknown;
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
        let body = SubnetCreateBody {
            subnet: SubnetCreate {
                network_id: known(&plan.network_id).unwrap_or_default(),
                ip_version: known(&plan.ip_version).or_else(|| {
                    // Neutron requires it; the range tells.
                    known(&plan.cidr).map(|c| if c.contains(':') { 6 } else { 4 })
                }),
                cidr: known(&plan.cidr).unwrap_or_default(),
                name: known(&plan.name),
                description: known(&plan.description),
                gateway_ip: gateway(plan),
                enable_dhcp: known(&plan.enable_dhcp),
                allocation_pools: pools(&plan.allocation_pools),
                dns_nameservers: list_of(&plan.dns_nameservers),
                host_routes: routes(&plan.host_routes),
                project_id: known(&plan.project_id),
                ..Default::default()
            },
        };
        let made: SubnetBody = client.post(NETWORK, "/v2.0/subnets", &body).await?;
        *id = Some(made.subnet.id.clone());
        Ok(state_of(made.subnet, plan))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<SubnetBody> = client
            .get_opt(NETWORK, &format!("/v2.0/subnets/{id}"))
            .await?;
        Ok(got.map(|b| state_of(b.subnet, state)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let mut u = SubnetUpdate {
            name: changed(&prior.name, &plan.name),
            description: changed(&prior.description, &plan.description),
            enable_dhcp: changed(&prior.enable_dhcp, &plan.enable_dhcp),
            ..Default::default()
        };
        if plan.gateway_ip != prior.gateway_ip || plan.no_gateway != prior.no_gateway {
            u.gateway_ip = gateway(plan);
        }
        if plan.dns_nameservers != prior.dns_nameservers {
            u.dns_nameservers = Some(list_of(&plan.dns_nameservers).unwrap_or_default());
        }
        if plan.host_routes != prior.host_routes {
            u.host_routes = Some(routes(&plan.host_routes).unwrap_or_default());
        }
        let got: SubnetBody = client
            .put(
                NETWORK,
                &format!("/v2.0/subnets/{id}"),
                &SubnetUpdateBody { subnet: u },
            )
            .await?;
        Ok(state_of(got.subnet, plan))
    }

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        super::delete_retrying_conflicts(client, NETWORK, &format!("/v2.0/subnets/{id}"), deadline)
            .await
    }
}
