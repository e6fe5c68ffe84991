//! Roles and role assignments: who may grant (admins), what must exist
//! first (404 naming what is missing), and the revocation a removed grant
//! implies for the tokens it had scoped.

use super::App;
use super::admin::{check_name, require_admin};
use super::bootstrap::ROLES;
use crate::datastore::{self, AssignmentFilter, AssignmentRow, RevocationRow, RoleRow};
use stratus_auth::TokenClaims;
use stratus_common::Error;

/// Who receives a grant and on what.
#[derive(Clone, Copy, Debug)]
pub struct Grant<'a> {
    /// `user` or `group`.
    pub actor_type: &'a str,
    pub actor_id: &'a str,
    /// `project` or `domain`.
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub role_id: &'a str,
}

impl App {
    pub async fn role_list(&self, name: Option<&str>) -> Result<Vec<RoleRow>, Error> {
        datastore::role_list(&self.pool, name)
            .await
            .map_err(Error::from)
    }

    pub async fn role_get(&self, id: &str) -> Result<RoleRow, Error> {
        datastore::role_get(&self.pool, id)
            .await?
            .ok_or_else(|| Error::not_found(format!("Could not find role: {id}.")))
    }

    pub async fn role_create(
        &self,
        caller: &TokenClaims,
        name: String,
        description: String,
    ) -> Result<RoleRow, Error> {
        require_admin(caller)?;
        check_name("role", &name)?;
        let role = RoleRow {
            id: datastore::new_id(),
            name,
            description,
        };
        datastore::role_insert(&self.pool, &role)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Role {}", role.name)))?;
        Ok(role)
    }

    /// Renames or redescribes a role (admin). The default roles are
    /// immutable, as `keystone-manage bootstrap` makes them: policy names them.
    pub async fn role_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        name: Option<String>,
        description: Option<String>,
    ) -> Result<RoleRow, Error> {
        require_admin(caller)?;
        let mut role = self.role_get(id).await?;
        check_mutable(&role)?;
        if let Some(name) = name {
            check_name("role", &name)?;
            role.name = name;
        }
        if let Some(description) = description {
            role.description = description;
        }
        datastore::role_update(&self.pool, &role)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Role {}", role.name)))?;
        Ok(role)
    }

    /// Deletes a role (admin) with its assignments, and revokes every token
    /// that carries it.
    pub async fn role_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        require_admin(caller)?;
        check_mutable(&self.role_get(id).await?)?;
        if datastore::role_delete(&self.pool, id).await? == 0 {
            return Err(Error::not_found(format!("Could not find role: {id}.")));
        }
        self.revoke_matching(RevocationRow {
            role_id: Some(id.to_owned()),
            ..RevocationRow::default()
        })
        .await
    }

    /// Checks that everything a grant names exists.
    async fn grant_parts_exist(&self, g: Grant<'_>) -> Result<(), Error> {
        let actor = match g.actor_type {
            "user" => datastore::user_get(&self.pool, g.actor_id).await?.is_some(),
            _ => datastore::group_get(&self.pool, g.actor_id)
                .await?
                .is_some(),
        };
        if !actor {
            return Err(Error::not_found(format!(
                "Could not find {}: {}.",
                g.actor_type, g.actor_id
            )));
        }
        let target = match g.target_type {
            "project" => datastore::project_get(&self.pool, g.target_id)
                .await?
                .is_some(),
            _ => datastore::domain_get(&self.pool, g.target_id)
                .await?
                .is_some(),
        };
        if !target {
            return Err(Error::not_found(format!(
                "Could not find {}: {}.",
                g.target_type, g.target_id
            )));
        }
        self.role_get(g.role_id).await.map(|_| ())
    }

    pub async fn grant(&self, caller: &TokenClaims, g: Grant<'_>) -> Result<(), Error> {
        require_admin(caller)?;
        self.grant_parts_exist(g).await?;
        datastore::role_assignment_ensure(
            &self.pool,
            g.actor_type,
            g.actor_id,
            g.target_type,
            g.target_id,
            g.role_id,
        )
        .await
        .map_err(Error::from)
    }

    pub async fn grant_exists(&self, caller: &TokenClaims, g: Grant<'_>) -> Result<bool, Error> {
        let own = g.actor_type == "user" && g.actor_id == caller.sub;
        if !caller.is_admin() && !own {
            return Err(Error::forbidden(
                "You are not authorized to perform the requested action.",
            ));
        }
        let rows = datastore::role_assignment_list(&self.pool, &filter_of(g)).await?;
        Ok(rows
            .iter()
            .any(|r| r.actor_type == g.actor_type && r.actor_id == g.actor_id))
    }

    /// Removes a grant and revokes the tokens it had given roles: the user's
    /// (or each group member's) tokens on that project or domain.
    pub async fn ungrant(&self, caller: &TokenClaims, g: Grant<'_>) -> Result<(), Error> {
        require_admin(caller)?;
        self.grant_parts_exist(g).await?;
        let removed = datastore::role_assignment_delete(
            &self.pool,
            g.actor_type,
            g.actor_id,
            g.target_type,
            g.target_id,
            g.role_id,
        )
        .await?;
        if removed == 0 {
            return Err(Error::not_found(format!(
                "Could not find role assignment with role: {}, {}: {}, {}: {}.",
                g.role_id, g.actor_type, g.actor_id, g.target_type, g.target_id
            )));
        }
        let users: Vec<String> = if g.actor_type == "user" {
            vec![g.actor_id.to_owned()]
        } else {
            datastore::group_member_ids(&self.pool, g.actor_id).await?
        };
        let (project, domain) = match g.target_type {
            "project" => (Some(g.target_id), None),
            _ => (None, Some(g.target_id)),
        };
        for user in users {
            self.revoke_all(Some(&user), project, domain).await?;
        }
        Ok(())
    }

    /// Assignments the caller may see: admins all, others their own.
    pub async fn assignment_list(
        &self,
        caller: &TokenClaims,
        mut filter: AssignmentFilter<'_>,
    ) -> Result<Vec<AssignmentRow>, Error> {
        if !caller.is_admin() {
            match filter.user_id {
                Some(u) if u != caller.sub => return Ok(Vec::new()),
                _ => filter.user_id = Some(&caller.sub),
            }
            filter.group_id = None;
        }
        datastore::role_assignment_list(&self.pool, &filter)
            .await
            .map_err(Error::from)
    }
}

/// Whether a role is one of the defaults, which cannot change.
pub fn is_immutable(role: &RoleRow) -> bool {
    ROLES.contains(&role.name.as_str())
}

fn check_mutable(role: &RoleRow) -> Result<(), Error> {
    if is_immutable(role) {
        return Err(Error::forbidden(format!(
            "Unable to update or delete immutable role {} ({}): the default roles are what policy checks.",
            role.name, role.id
        )));
    }
    Ok(())
}

fn filter_of(g: Grant<'_>) -> AssignmentFilter<'_> {
    AssignmentFilter {
        user_id: (g.actor_type == "user").then_some(g.actor_id),
        group_id: (g.actor_type == "group").then_some(g.actor_id),
        role_id: Some(g.role_id),
        project_id: (g.target_type == "project").then_some(g.target_id),
        domain_id: (g.target_type == "domain").then_some(g.target_id),
        effective: false,
    }
}
