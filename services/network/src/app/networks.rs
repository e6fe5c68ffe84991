//! Networks as Neutron has them: projects see their own, shared and
//! external ones (admins all; 404 for the rest); provider attributes are
//! admins' to set, otherwise a segment of the tenant network type is
//! allocated from the configured ranges, never twice (unique indexes decide
//! races, and the allocation retries).

use super::App;
use super::input::{bad, limit, list_scope, policy};
use crate::datastore::{self as ds, Network};
use stratus_api::network::{NetworkCreate, NetworkUpdate};
use stratus_auth::TokenClaims;
use stratus_common::Error;

const VXLAN_OVERHEAD: i32 = 50;

fn not_found(id: &str) -> Error {
    Error::not_found(format!("Network {id} could not be found.")).with_type("NetworkNotFound")
}

fn in_use(message: String) -> Error {
    Error::conflict(message).with_type("SegmentInUse")
}

/// `"lo:hi"` or `"name:lo:hi"` ranges.
fn parse_range(s: &str) -> Option<(Option<&str>, i32, i32)> {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        [lo, hi] => Some((None, lo.parse().ok()?, hi.parse().ok()?)),
        [name, lo, hi] => Some((Some(*name), lo.parse().ok()?, hi.parse().ok()?)),
        _ => None,
    }
}

/// Whether `caller` may see `n`.
pub fn visible(caller: &TokenClaims, n: &Network) -> bool {
    caller.is_admin()
        || caller.project_id() == Some(n.project_id.as_str())
        || n.shared
        || n.external
}

impl App {
    pub async fn network_get(&self, caller: &TokenClaims, id: &str) -> Result<Network, Error> {
        let n = ds::network_get(&self.pool, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if visible(caller, &n) {
            Ok(n)
        } else {
            Err(not_found(id))
        }
    }

    pub async fn network_list(&self, caller: &TokenClaims) -> Result<Vec<Network>, Error> {
        let project = list_scope(caller, "get_network")?;
        ds::network_list(&self.pool, project)
            .await
            .map_err(Error::from)
    }

    /// A network the caller owns (or any, for admins): 404 if they cannot
    /// see it, 403 if they can but it is not theirs.
    pub(crate) async fn network_owned(
        &self,
        caller: &TokenClaims,
        id: &str,
        rule: &str,
    ) -> Result<Network, Error> {
        let n = self.network_get(caller, id).await?;
        caller.require(stratus_auth::Role::Member)?;
        if caller.is_admin() || caller.project_id() == Some(n.project_id.as_str()) {
            Ok(n)
        } else {
            Err(policy(rule))
        }
    }

    pub async fn network_create(
        &self,
        caller: &TokenClaims,
        body: &NetworkCreate,
    ) -> Result<Network, Error> {
        caller.require(stratus_auth::Role::Member)?;
        let admin = caller.is_admin();
        let own = caller
            .project_id()
            .ok_or_else(|| policy("create_network: a project-scoped token"))?;
        let project_id = match limit("project_id", &body.project_id, 255)?.or(limit(
            "tenant_id",
            &body.tenant_id,
            255,
        )?) {
            Some(p) if p != own && !admin => return Err(policy("create_network:tenant_id")),
            Some(p) => p,
            None => own.to_owned(),
        };
        let shared = body.shared.unwrap_or(false);
        let external = body.router_external.unwrap_or(false);
        if shared && !admin {
            return Err(policy("create_network:shared"));
        }
        if external && !admin {
            return Err(policy("create_network:router:external"));
        }
        let provider = body.network_type.is_some()
            || body.physical_network.is_some()
            || body.segmentation_id.is_some();
        if !admin && provider {
            return Err(policy("create_network:provider:network_type"));
        }
        let network_type = limit("provider:network_type", &body.network_type, 32)?
            .unwrap_or_else(|| self.config.tenant_network_type.clone());
        let physical = limit("provider:physical_network", &body.physical_network, 64)?;
        let segment = body.segmentation_id;
        let mut network = Network {
            id: uuid::Uuid::new_v4().to_string(),
            project_id,
            name: limit("name", &body.name, 255)?.unwrap_or_default(),
            description: limit("description", &body.description, 255)?.unwrap_or_default(),
            admin_state_up: body.admin_state_up.unwrap_or(true),
            shared,
            external,
            network_type: network_type.clone(),
            physical_network: physical.clone(),
            segmentation_id: None,
            mtu: 0,
            port_security_enabled: body.port_security_enabled.unwrap_or(true),
            revision_number: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let physical_mtu = self.config.physical_mtu;
        let max_mtu = match network_type.as_str() {
            "vxlan" => {
                if physical.is_some() {
                    return Err(bad(
                        "Invalid input: provider:physical_network is not used by vxlan networks.",
                    ));
                }
                physical_mtu - VXLAN_OVERHEAD
            }
            "vlan" => {
                let p = physical.as_deref().ok_or_else(|| {
                    bad("Invalid input: vlan networks need provider:physical_network.")
                })?;
                if !self.vlan_physnets().any(|n| n == p) {
                    return Err(bad(format!(
                        "Invalid input: physical network {p} has no VLANs configured."
                    )));
                }
                physical_mtu
            }
            "flat" => {
                let p = physical.as_deref().ok_or_else(|| {
                    bad("Invalid input: flat networks need provider:physical_network.")
                })?;
                if !self.config.flat_networks.iter().any(|n| n == p) {
                    return Err(bad(format!(
                        "Invalid input: physical network {p} is not configured for flat networks."
                    )));
                }
                if segment.is_some() {
                    return Err(bad(
                        "Invalid input: flat networks have no provider:segmentation_id.",
                    ));
                }
                physical_mtu
            }
            other => {
                return Err(bad(format!(
                    "Invalid input for provider:network_type. Reason: '{other}' is not one of flat, vlan, vxlan."
                )));
            }
        };
        network.mtu = match body.mtu {
            Some(m) if (68..=i64::from(max_mtu)).contains(&m) => m as i32,
            Some(m) => {
                return Err(bad(format!(
                    "Invalid input for mtu. Reason: {m} is not between 68 and {max_mtu} for a {network_type} network."
                )));
            }
            None => max_mtu,
        };
        if let Some(id) = segment {
            let (lo, hi) = if network_type == "vlan" {
                (1, 4094)
            } else {
                (1, 16_777_215)
            };
            if !(lo..=hi).contains(&id) {
                return Err(bad(format!(
                    "Invalid input for provider:segmentation_id. Reason: {id} is not between {lo} and {hi}."
                )));
            }
            network.segmentation_id = Some(id as i32);
            return self.insert(network).await;
        }
        if network_type == "flat" {
            return self.insert(network).await;
        }
        // Allocate: the lowest free id of the configured ranges, chosen and
        // taken in one transaction under the pool's lock, so creates racing
        // for the same pool wait their turn instead of failing. (An admin's
        // explicit id does not take the lock: a race lost to one moves on.)
        for _ in 0..16 {
            match self.insert_allocating(network.clone()).await {
                Err(e) if e.type_name.as_deref() == Some("SegmentInUse") => continue,
                other => return other,
            }
        }
        Err(Error::conflict("Could not allocate a segment; try again.")
            .with_type("NoNetworkAvailable"))
    }

    fn vlan_physnets(&self) -> impl Iterator<Item = &str> {
        self.config
            .vlan_ranges
            .iter()
            .map(|r| r.split(':').next().unwrap_or_default())
    }

    async fn allocate(
        &self,
        conn: &mut sqlx::PgConnection,
        network_type: &str,
        physical: Option<&str>,
    ) -> Result<i32, Error> {
        let ranges: Vec<(i32, i32)> = match network_type {
            "vxlan" => self
                .config
                .vxlan_ranges
                .iter()
                .filter_map(|r| parse_range(r))
                .map(|(_, lo, hi)| (lo, hi))
                .collect(),
            _ => self
                .config
                .vlan_ranges
                .iter()
                .filter_map(|r| parse_range(r))
                .filter(|(name, _, _)| *name == physical)
                .map(|(_, lo, hi)| (lo, hi))
                .collect(),
        };
        for (lo, hi) in ranges {
            if let Some(id) = ds::free_segment(&mut *conn, network_type, physical, lo, hi).await? {
                return Ok(id);
            }
        }
        Err(Error::unavailable(format!(
            "Unable to create the network. No {network_type} segment is available."
        ))
        .with_type("NoNetworkAvailable"))
    }

    async fn insert(&self, network: Network) -> Result<Network, Error> {
        let tx = self.pool.begin().await?;
        self.insert_in(tx, network).await
    }

    /// Inserts with the lowest free segment of its type's pool.
    async fn insert_allocating(&self, mut network: Network) -> Result<Network, Error> {
        let mut tx = self.pool.begin().await?;
        let physical = network.physical_network.clone();
        ds::lock_segments(&mut *tx, &network.network_type, physical.as_deref()).await?;
        network.segmentation_id = Some(
            self.allocate(&mut tx, &network.network_type, physical.as_deref())
                .await?,
        );
        self.insert_in(tx, network).await
    }

    async fn insert_in(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
        network: Network,
    ) -> Result<Network, Error> {
        self.quota_check(&mut tx, &network.project_id, "network")
            .await?;
        match ds::network_insert(&mut *tx, &network).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(network)
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(in_use(format!(
                "Unable to create the network. The {} segment {} on physical network {} is in use.",
                network.network_type,
                network
                    .segmentation_id
                    .map_or_else(|| "-".into(), |s| s.to_string()),
                network.physical_network.as_deref().unwrap_or("-")
            ))),
            Err(e) => Err(Error::from(e)),
        }
    }

    pub async fn network_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        body: &NetworkUpdate,
    ) -> Result<Network, Error> {
        let provider: Vec<&str> = [
            ("provider:network_type", body.network_type.is_some()),
            ("provider:physical_network", body.physical_network.is_some()),
            ("provider:segmentation_id", body.segmentation_id.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, given)| given.then_some(k))
        .collect();
        if !provider.is_empty() {
            return Err(bad(format!(
                "Invalid input: {} cannot be changed after creation.",
                provider.join(", ")
            )));
        }
        let mut n = self.network_owned(caller, id, "update_network").await?;
        if let Some(name) = limit("name", &body.name, 255)? {
            n.name = name;
        }
        if let Some(d) = limit("description", &body.description, 255)? {
            n.description = d;
        }
        if let Some(b) = body.admin_state_up {
            n.admin_state_up = b;
        }
        if let Some(b) = body.port_security_enabled {
            n.port_security_enabled = b;
        }
        for (key, field, wanted) in [
            ("shared", &mut n.shared, body.shared),
            ("router:external", &mut n.external, body.router_external),
        ] {
            if let Some(b) = wanted {
                if b != *field && !caller.is_admin() {
                    return Err(policy(&format!("update_network:{key}")));
                }
                *field = b;
            }
        }
        if let Some(m) = body.mtu {
            let max = if n.network_type == "vxlan" {
                self.config.physical_mtu - VXLAN_OVERHEAD
            } else {
                self.config.physical_mtu
            };
            if !(68..=i64::from(max)).contains(&m) {
                return Err(bad(format!(
                    "Invalid input for mtu. Reason: {m} is not between 68 and {max}."
                )));
            }
            n.mtu = m as i32;
        }
        ds::network_update(&self.pool, &n)
            .await?
            .ok_or_else(|| not_found(id))
    }

    pub async fn network_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        self.network_owned(caller, id, "delete_network").await?;
        let ports = ds::ports_on_network(&self.pool, id).await?;
        if ports > 0 {
            return Err(Error::conflict(format!(
                "Unable to complete operation on network {id}. There are one or more ports still in use on the network."
            ))
            .with_type("NetworkInUse"));
        }
        if ds::network_delete(&self.pool, id).await? == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }
}
