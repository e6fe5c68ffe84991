//! Who may do what in the network API: one place, with Neutron's default
//! policies (2023.2 "secure RBAC" defaults) as the reference.
//!
//! - Lists: admins see every project's objects; others their project's; a
//!   non-admin token without a project scope gets `403`, never "no filter".
//! - Ports: any member may make ports on a network it may use (its own or a
//!   shared one); the attributes that let a port impersonate another device
//!   or spoof traffic are the network owner's or an admin's (`mac_address`,
//!   `port_security_enabled`, `allowed_address_pairs`, `fixed_ips` with an
//!   `ip_address`); `binding:*` is an admin's to read and write; a
//!   `device_owner` of `network:*` or `compute:*` is reserved to admins and
//!   the services (which make such ports themselves, not through this
//!   API). Only the port's project (or an admin) changes a port; the
//!   network's owner may see and delete ports on its network.
//! - Floating IPs go only onto ports of their own project; router
//!   interfaces on another project's (shared) subnet are its owner's or an
//!   admin's.

use crate::datastore::{Network, Port};
use stratus_api::network::DeviceOwner;
use stratus_api::network::{FixedIpRequest, PortCreate, PortUpdate};
use stratus_auth::TokenClaims;
use stratus_common::Error;

/// Neutron's refusal by policy, naming the rule.
pub fn policy(rule: &str) -> Error {
    Error::forbidden(format!("({rule}) is disallowed by policy")).with_type("PolicyNotAuthorized")
}

/// Whose objects a list shows: every project's for admins, the token's
/// project's for others; a non-admin token without a project scope
/// (unscoped, domain- or system-scoped) is refused.
pub fn list_scope<'a>(caller: &'a TokenClaims, rule: &str) -> Result<Option<&'a str>, Error> {
    if caller.is_admin() {
        return Ok(None);
    }
    caller
        .project_id()
        .map(Some)
        .ok_or_else(|| policy(&format!("{rule}: a project-scoped token")))
}

/// The caller owns `network` (its project's), or is an admin.
pub fn network_owner(caller: &TokenClaims, network: &Network) -> bool {
    caller.is_admin() || caller.project_id() == Some(network.project_id.as_str())
}

/// Device owners only the services (and admins) give a port: a client
/// writing one could pose as a router's interface or a DHCP server.
pub fn reserved_device_owner(owner: &str) -> bool {
    DeviceOwner::parse(owner).is_reserved()
}

/// Checks the attributes of a port create or update (`action` is
/// `create_port` or `update_port`) against who the caller is on `network`.
pub fn port_attributes(
    caller: &TokenClaims,
    network: &Network,
    ask: &PortAsk<'_>,
    action: &str,
) -> Result<(), Error> {
    let admin = caller.is_admin();
    if let Some(key) = ask.binding.first()
        && !admin
    {
        return Err(policy(&format!("{action}:{key}")));
    }
    if let Some(owner) = ask.device_owner
        && reserved_device_owner(owner)
        && !admin
        && !caller.is_service()
    {
        return Err(policy(&format!("{action}:device_owner")));
    }
    if network_owner(caller, network) {
        return Ok(());
    }
    if let Some(key) = ask.owner_only.first() {
        return Err(policy(&format!("{action}:{key}")));
    }
    if ask.names_address {
        return Err(policy(&format!("{action}:fixed_ips:ip_address")));
    }
    Ok(())
}

/// What a port create or update asks for that the policy decides on.
pub struct PortAsk<'a> {
    /// The `binding:*` attributes given.
    pub binding: Vec<&'static str>,
    pub device_owner: Option<&'a str>,
    /// Attributes only the network's owner (or an admin) sets: the MAC,
    /// port security, address pairs.
    pub owner_only: Vec<&'static str>,
    /// Whether a fixed address is named (not only a subnet).
    pub names_address: bool,
}

impl<'a> PortAsk<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        host: bool,
        vnic: bool,
        profile: bool,
        device_owner: Option<&'a str>,
        mac: bool,
        port_security: bool,
        pairs: bool,
        fixed_ips: &Option<Vec<FixedIpRequest>>,
    ) -> Self {
        let pick = |given: &[(&'static str, bool)]| {
            given
                .iter()
                .filter_map(|(k, g)| g.then_some(*k))
                .collect::<Vec<_>>()
        };
        Self {
            binding: pick(&[
                ("binding:host_id", host),
                ("binding:vnic_type", vnic),
                ("binding:profile", profile),
            ]),
            device_owner,
            owner_only: pick(&[
                ("mac_address", mac),
                ("port_security_enabled", port_security),
                ("allowed_address_pairs", pairs),
            ]),
            names_address: fixed_ips
                .as_ref()
                .is_some_and(|ips| ips.iter().any(|ip| ip.ip_address.is_some())),
        }
    }

    pub fn create(b: &'a PortCreate) -> Self {
        Self::new(
            b.binding_host_id.is_some(),
            b.binding_vnic_type.is_some(),
            b.binding_profile.is_some(),
            b.device_owner.as_deref(),
            b.mac_address.is_some(),
            b.port_security_enabled.is_some(),
            b.allowed_address_pairs.is_some(),
            &b.fixed_ips,
        )
    }

    pub fn update(b: &'a PortUpdate) -> Self {
        Self::new(
            b.binding_host_id.is_some(),
            b.binding_vnic_type.is_some(),
            b.binding_profile.is_some(),
            b.device_owner.as_deref(),
            false,
            b.port_security_enabled.is_some(),
            b.allowed_address_pairs.is_some(),
            &b.fixed_ips,
        )
    }
}

/// Only the port's project (or an admin) changes it.
pub fn port_changer(caller: &TokenClaims, port: &Port) -> Result<(), Error> {
    if caller.is_admin() || caller.project_id() == Some(port.project_id.as_str()) {
        Ok(())
    } else {
        Err(policy("update_port"))
    }
}

/// Whether the caller sees `binding:*` of a port (admins only).
pub fn sees_binding(caller: &TokenClaims) -> bool {
    caller.is_admin()
}
