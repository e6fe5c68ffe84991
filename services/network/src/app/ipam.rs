//! Address arithmetic for subnets: parsing and checking CIDRs, the default
//! gateway and allocation pools, and walking pools for a free address. Both
//! families are handled as `u128` offsets so one code path serves IPv4 and
//! IPv6.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// An allocation pool, inclusive at both ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    pub start: String,
    pub end: String,
}

pub fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

pub fn from_u128(v: u128, like: IpAddr) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(u32::try_from(v).unwrap_or(u32::MAX).into()),
        IpAddr::V6(_) => IpAddr::V6(v.into()),
    }
}

/// Parses a CIDR that must be written as its network (`10.0.0.0/24`, not
/// `10.0.0.5/24`), as Neutron insists.
pub fn parse_cidr(cidr: &str) -> Result<IpNet, String> {
    let net = parse_route_destination(cidr)?;
    let max = net.max_prefix_len();
    if net.prefix_len() > max - 2 && max == 32 {
        return Err(format!("'{cidr}' is too small to hold addresses"));
    }
    Ok(net)
}

/// A route's destination: any prefix length (a `/32` host route too), in
/// its recommended (truncated) form, as Neutron checks it.
pub fn parse_route_destination(cidr: &str) -> Result<IpNet, String> {
    let net: IpNet = cidr
        .parse()
        .map_err(|_| format!("'{cidr}' is not a valid IP subnet"))?;
    if net.trunc() != net {
        return Err(format!(
            "'{cidr}' isn't a recommended CIDR, '{}' is recommended",
            net.trunc()
        ));
    }
    Ok(net)
}

/// The usable range of a subnet: IPv4 without its network and broadcast
/// addresses, IPv6 without its subnet-router anycast address.
pub fn usable(net: &IpNet) -> (u128, u128) {
    let (first, last) = (to_u128(net.network()), to_u128(net.broadcast()));
    match net {
        IpNet::V4(_) => (first + 1, last - 1),
        IpNet::V6(_) => (first + 1, last),
    }
}

/// The pools left of `range` once `gateway` is taken out.
pub fn default_pools(net: &IpNet, gateway: Option<IpAddr>) -> Vec<(u128, u128)> {
    let (lo, hi) = usable(net);
    match gateway.map(to_u128) {
        Some(g) if g == lo => vec![(lo + 1, hi)],
        Some(g) if g == hi => vec![(lo, hi - 1)],
        Some(g) if (lo..=hi).contains(&g) => vec![(lo, g - 1), (g + 1, hi)],
        _ => vec![(lo, hi)],
    }
    .into_iter()
    .filter(|(a, b)| a <= b)
    .collect()
}

pub fn pool_json(pools: &[(u128, u128)], like: IpAddr) -> Vec<Pool> {
    pools
        .iter()
        .map(|(a, b)| Pool {
            start: from_u128(*a, like).to_string(),
            end: from_u128(*b, like).to_string(),
        })
        .collect()
}

/// The first address of `pools` not in `used` (sorted), if any.
pub fn first_free(pools: &[(u128, u128)], used: &[u128]) -> Option<u128> {
    for (lo, hi) in pools {
        let mut candidate = *lo;
        for u in used.iter().filter(|u| **u >= *lo && **u <= *hi) {
            if *u == candidate {
                candidate += 1;
            } else if *u > candidate {
                break;
            }
        }
        if candidate <= *hi {
            return Some(candidate);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_destinations_take_any_prefix_in_recommended_form() {
        assert!(parse_route_destination("10.2.0.9/32").is_ok());
        assert!(parse_route_destination("0.0.0.0/0").is_ok());
        assert!(parse_route_destination("2001:db8::1/128").is_ok());
        let e = parse_route_destination("10.2.0.9/24").expect_err("not truncated");
        assert!(e.contains("'10.2.0.0/24' is recommended"), "{e}");
        assert!(parse_route_destination("10.2.0.9").is_err());
    }

    #[test]
    fn cidrs_pools_and_free_addresses() {
        assert!(
            parse_cidr("10.0.0.5/24")
                .expect_err("host bits")
                .contains("10.0.0.0/24")
        );
        assert!(parse_cidr("nope").is_err());
        let net = parse_cidr("10.0.0.0/29").expect("cidr");
        let gw: IpAddr = "10.0.0.1".parse().expect("ip");
        let pools = default_pools(&net, Some(gw));
        assert_eq!(
            pool_json(&pools, gw),
            vec![Pool {
                start: "10.0.0.2".into(),
                end: "10.0.0.6".into()
            }]
        );
        let ip = |s: &str| to_u128(s.parse().expect("ip"));
        assert_eq!(first_free(&pools, &[]), Some(ip("10.0.0.2")));
        assert_eq!(
            first_free(&pools, &[ip("10.0.0.2"), ip("10.0.0.3")]),
            Some(ip("10.0.0.4"))
        );
        assert_eq!(first_free(&pools, &[ip("10.0.0.3")]), Some(ip("10.0.0.2")));
        let all: Vec<u128> = (ip("10.0.0.2")..=ip("10.0.0.6")).collect();
        assert_eq!(first_free(&pools, &all), None);
        let v6 = parse_cidr("fd00::/64").expect("cidr");
        let (lo, _) = usable(&v6);
        assert_eq!(
            from_u128(lo, "::1".parse().expect("ip")).to_string(),
            "fd00::1"
        );
    }
}
