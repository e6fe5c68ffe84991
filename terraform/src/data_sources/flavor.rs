//! `data.stratus_flavor`: a flavor by id or name, or the smallest one with
//! at least the memory, CPUs and disk asked for.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::compute::{ExtraSpecs, FlavorList};
use tf_provider::schema::Attribute;
use tf_provider::value::Value;

use super::{Lookup, matches, the_one};
use crate::client::{Client, service::COMPUTE};
use crate::framework::{Result, StringMap, attr::*, known, to_map};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub min_ram: Value<i64>,
    pub min_vcpus: Value<i64>,
    pub min_disk: Value<i64>,
    pub ram: Value<i64>,
    pub vcpus: Value<i64>,
    pub disk: Value<i64>,
    pub ephemeral: Value<i64>,
    pub is_public: Value<bool>,
    pub extra_specs: StringMap,
}

pub struct Flavor;

#[async_trait]
impl Lookup for Flavor {
    type State = State;
    const DESCRIPTION: &'static str = "Finds one flavor by `id` or `name`, or with `min_ram`/`min_vcpus`/`min_disk` the smallest (by memory, then CPUs, then disk) that has at least that much.";

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("id", defaulted(string(), "The flavor's id.")),
            ("name", defaulted(string(), "Its name.")),
            (
                "min_ram",
                optional(number(), "At least this much memory (MiB)."),
            ),
            ("min_vcpus", optional(number(), "At least this many CPUs.")),
            (
                "min_disk",
                optional(number(), "At least this much disk (GiB)."),
            ),
            ("ram", computed(number(), "Memory in MiB.")),
            ("vcpus", computed(number(), "Virtual CPUs.")),
            ("disk", computed(number(), "Root disk in GiB.")),
            ("ephemeral", computed(number(), "Ephemeral disk in GiB.")),
            ("is_public", computed(bool(), "Usable by every project.")),
            (
                "extra_specs",
                computed(map_of_strings(), "Its extra specs."),
            ),
        ]
    }

    async fn read(&self, client: &Client, c: &State) -> Result<State> {
        let at_least = |arg: &Value<i64>, v: i64| known(arg).is_none_or(|min| v >= min);
        let list: FlavorList = client
            .get(COMPUTE, "/flavors/detail?is_public=none")
            .await?;
        let mut found: Vec<_> = list
            .flavors
            .into_iter()
            .filter(|f| {
                !f.disabled
                    && matches(&c.id, &f.id)
                    && matches(&c.name, &f.name)
                    && at_least(&c.min_ram, f.ram)
                    && at_least(&c.min_vcpus, f.vcpus)
                    && at_least(&c.min_disk, f.disk)
            })
            .collect();
        let by_size = !(c.min_ram.is_null() && c.min_vcpus.is_null() && c.min_disk.is_null());
        if by_size {
            found.sort_by_key(|f| (f.ram, f.vcpus, f.disk));
            found.truncate(1);
        }
        let f = the_one(found, "flavor matches the given arguments")?;
        let specs: ExtraSpecs = client
            .get(COMPUTE, &format!("/flavors/{}/os-extra_specs", f.id))
            .await?;
        Ok(State {
            id: Value::Value(f.id),
            name: Value::Value(f.name),
            min_ram: c.min_ram,
            min_vcpus: c.min_vcpus,
            min_disk: c.min_disk,
            ram: Value::Value(f.ram),
            vcpus: Value::Value(f.vcpus),
            disk: Value::Value(f.disk),
            ephemeral: Value::Value(f.ephemeral),
            is_public: Value::Value(f.is_public),
            extra_specs: to_map(specs.extra_specs),
        })
    }
}
