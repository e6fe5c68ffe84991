//! Domains, projects and users: who may see and change what (Keystone's
//! defaults: admins everything; others themselves and the projects they hold
//! a role on, with what they may not see answered as 404), and the
//! revocations that disabling, deleting or re-passwording imply.

use super::{App, password};
use crate::datastore::{self, Domain, Project, RevocationRow, User};
use chrono::{Duration, Utc};
use stratus_auth::TokenClaims;
use stratus_bus_protocol::Notification;
use stratus_common::Error;

pub use super::policy::require_admin;

/// Names: 1 to 64 characters, as Keystone allows.
pub fn check_name(kind: &str, name: &str) -> Result<(), Error> {
    let len = name.chars().count();
    if name.trim().is_empty() || len > 64 {
        return Err(Error::bad_request(format!(
            "Invalid input for field 'name': a {kind} name must be 1 to 64 characters."
        )));
    }
    Ok(())
}

/// What may change on an update; `None` leaves a field alone.
#[derive(Default)]
pub struct Changes {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    pub password: Option<String>,
    pub default_project_id: Option<Option<String>>,
}

impl App {
    /// Records a revocation, applies it here and announces it.
    pub(crate) async fn record_revocation(&self, row: RevocationRow) -> Result<(), Error> {
        // The revocation and its announcement commit together; the relay
        // publishes it (again after a broker outage), and services reload
        // the list periodically besides.
        let event = super::tokens::revocation_event(row.clone());
        let mut tx = self.pool.begin().await?;
        datastore::revocation_insert(&mut *tx, &row).await?;
        if self.outbox.is_some() {
            stratus_outbox::put(&mut tx, &Notification::TokenRevoked(event.clone())).await?;
        }
        tx.commit().await?;
        self.verifier.revocations().add(event);
        if let Some(outbox) = &self.outbox {
            outbox.flush_soon();
        }
        Ok(())
    }

    /// Revokes every live token of a user, of a project or of a domain.
    pub async fn revoke_all(
        &self,
        user: Option<&str>,
        project: Option<&str>,
        domain: Option<&str>,
    ) -> Result<(), Error> {
        self.revoke_matching(RevocationRow {
            user_id: user.map(Into::into),
            project_id: project.map(Into::into),
            domain_id: domain.map(Into::into),
            ..RevocationRow::default()
        })
        .await
    }

    /// Revokes every live token `what` matches (its ids; the times are
    /// filled in here).
    pub async fn revoke_matching(&self, what: RevocationRow) -> Result<(), Error> {
        let now = Utc::now();
        self.record_revocation(RevocationRow {
            issued_before: now,
            expires_at: now + Duration::seconds(i64::from(self.config.token_ttl_s)),
            ..what
        })
        .await
    }

    // ---- domains ----

    pub async fn domain_visible(&self, caller: &TokenClaims, id: &str) -> Result<Domain, Error> {
        let not_found = || Error::not_found(format!("Could not find domain: {id}."));
        if !caller.is_admin() && caller.domain_id() != Some(id) && caller.user.domain.id != id {
            return Err(not_found());
        }
        datastore::domain_get(&self.pool, id)
            .await?
            .ok_or_else(not_found)
    }

    pub async fn domain_create(
        &self,
        caller: &TokenClaims,
        name: String,
        description: String,
        enabled: bool,
    ) -> Result<Domain, Error> {
        require_admin(caller)?;
        check_name("domain", &name)?;
        let domain = Domain {
            id: datastore::new_id(),
            name,
            description,
            enabled,
        };
        datastore::domain_insert(&self.pool, &domain)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Domain {}", domain.name)))?;
        Ok(domain)
    }

    pub async fn domain_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        changes: Changes,
    ) -> Result<Domain, Error> {
        require_admin(caller)?;
        let mut domain = self.domain_visible(caller, id).await?;
        if let Some(name) = changes.name {
            check_name("domain", &name)?;
            domain.name = name;
        }
        if let Some(d) = changes.description {
            domain.description = d;
        }
        let disabling = changes.enabled == Some(false) && domain.enabled;
        if let Some(e) = changes.enabled {
            domain.enabled = e;
        }
        datastore::domain_update(&self.pool, &domain)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Domain {}", domain.name)))?;
        if disabling {
            self.revoke_all(None, None, Some(id)).await?;
        }
        Ok(domain)
    }

    pub async fn domain_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        require_admin(caller)?;
        let domain = self.domain_visible(caller, id).await?;
        if domain.enabled {
            return Err(Error::forbidden(format!(
                "Cannot delete domain {id} while it is enabled; disable it first."
            )));
        }
        datastore::domain_delete(&self.pool, id)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Domain {id}")))?;
        Ok(())
    }

    // ---- projects ----

    /// The project, if the caller may see it: admins any, others those they
    /// hold a role on. Anything else is "not found".
    pub async fn project_visible(&self, caller: &TokenClaims, id: &str) -> Result<Project, Error> {
        let not_found = || Error::not_found(format!("Could not find project: {id}."));
        let project = datastore::project_get(&self.pool, id)
            .await?
            .ok_or_else(not_found)?;
        if caller.is_admin() {
            return Ok(project);
        }
        let roles = datastore::role_list_effective(&self.pool, &caller.sub, "project", id).await?;
        if roles.is_empty() {
            Err(not_found())
        } else {
            Ok(project)
        }
    }

    pub async fn project_create(
        &self,
        caller: &TokenClaims,
        name: String,
        domain_id: Option<String>,
        description: String,
        enabled: bool,
        parent_id: Option<String>,
    ) -> Result<Project, Error> {
        require_admin(caller)?;
        check_name("project", &name)?;
        let domain_id = self.owning_domain(caller, domain_id).await?;
        if let Some(parent) = &parent_id {
            let parent = datastore::project_get(&self.pool, parent)
                .await?
                .ok_or_else(|| {
                    Error::bad_request(format!("Could not find parent project: {parent}."))
                })?;
            if parent.domain_id != domain_id {
                return Err(Error::bad_request(
                    "A project's parent must be in the same domain.",
                ));
            }
        }
        let project = Project {
            id: datastore::new_id(),
            domain_id,
            parent_id,
            name,
            description,
            enabled,
        };
        datastore::project_insert(&self.pool, &project)
            .await
            .map_err(|e| {
                stratus_db::api_error(
                    e,
                    &format!("Project {} in domain {}", project.name, project.domain_id),
                )
            })?;
        Ok(project)
    }

    pub async fn project_list(
        &self,
        caller: &TokenClaims,
        name: Option<&str>,
        domain_id: Option<&str>,
        enabled: Option<bool>,
    ) -> Result<Vec<Project>, Error> {
        let member = (!caller.is_admin()).then_some(caller.sub.as_str());
        datastore::project_list(&self.pool, name, domain_id, enabled, member)
            .await
            .map_err(Error::from)
    }

    /// The projects `user` holds a role on (`enabled` filters).
    pub async fn projects_of_user(
        &self,
        user: &str,
        enabled: Option<bool>,
    ) -> Result<Vec<Project>, Error> {
        Ok(datastore::project_list(&self.pool, None, None, enabled, Some(user)).await?)
    }

    /// Domains named `name` or `enabled` as asked: admins see all, others
    /// their token's domain and their own.
    pub async fn domain_list(
        &self,
        caller: &TokenClaims,
        name: Option<&str>,
        enabled: Option<bool>,
    ) -> Result<Vec<Domain>, Error> {
        let mut domains = datastore::domain_list(&self.pool, name, enabled).await?;
        if !caller.is_admin() {
            domains.retain(|d| {
                Some(d.id.as_str()) == caller.domain_id() || d.id == caller.user.domain.id
            });
        }
        Ok(domains)
    }

    /// The domains `user` may scope a token to.
    pub async fn domains_of_user(&self, user: &str) -> Result<Vec<Domain>, Error> {
        Ok(datastore::domain_list_for_user(&self.pool, user).await?)
    }

    pub async fn project_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        changes: Changes,
    ) -> Result<Project, Error> {
        let mut project = self.project_visible(caller, id).await?;
        require_admin(caller)?;
        if let Some(name) = changes.name {
            check_name("project", &name)?;
            project.name = name;
        }
        if let Some(d) = changes.description {
            project.description = d;
        }
        let disabling = changes.enabled == Some(false) && project.enabled;
        if let Some(e) = changes.enabled {
            project.enabled = e;
        }
        datastore::project_update(&self.pool, &project)
            .await
            .map_err(|e| {
                stratus_db::api_error(
                    e,
                    &format!("Project {} in domain {}", project.name, project.domain_id),
                )
            })?;
        if disabling {
            self.revoke_all(None, Some(id), None).await?;
        }
        Ok(project)
    }

    pub async fn project_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        self.project_visible(caller, id).await?;
        require_admin(caller)?;
        let mut tx = self.pool.begin().await?;
        datastore::project_delete(&mut tx, id)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Project {id}")))?;
        tx.commit().await?;
        self.revoke_all(None, Some(id), None).await
    }

    // ---- users ----

    /// The user, if the caller may see it: admins any, others themselves.
    pub async fn user_visible(&self, caller: &TokenClaims, id: &str) -> Result<User, Error> {
        let not_found = || Error::not_found(format!("Could not find user: {id}."));
        if !super::policy::self_or_admin(caller, id) {
            return Err(not_found());
        }
        datastore::user_get(&self.pool, id)
            .await?
            .ok_or_else(not_found)
    }

    pub async fn user_create(
        &self,
        caller: &TokenClaims,
        name: String,
        domain_id: Option<String>,
        password: Option<String>,
        enabled: bool,
        default_project_id: Option<String>,
    ) -> Result<User, Error> {
        require_admin(caller)?;
        check_name("user", &name)?;
        let domain_id = self.owning_domain(caller, domain_id).await?;
        let password_hash = match password {
            Some(p) => Some(self.hash_password(p).await?),
            None => None,
        };
        let user = User {
            id: datastore::new_id(),
            domain_id,
            name,
            enabled,
            password_hash,
            default_project_id,
        };
        datastore::user_insert(&self.pool, &user)
            .await
            .map_err(|e| {
                stratus_db::api_error(
                    e,
                    &format!("User {} in domain {}", user.name, user.domain_id),
                )
            })?;
        Ok(user)
    }

    pub async fn user_list(
        &self,
        caller: &TokenClaims,
        name: Option<&str>,
        domain_id: Option<&str>,
        enabled: Option<bool>,
    ) -> Result<Vec<User>, Error> {
        let mut users = datastore::user_list(&self.pool, name, domain_id, enabled).await?;
        if !caller.is_admin() {
            users.retain(|u| u.id == caller.sub);
        }
        Ok(users)
    }

    pub async fn user_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        changes: Changes,
    ) -> Result<User, Error> {
        let mut user = self.user_visible(caller, id).await?;
        require_admin(caller)?;
        if let Some(name) = changes.name {
            check_name("user", &name)?;
            user.name = name;
        }
        let disabling = changes.enabled == Some(false) && user.enabled;
        if let Some(e) = changes.enabled {
            user.enabled = e;
        }
        if let Some(p) = changes.default_project_id {
            user.default_project_id = p;
        }
        let new_password = changes.password.is_some();
        if let Some(p) = changes.password {
            user.password_hash = Some(self.hash_password(p).await?);
        }
        datastore::user_update(&self.pool, &user)
            .await
            .map_err(|e| {
                stratus_db::api_error(
                    e,
                    &format!("User {} in domain {}", user.name, user.domain_id),
                )
            })?;
        if disabling || new_password {
            self.revoke_all(Some(id), None, None).await?;
        }
        Ok(user)
    }

    /// A user changes its own password, proving the old one.
    pub async fn user_change_password(
        &self,
        caller: &TokenClaims,
        id: &str,
        original: String,
        new: String,
    ) -> Result<(), Error> {
        if caller.sub != id {
            return Err(Error::not_found(format!("Could not find user: {id}.")));
        }
        let mut user = self.user_visible(caller, id).await?;
        let ok = password::verify(
            self.config.password_hashing,
            user.password_hash.clone(),
            original,
        )
        .await?;
        if !ok {
            return Err(Error::unauthenticated("The original password is wrong."));
        }
        user.password_hash = Some(self.hash_password(new).await?);
        datastore::user_update(&self.pool, &user).await?;
        self.revoke_all(Some(id), None, None).await
    }

    pub async fn user_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        self.user_visible(caller, id).await?;
        require_admin(caller)?;
        let mut tx = self.pool.begin().await?;
        datastore::user_delete(&mut tx, id)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("User {id}")))?;
        tx.commit().await?;
        self.revoke_all(Some(id), None, None).await
    }

    /// The domain a new project or user goes in: the one named, else the
    /// caller's, else `default`; it must exist.
    pub(crate) async fn owning_domain(
        &self,
        caller: &TokenClaims,
        domain_id: Option<String>,
    ) -> Result<String, Error> {
        let domain_id = domain_id
            .or_else(|| caller.domain_id().map(str::to_owned))
            .unwrap_or_else(|| super::bootstrap::DEFAULT_DOMAIN_ID.to_owned());
        match datastore::domain_get(&self.pool, &domain_id).await? {
            Some(_) => Ok(domain_id),
            None => Err(Error::bad_request(format!(
                "Could not find domain: {domain_id}."
            ))),
        }
    }

    async fn hash_password(&self, password: String) -> Result<String, Error> {
        if password.is_empty() || password.len() > 4096 {
            return Err(Error::bad_request(
                "Invalid input for field 'password': 1 to 4096 characters.",
            ));
        }
        password::hash(self.config.password_hashing, password).await
    }
}
