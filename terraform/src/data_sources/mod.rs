//! One module per `stratus_<name>` data source, over [`Lookup`]: a data
//! source's schema and how it finds its one object. A search that matches
//! nothing or more than one object is an error naming the arguments, so a
//! configuration never silently picks the wrong image or network.

pub mod availability_zones;
pub mod flavor;
pub mod image;
pub mod network;
pub mod project;
pub mod security_group;
pub mod subnet;

use std::collections::HashMap;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tf_provider::schema::{Attribute, Block, Description, Schema};
use tf_provider::value::ValueEmpty;
use tf_provider::{DataSource, Diagnostics, DynamicDataSource};

use crate::client::Client;
use crate::framework::{Error, Result, Shared};

/// One data source: its arguments and results, and how it finds them.
#[async_trait]
pub trait Lookup: Send + Sync + 'static {
    type State: Serialize + DeserializeOwned + Send + Sync;
    const DESCRIPTION: &'static str;
    /// Every attribute, `id` included: arguments optional, results
    /// computed.
    fn attributes(&self) -> Vec<(&'static str, Attribute)>;
    async fn read(&self, client: &Client, config: &Self::State) -> Result<Self::State>;
}

/// A [`Lookup`] served over the plugin protocol.
pub struct Source<L> {
    lookup: L,
    client: Shared,
}

pub fn schema_of<L: Lookup>(lookup: &L) -> Schema {
    Schema {
        version: 1,
        block: Block {
            version: 1,
            attributes: lookup
                .attributes()
                .into_iter()
                .map(|(n, a)| (n.to_owned(), a))
                .collect(),
            description: Description::markdown(L::DESCRIPTION),
            ..Default::default()
        },
    }
}

#[async_trait]
impl<L: Lookup> DataSource for Source<L> {
    type State<'a> = L::State;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema_of(&self.lookup))
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let client = self.client.get(diags)?;
        match self.lookup.read(&client, &config).await {
            Ok(s) => Some(s),
            Err(e) => {
                e.report(diags, "lookup failed");
                None
            }
        }
    }
}

/// The one object among `found` that matched; `what` describes the search
/// for the error when none or several did.
pub(crate) fn the_one<T>(found: Vec<T>, what: &str) -> Result<T> {
    let n = found.len();
    let mut it = found.into_iter();
    match (it.next(), n) {
        (Some(t), 1) => Ok(t),
        (None, _) => Err(Error::Failed(format!("no {what}"))),
        _ => Err(Error::Failed(format!(
            "{n} objects match: {what}; narrow the search"
        ))),
    }
}

/// Whether an optional argument matches a value (an absent one matches all).
pub(crate) fn matches<T: PartialEq + Clone>(arg: &tf_provider::value::Value<T>, v: &T) -> bool {
    crate::framework::known(arg).is_none_or(|a| &a == v)
}

fn source<L: Lookup>(lookup: L, client: &Shared) -> Box<dyn DynamicDataSource> {
    Box::new(Source {
        lookup,
        client: client.clone(),
    })
}

pub fn all(client: &Shared) -> HashMap<String, Box<dyn DynamicDataSource>> {
    HashMap::from([
        ("image".to_owned(), source(image::Image, client)),
        ("flavor".to_owned(), source(flavor::Flavor, client)),
        ("network".to_owned(), source(network::Network, client)),
        ("subnet".to_owned(), source(subnet::Subnet, client)),
        (
            "security_group".to_owned(),
            source(security_group::SecurityGroup, client),
        ),
        ("project".to_owned(), source(project::Project, client)),
        (
            "availability_zones".to_owned(),
            source(availability_zones::AvailabilityZones, client),
        ),
    ])
}
