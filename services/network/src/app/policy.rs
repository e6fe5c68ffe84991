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
use serde_json::{Map, Value};
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
    owner.starts_with("network:") || owner.starts_with("compute:")
}

/// Checks the attributes of a port create or update (`action` is
/// `create_port` or `update_port`) against who the caller is on `network`.
pub fn port_attributes(
    caller: &TokenClaims,
    network: &Network,
    body: &Map<String, Value>,
    action: &str,
) -> Result<(), Error> {
    let admin = caller.is_admin();
    if let Some(key) = body.keys().find(|k| k.starts_with("binding:"))
        && !admin
    {
        return Err(policy(&format!("{action}:{key}")));
    }
    if let Some(owner) = body.get("device_owner").and_then(Value::as_str)
        && reserved_device_owner(owner)
        && !admin
        && !caller.is_service()
    {
        return Err(policy(&format!("{action}:device_owner")));
    }
    if network_owner(caller, network) {
        return Ok(());
    }
    for key in [
        "mac_address",
        "port_security_enabled",
        "allowed_address_pairs",
    ] {
        if body.contains_key(key) {
            return Err(policy(&format!("{action}:{key}")));
        }
    }
    let names_address = body
        .get("fixed_ips")
        .and_then(Value::as_array)
        .is_some_and(|ips| ips.iter().any(|ip| ip.get("ip_address").is_some()));
    if names_address {
        return Err(policy(&format!("{action}:fixed_ips:ip_address")));
    }
    Ok(())
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
