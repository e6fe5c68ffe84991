//! `data.stratus_subnet`: a subnet by id, name, network, range or IP
//! version.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::SubnetList;
use tf_provider::schema::Attribute;
use tf_provider::value::Value;

use super::{Lookup, matches, the_one};
use crate::client::{Client, service::NETWORK};
use crate::framework::{Result, StringList, attr::*, to_list};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub network_id: Value<String>,
    pub cidr: Value<String>,
    pub ip_version: Value<i64>,
    pub project_id: Value<String>,
    pub gateway_ip: Value<String>,
    pub enable_dhcp: Value<bool>,
    pub dns_nameservers: StringList,
}

pub struct Subnet;

#[async_trait]
impl Lookup for Subnet {
    type State = State;
    const DESCRIPTION: &'static str = "Finds one subnet visible to the project by `id`, `name`, `network_id`, `cidr`, `ip_version` and `project_id` (exactly one must match).";

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("id", defaulted(string(), "The subnet's id.")),
            ("name", defaulted(string(), "Its name.")),
            ("network_id", defaulted(string(), "Its network.")),
            ("cidr", defaulted(string(), "Its range.")),
            ("ip_version", defaulted(number(), "4 or 6.")),
            ("project_id", defaulted(string(), "The owning project.")),
            (
                "gateway_ip",
                computed(string(), "Its gateway (empty: none)."),
            ),
            ("enable_dhcp", computed(bool(), "Whether DHCP serves it.")),
            (
                "dns_nameservers",
                computed(list_of_strings(), "The DNS servers DHCP hands out."),
            ),
        ]
    }

    async fn read(&self, client: &Client, c: &State) -> Result<State> {
        let list: SubnetList = client.get(NETWORK, "/v2.0/subnets").await?;
        let found: Vec<_> = list
            .subnets
            .into_iter()
            .filter(|s| {
                matches(&c.id, &s.id)
                    && matches(&c.name, &s.name)
                    && matches(&c.network_id, &s.network_id)
                    && matches(&c.cidr, &s.cidr)
                    && matches(&c.ip_version, &s.ip_version)
                    && matches(&c.project_id, &s.project_id)
            })
            .collect();
        let s = the_one(found, "subnet matches the given arguments")?;
        Ok(State {
            id: Value::Value(s.id),
            name: Value::Value(s.name),
            network_id: Value::Value(s.network_id),
            cidr: Value::Value(s.cidr),
            ip_version: Value::Value(s.ip_version),
            project_id: Value::Value(s.project_id),
            gateway_ip: Value::Value(s.gateway_ip.unwrap_or_default()),
            enable_dhcp: Value::Value(s.enable_dhcp),
            dns_nameservers: to_list(s.dns_nameservers),
        })
    }
}
