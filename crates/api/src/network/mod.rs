//! The Neutron v2.0 subset served by `stratus-network`: networks, subnets,
//! ports, security groups and rules, routers, floating IPs, quotas.
//!
//! Views are what the API renders (`{"network": Network}`); `*Create` and
//! `*Update` are what it accepts, refusing unknown attributes by name as
//! Neutron does.

use serde::Deserialize;
use utoipa::IntoParams;

mod kinds;
mod networks;
mod ports;
mod quotas;
mod routers;
mod security_groups;
mod subnets;

pub use kinds::{DeviceOwner, Protocol};
pub use networks::*;
pub use ports::*;
pub use quotas::*;
pub use routers::*;
pub use security_groups::*;
pub use subnets::*;

pub use crate::Link;

/// The query every Neutron list takes besides attribute filters (any
/// attribute of the view, repeated for "any of").
///
/// Neutron's `fields=<attribute>` (on lists and single resources) is
/// served too, for the clients that send it; the answer then holds only
/// those attributes, so it is left out of the documents, whose views have
/// every attribute.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size; a `<collection>_links` `next` link follows a full page.
    pub limit: Option<u32>,
    /// The id of the last item of the previous page.
    pub marker: Option<String>,
}
