//! Stratus tokens: what they claim, how identity signs them (Ed25519 JWTs)
//! and how every service validates them locally — against the JWKS it
//! fetched from identity (again when it meets an unknown key id) and the
//! revocation events identity publishes — without asking identity per
//! request. Also Keystone's default roles (`admin` ⊃ `member` ⊃ `reader`).

mod claims;
mod http_source;
mod keys;
mod revocation;
mod verify;

pub use claims::{DomainRef, NamedRef, ProjectScope, RoleRef, Scope, TokenClaims, UserRef};
pub use http_source::HttpKeySource;
pub use keys::{Jwk, Jwks, KeyPair, Signer, ed25519_jwk};
pub use revocation::{RevocationEvent, RevocationSet, Revokes};
pub use verify::{ISSUER, JwksFuture, KeySource, Verifier};

/// Why a token was refused. Clients all see the same 401; the kind is for logs.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    #[error("the token's signature or claims are invalid")]
    Invalid(#[source] jsonwebtoken::errors::Error),
    #[error("the token has expired")]
    Expired,
    #[error("the token has been revoked")]
    Revoked,
    #[error("the signing keys could not be fetched: {0}")]
    KeysUnavailable(String),
    #[error("the signing key is unusable")]
    BadKey,
}

impl From<AuthError> for stratus_common::Error {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::KeysUnavailable(_) => stratus_common::Error::unavailable(
                "The identity service could not be reached to validate the token.",
            ),
            _ => stratus_common::Error::unauthenticated(
                "The request you have made requires authentication.",
            ),
        }
    }
}

/// Keystone's default roles imply each other: admin ⊃ member ⊃ reader.
pub fn effective_roles<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'static str> {
    let mut admin = false;
    let mut member = false;
    let mut reader = false;
    for n in names {
        match n {
            "admin" => admin = true,
            "member" => member = true,
            "reader" => reader = true,
            _ => {}
        }
    }
    member |= admin;
    reader |= member;
    [("admin", admin), ("member", member), ("reader", reader)]
        .into_iter()
        .filter_map(|(n, has)| has.then_some(n))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn admin_implies_member_implies_reader() {
        assert_eq!(
            super::effective_roles(["admin"]),
            vec!["admin", "member", "reader"]
        );
        assert_eq!(
            super::effective_roles(["member", "other"]),
            vec!["member", "reader"]
        );
        assert_eq!(super::effective_roles(["reader"]), vec!["reader"]);
        assert!(super::effective_roles(["heat_stack_owner"]).is_empty());
    }
}
