//! Groups and membership: admins manage them; users see the groups they
//! belong to. Leaving a group revokes the user's tokens, whose roles may
//! have come through it.

use super::App;
use super::admin::{Changes, check_name, require_admin};
use crate::datastore::{self, Group, User};
use stratus_auth::TokenClaims;
use stratus_common::Error;

impl App {
    /// The group, if the caller may see it (admins any; others their own).
    pub async fn group_visible(&self, caller: &TokenClaims, id: &str) -> Result<Group, Error> {
        let not_found = || Error::not_found(format!("Could not find group: {id}."));
        let group = datastore::group_get(&self.pool, id)
            .await?
            .ok_or_else(not_found)?;
        if caller.is_admin() {
            return Ok(group);
        }
        let mine = datastore::group_list(&self.pool, None, None, Some(&caller.sub)).await?;
        if mine.iter().any(|g| g.id == id) {
            Ok(group)
        } else {
            Err(not_found())
        }
    }

    pub async fn group_create(
        &self,
        caller: &TokenClaims,
        name: String,
        domain_id: Option<String>,
        description: String,
    ) -> Result<Group, Error> {
        require_admin(caller)?;
        check_name("group", &name)?;
        let domain_id = self.owning_domain(caller, domain_id).await?;
        let group = Group {
            id: datastore::new_id(),
            domain_id,
            name,
            description,
        };
        datastore::group_insert(&self.pool, &group)
            .await
            .map_err(|e| {
                stratus_db::api_error(
                    e,
                    &format!("Group {} in domain {}", group.name, group.domain_id),
                )
            })?;
        Ok(group)
    }

    pub async fn group_list(
        &self,
        caller: &TokenClaims,
        name: Option<&str>,
        domain_id: Option<&str>,
    ) -> Result<Vec<Group>, Error> {
        let member = (!caller.is_admin()).then_some(caller.sub.as_str());
        datastore::group_list(&self.pool, name, domain_id, member)
            .await
            .map_err(Error::from)
    }

    /// The groups `user` is a member of.
    pub async fn groups_of_user(&self, user: &str) -> Result<Vec<Group>, Error> {
        Ok(datastore::group_list(&self.pool, None, None, Some(user)).await?)
    }

    pub async fn group_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        changes: Changes,
    ) -> Result<Group, Error> {
        let mut group = self.group_visible(caller, id).await?;
        require_admin(caller)?;
        if let Some(name) = changes.name {
            check_name("group", &name)?;
            group.name = name;
        }
        if let Some(d) = changes.description {
            group.description = d;
        }
        datastore::group_update(&self.pool, &group)
            .await
            .map_err(|e| {
                stratus_db::api_error(
                    e,
                    &format!("Group {} in domain {}", group.name, group.domain_id),
                )
            })?;
        Ok(group)
    }

    pub async fn group_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        self.group_visible(caller, id).await?;
        require_admin(caller)?;
        let members = datastore::group_member_list(&self.pool, id).await?;
        let mut tx = self.pool.begin().await?;
        datastore::group_delete(&mut tx, id).await?;
        tx.commit().await?;
        for m in members {
            self.revoke_all(Some(&m.id), None, None).await?;
        }
        Ok(())
    }

    async fn member_parts(
        &self,
        caller: &TokenClaims,
        group_id: &str,
        user_id: &str,
    ) -> Result<(), Error> {
        self.group_visible(caller, group_id).await?;
        require_admin(caller)?;
        if datastore::user_get(&self.pool, user_id).await?.is_none() {
            return Err(Error::not_found(format!("Could not find user: {user_id}.")));
        }
        Ok(())
    }

    pub async fn group_add_user(
        &self,
        caller: &TokenClaims,
        group_id: &str,
        user_id: &str,
    ) -> Result<(), Error> {
        self.member_parts(caller, group_id, user_id).await?;
        datastore::group_member_add(&self.pool, group_id, user_id)
            .await
            .map_err(Error::from)
    }

    pub async fn group_remove_user(
        &self,
        caller: &TokenClaims,
        group_id: &str,
        user_id: &str,
    ) -> Result<(), Error> {
        self.member_parts(caller, group_id, user_id).await?;
        if datastore::group_member_remove(&self.pool, group_id, user_id).await? == 0 {
            return Err(Error::not_found(format!(
                "User {user_id} is not a member of group {group_id}."
            )));
        }
        self.revoke_all(Some(user_id), None, None).await
    }

    pub async fn group_has_user(
        &self,
        caller: &TokenClaims,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, Error> {
        self.group_visible(caller, group_id).await?;
        let members = datastore::group_member_list(&self.pool, group_id).await?;
        Ok(members.iter().any(|u| u.id == user_id))
    }

    pub async fn group_users(
        &self,
        caller: &TokenClaims,
        group_id: &str,
    ) -> Result<Vec<User>, Error> {
        self.group_visible(caller, group_id).await?;
        datastore::group_member_list(&self.pool, group_id)
            .await
            .map_err(Error::from)
    }
}
