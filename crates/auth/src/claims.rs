//! The claims a Stratus token carries: enough for any service to authorise a
//! request, and for identity to answer `GET /v3/auth/tokens` as Keystone does.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

pub type DomainRef = NamedRef;
pub type RoleRef = NamedRef;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: String,
    pub name: String,
    pub domain: DomainRef,
    /// When the user's password was last set; a password change revokes tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_expires_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectScope {
    pub id: String,
    pub name: String,
    pub domain: DomainRef,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Unscoped,
    Project(ProjectScope),
    Domain(DomainRef),
}

/// A token's payload (a JWT's claims).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// Issuer: `stratus-identity`.
    pub iss: String,
    /// The user id.
    pub sub: String,
    pub user: UserRef,
    pub scope: Scope,
    /// Roles granted on the scope (empty when unscoped).
    pub roles: Vec<RoleRef>,
    /// How the user authenticated: `password`, `token`, `application_credential`.
    pub methods: Vec<String>,
    /// Issued at and expires at, seconds since the Unix epoch.
    pub iat: i64,
    pub exp: i64,
    /// Issued at, milliseconds since the epoch: revocations compare this, so
    /// a token issued just after a revocation in the same second survives it.
    #[serde(default)]
    pub iat_ms: i64,
    /// The token's id.
    pub jti: String,
    /// Audit ids: this token's first, then the chain it was rescoped from.
    pub audit_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_credential: Option<NamedRef>,
}

impl TokenClaims {
    pub fn role_names(&self) -> impl Iterator<Item = &str> {
        self.roles.iter().map(|r| r.name.as_str())
    }

    pub fn project_id(&self) -> Option<&str> {
        match &self.scope {
            Scope::Project(p) => Some(&p.id),
            _ => None,
        }
    }

    pub fn domain_id(&self) -> Option<&str> {
        match &self.scope {
            Scope::Domain(d) => Some(&d.id),
            Scope::Project(p) => Some(&p.domain.id),
            Scope::Unscoped => None,
        }
    }

    /// When the token was issued, in milliseconds. A token without `iat_ms`
    /// counts from the start of its `iat` second, so a revocation in that
    /// second never spares it.
    pub fn issued_at_ms(&self) -> i64 {
        if self.iat_ms > 0 {
            self.iat_ms
        } else {
            self.iat * 1000
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role_names().any(|r| r == "admin")
    }
}
