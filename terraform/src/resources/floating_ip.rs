//! `stratus_floating_ip`: an address of an external network. Which port it
//! reaches is `stratus_floating_ip_association`'s alone, so the two never
//! fight over it.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{
    FloatingIp as Api, FloatingIpBody, FloatingIpCreate, FloatingIpCreateBody, FloatingIpUpdate,
    FloatingIpUpdateBody, NetworkList,
};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::NETWORK};
use crate::framework::{Error, Kind, Result, Timeouts, attr::*, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub pool: Value<String>,
    pub floating_network_id: Value<String>,
    pub subnet_id: Value<String>,
    pub address: Value<String>,
    pub description: Value<String>,
    pub port_id: Value<String>,
    pub fixed_ip: Value<String>,
    pub project_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct FloatingIp;

fn state_of(f: Api, prior: &State) -> State {
    State {
        id: Value::Value(f.id),
        // The pool as it was named (name or id).
        pool: match &prior.pool {
            Value::Value(p) => Value::Value(p.clone()),
            _ => Value::Value(f.floating_network_id.clone()),
        },
        floating_network_id: Value::Value(f.floating_network_id),
        subnet_id: prior.subnet_id.clone(),
        address: Value::Value(f.floating_ip_address),
        description: Value::Value(f.description),
        port_id: Value::Value(f.port_id.unwrap_or_default()),
        fixed_ip: Value::Value(f.fixed_ip_address.unwrap_or_default()),
        project_id: Value::Value(f.project_id),
        timeouts: Value::Null,
    }
}

/// The external network a pool names (by id or by name).
pub(crate) async fn network_of_pool(client: &Client, pool: &str) -> Result<String> {
    let list: NetworkList = client
        .get(NETWORK, "/v2.0/networks?router:external=true")
        .await?;
    list.networks
        .iter()
        .find(|n| n.id == pool)
        .or_else(|| list.networks.iter().find(|n| n.name == pool))
        .map(|n| n.id.clone())
        .ok_or_else(|| Error::attr("pool", format!("no external network {pool:?}")))
}

#[async_trait]
impl Kind for FloatingIp {
    type State = State;
    const DESCRIPTION: &'static str = "A floating IP: an address of an external network (`pool`, by name or id). Associate it with a port through `stratus_floating_ip_association`.";
    const REPLACE: &'static [&'static str] = &["pool", "subnet_id", "address", "project_id"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            (
                "pool",
                required(string(), "The external network, by name or id."),
            ),
            (
                "floating_network_id",
                computed(string(), "The external network's id."),
            ),
            (
                "subnet_id",
                optional(string(), "The external subnet to take the address from."),
            ),
            (
                "address",
                defaulted(string(), "The address (allocated when absent)."),
            ),
            ("description", defaulted(string(), "A description.")),
            (
                "port_id",
                computed(
                    string(),
                    "The port it reaches (set by `stratus_floating_ip_association`), or empty.",
                ),
            ),
            (
                "fixed_ip",
                computed(string(), "The fixed address it reaches, or empty."),
            ),
            (
                "project_id",
                defaulted(string(), "The owning project (admins may name another)."),
            ),
        ]
    }

    async fn plan(
        &self,
        _client: &Client,
        prior: Option<&State>,
        planned: &mut State,
    ) -> Result<Vec<(String, String)>> {
        if prior.is_none() {
            planned.port_id = Value::Unknown;
            planned.fixed_ip = Value::Unknown;
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
        let net = network_of_pool(client, &known(&plan.pool).unwrap_or_default()).await?;
        let body = FloatingIpCreateBody {
            floatingip: FloatingIpCreate {
                floating_network_id: net,
                floating_ip_address: known(&plan.address),
                subnet_id: known(&plan.subnet_id),
                port_id: None,
                fixed_ip_address: None,
                description: known(&plan.description),
                project_id: known(&plan.project_id),
                tenant_id: None,
            },
        };
        let made: FloatingIpBody = client.post(NETWORK, "/v2.0/floatingips", &body).await?;
        *id = Some(made.floatingip.id.clone());
        Ok(state_of(made.floatingip, plan))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<FloatingIpBody> = client
            .get_opt(NETWORK, &format!("/v2.0/floatingips/{id}"))
            .await?;
        Ok(got.map(|b| state_of(b.floatingip, state)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let u = FloatingIpUpdate {
            port_id: None,
            fixed_ip_address: None,
            description: known(&plan.description),
        };
        let got: FloatingIpBody = client
            .put(
                NETWORK,
                &format!("/v2.0/floatingips/{id}"),
                &FloatingIpUpdateBody { floatingip: u },
            )
            .await?;
        Ok(state_of(got.floatingip, plan))
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        Ok(client
            .delete(NETWORK, &format!("/v2.0/floatingips/{id}"))
            .await?)
    }
}
