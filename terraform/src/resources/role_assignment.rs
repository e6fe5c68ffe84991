//! `stratus_role_assignment` (admins): a role given to a user or group on a
//! project or domain. Its id is `<domain_id>/<project_id>/<group_id>/<user_id>/<role_id>`
//! with the unused parts empty (terraform-provider-openstack's form), which
//! is also what `terraform import` takes.

use async_trait::async_trait;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use stratus_api::identity::{RoleBody, RoleList};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::IDENTITY};
use crate::framework::{Error, Kind, Result, Timeouts, attr::*, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub project_id: Value<String>,
    pub domain_id: Value<String>,
    pub user_id: Value<String>,
    pub group_id: Value<String>,
    pub role_id: Value<String>,
    pub role_name: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct RoleAssignment;

/// The grant's path: `/projects/{p}/users/{u}/roles/{r}` and its kin.
fn grant_path(s: &State, role: &str) -> Result<String> {
    let scope = match (known(&s.project_id), known(&s.domain_id)) {
        (Some(p), None) => format!("projects/{p}"),
        (None, Some(d)) => format!("domains/{d}"),
        _ => return Err(Error::attr("project_id", "give project_id or domain_id")),
    };
    let actor = match (known(&s.user_id), known(&s.group_id)) {
        (Some(u), None) => format!("users/{u}"),
        (None, Some(g)) => format!("groups/{g}"),
        _ => return Err(Error::attr("user_id", "give user_id or group_id")),
    };
    Ok(format!("/{scope}/{actor}/roles/{role}"))
}

fn composite_id(s: &State, role: &str) -> String {
    let part = |v: &Value<String>| known(v).unwrap_or_default();
    format!(
        "{}/{}/{}/{}/{role}",
        part(&s.domain_id),
        part(&s.project_id),
        part(&s.group_id),
        part(&s.user_id)
    )
}

/// The role a state names: by id, else by name.
async fn role_id(client: &Client, s: &State) -> Result<String> {
    if let Some(id) = known(&s.role_id) {
        return Ok(id);
    }
    let name =
        known(&s.role_name).ok_or_else(|| Error::attr("role_name", "give role_id or role_name"))?;
    let list: RoleList = client.get(IDENTITY, "/roles").await?;
    list.roles
        .into_iter()
        .find(|r| r.name == name)
        .map(|r| r.id)
        .ok_or_else(|| Error::attr("role_name", format!("no role named {name:?}")))
}

/// The one-of pairs a configuration must settle.
fn one_of(c: &State) -> Vec<Error> {
    let mut errors = Vec::new();
    for (a, va, b, vb) in [
        ("project_id", &c.project_id, "domain_id", &c.domain_id),
        ("user_id", &c.user_id, "group_id", &c.group_id),
        ("role_id", &c.role_id, "role_name", &c.role_name),
    ] {
        let given = |v: &Value<String>| matches!(v, Value::Value(_));
        match (given(va), given(vb)) {
            (true, true) => errors.push(Error::attr(b, format!("give {a} or {b}, not both"))),
            (false, false) => errors.push(Error::attr(a, format!("give {a} or {b}"))),
            _ => {}
        }
    }
    errors
}

#[async_trait]
impl Kind for RoleAssignment {
    type State = State;
    const DESCRIPTION: &'static str = "A role assignment (admins): `role_id` or `role_name` given to `user_id` or `group_id` on `project_id` or `domain_id`. Any change replaces it. Import with `<domain_id>/<project_id>/<group_id>/<user_id>/<role_id>`, unused parts empty: `terraform import stratus_role_assignment.a /<project>//<user>/<role>`.";
    const REPLACE: &'static [&'static str] = &[
        "project_id",
        "domain_id",
        "user_id",
        "group_id",
        "role_id",
        "role_name",
    ];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            (
                "project_id",
                optional(string(), "The project (or `domain_id`)."),
            ),
            (
                "domain_id",
                optional(string(), "The domain (or `project_id`)."),
            ),
            ("user_id", optional(string(), "The user (or `group_id`).")),
            ("group_id", optional(string(), "The group (or `user_id`).")),
            (
                "role_id",
                defaulted(string(), "The role's id (or `role_name`)."),
            ),
            (
                "role_name",
                defaulted(string(), "The role's name, e.g. `member` (or `role_id`)."),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        // Unknown values (another resource's id) are settled at apply.
        if [
            &c.project_id,
            &c.domain_id,
            &c.user_id,
            &c.group_id,
            &c.role_id,
            &c.role_name,
        ]
        .iter()
        .any(|v| matches!(v, Value::Unknown))
        {
            return Vec::new();
        }
        one_of(c)
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        if let Some(e) = one_of(plan).into_iter().next() {
            return Err(e);
        }
        let role = role_id(client, plan).await?;
        let path = grant_path(plan, &role)?;
        client
            .act(IDENTITY, Method::PUT, &path, None::<&()>)
            .await?;
        let mut made = plan.clone();
        made.role_id = Value::Value(role.clone());
        made.id = Value::Value(composite_id(&made, &role));
        *id = known(&made.id);
        self.read(client, &made)
            .await?
            .ok_or_else(|| Error::Failed(format!("the grant {path} vanished as it was made")))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(role) = known(&state.role_id) else {
            return Ok(None);
        };
        let path = grant_path(state, &role)?;
        match client.send(IDENTITY, Method::GET, &path, None).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let name: Option<RoleBody> = client.get_opt(IDENTITY, &format!("/roles/{role}")).await?;
        let Some(name) = name else {
            return Ok(None);
        };
        let mut s = state.clone();
        s.id = Value::Value(composite_id(state, &role));
        s.role_name = Value::Value(name.role.name);
        s.timeouts = Value::Null;
        Ok(Some(s))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        _plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        // Every attribute replaces; only timeouts can change in place.
        self.read(client, prior)
            .await?
            .ok_or_else(|| Error::Failed("the role assignment is gone".into()))
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let role = known(&state.role_id).unwrap_or_default();
        let path = grant_path(state, &role)?;
        Ok(client
            .undo(IDENTITY, Method::DELETE, &path, None::<&()>)
            .await?)
    }

    fn import_state(&self, id: &str) -> Result<State> {
        let parts: Vec<&str> = id.split('/').collect();
        let [domain, project, group, user, role] = parts[..] else {
            return Err(Error::Failed(format!(
                "{id:?} is not <domain_id>/<project_id>/<group_id>/<user_id>/<role_id>"
            )));
        };
        let opt = |s: &str| {
            if s.is_empty() {
                Value::Null
            } else {
                Value::Value(s.to_owned())
            }
        };
        let s = State {
            id: Value::Value(id.to_owned()),
            project_id: opt(project),
            domain_id: opt(domain),
            user_id: opt(user),
            group_id: opt(group),
            role_id: opt(role),
            role_name: Value::Null,
            timeouts: Value::Null,
        };
        if let Some(e) = one_of(&State {
            role_name: Value::Null,
            ..s.clone()
        })
        .into_iter()
        .next()
        {
            return Err(Error::Failed(format!("import id {id:?}: {e}")));
        }
        Ok(s)
    }
}
