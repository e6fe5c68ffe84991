//! Kinds Neutron keeps as text: a rule's IP protocol and a port's device
//! owner. The wire keeps Neutron's text (what was given comes back); these
//! types are what code decides with.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An IP protocol a security group rule names: one Neutron knows by name
/// (kept as given: `icmpv6` and `ipv6-icmp` both), or a number 0–255.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Ipv6Icmp,
    Sctp,
    Gre,
    Esp,
    Ah,
    Number(u8),
}

impl Protocol {
    /// The names Neutron takes (`any` means no protocol: every one).
    pub const NAMES: [&'static str; 10] = [
        "tcp",
        "udp",
        "icmp",
        "ipv6-icmp",
        "icmpv6",
        "sctp",
        "gre",
        "esp",
        "ah",
        "any",
    ];

    /// A name (any case), `any`, or a number 0–255 as text; `Ok(None)`
    /// for `any`.
    pub fn parse(text: &str) -> Result<Option<Protocol>, String> {
        Ok(Some(match text.to_ascii_lowercase().as_str() {
            "any" => return Ok(None),
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "icmp" => Protocol::Icmp,
            "icmpv6" => Protocol::Icmpv6,
            "ipv6-icmp" => Protocol::Ipv6Icmp,
            "sctp" => Protocol::Sctp,
            "gre" => Protocol::Gre,
            "esp" => Protocol::Esp,
            "ah" => Protocol::Ah,
            other => other
                .parse::<u8>()
                .map(Protocol::Number)
                .map_err(|_| Self::refusal(text))?,
        }))
    }

    /// What a request gave (`null`, a name, a number as text or as a JSON
    /// number); `Ok(None)` for any protocol. The error is Neutron's message.
    pub fn from_request(given: Option<&Value>) -> Result<Option<Protocol>, String> {
        match given {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Self::parse(s),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .map(|n| Some(Protocol::Number(n)))
                .ok_or_else(|| Self::refusal(&n.to_string())),
            Some(other) => Err(Self::refusal(&other.to_string())),
        }
    }

    fn refusal(given: &str) -> String {
        format!(
            "Security group rule protocol {given} not supported. Only protocol values {:?} and integer representations [0 to 255] are supported.",
            Self::NAMES
        )
    }

    /// The text Neutron stores and shows.
    pub fn as_text(&self) -> String {
        match self {
            Protocol::Tcp => "tcp".into(),
            Protocol::Udp => "udp".into(),
            Protocol::Icmp => "icmp".into(),
            Protocol::Icmpv6 => "icmpv6".into(),
            Protocol::Ipv6Icmp => "ipv6-icmp".into(),
            Protocol::Sctp => "sctp".into(),
            Protocol::Gre => "gre".into(),
            Protocol::Esp => "esp".into(),
            Protocol::Ah => "ah".into(),
            Protocol::Number(n) => n.to_string(),
        }
    }

    /// Whether rules of this protocol name ports (TCP, UDP, SCTP).
    pub fn has_ports(&self) -> bool {
        matches!(
            self,
            Protocol::Tcp | Protocol::Udp | Protocol::Sctp | Protocol::Number(6 | 17 | 132)
        )
    }

    /// Whether rules of this protocol name an ICMP type and code instead.
    pub fn is_icmp(&self) -> bool {
        matches!(
            self,
            Protocol::Icmp | Protocol::Icmpv6 | Protocol::Ipv6Icmp | Protocol::Number(1 | 58)
        )
    }
}

impl Serialize for Protocol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_text())
    }
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match Protocol::from_request(Some(&v)) {
            Ok(Some(p)) => Ok(p),
            Ok(None) => Err(serde::de::Error::custom("no protocol (any)")),
            Err(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

/// Who a port belongs to, by the family of its `device_owner`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceOwner {
    /// No owner: a port a user made and nothing uses yet.
    Unowned,
    /// An instance's (`compute:<zone>`).
    Compute { zone: String },
    /// A router's interface on a subnet (`network:router_interface`).
    RouterInterface,
    /// A router's external gateway (`network:router_gateway`).
    RouterGateway,
    /// A floating IP's (`network:floatingip`).
    FloatingIp,
    /// A network's DHCP server (`network:dhcp`).
    Dhcp,
    /// Another of the network service's own (`network:<other>`).
    Network(String),
    /// Anything else a user wrote.
    Other(String),
}

impl DeviceOwner {
    pub const ROUTER_INTERFACE: &'static str = "network:router_interface";
    pub const ROUTER_GATEWAY: &'static str = "network:router_gateway";
    pub const FLOATING_IP: &'static str = "network:floatingip";
    pub const DHCP: &'static str = "network:dhcp";

    pub fn parse(text: &str) -> DeviceOwner {
        match text {
            "" => DeviceOwner::Unowned,
            Self::ROUTER_INTERFACE => DeviceOwner::RouterInterface,
            Self::ROUTER_GATEWAY => DeviceOwner::RouterGateway,
            Self::FLOATING_IP => DeviceOwner::FloatingIp,
            Self::DHCP => DeviceOwner::Dhcp,
            t => match (t.strip_prefix("compute:"), t.strip_prefix("network:")) {
                (Some(zone), _) => DeviceOwner::Compute { zone: zone.into() },
                (_, Some(other)) => DeviceOwner::Network(other.into()),
                _ => DeviceOwner::Other(t.into()),
            },
        }
    }

    /// Owners only the services (and admins) give a port: a client writing
    /// one could pose as a router's interface, a DHCP server or an instance.
    pub fn is_reserved(&self) -> bool {
        !matches!(self, DeviceOwner::Unowned | DeviceOwner::Other(_))
    }

    /// The network service's own ports (routers, floating IPs, DHCP).
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            DeviceOwner::RouterInterface
                | DeviceOwner::RouterGateway
                | DeviceOwner::FloatingIp
                | DeviceOwner::Dhcp
                | DeviceOwner::Network(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protocols_are_names_or_numbers() {
        assert_eq!(Protocol::parse("TCP"), Ok(Some(Protocol::Tcp)));
        assert_eq!(Protocol::parse("any"), Ok(None));
        assert_eq!(Protocol::parse("17"), Ok(Some(Protocol::Number(17))));
        assert!(Protocol::parse("256").is_err());
        assert!(Protocol::parse("tcp; drop").is_err());
        assert_eq!(
            Protocol::from_request(Some(&json!(58))),
            Ok(Some(Protocol::Number(58)))
        );
        assert_eq!(Protocol::from_request(Some(&json!(null))), Ok(None));
        assert!(Protocol::from_request(Some(&json!(-1))).is_err());
        assert!(Protocol::from_request(Some(&json!(true))).is_err());
        assert!(Protocol::Number(6).has_ports() && Protocol::Sctp.has_ports());
        assert!(Protocol::Ipv6Icmp.is_icmp() && !Protocol::Gre.has_ports());
        assert_eq!(Protocol::Ipv6Icmp.as_text(), "ipv6-icmp");
        assert_eq!(
            serde_json::to_value(Protocol::Number(47)).ok(),
            Some(json!("47"))
        );
    }

    #[test]
    fn device_owners_fall_into_families() {
        assert_eq!(DeviceOwner::parse(""), DeviceOwner::Unowned);
        assert_eq!(
            DeviceOwner::parse("compute:nova"),
            DeviceOwner::Compute {
                zone: "nova".into()
            }
        );
        assert_eq!(DeviceOwner::parse("network:dhcp"), DeviceOwner::Dhcp);
        assert!(DeviceOwner::parse("network:ha_router_replicated_interface").is_reserved());
        assert!(DeviceOwner::parse("compute:az1").is_reserved());
        assert!(!DeviceOwner::parse("my-app").is_reserved());
        assert!(DeviceOwner::parse("network:router_gateway").is_network());
        assert!(!DeviceOwner::parse("compute:nova").is_network());
    }
}
