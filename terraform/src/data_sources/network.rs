//! `data.stratus_network`: a network by id, name, project or whether it is
//! external (for example the cloud's external network by name).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::NetworkList;
use tf_provider::schema::Attribute;
use tf_provider::value::Value;

use super::{Lookup, matches, the_one};
use crate::client::{Client, service::NETWORK};
use crate::framework::{Result, StringList, attr::*, to_list};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub external: Value<bool>,
    pub project_id: Value<String>,
    pub shared: Value<bool>,
    pub mtu: Value<i64>,
    pub admin_state_up: Value<bool>,
    pub subnet_ids: StringList,
}

pub struct Network;

#[async_trait]
impl Lookup for Network {
    type State = State;
    const DESCRIPTION: &'static str = "Finds one network visible to the project by `id`, `name`, `external` and `project_id` (any combination; exactly one must match).";

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("id", defaulted(string(), "The network's id.")),
            ("name", defaulted(string(), "Its name.")),
            ("external", defaulted(bool(), "Whether it is external.")),
            ("project_id", defaulted(string(), "The owning project.")),
            ("shared", computed(bool(), "Shared with every project.")),
            ("mtu", computed(number(), "The MTU.")),
            ("admin_state_up", computed(bool(), "Whether it forwards.")),
            (
                "subnet_ids",
                computed(list_of_strings(), "Its subnets' ids."),
            ),
        ]
    }

    async fn read(&self, client: &Client, c: &State) -> Result<State> {
        let list: NetworkList = client.get(NETWORK, "/v2.0/networks").await?;
        let found: Vec<_> = list
            .networks
            .into_iter()
            .filter(|n| {
                matches(&c.id, &n.id)
                    && matches(&c.name, &n.name)
                    && matches(&c.external, &n.router_external)
                    && matches(&c.project_id, &n.project_id)
            })
            .collect();
        let n = the_one(
            found,
            "network matches the given id, name, external and project_id",
        )?;
        Ok(State {
            id: Value::Value(n.id),
            name: Value::Value(n.name),
            external: Value::Value(n.router_external),
            project_id: Value::Value(n.project_id),
            shared: Value::Value(n.shared),
            mtu: Value::Value(n.mtu),
            admin_state_up: Value::Value(n.admin_state_up),
            subnet_ids: to_list(n.subnets),
        })
    }
}
