//! One module per `stratus_<name>` data source.

use std::collections::HashMap;

use tf_provider::DynamicDataSource;

use crate::framework::Shared;

pub fn all(_client: &Shared) -> HashMap<String, Box<dyn DynamicDataSource>> {
    HashMap::new()
}
