//! `stratus_router`: a router, with its gateway on an external network.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{
    ExternalGatewayRequest, Router as Api, RouterBody, RouterCreate, RouterCreateBody,
    RouterUpdate, RouterUpdateBody,
};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::NETWORK};
use crate::framework::{Kind, Result, Timeouts, attr::*, changed, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub description: Value<String>,
    pub admin_state_up: Value<bool>,
    pub external_network_id: Value<String>,
    pub enable_snat: Value<bool>,
    pub external_ip: Value<String>,
    pub project_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Router;

fn state_of(r: Api) -> State {
    let gw = r.external_gateway_info;
    State {
        id: Value::Value(r.id),
        name: Value::Value(r.name),
        description: Value::Value(r.description),
        admin_state_up: Value::Value(r.admin_state_up),
        external_network_id: gw.as_ref().map(|g| g.network_id.clone()).into(),
        enable_snat: Value::Value(gw.as_ref().map(|g| g.enable_snat).unwrap_or(false)),
        external_ip: Value::Value(
            gw.as_ref()
                .and_then(|g| g.external_fixed_ips.first())
                .map(|f| f.ip_address.clone())
                .unwrap_or_default(),
        ),
        project_id: Value::Value(r.project_id),
        timeouts: Value::Null,
    }
}

fn gateway(s: &State) -> Option<ExternalGatewayRequest> {
    known(&s.external_network_id).map(|n| ExternalGatewayRequest {
        network_id: Some(n),
        enable_snat: known(&s.enable_snat),
    })
}

#[async_trait]
impl Kind for Router {
    type State = State;
    const DESCRIPTION: &'static str = "A router: routes between its interfaces' subnets, and (with `external_network_id`) out through a gateway with SNAT and floating IPs.";
    const REPLACE: &'static [&'static str] = &["project_id"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("name", defaulted(string(), "The router's name.")),
            ("description", defaulted(string(), "A description.")),
            (
                "admin_state_up",
                defaulted(bool(), "Whether it routes (default true)."),
            ),
            (
                "external_network_id",
                optional(
                    string(),
                    "The external network of its gateway; changed or removed in place.",
                ),
            ),
            (
                "enable_snat",
                defaulted(
                    bool(),
                    "SNAT through the gateway (default true with a gateway).",
                ),
            ),
            (
                "external_ip",
                computed(string(), "The gateway's address on the external network."),
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
        if let Some(prior) = prior
            && prior.external_network_id != planned.external_network_id
        {
            planned.external_ip = Value::Unknown;
            if known(&planned.external_network_id).is_some()
                && planned.enable_snat == prior.enable_snat
            {
                planned.enable_snat = Value::Unknown;
            }
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
        let body = RouterCreateBody {
            router: RouterCreate {
                name: known(&plan.name),
                description: known(&plan.description),
                admin_state_up: known(&plan.admin_state_up),
                external_gateway_info: gateway(plan),
                project_id: known(&plan.project_id),
                ..Default::default()
            },
        };
        let made: RouterBody = client.post(NETWORK, "/v2.0/routers", &body).await?;
        *id = Some(made.router.id.clone());
        Ok(state_of(made.router))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<RouterBody> = client
            .get_opt(NETWORK, &format!("/v2.0/routers/{id}"))
            .await?;
        Ok(got.map(|b| state_of(b.router)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let mut u = RouterUpdate {
            name: changed(&prior.name, &plan.name),
            description: changed(&prior.description, &plan.description),
            admin_state_up: changed(&prior.admin_state_up, &plan.admin_state_up),
            ..Default::default()
        };
        if plan.external_network_id != prior.external_network_id
            || (known(&plan.enable_snat).is_some() && plan.enable_snat != prior.enable_snat)
        {
            u.external_gateway_info = Some(gateway(plan));
        }
        let got: RouterBody = client
            .put(
                NETWORK,
                &format!("/v2.0/routers/{id}"),
                &RouterUpdateBody { router: u },
            )
            .await?;
        Ok(state_of(got.router))
    }

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        super::delete_retrying_conflicts(client, NETWORK, &format!("/v2.0/routers/{id}"), deadline)
            .await
    }
}
