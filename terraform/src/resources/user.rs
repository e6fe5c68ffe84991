//! `stratus_user` (admins): a Keystone user. Its password is write-only:
//! Keystone never shows it, so state keeps what Terraform last set.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::identity::{User as Api, UserBody, UserFields, UserRequest};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::IDENTITY};
use crate::framework::{Kind, Result, Timeouts, attr::*, changed, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub domain_id: Value<String>,
    pub password: Value<String>,
    pub enabled: Value<bool>,
    pub default_project_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct User;

fn state_of(u: Api, prior: &State) -> State {
    State {
        id: Value::Value(u.id),
        name: Value::Value(u.name),
        domain_id: Value::Value(u.domain_id),
        password: prior.password.clone(),
        enabled: Value::Value(u.enabled),
        default_project_id: Value::from(u.default_project_id.filter(|p| !p.is_empty())),
        timeouts: Value::Null,
    }
}

#[async_trait]
impl Kind for User {
    type State = State;
    const DESCRIPTION: &'static str = "A user (admins). `password` is sensitive and write-only: Keystone never shows it, so a password changed outside Terraform shows no diff, and after an import the first apply sets it.";
    const REPLACE: &'static [&'static str] = &["domain_id"];
    const WRITE_ONLY: &'static [&'static str] = &["password"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            (
                "name",
                required(string(), "The user's name (unique in its domain)."),
            ),
            (
                "domain_id",
                defaulted(string(), "Its domain (default: the caller's)."),
            ),
            (
                "password",
                sensitive(optional(string(), "The password (write-only).")),
            ),
            (
                "enabled",
                defaulted(bool(), "Whether the user may log in (default true)."),
            ),
            (
                "default_project_id",
                optional(string(), "The project its tokens are scoped to by default."),
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
        let body = UserRequest {
            user: UserFields {
                name: known(&plan.name),
                domain_id: known(&plan.domain_id),
                password: known(&plan.password),
                enabled: known(&plan.enabled),
                default_project_id: known(&plan.default_project_id).map(Some),
            },
        };
        let made: UserBody = client.post(IDENTITY, "/users", &body).await?;
        *id = Some(made.user.id.clone());
        Ok(state_of(made.user, plan))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<UserBody> = client.get_opt(IDENTITY, &format!("/users/{id}")).await?;
        Ok(got.map(|b| state_of(b.user, state)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let body = UserRequest {
            user: UserFields {
                name: changed(&prior.name, &plan.name),
                password: changed(&prior.password, &plan.password),
                enabled: changed(&prior.enabled, &plan.enabled),
                // Removed from the configuration: cleared (`null`).
                default_project_id: (prior.default_project_id != plan.default_project_id)
                    .then(|| known(&plan.default_project_id)),
                ..Default::default()
            },
        };
        let got: UserBody = client
            .call(
                IDENTITY,
                reqwest::Method::PATCH,
                &format!("/users/{id}"),
                Some(&body),
            )
            .await?;
        Ok(state_of(got.user, plan))
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        Ok(client.delete(IDENTITY, &format!("/users/{id}")).await?)
    }
}
