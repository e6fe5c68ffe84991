//! A server create request as Nova's 2.1 schema checks it: the decoded
//! [`api::ServerCreateBody`] turned into a [`CreateRequest`] whose values
//! (UUIDs, addresses, base64 user data, counts, block devices, scheduler
//! hints) are checked.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::Value;
use stratus_api::compute as api;
use stratus_bus_protocol::network::PortRequest;
use stratus_common::Error;
use uuid::Uuid;

use super::input::{boolean, int, invalid, name};

/// A server create request, checked.
#[derive(Clone, Debug, Default)]
pub struct CreateRequest {
    pub name: String,
    pub image_ref: Option<String>,
    pub flavor_ref: String,
    pub networks: Vec<PortRequest>,
    pub key_name: Option<String>,
    pub user_data: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub security_groups: Vec<String>,
    pub min_count: i32,
    pub max_count: i32,
    pub return_reservation_id: bool,
    pub availability_zone: Option<String>,
    pub block_devices: Vec<BlockDeviceRequest>,
    pub config_drive: bool,
    pub access_ipv4: String,
    pub access_ipv6: String,
    pub group: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockDeviceRequest {
    pub volume_id: String,
    pub boot_index: Option<i32>,
    pub delete_on_termination: bool,
}

fn string<'a>(field: &str, v: &'a Value) -> Result<&'a str, Error> {
    v.as_str()
        .ok_or_else(|| invalid(field, v, format!("{v} is not of type 'string'")))
}

fn uuid_of(field: &str, v: &Value) -> Result<String, Error> {
    let s = string(field, v)?;
    Uuid::parse_str(s)
        .map(|u| u.to_string())
        .map_err(|_| invalid(field, v, format!("'{s}' is not a 'uuid'")))
}

pub(crate) fn metadata(
    field: &str,
    m: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Error> {
    for (k, val) in m {
        if k.is_empty() || k.chars().count() > 255 {
            return Err(invalid(
                field,
                &Value::String(k.clone()),
                format!("'{k}' must be 1 to 255 characters long"),
            ));
        }
        if val.chars().count() > 255 {
            return Err(invalid(
                field,
                &Value::String(val.clone()),
                "is longer than 255 characters",
            ));
        }
    }
    Ok(m.clone())
}

/// Checks a create request's values as Nova's 2.1 schema does (the types
/// and attributes were checked by decoding it).
pub fn parse_create(body: &api::ServerCreateBody) -> Result<CreateRequest, Error> {
    let s = &body.server;
    let text = |v: &str| Value::String(v.to_owned());
    let mut r = CreateRequest {
        name: name("name", &text(&s.name), 255)?,
        min_count: 1,
        max_count: 1,
        ..CreateRequest::default()
    };
    r.flavor_ref = s.flavor_ref.as_id();
    if r.flavor_ref.is_empty() {
        return Err(invalid("flavorRef", &text(""), "'' is too short"));
    }
    if let Some(i) = s.image_ref.as_deref().filter(|i| !i.is_empty()) {
        r.image_ref = Some(uuid_of("imageRef", &text(i))?);
    }
    for n in s.networks.iter().flatten() {
        let port_id = n
            .port
            .as_deref()
            .map(|p| uuid_of("port", &text(p)))
            .transpose()?;
        let network_id = n
            .uuid
            .as_deref()
            .map(|p| uuid_of("uuid", &text(p)))
            .transpose()?;
        let fixed_ip = match &n.fixed_ip {
            None => None,
            Some(t) => {
                if t.parse::<std::net::IpAddr>().is_err() {
                    return Err(invalid(
                        "fixed_ip",
                        &text(t),
                        format!("'{t}' is not a 'ipv4'"),
                    ));
                }
                Some(t.clone())
            }
        };
        if port_id.is_none() && network_id.is_none() {
            return Err(Error::bad_request(
                "Bad networks format: network uuid is not in proper format",
            ));
        }
        r.networks.push(PortRequest {
            network_id: if port_id.is_some() { None } else { network_id },
            port_id,
            fixed_ip,
        });
    }
    if let Some(k) = &s.key_name {
        r.key_name = Some(name("key_name", &text(k), 255)?);
    }
    if let Some(t) = &s.user_data {
        if t.len() > 65535 {
            return Err(invalid(
                "user_data",
                &text("..."),
                "is longer than 65535 characters",
            ));
        }
        if base64::engine::general_purpose::STANDARD.decode(t).is_err() {
            return Err(Error::bad_request(
                "Invalid input for field/attribute user_data. Value: <user_data>. 'user_data' is not a 'base64'",
            ));
        }
        r.user_data = Some(t.clone());
    }
    if let Some(m) = &s.metadata {
        r.metadata = metadata("metadata", m)?;
    }
    for g in s.security_groups.iter().flatten() {
        r.security_groups
            .push(name("security_groups", &text(&g.name), 255)?);
    }
    if let Some(v) = &s.min_count {
        r.min_count = int("min_count", v, 1)?;
    }
    if let Some(v) = &s.max_count {
        r.max_count = int("max_count", v, 1)?;
    } else {
        r.max_count = r.min_count;
    }
    if r.min_count > r.max_count {
        return Err(Error::bad_request("min_count must be <= max_count"));
    }
    if let Some(v) = &s.return_reservation_id {
        r.return_reservation_id = boolean("return_reservation_id", v)?;
    }
    if let Some(z) = &s.availability_zone {
        // `zone:host` as Nova accepts it from admins is not supported.
        r.availability_zone = Some(name("availability_zone", &text(z), 255)?);
    }
    if let Some(v) = &s.config_drive {
        r.config_drive = boolean("config_drive", v)?;
    }
    if let Some(t) = &s.access_ipv4 {
        if t.parse::<std::net::Ipv4Addr>().is_err() {
            return Err(invalid(
                "accessIPv4",
                &text(t),
                format!("'{t}' is not a 'ipv4'"),
            ));
        }
        r.access_ipv4 = t.clone();
    }
    if let Some(t) = &s.access_ipv6 {
        if t.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(invalid(
                "accessIPv6",
                &text(t),
                format!("'{t}' is not a 'ipv6'"),
            ));
        }
        r.access_ipv6 = t.clone();
    }
    if let Some(t) = &s.disk_config
        && t != "AUTO"
        && t != "MANUAL"
    {
        return Err(invalid(
            "OS-DCF:diskConfig",
            &text(t),
            format!("'{t}' is not one of ['AUTO', 'MANUAL']"),
        ));
    }
    if s.personality.as_ref().is_some_and(|p| !p.is_empty()) {
        return Err(Error::bad_request(
            "Invalid input for field/attribute personality. File injection is not supported.",
        ));
    }
    if let Some(b) = &s.block_device_mapping_v2 {
        r.block_devices = parse_bdm(b)?;
    }
    if r.image_ref.is_none() && !r.block_devices.iter().any(|b| b.boot_index == Some(0)) {
        return Err(Error::bad_request(
            "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.",
        ));
    }
    let hints = body
        .scheduler_hints
        .as_ref()
        .or(body.scheduler_hints_legacy.as_ref());
    if let Some(g) = hints.and_then(|h| h.group.as_deref()) {
        r.group =
            Some(Uuid::parse_str(g).map_err(|_| invalid("group", &text(g), "is not a 'uuid'"))?);
    }
    Ok(r)
}

fn parse_bdm(items: &[api::BlockDeviceMapping]) -> Result<Vec<BlockDeviceRequest>, Error> {
    let text = |v: &str| Value::String(v.to_owned());
    let mut out = Vec::new();
    for b in items {
        let source = b.source_type.as_deref().unwrap_or("");
        let dest = b.destination_type.as_deref().unwrap_or("volume");
        let boot_index = match &b.boot_index {
            None | Some(Value::Null) => None,
            Some(i) => Some(match i {
                Value::Number(_) | Value::String(_) => int("boot_index", i, -1)?,
                other => {
                    return Err(invalid(
                        "boot_index",
                        other,
                        format!("{other} is not of type 'integer', 'string', 'null'"),
                    ));
                }
            })
            .filter(|i| *i >= 0),
        };
        if source == "image" && dest == "local" && boot_index == Some(0) {
            // The image as the root disk: what imageRef gives.
            continue;
        }
        if source != "volume" || dest != "volume" {
            return Err(Error::bad_request(format!(
                "Block Device Mapping is Invalid: source_type '{source}' with destination_type '{dest}' is not supported; attach an existing volume (source_type and destination_type 'volume')."
            )));
        }
        let uuid = b.uuid.as_deref().ok_or_else(|| {
            Error::bad_request(
                "Invalid input for field/attribute block_device_mapping_v2. 'uuid' is a required property",
            )
        })?;
        out.push(BlockDeviceRequest {
            volume_id: uuid_of("uuid", &text(uuid))?,
            boot_index,
            delete_on_termination: b
                .delete_on_termination
                .as_ref()
                .map(|d| boolean("delete_on_termination", d))
                .transpose()?
                .unwrap_or(false),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body read as the API reads it: decoded, then checked.
    fn read(body: &serde_json::Value) -> Result<CreateRequest, Error> {
        let bytes = serde_json::to_vec(body).expect("json");
        parse_create(&stratus_http::json::decode(&bytes)?)
    }

    #[test]
    fn create_requests_are_checked() {
        let ok = serde_json::json!({"server": {"name": "a", "imageRef": "8c5b1a3e-1b2c-4d5e-8f90-123456789abc",
            "flavorRef": "1", "networks": [{"uuid": "8c5b1a3e-1b2c-4d5e-8f90-123456789abc"}],
            "min_count": 2}, "os:scheduler_hints": {"group": "8c5b1a3e-1b2c-4d5e-8f90-123456789abc"}});
        let r = read(&ok).expect("ok");
        assert_eq!((r.min_count, r.max_count), (2, 2));
        assert!(r.group.is_some());
        for (bad, word) in [
            (
                serde_json::json!({"server": {"name": "a", "flavorRef": "1"}}),
                "Block Device Mapping",
            ),
            (
                serde_json::json!({"server": {"name": "a", "imageRef": "x", "flavorRef": "1"}}),
                "imageRef",
            ),
            (
                serde_json::json!({"server": {"name": "a", "imageRef": "", "flavorRef": "1", "bogus": 1}}),
                "'bogus'",
            ),
            (serde_json::json!({"server": {"flavorRef": "1"}}), "'name'"),
            (
                serde_json::json!({"server": {"name": "a", "flavorRef": "1", "imageRef": "8c5b1a3e-1b2c-4d5e-8f90-123456789abc", "user_data": "%%%"}}),
                "user_data",
            ),
            (
                serde_json::json!({"server": {"name": "a", "flavorRef": "1", "imageRef": "8c5b1a3e-1b2c-4d5e-8f90-123456789abc", "min_count": 3, "max_count": 2}}),
                "min_count",
            ),
            (
                serde_json::json!({"server": {"name": "a", "flavorRef": "1", "imageRef": "8c5b1a3e-1b2c-4d5e-8f90-123456789abc", "networks": [{"uuid": "nope"}]}}),
                "uuid",
            ),
        ] {
            let e = read(&bad).expect_err("bad");
            assert_eq!(e.status().as_u16(), 400);
            assert!(e.message.contains(word), "{word}: {}", e.message);
        }
    }
}
