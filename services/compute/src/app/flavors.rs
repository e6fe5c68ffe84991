//! Flavors as Nova keeps them: admins create and delete them and manage
//! their extra specs and which projects may use a private one; everyone
//! lists what they may use.

use serde_json::{Map, Value};
use stratus_auth::TokenClaims;
use stratus_common::Error;

use super::input::{boolean, int, invalid, name};
use super::{App, admin};
use crate::datastore::{self as ds, Flavor, FlavorFilter};
use stratus_api::compute as api;

pub fn not_found(id: &str) -> Error {
    Error::not_found(format!("Flavor {id} could not be found."))
}

/// What a flavor listing asks for (`GET /flavors?...`).
#[derive(Debug, Default)]
pub struct ListQuery {
    pub is_public: Option<String>,
    pub min_ram: Option<String>,
    pub min_disk: Option<String>,
    pub limit: Option<String>,
    pub marker: Option<String>,
}

impl App {
    pub async fn flavor_create(
        &self,
        caller: &TokenClaims,
        body: &api::FlavorCreate,
    ) -> Result<Flavor, Error> {
        admin(caller, "os-flavor-manage:create")?;
        let flavor_name = name("name", &Value::String(body.name.clone()), 255)?;
        let id = match &body.id {
            None | Some(None) | Some(Some(Value::Null)) => uuid::Uuid::new_v4().to_string(),
            Some(Some(v)) => {
                let id = match v {
                    Value::Number(n) => n.to_string(),
                    other => name("id", other, 255)?,
                };
                if !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c))
                {
                    return Err(invalid(
                        "id",
                        v,
                        format!("'{id}' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'"),
                    ));
                }
                id
            }
        };
        let rxtx_factor = match &body.rxtx_factor {
            None => 1.0,
            Some(v) => match v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            {
                Some(f) if f > 0.0 && f.is_finite() => f,
                _ => {
                    return Err(invalid(
                        "rxtx_factor",
                        v,
                        format!("{v} is not a number greater than 0"),
                    ));
                }
            },
        };
        let flavor = Flavor {
            id,
            name: flavor_name,
            vcpus: int("vcpus", &body.vcpus, 1)?,
            ram_mb: int("ram", &body.ram, 1)?,
            disk_gb: int("disk", &body.disk, 0)?,
            ephemeral_gb: match &body.ephemeral {
                None => 0,
                Some(v) => int("OS-FLV-EXT-DATA:ephemeral", v, 0)?,
            },
            swap_mb: match &body.swap {
                None => 0,
                Some(Value::String(s)) if s.is_empty() => 0,
                Some(v) => int("swap", v, 0)?,
            },
            rxtx_factor,
            is_public: match &body.is_public {
                None => true,
                Some(v) => boolean("os-flavor-access:is_public", v)?,
            },
            description: None,
            created_at: chrono::Utc::now(),
            seq: 0,
        };
        match ds::flavor_insert(&self.pool, &flavor).await? {
            Some(f) => Ok(f),
            None => {
                if ds::flavor_get(&self.pool, &flavor.id).await?.is_some() {
                    Err(Error::conflict(format!(
                        "Flavor with ID {} already exists.",
                        flavor.id
                    )))
                } else {
                    Err(Error::conflict(format!(
                        "Flavor with name {} already exists.",
                        flavor.name
                    )))
                }
            }
        }
    }

    /// A flavor the caller may see: public, or private and the caller's
    /// project may use it, or the caller is an admin.
    pub async fn flavor_get(&self, caller: &TokenClaims, id: &str) -> Result<Flavor, Error> {
        let f = ds::flavor_get(&self.pool, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if f.is_public || caller.is_admin() {
            return Ok(f);
        }
        match caller.project_id() {
            Some(p) if ds::flavor_may_use(&self.pool, id, p).await? => Ok(f),
            _ => Err(not_found(id)),
        }
    }

    pub async fn flavor_list(
        &self,
        caller: &TokenClaims,
        q: &ListQuery,
    ) -> Result<Vec<Flavor>, Error> {
        // Admins may ask for all (`is_public=none`) or the private ones;
        // everyone else sees public ones and the private ones they may use.
        let is_public = if caller.is_admin() {
            match q
                .is_public
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None => Some(true),
                Some("none") => None,
                Some(v) => Some(boolean("is_public", &Value::String(v.to_owned()))?),
            }
        } else {
            Some(true)
        };
        let number = |field: &str, v: &Option<String>| -> Result<i32, Error> {
            match v {
                None => Ok(0),
                Some(s) => s
                    .parse::<i32>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| Error::bad_request(format!("Invalid {field} filter [{s}]"))),
            }
        };
        let limit = match &q.limit {
            None => 1000,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| Error::bad_request("limit param must be an integer"))?,
        };
        let marker_seq = match &q.marker {
            None => None,
            Some(m) => Some(
                ds::flavor_get(&self.pool, m)
                    .await?
                    .ok_or_else(|| Error::bad_request(format!("marker [{m}] not found")))?
                    .seq,
            ),
        };
        ds::flavor_list(
            &self.pool,
            &FlavorFilter {
                is_public,
                project: caller.project_id(),
                min_ram: number("minRam", &q.min_ram)?,
                min_disk: number("minDisk", &q.min_disk)?,
                marker_seq,
                limit,
            },
        )
        .await
        .map_err(Error::from)
    }

    pub async fn flavor_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        admin(caller, "os-flavor-manage:delete")?;
        if ds::flavor_delete(&self.pool, id).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    pub async fn extra_specs(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<Map<String, Value>, Error> {
        self.flavor_get(caller, id).await?;
        Ok(ds::extra_specs(&self.pool, id)
            .await?
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect())
    }

    /// Sets every spec of `specs` (`POST .../os-extra_specs`, or the one of
    /// `PUT .../os-extra_specs/{key}`).
    pub async fn extra_specs_set(
        &self,
        caller: &TokenClaims,
        id: &str,
        specs: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Error> {
        admin(caller, "os-flavor-extra-specs:create")?;
        self.flavor_get(caller, id).await?;
        let mut clean = Map::new();
        for (k, v) in specs {
            if k.is_empty()
                || k.len() > 255
                || !k
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_:. ".contains(c))
            {
                return Err(invalid(
                    "extra_specs",
                    &Value::String(k.clone()),
                    "keys are 1 to 255 of letters, digits and '-_:. '",
                ));
            }
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(invalid(
                        k,
                        other,
                        format!("{other} is not of type 'string', 'integer', 'number', 'boolean'"),
                    ));
                }
            };
            if text.len() > 255 {
                return Err(invalid(k, v, "values are at most 255 characters long"));
            }
            clean.insert(k.clone(), Value::String(text));
        }
        let mut tx = self.pool.begin().await?;
        for (k, v) in &clean {
            ds::extra_spec_set(&mut *tx, id, k, v.as_str().unwrap_or_default()).await?;
        }
        tx.commit().await?;
        Ok(clean)
    }

    pub async fn extra_spec_delete(
        &self,
        caller: &TokenClaims,
        id: &str,
        key: &str,
    ) -> Result<(), Error> {
        admin(caller, "os-flavor-extra-specs:delete")?;
        self.flavor_get(caller, id).await?;
        if ds::extra_spec_delete(&self.pool, id, key).await? {
            Ok(())
        } else {
            Err(Error::not_found(format!(
                "Flavor {id} has no extra specs with key {key}."
            )))
        }
    }

    pub async fn flavor_access(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<Vec<String>, Error> {
        admin(caller, "os-flavor-access")?;
        let f = self.flavor_get(caller, id).await?;
        if f.is_public {
            return Err(Error::not_found(
                "Access list not available for public flavors.",
            ));
        }
        ds::flavor_projects(&self.pool, id)
            .await
            .map_err(Error::from)
    }

    pub async fn flavor_access_add(
        &self,
        caller: &TokenClaims,
        id: &str,
        project: &str,
    ) -> Result<Vec<String>, Error> {
        admin(caller, "os-flavor-access:add_tenant_access")?;
        let f = self.flavor_get(caller, id).await?;
        if f.is_public {
            return Err(Error::conflict("Can not add access to a public flavor."));
        }
        if !ds::flavor_project_add(&self.pool, id, project).await? {
            return Err(Error::conflict(format!(
                "Flavor access already exists for flavor {id} and project {project} combination."
            )));
        }
        ds::flavor_projects(&self.pool, id)
            .await
            .map_err(Error::from)
    }

    pub async fn flavor_access_remove(
        &self,
        caller: &TokenClaims,
        id: &str,
        project: &str,
    ) -> Result<Vec<String>, Error> {
        admin(caller, "os-flavor-access:remove_tenant_access")?;
        self.flavor_get(caller, id).await?;
        if !ds::flavor_project_remove(&self.pool, id, project).await? {
            return Err(Error::not_found(format!(
                "Flavor access not found for {id} / {project} combination."
            )));
        }
        ds::flavor_projects(&self.pool, id)
            .await
            .map_err(Error::from)
    }
}
