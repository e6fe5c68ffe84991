//! `stratus_router_interface`: a router's port on a subnet. Its id is the
//! port's; import with the port id or `<router_id>:<subnet_id>`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{PortBody, PortList, RouterInterface, RouterInterfaceRequest};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::NETWORK};
use crate::framework::{Error, Kind, Result, Timeouts, attr::*, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub router_id: Value<String>,
    pub subnet_id: Value<String>,
    pub port_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct RouterInterfaceKind;

#[async_trait]
impl Kind for RouterInterfaceKind {
    type State = State;
    const DESCRIPTION: &'static str = "A router's interface on a subnet (give `subnet_id`, taking the subnet's gateway address) or on a port of yours (`port_id`).";
    const REPLACE: &'static [&'static str] = &["router_id", "subnet_id", "port_id"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("router_id", required(string(), "The router.")),
            (
                "subnet_id",
                defaulted(
                    string(),
                    "The subnet (the interface takes its gateway address).",
                ),
            ),
            (
                "port_id",
                defaulted(string(), "A port to use as the interface instead."),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        if matches!(c.subnet_id, Value::Null) && matches!(c.port_id, Value::Null) {
            return vec![Error::attr("subnet_id", "give subnet_id or port_id")];
        }
        Vec::new()
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let router = known(&plan.router_id).unwrap_or_default();
        let body = RouterInterfaceRequest {
            subnet_id: if known(&plan.port_id).is_some() {
                None
            } else {
                known(&plan.subnet_id)
            },
            port_id: known(&plan.port_id),
        };
        let made: RouterInterface = client
            .call(
                NETWORK,
                reqwest::Method::PUT,
                &format!("/v2.0/routers/{router}/add_router_interface"),
                Some(&body),
            )
            .await?;
        *id = Some(made.port_id.clone());
        Ok(State {
            id: Value::Value(made.port_id.clone()),
            router_id: Value::Value(router),
            subnet_id: Value::Value(made.subnet_id),
            port_id: Value::Value(made.port_id),
            timeouts: Value::Null,
        })
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let port = if let Some((router, subnet)) = id.split_once(':') {
            // An import by router and subnet.
            let list: PortList = client
                .get(NETWORK, &format!("/v2.0/ports?device_id={router}"))
                .await?;
            list.ports
                .into_iter()
                .find(|p| p.fixed_ips.iter().any(|f| f.subnet_id == subnet))
        } else {
            client
                .get_opt::<PortBody>(NETWORK, &format!("/v2.0/ports/{id}"))
                .await?
                .map(|b| b.port)
        };
        let Some(port) = port else { return Ok(None) };
        // A port that is no longer the router's interface is gone for us.
        if !port.device_owner.starts_with("network:router_interface") {
            return Ok(None);
        }
        if let Some(r) = known(&state.router_id)
            && r != port.device_id
        {
            return Ok(None);
        }
        Ok(Some(State {
            id: Value::Value(port.id.clone()),
            router_id: Value::Value(port.device_id),
            subnet_id: Value::Value(
                port.fixed_ips
                    .first()
                    .map(|f| f.subnet_id.clone())
                    .unwrap_or_default(),
            ),
            port_id: Value::Value(port.id),
            timeouts: Value::Null,
        }))
    }

    async fn update(
        &self,
        _client: &Client,
        _prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        Ok(plan.clone())
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let router = known(&state.router_id).unwrap_or_default();
        let body = RouterInterfaceRequest {
            subnet_id: None,
            port_id: known(&state.port_id),
        };
        Ok(client
            .undo(
                NETWORK,
                reqwest::Method::PUT,
                &format!("/v2.0/routers/{router}/remove_router_interface"),
                Some(&body),
            )
            .await?)
    }
}
