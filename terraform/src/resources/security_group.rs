//! `stratus_security_group`: a security group, optionally without the
//! egress rules Neutron gives every new group.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{
    Direction, SecurityGroup as Api, SecurityGroupBody, SecurityGroupCreate,
    SecurityGroupCreateBody, SecurityGroupUpdate, SecurityGroupUpdateBody,
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
    pub stateful: Value<bool>,
    pub delete_default_rules: Value<bool>,
    pub project_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct SecurityGroup;

fn state_of(g: Api, prior: &State) -> State {
    State {
        id: Value::Value(g.id),
        name: Value::Value(g.name),
        description: Value::Value(g.description),
        stateful: Value::Value(g.stateful),
        // How it was made, not something the API shows.
        delete_default_rules: prior.delete_default_rules,
        project_id: Value::Value(g.project_id),
        timeouts: Value::Null,
    }
}

#[async_trait]
impl Kind for SecurityGroup {
    type State = State;
    const DESCRIPTION: &'static str = "A security group. Neutron gives a new group two egress rules (IPv4 and IPv6, anything out); `delete_default_rules = true` removes them at creation, so `stratus_security_group_rule`s say all there is.";
    const REPLACE: &'static [&'static str] = &["stateful", "project_id", "delete_default_rules"];
    const WRITE_ONLY: &'static [&'static str] = &["delete_default_rules"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("name", required(string(), "The group's name.")),
            ("description", defaulted(string(), "A description.")),
            (
                "stateful",
                defaulted(bool(), "Connection tracking (default true)."),
            ),
            (
                "delete_default_rules",
                optional(
                    bool(),
                    "Remove the default egress rules when the group is made.",
                ),
            ),
            (
                "project_id",
                defaulted(string(), "The owning project (admins may name another)."),
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
        let body = SecurityGroupCreateBody {
            security_group: SecurityGroupCreate {
                name: known(&plan.name),
                description: known(&plan.description),
                stateful: known(&plan.stateful),
                project_id: known(&plan.project_id),
                tenant_id: None,
            },
        };
        let made: SecurityGroupBody = client.post(NETWORK, "/v2.0/security-groups", &body).await?;
        *id = Some(made.security_group.id.clone());
        if known(&plan.delete_default_rules) == Some(true) {
            for r in &made.security_group.security_group_rules {
                if r.direction == Direction::Egress
                    && r.remote_group_id.is_none()
                    && r.remote_ip_prefix.is_none()
                    && r.protocol.is_none()
                {
                    client
                        .delete(NETWORK, &format!("/v2.0/security-group-rules/{}", r.id))
                        .await?;
                }
            }
        }
        Ok(state_of(made.security_group, plan))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<SecurityGroupBody> = client
            .get_opt(NETWORK, &format!("/v2.0/security-groups/{id}"))
            .await?;
        Ok(got.map(|b| state_of(b.security_group, state)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let u = SecurityGroupUpdate {
            name: changed(&prior.name, &plan.name),
            description: changed(&prior.description, &plan.description),
        };
        let got: SecurityGroupBody = client
            .put(
                NETWORK,
                &format!("/v2.0/security-groups/{id}"),
                &SecurityGroupUpdateBody { security_group: u },
            )
            .await?;
        Ok(state_of(got.security_group, plan))
    }

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        super::delete_retrying_conflicts(
            client,
            NETWORK,
            &format!("/v2.0/security-groups/{id}"),
            deadline,
        )
        .await
    }
}
