//! Authentication and tokens: `POST /v3/auth/tokens` with the `password` and
//! `token` methods, scoping to a project, a domain or nothing; validation;
//! revocation.

use super::{App, password};
use crate::datastore::{self, Domain, Project, RevocationRow, User};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::net::IpAddr;
use stratus_auth::{NamedRef, ProjectScope, RevocationEvent, Scope, TokenClaims, UserRef};
use stratus_common::Error;

/// The one message for every failed login, so a guesser learns nothing.
pub const UNAUTHENTICATED: &str = "The request you have made requires authentication.";

pub use stratus_api::identity::{
    AppCredMethod, AppCredUser, Auth, AuthRequest, DomainIdentifier, Identity, PasswordMethod,
    TokenMethod, UserIdentifier,
};

#[derive(Debug, Deserialize)]
struct ProjectIdentifier {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    domain: Option<DomainIdentifier>,
}

/// A signed token and what it says.
pub struct Issued {
    pub token: String,
    pub claims: TokenClaims,
}

fn unauthenticated() -> Error {
    Error::unauthenticated(UNAUTHENTICATED)
}

fn named(id: &str, name: &str) -> NamedRef {
    NamedRef {
        id: id.into(),
        name: name.into(),
    }
}

impl App {
    /// Authenticates the request's identity and issues a token for its scope.
    /// `source` is the client's address, for login throttling.
    pub async fn authenticate(
        &self,
        request: AuthRequest,
        source: Option<IpAddr>,
    ) -> Result<Issued, Error> {
        let auth = request.auth;
        let methods = &auth.identity.methods;
        if methods.is_empty() {
            return Err(Error::bad_request(
                "identity.methods must name at least one method.",
            ));
        }
        let issued = Utc::now();
        let now = issued.timestamp();
        let mut exp = now + i64::from(self.config.token_ttl_s);
        let mut audit_ids = vec![datastore::new_id()];
        let mut used_methods = Vec::new();
        // An application credential fixes the scope, roles and credential.
        let mut fixed: Option<((Scope, Vec<NamedRef>), NamedRef)> = None;

        let user = if methods.iter().any(|m| m == "application_credential") {
            let method = auth.identity.application_credential.as_ref().ok_or_else(|| {
                Error::bad_request("identity.application_credential is required by the application_credential method.")
            })?;
            if auth.scope.is_some() {
                return Err(Error::bad_request(
                    "An application credential's scope is fixed to its project; send no scope.",
                ));
            }
            let user_id = match (&method.id, &method.name, &method.user) {
                (Some(_), _, _) => None,
                (None, Some(_), Some(u)) => match (&u.id, &u.name) {
                    (Some(id), _) => Some(id.clone()),
                    (None, Some(name)) => {
                        let domain = u.domain.as_ref().ok_or_else(|| {
                            Error::bad_request("A user given by name needs its domain.")
                        })?;
                        let found = match self.find_domain(domain).await? {
                            Some(d) => datastore::user_get_by_name(&self.pool, &d.id, name)
                                .await?
                                .map(|u| u.id),
                            None => None,
                        };
                        // An unknown user still costs a hash check below.
                        Some(found.unwrap_or_default())
                    }
                    (None, None) => {
                        return Err(Error::bad_request(
                            "application_credential.user needs an id or a name.",
                        ));
                    }
                },
                _ => {
                    return Err(Error::bad_request(
                        "An application credential is named by id, or by name and user.",
                    ));
                }
            };
            let by_name = method.name.as_deref().zip(user_id.as_deref());
            let (cred, roles) = self
                .app_cred_authenticate(method.id.as_deref(), by_name, method.secret.clone())
                .await?;
            let project = datastore::project_get(&self.pool, &cred.project_id)
                .await?
                .ok_or_else(unauthenticated)?;
            let user = datastore::user_get(&self.pool, &cred.user_id)
                .await?
                .ok_or_else(unauthenticated)?;
            let (scope, _) = self
                .project_scope(&user, project)
                .await
                .map_err(|_| unauthenticated())?;
            let roles = roles.iter().map(|r| named(&r.id, &r.name)).collect();
            // A token never outlives its credential.
            if let Some(until) = cred.expires_at {
                exp = exp.min(until.timestamp());
            }
            fixed = Some(((scope, roles), named(&cred.id, &cred.name)));
            used_methods.push("application_credential".to_owned());
            user
        } else if methods.iter().any(|m| m == "token") {
            let method = auth.identity.token.as_ref().ok_or_else(|| {
                Error::bad_request("identity.token is required by the token method.")
            })?;
            let previous = self
                .verifier
                .verify(&method.id)
                .await
                .map_err(|_| unauthenticated())?;
            if previous.application_credential.is_some() {
                return Err(Error::forbidden(
                    "A token from an application credential cannot be rescoped.",
                ));
            }
            // Rescoping never extends a token's life, and keeps its audit chain.
            exp = exp.min(previous.exp);
            if let Some(first) = previous.audit_ids.first() {
                audit_ids.push(first.clone());
            }
            used_methods.push("token".to_owned());
            for m in &previous.methods {
                if !used_methods.contains(m) {
                    used_methods.push(m.clone());
                }
            }
            datastore::user_get(&self.pool, &previous.sub)
                .await?
                .ok_or_else(unauthenticated)?
        } else if methods.iter().any(|m| m == "password") {
            let method = auth.identity.password.as_ref().ok_or_else(|| {
                Error::bad_request("identity.password is required by the password method.")
            })?;
            used_methods.push("password".to_owned());
            self.check_password(&method.user, source).await?
        } else {
            return Err(Error::unauthenticated(format!(
                "Unsupported authentication method: {}",
                methods.join(", ")
            )));
        };
        if !user.enabled {
            return Err(unauthenticated());
        }
        let user_domain = self.enabled_domain(&user.domain_id).await?;

        let (application_credential, (scope, roles)) = match fixed {
            Some((scope_and_roles, cred)) => (Some(cred), scope_and_roles),
            None => (None, self.resolve_scope(&user, auth.scope.as_ref()).await?),
        };
        let is_admin_project = matches!(&scope, Scope::Project(p)
            if p.name == self.config.admin_project
                && p.domain.name == self.config.admin_project_domain);
        let claims = TokenClaims {
            iss: stratus_auth::ISSUER.into(),
            sub: user.id.clone(),
            user: UserRef {
                id: user.id.clone(),
                name: user.name.clone(),
                domain: named(&user_domain.id, &user_domain.name),
                password_expires_at: None,
            },
            scope,
            roles,
            methods: used_methods,
            iat: now,
            exp,
            iat_ms: issued.timestamp_millis(),
            jti: datastore::new_id(),
            audit_ids,
            application_credential,
            is_admin_project,
        };
        let token = self
            .keys
            .signer()
            .sign(&claims)
            .map_err(|e| Error::internal(&e))?;
        Ok(Issued { token, claims })
    }

    /// Finds the user and checks the password. Unknown users, wrong
    /// passwords and locked accounts get the same answer at the same cost
    /// (one hash each). The source address is throttled first (`429`), and
    /// the attempt is counted for the user from that source before the
    /// hash, atomically, so parallel guesses cannot exceed the lockout.
    async fn check_password(
        &self,
        ident: &UserIdentifier,
        source: Option<IpAddr>,
    ) -> Result<User, Error> {
        self.throttle.check(source)?;
        let user = match (&ident.id, &ident.name) {
            (Some(id), _) => datastore::user_get(&self.pool, id).await?,
            (None, Some(name)) => {
                let domain = ident.domain.as_ref().ok_or_else(|| {
                    Error::bad_request("A user given by name needs its domain (id or name).")
                })?;
                match self.find_domain(domain).await? {
                    Some(d) => datastore::user_get_by_name(&self.pool, &d.id, name).await?,
                    None => None,
                }
            }
            (None, None) => {
                return Err(Error::bad_request(
                    "identity.password.user needs an id or a name.",
                ));
            }
        };
        let from = source.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        let locked = match &user {
            Some(u) => {
                let attempts =
                    datastore::login_attempt(&self.pool, &u.id, &from, self.config.lockout_s)
                        .await?;
                attempts > i32::try_from(self.config.lockout_failures).unwrap_or(i32::MAX)
            }
            None => false,
        };
        let hash = user
            .as_ref()
            .filter(|_| !locked)
            .and_then(|u| u.password_hash.clone());
        let ok =
            password::verify(self.config.password_hashing, hash, ident.password.clone()).await?;
        match user {
            Some(user) if ok && !locked => {
                datastore::login_failure_clear(&self.pool, &user.id, &from).await?;
                Ok(user)
            }
            Some(user) => {
                if locked {
                    tracing::warn!(user_id = %user.id, source = %from, "login refused: too many failures from this source");
                }
                self.throttle.failed(source);
                Err(unauthenticated())
            }
            None => {
                self.throttle.failed(source);
                Err(unauthenticated())
            }
        }
    }

    async fn find_domain(&self, d: &DomainIdentifier) -> Result<Option<Domain>, Error> {
        match (&d.id, &d.name) {
            (Some(id), _) => datastore::domain_get(&self.pool, id)
                .await
                .map_err(Error::from),
            (None, Some(name)) => datastore::domain_get_by_name(&self.pool, name)
                .await
                .map_err(Error::from),
            (None, None) => Err(Error::bad_request("A domain needs an id or a name.")),
        }
    }

    async fn enabled_domain(&self, id: &str) -> Result<Domain, Error> {
        match datastore::domain_get(&self.pool, id).await? {
            Some(d) if d.enabled => Ok(d),
            _ => Err(unauthenticated()),
        }
    }

    async fn resolve_scope(
        &self,
        user: &User,
        scope: Option<&Value>,
    ) -> Result<(Scope, Vec<NamedRef>), Error> {
        let Some(scope) = scope else {
            // No scope asked: the user's default project if it can use it.
            if let Some(pid) = &user.default_project_id
                && let Some(project) = datastore::project_get(&self.pool, pid).await?
                && let Ok(scoped) = self.project_scope(user, project).await
            {
                return Ok(scoped);
            }
            return Ok((Scope::Unscoped, Vec::new()));
        };
        if scope.as_str() == Some("unscoped") {
            return Ok((Scope::Unscoped, Vec::new()));
        }
        if let Some(p) = scope.get("project") {
            let p: ProjectIdentifier = serde_json::from_value(p.clone())
                .map_err(|e| Error::bad_request(format!("Invalid scope.project: {e}")))?;
            let project = match (&p.id, &p.name) {
                (Some(id), _) => datastore::project_get(&self.pool, id).await?,
                (None, Some(name)) => {
                    let domain = p.domain.as_ref().ok_or_else(|| {
                        Error::bad_request("A project given by name needs its domain (id or name).")
                    })?;
                    match self.find_domain(domain).await? {
                        Some(d) => datastore::project_get_by_name(&self.pool, &d.id, name).await?,
                        None => None,
                    }
                }
                (None, None) => {
                    return Err(Error::bad_request("scope.project needs an id or a name."));
                }
            };
            let project = project
                .ok_or_else(|| Error::unauthenticated("Could not find the project to scope to."))?;
            return self.project_scope(user, project).await;
        }
        if let Some(d) = scope.get("domain") {
            let d: DomainIdentifier = serde_json::from_value(d.clone())
                .map_err(|e| Error::bad_request(format!("Invalid scope.domain: {e}")))?;
            let domain = self
                .find_domain(&d)
                .await?
                .filter(|d| d.enabled)
                .ok_or_else(|| Error::unauthenticated("Could not find the domain to scope to."))?;
            let roles =
                datastore::role_list_effective(&self.pool, &user.id, "domain", &domain.id).await?;
            if roles.is_empty() {
                return Err(Error::unauthenticated(format!(
                    "User {} has no access to domain {}",
                    user.id, domain.id
                )));
            }
            return Ok((
                Scope::Domain(named(&domain.id, &domain.name)),
                roles.iter().map(|r| named(&r.id, &r.name)).collect(),
            ));
        }
        if scope.get("system").is_some() {
            return Err(Error::bad_request(
                "System scope is not supported; scope to a project with the admin role instead.",
            ));
        }
        Err(Error::bad_request(
            "scope must be \"unscoped\" or name a project or a domain.",
        ))
    }

    async fn project_scope(
        &self,
        user: &User,
        project: Project,
    ) -> Result<(Scope, Vec<NamedRef>), Error> {
        let domain = self.enabled_domain(&project.domain_id).await?;
        if !project.enabled {
            return Err(Error::unauthenticated(format!(
                "Project {} is disabled.",
                project.id
            )));
        }
        let roles =
            datastore::role_list_effective(&self.pool, &user.id, "project", &project.id).await?;
        if roles.is_empty() {
            return Err(Error::unauthenticated(format!(
                "User {} has no access to project {}",
                user.id, project.id
            )));
        }
        Ok((
            Scope::Project(ProjectScope {
                id: project.id,
                name: project.name,
                domain: named(&domain.id, &domain.name),
            }),
            roles.iter().map(|r| named(&r.id, &r.name)).collect(),
        ))
    }

    /// Validates a token as identity sees it: signature, expiry, revocation.
    pub async fn validate(&self, token: &str) -> Result<TokenClaims, Error> {
        self.verifier.verify(token).await.map_err(|e| {
            tracing::debug!(error = %e, "token refused");
            Error::not_found("The token could not be found.")
        })
    }

    /// Revokes a token and every token rescoped from it.
    pub async fn revoke(&self, claims: &TokenClaims) -> Result<(), Error> {
        let row = RevocationRow {
            audit_id: claims.audit_ids.first().cloned(),
            issued_before: Utc::now(),
            expires_at: DateTime::from_timestamp(claims.exp, 0).unwrap_or_else(Utc::now),
            ..RevocationRow::default()
        };
        self.record_revocation(row).await
    }
}

pub fn revocation_event(row: RevocationRow) -> RevocationEvent {
    RevocationEvent {
        audit_id: row.audit_id,
        user_id: row.user_id,
        project_id: row.project_id,
        domain_id: row.domain_id,
        application_credential_id: row.application_credential_id,
        role_id: row.role_id,
        issued_before_ms: row.issued_before.timestamp_millis(),
        expires_at: row.expires_at.timestamp(),
    }
}
