//! Who may do what in the metering API, in one place (CloudKitty's
//! defaults as the reference): rate cards and other projects' usage and
//! invoices are an admin's; a project sees its own usage and invoices; a
//! token without a project scope gets 403.

use stratus_auth::TokenClaims;
use stratus_common::Error;

/// Cloud admins only.
pub(crate) fn admin(caller: &TokenClaims) -> Result<(), Error> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(Error::forbidden("Only admins may do this."))
    }
}

/// The token's project (a project-scoped token).
pub(crate) fn project(caller: &TokenClaims) -> Result<&str, Error> {
    caller
        .project_id()
        .ok_or_else(|| Error::forbidden("A project-scoped token is required."))
}

/// Whose usage a read covers: an admin's asked-for project, or every
/// project when none is asked; anyone else's own project (asking for
/// another is 403).
pub(crate) fn readable<'a>(
    caller: &'a TokenClaims,
    asked: Option<&'a str>,
) -> Result<Option<&'a str>, Error> {
    if caller.is_admin() {
        return Ok(asked);
    }
    let own = project(caller)?;
    if asked.is_some_and(|p| p != own) {
        return Err(Error::forbidden(
            "Only admins may read another project's usage.",
        ));
    }
    Ok(Some(own))
}
