//! `data.stratus_security_group`: a security group by id or name, in the
//! caller's project unless `project_id` names another (every project has a
//! `default` group, so a name alone would be ambiguous for an admin).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::SecurityGroupList;
use tf_provider::schema::Attribute;
use tf_provider::value::Value;

use super::{Lookup, matches, the_one};
use crate::client::{Client, service::NETWORK};
use crate::framework::{Result, attr::*, known};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub project_id: Value<String>,
    pub description: Value<String>,
    pub stateful: Value<bool>,
}

pub struct SecurityGroup;

#[async_trait]
impl Lookup for SecurityGroup {
    type State = State;
    const DESCRIPTION: &'static str = "Finds one security group by `id` or `name`, in the caller's project unless `project_id` names another (exactly one must match).";

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("id", defaulted(string(), "The group's id.")),
            ("name", defaulted(string(), "Its name, e.g. `default`.")),
            (
                "project_id",
                defaulted(string(), "The owning project (default: the caller's)."),
            ),
            ("description", computed(string(), "Its description.")),
            (
                "stateful",
                computed(bool(), "Whether its rules are stateful."),
            ),
        ]
    }

    async fn read(&self, client: &Client, c: &State) -> Result<State> {
        let project = match known(&c.project_id) {
            Some(p) => Some(p),
            None if c.id.is_null() => Some(client.project_id().await?),
            None => None,
        };
        let list: SecurityGroupList = client.get(NETWORK, "/v2.0/security-groups").await?;
        let found: Vec<_> = list
            .security_groups
            .into_iter()
            .filter(|g| {
                matches(&c.id, &g.id)
                    && matches(&c.name, &g.name)
                    && project.as_ref().is_none_or(|p| *p == g.project_id)
            })
            .collect();
        let g = the_one(
            found,
            "security group matches the given id, name and project",
        )?;
        Ok(State {
            id: Value::Value(g.id),
            name: Value::Value(g.name),
            project_id: Value::Value(g.project_id),
            description: Value::Value(g.description),
            stateful: Value::Value(g.stateful),
        })
    }
}
