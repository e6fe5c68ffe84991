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
    /// Whether the token is scoped to the cloud's admin project (Keystone's
    /// `is_admin_project`): only there does the `admin` role make a cloud
    /// administrator. Set by identity when it issues the token.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_admin_project: bool,
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

    /// A cloud administrator: the `admin` role on the admin project. The
    /// role on any other project or on a domain gives no power beyond it.
    pub fn is_admin(&self) -> bool {
        self.is_admin_project && self.has_role(crate::Role::Admin)
    }

    /// Who may see and change a project's objects: an admin, or a token
    /// scoped to that project (roles decide reading or writing).
    pub fn owns(&self, project: &str) -> bool {
        self.is_admin() || self.project_id() == Some(project)
    }

    /// Whether the token carries `role` on its scope (no implication; see
    /// [`Self::holds`] for that).
    pub fn has_role(&self, role: crate::Role) -> bool {
        self.role_names().any(|r| r == role.name())
    }

    /// A service's own user: the `service` role (Keystone's service role;
    /// the services load revocations with it).
    pub fn is_service(&self) -> bool {
        self.has_role(crate::Role::Service)
    }
}
