//! Where `/api/<service>/` goes: the catalog's endpoint of that service
//! (interface and region from the config), cut back to the service's root
//! so the OpenAPI documents' paths (`/v2.1/servers`, `/v3/{project_id}/volumes`)
//! append to it. The catalog is the same for every user; it is learnt from
//! the first token validated and kept for a few minutes.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};
use stratus_api::identity::CatalogEntry;

/// How long a learnt catalog is trusted before it is read again.
const FRESH_FOR: Duration = Duration::from_secs(300);

/// The services the console proxies, by the name in `/api/<name>/`, and
/// the catalog types that serve them.
pub const SERVICES: &[(&str, &[&str])] = &[
    ("identity", &["identity"]),
    ("compute", &["compute"]),
    ("network", &["network"]),
    ("image", &["image"]),
    ("volume", stratus_api::identity::VOLUME_SERVICE_TYPES),
    ("metering", &["metering"]),
];

/// A service's root and its endpoint as the catalog gives it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Endpoint {
    /// The catalog's URL (shown on the API access page).
    pub url: String,
    /// The URL without its version path: what the proxy appends to.
    #[serde(skip)]
    pub root: String,
}

pub struct Catalog {
    interface: String,
    region: String,
    known: RwLock<Option<(Instant, BTreeMap<&'static str, Endpoint>)>>,
}

impl Catalog {
    pub fn new(interface: &str, region: &str) -> Self {
        Self {
            interface: interface.to_owned(),
            region: region.to_owned(),
            known: RwLock::new(None),
        }
    }

    /// The endpoints learnt, if still fresh.
    pub fn get(&self) -> Option<BTreeMap<&'static str, Endpoint>> {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        known
            .as_ref()
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, map)| map.clone())
    }

    /// Learns the endpoints from a token's catalog; returns them.
    pub fn learn(&self, entries: &[CatalogEntry]) -> BTreeMap<&'static str, Endpoint> {
        let map = self.pick(entries);
        *self.known.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), map.clone()));
        map
    }

    fn pick(&self, entries: &[CatalogEntry]) -> BTreeMap<&'static str, Endpoint> {
        let mut map = BTreeMap::new();
        for (name, types) in SERVICES {
            let found = types.iter().find_map(|t| {
                entries
                    .iter()
                    .filter(|e| &e.service_type == t)
                    .flat_map(|e| &e.endpoints)
                    .find(|ep| {
                        ep.interface == self.interface
                            && ep.region_id.as_deref().is_none_or(|r| r == self.region)
                    })
            });
            if let Some(ep) = found {
                map.insert(
                    *name,
                    Endpoint {
                        url: ep.url.clone(),
                        root: service_root(&ep.url),
                    },
                );
            }
        }
        map
    }
}

/// `http://h:8774/v2.1` → `http://h:8774`; `http://h/volume/v3/abc` →
/// `http://h/volume`; `http://h:9696/` → `http://h:9696`.
pub fn service_root(url: &str) -> String {
    let url = url.trim_end_matches('/');
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let path_start = url[scheme_end + 3..]
        .find('/')
        .map_or(url.len(), |i| i + scheme_end + 3);
    let (origin, path) = url.split_at(path_start);
    let mut kept = Vec::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if is_version(seg) {
            break;
        }
        kept.push(seg);
    }
    if kept.is_empty() {
        origin.to_owned()
    } else {
        format!("{origin}/{}", kept.join("/"))
    }
}

fn is_version(seg: &str) -> bool {
    let mut chars = seg.chars();
    chars.next() == Some('v')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_drop_the_version_path() {
        assert_eq!(service_root("http://h:8774/v2.1"), "http://h:8774");
        assert_eq!(
            service_root("http://h:8776/v3/%(project_id)s"),
            "http://h:8776"
        );
        assert_eq!(service_root("http://h:8776/v3/abc123"), "http://h:8776");
        assert_eq!(
            service_root("https://cloud/volume/v3/abc"),
            "https://cloud/volume"
        );
        assert_eq!(service_root("http://h:9696/"), "http://h:9696");
        assert_eq!(service_root("http://h:9292"), "http://h:9292");
        assert_eq!(service_root("http://h:5000/v3"), "http://h:5000");
        assert_eq!(service_root("http://h/videos/v1"), "http://h/videos");
    }
}
