//! Keystone's default roles and what each implies (`admin` ⊃ `member` ⊃
//! `reader`; `service` is the services' own and implies nothing), as every
//! service's policy layer asks for them.

use crate::TokenClaims;
use stratus_common::Error;

/// A role a policy can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Reader,
    Member,
    Admin,
    /// The services' own users (Keystone's `service` role).
    Service,
}

impl Role {
    /// The roles a policy knows, as Keystone bootstraps them.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Member, Role::Reader, Role::Service];

    /// The role's name in tokens and in the identity API.
    pub fn name(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Service => "service",
        }
    }

    /// The role of that name, if it is one a policy knows.
    pub fn from_name(name: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether holding `self` grants `other` (admin ⊃ member ⊃ reader).
    pub fn implies(self, other: Role) -> bool {
        match (self, other) {
            (a, b) if a == b => true,
            (Role::Admin, Role::Member | Role::Reader) | (Role::Member, Role::Reader) => true,
            _ => false,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The roles `names` grant, implied ones included, in the order of
/// [`Role::ALL`].
pub fn effective_roles<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Role> {
    let held: Vec<Role> = names.into_iter().filter_map(Role::from_name).collect();
    Role::ALL
        .into_iter()
        .filter(|want| held.iter().any(|h| h.implies(*want)))
        .collect()
}

impl TokenClaims {
    /// Whether the token holds `role` on its scope, or one implying it.
    pub fn holds(&self, role: Role) -> bool {
        self.role_names()
            .filter_map(Role::from_name)
            .any(|held| held.implies(role))
    }

    /// Fails with 403 unless the token holds `role` (see [`Self::holds`]).
    pub fn require(&self, role: Role) -> Result<(), Error> {
        if self.holds(role) {
            Ok(())
        } else {
            Err(Error::forbidden(
                "You are not authorized to perform the requested action.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Role, effective_roles};

    #[test]
    fn admin_implies_member_implies_reader() {
        use Role::*;
        assert_eq!(effective_roles(["admin"]), vec![Admin, Member, Reader]);
        assert_eq!(effective_roles(["member", "other"]), vec![Member, Reader]);
        assert_eq!(effective_roles(["reader"]), vec![Reader]);
        assert_eq!(effective_roles(["service"]), vec![Service]);
        assert!(effective_roles(["heat_stack_owner"]).is_empty());
        assert!(
            !Service.implies(Reader),
            "the service role is not a project role"
        );
        for r in Role::ALL {
            assert_eq!(Role::from_name(r.name()), Some(r));
        }
    }
}
