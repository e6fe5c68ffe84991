//! `stratus_network`: a Neutron network.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{
    Network as Api, NetworkBody, NetworkCreate, NetworkCreateBody, NetworkUpdate, NetworkUpdateBody,
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
    pub shared: Value<bool>,
    pub external: Value<bool>,
    pub mtu: Value<i64>,
    pub port_security_enabled: Value<bool>,
    pub network_type: Value<String>,
    pub physical_network: Value<String>,
    pub segmentation_id: Value<i64>,
    pub project_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Network;

pub(crate) fn state_of(n: Api) -> State {
    State {
        id: Value::Value(n.id),
        name: Value::Value(n.name),
        description: Value::Value(n.description),
        admin_state_up: Value::Value(n.admin_state_up),
        shared: Value::Value(n.shared),
        external: Value::Value(n.router_external),
        mtu: Value::Value(n.mtu),
        port_security_enabled: Value::Value(n.port_security_enabled),
        network_type: Value::from(n.provider_network_type),
        physical_network: Value::from(n.provider_physical_network.flatten()),
        segmentation_id: Value::from(n.provider_segmentation_id.flatten()),
        project_id: Value::Value(n.project_id),
        timeouts: Value::Null,
    }
}

#[async_trait]
impl Kind for Network {
    type State = State;
    const DESCRIPTION: &'static str =
        "A network (Neutron). The provider attributes, `shared` and `external` are for admins.";
    const REPLACE: &'static [&'static str] = &[
        "network_type",
        "physical_network",
        "segmentation_id",
        "project_id",
    ];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("name", defaulted(string(), "The network's name.")),
            ("description", defaulted(string(), "A description.")),
            (
                "admin_state_up",
                defaulted(bool(), "Whether the network forwards (default true)."),
            ),
            (
                "shared",
                defaulted(bool(), "Shared with every project (admins)."),
            ),
            (
                "external",
                defaulted(
                    bool(),
                    "An external network for router gateways and floating IPs (admins).",
                ),
            ),
            ("mtu", defaulted(number(), "The MTU.")),
            (
                "port_security_enabled",
                defaulted(
                    bool(),
                    "The default of its ports' port security (default true).",
                ),
            ),
            (
                "network_type",
                defaulted(
                    string(),
                    "`vxlan`, `vlan` or `flat` (admins; changing it replaces the network).",
                ),
            ),
            (
                "physical_network",
                defaulted(
                    string(),
                    "The physical network of a `vlan` or `flat` network (admins).",
                ),
            ),
            (
                "segmentation_id",
                defaulted(number(), "The VNI or VLAN id (admins)."),
            ),
            (
                "project_id",
                defaulted(
                    string(),
                    "The owning project (admins may name another; changing it replaces the network).",
                ),
            ),
        ]
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let body = NetworkCreateBody {
            network: NetworkCreate {
                name: known(&plan.name),
                description: known(&plan.description),
                admin_state_up: known(&plan.admin_state_up),
                shared: known(&plan.shared),
                router_external: known(&plan.external),
                network_type: known(&plan.network_type),
                physical_network: known(&plan.physical_network),
                segmentation_id: known(&plan.segmentation_id),
                mtu: known(&plan.mtu),
                port_security_enabled: known(&plan.port_security_enabled),
                project_id: known(&plan.project_id),
                ..Default::default()
            },
        };
        let made: NetworkBody = client.post(NETWORK, "/v2.0/networks", &body).await?;
        *id = Some(made.network.id.clone());
        Ok(state_of(made.network))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<NetworkBody> = client
            .get_opt(NETWORK, &format!("/v2.0/networks/{id}"))
            .await?;
        Ok(got.map(|b| state_of(b.network)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let u = NetworkUpdate {
            name: changed(&prior.name, &plan.name),
            description: changed(&prior.description, &plan.description),
            admin_state_up: changed(&prior.admin_state_up, &plan.admin_state_up),
            shared: changed(&prior.shared, &plan.shared),
            router_external: changed(&prior.external, &plan.external),
            mtu: changed(&prior.mtu, &plan.mtu),
            port_security_enabled: changed(
                &prior.port_security_enabled,
                &plan.port_security_enabled,
            ),
            ..Default::default()
        };
        let got: NetworkBody = client
            .put(
                NETWORK,
                &format!("/v2.0/networks/{id}"),
                &NetworkUpdateBody { network: u },
            )
            .await?;
        Ok(state_of(got.network))
    }

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        crate::resources::delete_retrying_conflicts(
            client,
            NETWORK,
            &format!("/v2.0/networks/{id}"),
            deadline,
        )
        .await
    }
}
