//! Pieces the identity resource handlers share: list filters and links.

use serde::Deserialize;
use stratus_api::identity as api;
use stratus_common::Error;

/// `?name=&domain_id=&enabled=` as Keystone's lists take them.
#[derive(Debug, Default, Deserialize)]
pub struct ListFilter {
    pub name: Option<String>,
    pub domain_id: Option<String>,
    pub enabled: Option<String>,
}

impl ListFilter {
    pub fn enabled(&self) -> Result<Option<bool>, Error> {
        match self.enabled.as_deref() {
            None => Ok(None),
            Some("1" | "true" | "True" | "TRUE" | "yes") => Ok(Some(true)),
            Some("0" | "false" | "False" | "FALSE" | "no") => Ok(Some(false)),
            Some(other) => Err(Error::bad_request(format!(
                "Invalid value for 'enabled': {other:?}"
            ))),
        }
    }
}

pub fn self_link(base: &str, path: &str) -> api::SelfLink {
    api::SelfLink {
        self_link: format!("{base}{path}"),
    }
}

pub fn list_links(base: &str, path: &str) -> api::ListLinks {
    api::ListLinks {
        self_link: format!("{base}{path}"),
        previous: None,
        next: None,
    }
}
