//! `data.stratus_project`: a project by id or name (the caller's own
//! project when neither is given).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::identity::{ProjectBody, ProjectList};
use tf_provider::schema::Attribute;
use tf_provider::value::Value;

use super::{Lookup, matches, the_one};
use crate::client::{Client, service::IDENTITY};
use crate::framework::{Result, attr::*};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub domain_id: Value<String>,
    pub description: Value<String>,
    pub enabled: Value<bool>,
    pub parent_id: Value<String>,
}

pub struct Project;

#[async_trait]
impl Lookup for Project {
    type State = State;
    const DESCRIPTION: &'static str = "Finds one project by `id`, `name` and `domain_id`; with none of them, the project the provider is scoped to. Listing projects by name takes an admin; any user can look up its own.";

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("id", defaulted(string(), "The project's id.")),
            ("name", defaulted(string(), "Its name.")),
            ("domain_id", defaulted(string(), "Its domain.")),
            ("description", computed(string(), "Its description.")),
            ("enabled", computed(bool(), "Whether it is enabled.")),
            (
                "parent_id",
                computed(string(), "Its parent (the domain for a top-level project)."),
            ),
        ]
    }

    async fn read(&self, client: &Client, c: &State) -> Result<State> {
        let p = if c.name.is_null() && c.domain_id.is_null() {
            // By id, or the provider's own: readable without listing.
            let id = match crate::framework::known(&c.id) {
                Some(id) => id,
                None => client.project_id().await?,
            };
            let got: Option<ProjectBody> =
                client.get_opt(IDENTITY, &format!("/projects/{id}")).await?;
            the_one(
                got.map(|b| b.project).into_iter().collect(),
                &format!("project {id:?}"),
            )?
        } else {
            let list: ProjectList = client.get(IDENTITY, "/projects").await?;
            let found = list
                .projects
                .into_iter()
                .filter(|p| {
                    matches(&c.id, &p.id)
                        && matches(&c.name, &p.name)
                        && matches(&c.domain_id, &p.domain_id)
                })
                .collect();
            the_one(found, "project matches the given id, name and domain_id")?
        };
        Ok(State {
            id: Value::Value(p.id),
            name: Value::Value(p.name),
            domain_id: Value::Value(p.domain_id),
            description: Value::Value(p.description),
            enabled: Value::Value(p.enabled),
            parent_id: Value::Value(p.parent_id),
        })
    }
}
