//! Who may do what in the identity API, in one place, with Keystone's
//! default policies as the reference: a cloud admin (the `admin` role on
//! the admin project) manages domains, projects, users, groups, roles,
//! assignments and the catalog; others see themselves, their own groups
//! and role assignments, the projects and domains they hold a role on,
//! and validate or revoke their own tokens; the services' `service` role
//! reads the revocation list.

use stratus_auth::TokenClaims;
use stratus_common::Error;

fn forbidden() -> Error {
    Error::forbidden("You are not authorized to perform the requested action.")
}

/// Cloud admins only.
pub fn require_admin(caller: &TokenClaims) -> Result<(), Error> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// The user `user_id` itself, or an admin.
pub fn self_or_admin(caller: &TokenClaims, user_id: &str) -> bool {
    caller.is_admin() || caller.sub == user_id
}

/// The revocation list: admins and the services.
pub fn may_list_revocations(caller: &TokenClaims) -> bool {
    caller.is_admin() || caller.is_service()
}
