//! `data.stratus_availability_zones`: the compute zones' names.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::compute::AvailabilityZoneList;
use tf_provider::schema::Attribute;
use tf_provider::value::Value;

use super::Lookup;
use crate::client::{Client, service::COMPUTE};
use crate::framework::{Error, Result, StringList, attr::*, known, to_list};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub state: Value<String>,
    pub names: StringList,
}

pub struct AvailabilityZones;

#[async_trait]
impl Lookup for AvailabilityZones {
    type State = State;
    const DESCRIPTION: &'static str = "The names of the compute availability zones, sorted, that are `available` (the default) or `unavailable`.";

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("id", computed(string(), "The state asked for.")),
            (
                "state",
                defaulted(string(), "`available` (default) or `unavailable`."),
            ),
            (
                "names",
                computed(list_of_strings(), "The zones' names, sorted."),
            ),
        ]
    }

    async fn read(&self, client: &Client, c: &State) -> Result<State> {
        let state = known(&c.state).unwrap_or_else(|| "available".into());
        let want = match state.as_str() {
            "available" => true,
            "unavailable" => false,
            other => {
                return Err(Error::attr(
                    "state",
                    format!("{other:?} is neither available nor unavailable"),
                ));
            }
        };
        let list: AvailabilityZoneList = client.get(COMPUTE, "/os-availability-zone").await?;
        let mut names: Vec<String> = list
            .availability_zone_info
            .into_iter()
            .filter(|z| z.zone_state.available == want)
            .map(|z| z.zone_name)
            .collect();
        names.sort();
        Ok(State {
            id: Value::Value(state.clone()),
            state: Value::Value(state),
            names: to_list(names),
        })
    }
}
