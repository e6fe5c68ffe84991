//! `stratus_floating_ip_association`: which port a floating IP reaches. Its
//! id is the floating IP's; a floating IP moved elsewhere outside Terraform
//! shows as gone, so the next apply puts it back.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{
    FloatingIpBody, FloatingIpList, FloatingIpUpdate, FloatingIpUpdateBody,
};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::NETWORK};
use crate::framework::{Error, Kind, Result, Timeouts, attr::*, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub floating_ip: Value<String>,
    pub port_id: Value<String>,
    pub fixed_ip: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct FloatingIpAssociation;

/// The floating IP an address or id names.
async fn find(client: &Client, fip: &str) -> Result<Option<stratus_api::network::FloatingIp>> {
    if let Some(b) = client
        .get_opt::<FloatingIpBody>(NETWORK, &format!("/v2.0/floatingips/{fip}"))
        .await
        .ok()
        .flatten()
    {
        return Ok(Some(b.floatingip));
    }
    let list: FloatingIpList = client
        .get(
            NETWORK,
            &format!("/v2.0/floatingips?floating_ip_address={fip}"),
        )
        .await?;
    Ok(list
        .floatingips
        .into_iter()
        .find(|f| f.floating_ip_address == fip))
}

#[async_trait]
impl Kind for FloatingIpAssociation {
    type State = State;
    const DESCRIPTION: &'static str = "Associates a floating IP (by address or id) with a port. Import with the floating IP's id.";
    const REPLACE: &'static [&'static str] = &["floating_ip"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            (
                "floating_ip",
                required(string(), "The floating IP, by address or id."),
            ),
            (
                "port_id",
                required(string(), "The port it reaches; changed in place."),
            ),
            (
                "fixed_ip",
                defaulted(
                    string(),
                    "Which of the port's addresses (its first when absent).",
                ),
            ),
        ]
    }

    async fn plan(
        &self,
        _client: &Client,
        prior: Option<&State>,
        planned: &mut State,
    ) -> Result<Vec<(String, String)>> {
        // Another port has other addresses: the one it gets is known once
        // applied (unless the configuration names it).
        if let Some(prior) = prior
            && prior.port_id != planned.port_id
            && prior.fixed_ip == planned.fixed_ip
        {
            planned.fixed_ip = Value::Unknown;
        }
        Ok(Vec::new())
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let name = known(&plan.floating_ip).unwrap_or_default();
        let f = find(client, &name)
            .await?
            .ok_or_else(|| Error::attr("floating_ip", format!("no floating IP {name:?}")))?;
        let u = FloatingIpUpdate {
            port_id: Some(known(&plan.port_id)),
            fixed_ip_address: known(&plan.fixed_ip),
            description: None,
        };
        let got: FloatingIpBody = client
            .put(
                NETWORK,
                &format!("/v2.0/floatingips/{}", f.id),
                &FloatingIpUpdateBody { floatingip: u },
            )
            .await?;
        *id = Some(f.id.clone());
        Ok(State {
            id: Value::Value(f.id),
            floating_ip: Value::Value(name),
            port_id: Value::Value(got.floatingip.port_id.unwrap_or_default()),
            fixed_ip: Value::Value(got.floatingip.fixed_ip_address.unwrap_or_default()),
            timeouts: Value::Null,
        })
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let Some(f) = client
            .get_opt::<FloatingIpBody>(NETWORK, &format!("/v2.0/floatingips/{id}"))
            .await?
            .map(|b| b.floatingip)
        else {
            return Ok(None);
        };
        let Some(port) = f.port_id else {
            return Ok(None);
        };
        if let Some(want) = known(&state.port_id)
            && want != port
        {
            // Moved elsewhere: this association is gone.
            return Ok(None);
        }
        Ok(Some(State {
            id: Value::Value(f.id.clone()),
            floating_ip: Value::Value(match known(&state.floating_ip) {
                Some(given) if given == f.id => f.id,
                _ => f.floating_ip_address,
            }),
            port_id: Value::Value(port),
            fixed_ip: Value::Value(f.fixed_ip_address.unwrap_or_default()),
            timeouts: Value::Null,
        }))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let u = FloatingIpUpdate {
            port_id: Some(known(&plan.port_id)),
            fixed_ip_address: known(&plan.fixed_ip)
                .filter(|f| !f.is_empty() && plan.port_id == prior.port_id),
            description: None,
        };
        let got: FloatingIpBody = client
            .put(
                NETWORK,
                &format!("/v2.0/floatingips/{id}"),
                &FloatingIpUpdateBody { floatingip: u },
            )
            .await?;
        Ok(State {
            id: Value::Value(id),
            floating_ip: plan.floating_ip.clone(),
            port_id: Value::Value(got.floatingip.port_id.unwrap_or_default()),
            fixed_ip: Value::Value(got.floatingip.fixed_ip_address.unwrap_or_default()),
            timeouts: Value::Null,
        })
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        // Only if it still reaches this association's port.
        let Some(f) = client
            .get_opt::<FloatingIpBody>(NETWORK, &format!("/v2.0/floatingips/{id}"))
            .await?
            .map(|b| b.floatingip)
        else {
            return Ok(());
        };
        if f.port_id.is_none() || f.port_id != known(&state.port_id) {
            return Ok(());
        }
        let u = FloatingIpUpdate {
            port_id: Some(None),
            fixed_ip_address: None,
            description: None,
        };
        Ok(client
            .undo(
                NETWORK,
                reqwest::Method::PUT,
                &format!("/v2.0/floatingips/{id}"),
                Some(&FloatingIpUpdateBody { floatingip: u }),
            )
            .await?)
    }
}
