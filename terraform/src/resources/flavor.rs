//! `stratus_flavor` (admins): a Nova flavor, with its extra specs and, for
//! a private flavor, the projects that may use it. Nova cannot change a
//! flavor's sizes, so those replace it; extra specs and access change in
//! place. (`rxtx_factor` is left out: nothing uses it, and the plugin
//! framework's values have no fractions.)

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use stratus_api::compute::{
    ExtraSpecs, Flavor as Api, FlavorAccessList, FlavorAction, FlavorBody, FlavorCreate,
    FlavorCreateBody, TenantAccess,
};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::COMPUTE};
use crate::framework::{
    Error, Kind, Result, StringMap, StringSet, Timeouts, attr::*, known, map_of, set_of, to_map,
    to_set,
};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub flavor_id: Value<String>,
    pub ram: Value<i64>,
    pub vcpus: Value<i64>,
    pub disk: Value<i64>,
    pub ephemeral: Value<i64>,
    pub swap: Value<i64>,
    pub is_public: Value<bool>,
    pub extra_specs: StringMap,
    pub access_project_ids: StringSet,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Flavor;

/// Nova shows no swap as `""`.
fn swap_of(v: &serde_json::Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

async fn state_of(client: &Client, f: Api) -> Result<State> {
    let specs: ExtraSpecs = client
        .get(COMPUTE, &format!("/flavors/{}/os-extra_specs", f.id))
        .await?;
    let access = if f.is_public {
        Vec::new()
    } else {
        let list: FlavorAccessList = client
            .get(COMPUTE, &format!("/flavors/{}/os-flavor-access", f.id))
            .await?;
        list.flavor_access
            .into_iter()
            .map(|a| a.tenant_id)
            .collect()
    };
    Ok(State {
        id: Value::Value(f.id.clone()),
        name: Value::Value(f.name),
        flavor_id: Value::Value(f.id),
        ram: Value::Value(f.ram),
        vcpus: Value::Value(f.vcpus),
        disk: Value::Value(f.disk),
        ephemeral: Value::Value(f.ephemeral),
        swap: Value::Value(swap_of(&f.swap)),
        is_public: Value::Value(f.is_public),
        extra_specs: to_map(specs.extra_specs),
        access_project_ids: to_set(access),
        timeouts: Value::Null,
    })
}

/// Sets and unsets extra specs and access so the flavor has `plan`'s.
async fn converge(client: &Client, id: &str, prior: &State, plan: &State) -> Result<()> {
    let had = map_of(&prior.extra_specs).unwrap_or_default();
    if let Some(want) = map_of(&plan.extra_specs) {
        for key in had.keys().filter(|k| !want.contains_key(*k)) {
            client
                .delete(COMPUTE, &format!("/flavors/{id}/os-extra_specs/{key}"))
                .await?;
        }
        let set: BTreeMap<_, _> = want
            .into_iter()
            .filter(|(k, v)| had.get(k) != Some(v))
            .collect();
        if !set.is_empty() {
            client
                .act(
                    COMPUTE,
                    Method::POST,
                    &format!("/flavors/{id}/os-extra_specs"),
                    Some(&json!({ "extra_specs": set })),
                )
                .await?;
        }
    }
    let had: BTreeSet<String> = set_of(&prior.access_project_ids)
        .unwrap_or_default()
        .into_iter()
        .collect();
    if let Some(want) = set_of(&plan.access_project_ids) {
        let want: BTreeSet<String> = want.into_iter().collect();
        let path = format!("/flavors/{id}/action");
        for p in want.difference(&had) {
            let body = FlavorAction::AddTenantAccess(TenantAccess { tenant: p.clone() });
            client
                .act(COMPUTE, Method::POST, &path, Some(&body))
                .await?;
        }
        for p in had.difference(&want) {
            let body = FlavorAction::RemoveTenantAccess(TenantAccess { tenant: p.clone() });
            client
                .undo(COMPUTE, Method::POST, &path, Some(&body))
                .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl Kind for Flavor {
    type State = State;
    const DESCRIPTION: &'static str = "A flavor (admins): the size of an instance. Nova cannot resize a flavor, so a change of its name, sizes or visibility replaces it; `extra_specs` and `access_project_ids` change in place.";
    const REPLACE: &'static [&'static str] = &[
        "name",
        "flavor_id",
        "ram",
        "vcpus",
        "disk",
        "ephemeral",
        "swap",
        "is_public",
    ];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("name", required(string(), "The flavor's name.")),
            (
                "flavor_id",
                defaulted(string(), "The flavor's id (a UUID is made when absent)."),
            ),
            ("ram", required(number(), "Memory in MiB.")),
            ("vcpus", required(number(), "Virtual CPUs.")),
            (
                "disk",
                required(number(), "Root disk in GiB (0: the image's size)."),
            ),
            (
                "ephemeral",
                defaulted(number(), "Ephemeral disk in GiB (default 0)."),
            ),
            ("swap", defaulted(number(), "Swap in MiB (default 0).")),
            (
                "is_public",
                defaulted(
                    bool(),
                    "Usable by every project (default true); a private flavor only by `access_project_ids`.",
                ),
            ),
            (
                "extra_specs",
                defaulted(map_of_strings(), "Extra specs (key to value)."),
            ),
            (
                "access_project_ids",
                defaulted(
                    set_of_strings(),
                    "The projects that may use a private flavor.",
                ),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        let mut errors = Vec::new();
        for (attr, v, min) in [
            ("ram", &c.ram, 1),
            ("vcpus", &c.vcpus, 1),
            ("disk", &c.disk, 0),
        ] {
            if let Value::Value(n) = v
                && *n < min
            {
                errors.push(Error::attr(attr, format!("must be {min} or more, not {n}")));
            }
        }
        if c.is_public == Value::Value(true)
            && set_of(&c.access_project_ids).is_some_and(|s| !s.is_empty())
        {
            errors.push(Error::attr(
                "access_project_ids",
                "only a private flavor (is_public = false) has an access list",
            ));
        }
        errors
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let body = FlavorCreateBody {
            flavor: FlavorCreate {
                name: known(&plan.name).unwrap_or_default(),
                id: known(&plan.flavor_id).map(|i| Some(json!(i))),
                ram: json!(known(&plan.ram)),
                vcpus: json!(known(&plan.vcpus)),
                disk: json!(known(&plan.disk)),
                ephemeral: known(&plan.ephemeral).map(|v| json!(v)),
                swap: known(&plan.swap).map(|v| json!(v)),
                rxtx_factor: None,
                is_public: known(&plan.is_public).map(|v| json!(v)),
            },
        };
        let made: FlavorBody = client.post(COMPUTE, "/flavors", &body).await?;
        let fid = made.flavor.id.clone();
        *id = Some(fid.clone());
        let before = state_of(client, made.flavor).await?;
        converge(client, &fid, &before, plan).await?;
        self.read(client, &before)
            .await?
            .ok_or_else(|| Error::Failed(format!("flavor {fid} vanished while being made")))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        match client
            .get_opt::<FlavorBody>(COMPUTE, &format!("/flavors/{id}"))
            .await?
        {
            Some(b) => Ok(Some(state_of(client, b.flavor).await?)),
            None => Ok(None),
        }
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        converge(client, &id, prior, plan).await?;
        self.read(client, prior)
            .await?
            .ok_or_else(|| Error::Failed(format!("flavor {id} is gone")))
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        Ok(client.delete(COMPUTE, &format!("/flavors/{id}")).await?)
    }
}
