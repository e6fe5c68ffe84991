//! Stratus tokens: what they claim, how identity signs them (Ed25519 JWTs)
//! and how every service validates them locally — against the JWKS it
//! fetched from identity (again when it meets an unknown key id) and the
//! revocation events identity publishes — without asking identity per
//! request. Also Keystone's default roles (`admin` ⊃ `member` ⊃ `reader`).

mod claims;
mod http_source;
mod keys;
mod revocation;
mod role;
mod verify;

pub use claims::{DomainRef, NamedRef, ProjectScope, RoleRef, Scope, TokenClaims, UserRef};
pub use http_source::HttpKeySource;
pub use keys::{Jwk, Jwks, KeyPair, Signer, ed25519_jwk};
pub use revocation::{RevocationEvent, RevocationSet, Revokes};
pub use role::{Role, effective_roles};
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
