//! Image members, as Glance shares images: the owner adds projects to a `shared` image, each member accepts or rejects it.

use super::App;
use super::images::*;
use crate::datastore::images::{self as ds, Image, Member};
use stratus_auth::TokenClaims;
use stratus_common::Error;

impl App {
    pub async fn member_list(&self, caller: &TokenClaims, id: &str) -> Result<Vec<Member>, Error> {
        let image = self.image_get(caller, id).await?;
        require_shared(&image)?;
        let members = ds::member_list(&self.pool, id).await?;
        if caller.owns(image.owner.as_str()) {
            Ok(members)
        } else {
            Ok(members
                .into_iter()
                .filter(|m| Some(m.member.as_str()) == caller.project_id())
                .collect())
        }
    }

    pub async fn member_add(
        &self,
        caller: &TokenClaims,
        id: &str,
        member: &str,
    ) -> Result<Member, Error> {
        let image = self.image_owned(caller, id).await?;
        require_shared(&image)?;
        if member.is_empty() || member.len() > 255 {
            return Err(bad("member", "a project id of 1 to 255 characters"));
        }
        ds::member_add(&self.pool, id, member)
            .await
            .map_err(|e| stratus_db::api_error(e, &format!("Member {member} of image {id}")))
    }

    pub async fn member_get(
        &self,
        caller: &TokenClaims,
        id: &str,
        member: &str,
    ) -> Result<Member, Error> {
        let image = self.image_get(caller, id).await?;
        let allowed = caller.is_admin()
            || caller.project_id() == Some(image.owner.as_str())
            || caller.project_id() == Some(member);
        let missing = || Error::not_found(format!("{member} is not a member of image {id}."));
        if !allowed {
            return Err(missing());
        }
        ds::member_get(&self.pool, id, member)
            .await?
            .ok_or_else(missing)
    }

    /// The member (only) accepts or rejects a share.
    pub async fn member_set_status(
        &self,
        caller: &TokenClaims,
        id: &str,
        member: &str,
        status: &str,
    ) -> Result<Member, Error> {
        self.member_get(caller, id, member).await?;
        caller_can_write(caller)?;
        if caller.project_id() != Some(member) {
            return Err(Error::forbidden(
                "Only the member itself may accept or reject an image.",
            ));
        }
        if !["pending", "accepted", "rejected"].contains(&status) {
            return Err(bad(
                "status",
                format!("{status:?} is not pending, accepted or rejected"),
            ));
        }
        ds::member_set_status(&self.pool, id, member, status)
            .await?
            .ok_or_else(|| Error::not_found(format!("{member} is not a member of image {id}.")))
    }

    pub async fn member_delete(
        &self,
        caller: &TokenClaims,
        id: &str,
        member: &str,
    ) -> Result<(), Error> {
        self.image_owned(caller, id).await?;
        if ds::member_delete(&self.pool, id, member).await? == 0 {
            return Err(Error::not_found(format!(
                "{member} is not a member of image {id}."
            )));
        }
        Ok(())
    }
}

fn require_shared(image: &Image) -> Result<(), Error> {
    if image.visibility != "shared" {
        return Err(Error::forbidden(format!(
            "Only shared images have members; image {} is {}.",
            image.id, image.visibility
        )));
    }
    Ok(())
}
