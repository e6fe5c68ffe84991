//! The catalog as admins manage it: regions (a tree), services and their
//! endpoints. Everyone may read regions; services and endpoints are read and
//! written by admins (users see the catalog in their tokens). Bad references
//! are 400s naming the field, as Keystone's validation answers them.

use super::App;
use super::admin::require_admin;
use crate::datastore::{self, CatalogRow, Endpoint, EndpointFilter, Region, Service};
use stratus_api::identity as api;
use stratus_auth::TokenClaims;
use stratus_common::Error;

/// The interfaces an endpoint may have.
pub const INTERFACES: &[&str] = &["public", "internal", "admin"];

/// A region as created or changed; `None` leaves a field alone.
#[derive(Debug, Default)]
pub struct RegionChanges {
    pub description: Option<String>,
    /// `Some(None)` makes the region a root.
    pub parent_region_id: Option<Option<String>>,
}

/// A service as created or changed.
#[derive(Debug, Default)]
pub struct ServiceChanges {
    pub service_type: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// An endpoint as created or changed.
#[derive(Debug, Default)]
pub struct EndpointChanges {
    pub service_id: Option<String>,
    pub interface: Option<String>,
    pub url: Option<String>,
    pub region_id: Option<Option<String>>,
    pub enabled: Option<bool>,
}

fn invalid(field: &str, why: impl std::fmt::Display) -> Error {
    Error::bad_request(format!("Invalid input for field '{field}': {why}"))
}

fn check_len(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(invalid(field, format!("must be 1 to {max} characters.")));
    }
    Ok(())
}

/// Keystone's URL check: a scheme, a colon and something after it; we also
/// insist on http(s), the only schemes a client can call.
fn check_url(url: &str) -> Result<(), Error> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && url.len() <= 1024
        && !url.chars().any(char::is_whitespace);
    if !ok {
        return Err(invalid(
            "url",
            format!("{url:?} is not an http(s) URL of at most 1024 characters."),
        ));
    }
    Ok(())
}

fn check_interface(interface: &str) -> Result<(), Error> {
    if !INTERFACES.contains(&interface) {
        return Err(invalid(
            "interface",
            format!("{interface:?} is not one of public, internal, admin."),
        ));
    }
    Ok(())
}

impl App {
    /// The catalog a token scoped to `project_id` (or to none) sees.
    pub async fn catalog_for(
        &self,
        project_id: Option<&str>,
    ) -> Result<Vec<api::CatalogEntry>, Error> {
        let rows = datastore::catalog_list(&self.pool).await?;
        Ok(catalog_entries(&rows, project_id))
    }

    // ---- regions ----

    pub async fn region_list(&self, parent: Option<&str>) -> Result<Vec<Region>, Error> {
        datastore::region_list(&self.pool, parent)
            .await
            .map_err(Error::from)
    }

    pub async fn region_get(&self, id: &str) -> Result<Region, Error> {
        datastore::region_get(&self.pool, id)
            .await?
            .ok_or_else(|| Error::not_found(format!("Could not find region: {id}.")))
    }

    /// Checks that `parent` exists and that making it `id`'s parent makes no
    /// cycle.
    async fn check_parent(&self, id: &str, parent: &str) -> Result<(), Error> {
        let mut cursor = Some(parent.to_owned());
        let mut hops = 0;
        while let Some(current) = cursor {
            if current == id {
                return Err(invalid(
                    "parent_region_id",
                    format!("region {parent} is {id} or below it; regions form a tree."),
                ));
            }
            let region = datastore::region_get(&self.pool, &current)
                .await?
                .ok_or_else(|| {
                    invalid(
                        "parent_region_id",
                        format!("region {current} does not exist."),
                    )
                })?;
            cursor = region.parent_region_id;
            hops += 1;
            if hops > 64 {
                return Err(invalid("parent_region_id", "the region tree is too deep."));
            }
        }
        Ok(())
    }

    pub async fn region_create(
        &self,
        caller: &TokenClaims,
        id: Option<String>,
        changes: RegionChanges,
    ) -> Result<Region, Error> {
        require_admin(caller)?;
        let id = id.unwrap_or_else(datastore::new_id);
        check_len("id", &id, 255)?;
        if id.contains('/') {
            return Err(invalid("id", "a region id cannot contain '/'."));
        }
        let parent_region_id = changes.parent_region_id.flatten();
        if let Some(parent) = &parent_region_id {
            self.check_parent(&id, parent).await?;
        }
        let region = Region {
            id,
            description: changes.description.unwrap_or_default(),
            parent_region_id,
        };
        datastore::region_insert(&self.pool, &region)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Region {}", region.id)))?;
        Ok(region)
    }

    pub async fn region_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        changes: RegionChanges,
    ) -> Result<Region, Error> {
        require_admin(caller)?;
        let mut region = self.region_get(id).await?;
        if let Some(description) = changes.description {
            region.description = description;
        }
        if let Some(parent) = changes.parent_region_id {
            if let Some(p) = &parent {
                self.check_parent(id, p).await?;
            }
            region.parent_region_id = parent;
        }
        datastore::region_update(&self.pool, &region)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Region {id}")))?;
        Ok(region)
    }

    /// Deletes a region that has no child regions and no endpoints (409
    /// naming which, otherwise).
    pub async fn region_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        require_admin(caller)?;
        self.region_get(id).await?;
        let children = datastore::region_list(&self.pool, Some(id)).await?;
        if !children.is_empty() {
            return Err(Error::conflict(format!(
                "Region {id} has child regions ({}); delete or move them first.",
                children
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let endpoints = datastore::endpoint_list(
            &self.pool,
            EndpointFilter {
                region_id: Some(id),
                ..EndpointFilter::default()
            },
        )
        .await?;
        if !endpoints.is_empty() {
            return Err(Error::conflict(format!(
                "Region {id} has {} endpoints; delete or move them first.",
                endpoints.len()
            )));
        }
        if datastore::region_delete(&self.pool, id)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Region {id}")))?
            == 0
        {
            return Err(Error::not_found(format!("Could not find region: {id}.")));
        }
        Ok(())
    }

    // ---- services ----

    pub async fn service_list(
        &self,
        caller: &TokenClaims,
        service_type: Option<&str>,
        name: Option<&str>,
    ) -> Result<Vec<Service>, Error> {
        require_admin(caller)?;
        datastore::service_list(&self.pool, service_type, name)
            .await
            .map_err(Error::from)
    }

    pub async fn service_get(&self, caller: &TokenClaims, id: &str) -> Result<Service, Error> {
        require_admin(caller)?;
        datastore::service_get(&self.pool, id)
            .await?
            .ok_or_else(|| Error::not_found(format!("Could not find service: {id}.")))
    }

    pub async fn service_create(
        &self,
        caller: &TokenClaims,
        changes: ServiceChanges,
    ) -> Result<Service, Error> {
        require_admin(caller)?;
        let service_type = changes
            .service_type
            .ok_or_else(|| invalid("type", "it is required."))?;
        check_len("type", &service_type, 255)?;
        let service = Service {
            id: datastore::new_id(),
            service_type,
            name: changes.name.unwrap_or_default(),
            description: changes.description.unwrap_or_default(),
            enabled: changes.enabled.unwrap_or(true),
        };
        if service.name.chars().count() > 255 {
            return Err(invalid("name", "must be at most 255 characters."));
        }
        datastore::service_insert(&self.pool, &service)
            .await
            .map_err(|e| stratus_db::api_error(e, "Service"))?;
        Ok(service)
    }

    pub async fn service_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        changes: ServiceChanges,
    ) -> Result<Service, Error> {
        let mut service = self.service_get(caller, id).await?;
        if let Some(t) = changes.service_type {
            check_len("type", &t, 255)?;
            service.service_type = t;
        }
        if let Some(name) = changes.name {
            if name.chars().count() > 255 {
                return Err(invalid("name", "must be at most 255 characters."));
            }
            service.name = name;
        }
        if let Some(d) = changes.description {
            service.description = d;
        }
        if let Some(e) = changes.enabled {
            service.enabled = e;
        }
        datastore::service_update(&self.pool, &service)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Service {id}")))?;
        Ok(service)
    }

    /// Deletes a service and its endpoints.
    pub async fn service_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        require_admin(caller)?;
        if datastore::service_delete(&self.pool, id).await? == 0 {
            return Err(Error::not_found(format!("Could not find service: {id}.")));
        }
        Ok(())
    }

    // ---- endpoints ----

    pub async fn endpoint_list(
        &self,
        caller: &TokenClaims,
        filter: EndpointFilter<'_>,
    ) -> Result<Vec<Endpoint>, Error> {
        require_admin(caller)?;
        if let Some(i) = filter.interface {
            check_interface(i)?;
        }
        datastore::endpoint_list(&self.pool, filter)
            .await
            .map_err(Error::from)
    }

    pub async fn endpoint_get(&self, caller: &TokenClaims, id: &str) -> Result<Endpoint, Error> {
        require_admin(caller)?;
        datastore::endpoint_get(&self.pool, id)
            .await?
            .ok_or_else(|| Error::not_found(format!("Could not find endpoint: {id}.")))
    }

    /// Checks the references an endpoint makes: its service and region exist.
    async fn check_endpoint_refs(&self, e: &Endpoint) -> Result<(), Error> {
        if datastore::service_get(&self.pool, &e.service_id)
            .await?
            .is_none()
        {
            return Err(invalid(
                "service_id",
                format!("service {} does not exist.", e.service_id),
            ));
        }
        if let Some(region) = &e.region_id
            && datastore::region_get(&self.pool, region).await?.is_none()
        {
            return Err(invalid(
                "region_id",
                format!("region {region} does not exist."),
            ));
        }
        Ok(())
    }

    pub async fn endpoint_create(
        &self,
        caller: &TokenClaims,
        changes: EndpointChanges,
    ) -> Result<Endpoint, Error> {
        require_admin(caller)?;
        let endpoint = Endpoint {
            id: datastore::new_id(),
            service_id: changes
                .service_id
                .ok_or_else(|| invalid("service_id", "it is required."))?,
            interface: changes
                .interface
                .ok_or_else(|| invalid("interface", "it is required."))?,
            url: changes
                .url
                .ok_or_else(|| invalid("url", "it is required."))?,
            region_id: changes.region_id.flatten(),
            enabled: changes.enabled.unwrap_or(true),
        };
        check_interface(&endpoint.interface)?;
        check_url(&endpoint.url)?;
        self.check_endpoint_refs(&endpoint).await?;
        datastore::endpoint_insert(&self.pool, &endpoint)
            .await
            .map_err(|e| stratus_db::api_error(e, "Endpoint"))?;
        Ok(endpoint)
    }

    pub async fn endpoint_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        changes: EndpointChanges,
    ) -> Result<Endpoint, Error> {
        let mut endpoint = self.endpoint_get(caller, id).await?;
        if let Some(s) = changes.service_id {
            endpoint.service_id = s;
        }
        if let Some(i) = changes.interface {
            check_interface(&i)?;
            endpoint.interface = i;
        }
        if let Some(u) = changes.url {
            check_url(&u)?;
            endpoint.url = u;
        }
        if let Some(r) = changes.region_id {
            endpoint.region_id = r;
        }
        if let Some(e) = changes.enabled {
            endpoint.enabled = e;
        }
        self.check_endpoint_refs(&endpoint).await?;
        datastore::endpoint_update(&self.pool, &endpoint)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Endpoint {id}")))?;
        Ok(endpoint)
    }

    pub async fn endpoint_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        require_admin(caller)?;
        if datastore::endpoint_delete(&self.pool, id).await? == 0 {
            return Err(Error::not_found(format!("Could not find endpoint: {id}.")));
        }
        Ok(())
    }
}

/// The catalog as Keystone renders it: services, each with its endpoints.
fn catalog_entries(rows: &[CatalogRow], project_id: Option<&str>) -> Vec<api::CatalogEntry> {
    let mut services: Vec<api::CatalogEntry> = Vec::new();
    for row in rows {
        // As Keystone: an endpoint whose URL needs a project the token has
        // not got is left out.
        let Some(url) = substitute(&row.url, project_id) else {
            continue;
        };
        let endpoint = api::CatalogEndpoint {
            id: row.endpoint_id.clone(),
            interface: row.interface.clone(),
            region_id: row.region_id.clone(),
            region: row.region_id.clone(),
            url,
        };
        match services.iter_mut().find(|s| s.id == row.service_id) {
            Some(s) => s.endpoints.push(endpoint),
            None => services.push(api::CatalogEntry {
                id: row.service_id.clone(),
                service_type: row.service_type.clone(),
                name: row.service_name.clone(),
                endpoints: vec![endpoint],
            }),
        }
    }
    services
}

/// Fills Keystone's `%(project_id)s` / `%(tenant_id)s` (and `$(...)s`)
/// placeholders; `None` when the URL needs a project and there is none, or
/// names a placeholder Keystone does not know.
fn substitute(url: &str, project_id: Option<&str>) -> Option<String> {
    let mut out = url.to_owned();
    for key in ["project_id", "tenant_id"] {
        for pattern in [format!("%({key})s"), format!("$({key})s")] {
            if out.contains(&pattern) {
                out = out.replace(&pattern, project_id?);
            }
        }
    }
    (!out.contains("%(") && !out.contains("$(")).then_some(out)
}
