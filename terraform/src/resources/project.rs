//! `stratus_project` (admins): a Keystone project.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::identity::{Project as Api, ProjectBody, ProjectFields, ProjectRequest};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::IDENTITY};
use crate::framework::{Kind, Result, Timeouts, attr::*, changed, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub description: Value<String>,
    pub enabled: Value<bool>,
    pub domain_id: Value<String>,
    pub parent_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Project;

pub(crate) fn state_of(p: Api) -> State {
    State {
        id: Value::Value(p.id),
        name: Value::Value(p.name),
        description: Value::Value(p.description),
        enabled: Value::Value(p.enabled),
        domain_id: Value::Value(p.domain_id),
        parent_id: Value::Value(p.parent_id),
        timeouts: Value::Null,
    }
}

#[async_trait]
impl Kind for Project {
    type State = State;
    const DESCRIPTION: &'static str = "A project (admins): who owns networks, instances and volumes, and what quotas count against. A project's domain and parent cannot change, so a change replaces it.";
    const REPLACE: &'static [&'static str] = &["domain_id", "parent_id"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            (
                "name",
                required(string(), "The project's name (unique in its domain)."),
            ),
            ("description", defaulted(string(), "A description.")),
            (
                "enabled",
                defaulted(
                    bool(),
                    "Whether its users can get tokens for it (default true).",
                ),
            ),
            (
                "domain_id",
                defaulted(string(), "Its domain (default: the caller's)."),
            ),
            (
                "parent_id",
                defaulted(string(), "Its parent project (default: the domain)."),
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
        let body = ProjectRequest {
            project: ProjectFields {
                name: known(&plan.name),
                domain_id: known(&plan.domain_id),
                description: known(&plan.description),
                enabled: known(&plan.enabled),
                parent_id: known(&plan.parent_id),
                is_domain: false,
            },
        };
        let made: ProjectBody = client.post(IDENTITY, "/projects", &body).await?;
        *id = Some(made.project.id.clone());
        Ok(state_of(made.project))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<ProjectBody> = client.get_opt(IDENTITY, &format!("/projects/{id}")).await?;
        Ok(got.map(|b| state_of(b.project)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let body = ProjectRequest {
            project: ProjectFields {
                name: changed(&prior.name, &plan.name),
                description: changed(&prior.description, &plan.description),
                enabled: changed(&prior.enabled, &plan.enabled),
                ..Default::default()
            },
        };
        let got: ProjectBody = client
            .call(
                IDENTITY,
                reqwest::Method::PATCH,
                &format!("/projects/{id}"),
                Some(&body),
            )
            .await?;
        Ok(state_of(got.project))
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        Ok(client.delete(IDENTITY, &format!("/projects/{id}")).await?)
    }
}
