//! `stratus_keypair`: an SSH key pair; generated (the private key then in
//! state, sensitive) or imported from a public key. Its id is its name.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::compute::{KeypairBody, KeypairCreate, KeypairCreateBody};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::COMPUTE};
use crate::framework::{Error, Kind, Result, Timeouts, attr::*, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub public_key: Value<String>,
    pub private_key: Value<String>,
    pub fingerprint: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Keypair;

#[async_trait]
impl Kind for Keypair {
    type State = State;
    const DESCRIPTION: &'static str = "An SSH key pair for instances. Without `public_key` the cloud generates one and `private_key` holds its private half (sensitive; only at creation).";
    const REPLACE: &'static [&'static str] = &["name", "public_key"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            (
                "name",
                required(string(), "The key pair's name (unique per user)."),
            ),
            (
                "public_key",
                defaulted(
                    string(),
                    "An OpenSSH public key to import; generated when absent.",
                ),
            ),
            (
                "private_key",
                sensitive(computed(
                    string(),
                    "The generated private key (empty for an imported key, or after an import).",
                )),
            ),
            (
                "fingerprint",
                computed(string(), "The public key's fingerprint."),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        match known(&c.name) {
            Some(n) if n.is_empty() || n.len() > 255 => {
                vec![Error::attr("name", "must be 1 to 255 characters")]
            }
            _ => Vec::new(),
        }
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let name = known(&plan.name).unwrap_or_default();
        let body = KeypairCreateBody {
            keypair: KeypairCreate {
                name: name.clone(),
                public_key: known(&plan.public_key),
            },
        };
        let made: KeypairBody = client.post(COMPUTE, "/os-keypairs", &body).await?;
        *id = Some(name.clone());
        Ok(State {
            id: Value::Value(name.clone()),
            name: Value::Value(name),
            public_key: Value::Value(made.keypair.public_key),
            private_key: Value::Value(made.keypair.private_key.unwrap_or_default()),
            fingerprint: Value::Value(made.keypair.fingerprint),
            timeouts: Value::Null,
        })
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let Some(got) = client
            .get_opt::<KeypairBody>(COMPUTE, &format!("/os-keypairs/{id}"))
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(State {
            id: Value::Value(id.clone()),
            name: Value::Value(got.keypair.name),
            public_key: Value::Value(got.keypair.public_key),
            private_key: Value::Value(known(&state.private_key).unwrap_or_default()),
            fingerprint: Value::Value(got.keypair.fingerprint),
            timeouts: Value::Null,
        }))
    }

    async fn update(
        &self,
        _client: &Client,
        _prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        Ok(plan.clone())
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        Ok(client
            .delete(COMPUTE, &format!("/os-keypairs/{id}"))
            .await?)
    }
}
