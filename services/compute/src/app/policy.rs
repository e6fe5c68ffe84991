//! Who may do what in the compute API, in one place, with Nova's default
//! policies as the reference: admin-only APIs (flavor management,
//! hypervisors, services, usage of all projects) name their rule; writes
//! need the `member` role (readers read); a project's servers, groups and
//! quotas are its own and an admin's, others get 404 (objects) or 403
//! (a project's quota set); creates need a project-scoped token.

use stratus_auth::TokenClaims;
use stratus_common::Error;

/// Fails with Nova's 403 unless the caller is an admin; `action` is the
/// policy's name after `os_compute_api:`.
pub(crate) fn admin(caller: &TokenClaims, action: &str) -> Result<(), Error> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "Policy doesn't allow os_compute_api:{action} to be performed."
        )))
    }
}

/// Writes need `member` (or `admin`) on the token's scope.
pub(crate) fn member(caller: &TokenClaims) -> Result<(), Error> {
    caller.require(stratus_auth::Role::Member)
}

/// The project a create is for: the token's (a project-scoped token).
pub(crate) fn project(caller: &TokenClaims) -> Result<&str, Error> {
    caller
        .project_id()
        .ok_or_else(|| Error::forbidden("A project-scoped token is required."))
}
