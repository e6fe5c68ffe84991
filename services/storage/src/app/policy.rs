//! Who may do what in the image and volume APIs, in one place, with
//! Glance's and Cinder's default policies as the reference: writes need
//! `member` (readers read); images are seen by their owner, by members they
//! are shared with and by all when public or community, and changed by
//! their owner or an admin; publicising, deactivating and the admin-only
//! attributes are an admin's; volumes, snapshots and attachments are their
//! project's and an admin's (others get 404); a token without a project
//! scope gets 403.

use crate::datastore::images::Viewer;
use stratus_auth::TokenClaims;
use stratus_common::Error;

/// Writes need `member` (or `admin`) on the token's scope.
pub(crate) fn member(caller: &TokenClaims) -> Result<(), Error> {
    caller.require(stratus_auth::Role::Member)
}

/// Whose images the caller sees: all (an admin), or its project's view.
pub(crate) fn viewer(caller: &TokenClaims) -> Result<Viewer<'_>, Error> {
    if caller.is_admin() {
        return Ok(Viewer::Admin);
    }
    caller
        .project_id()
        .map(Viewer::Project)
        .ok_or_else(|| Error::forbidden("Images need a project-scoped token."))
}
