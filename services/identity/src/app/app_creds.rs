//! Application credentials: a user's secret bound to one project and a
//! subset of the user's roles there, optionally expiring. The secret is
//! shown once, stored as an argon2id hash, and authenticates with the
//! `application_credential` method. Deleting one revokes its tokens.

use super::{App, password};
use crate::datastore::{self, AppCred, RevocationRow, Role};
use base64::Engine;
use chrono::{DateTime, Utc};
use stratus_auth::TokenClaims;
use stratus_common::Error;

pub use stratus_api::identity::RoleIdentifier;

pub struct NewAppCred {
    pub name: String,
    pub description: String,
    pub secret: Option<String>,
    pub expires_at: Option<String>,
    pub roles: Option<Vec<RoleIdentifier>>,
    pub unrestricted: bool,
}

/// A created credential: the only time its secret is shown.
pub struct Created {
    pub cred: AppCred,
    pub roles: Vec<Role>,
    pub secret: String,
}

impl App {
    fn own_user(caller: &TokenClaims, user_id: &str) -> Result<(), Error> {
        if caller.sub == user_id {
            Ok(())
        } else {
            Err(Error::not_found(format!("Could not find user: {user_id}.")))
        }
    }

    pub async fn app_cred_create(
        &self,
        caller: &TokenClaims,
        user_id: &str,
        req: NewAppCred,
    ) -> Result<Created, Error> {
        Self::own_user(caller, user_id)?;
        let project_id = caller
            .project_id()
            .ok_or_else(|| {
                Error::bad_request(
                    "Application credentials are created with a project-scoped token.",
                )
            })?
            .to_owned();
        if caller.application_credential.is_some() {
            return Err(Error::forbidden(
                "An application credential cannot create another.",
            ));
        }
        super::admin::check_name("application credential", &req.name)?;
        let roles: Vec<Role> = match &req.roles {
            None => caller
                .roles
                .iter()
                .map(|r| Role {
                    id: r.id.clone(),
                    name: r.name.clone(),
                })
                .collect(),
            Some(wanted) => {
                let mut roles = Vec::new();
                for w in wanted {
                    let held = caller
                        .roles
                        .iter()
                        .find(|r| Some(&r.id) == w.id.as_ref() || Some(&r.name) == w.name.as_ref());
                    match held {
                        Some(r) => roles.push(Role {
                            id: r.id.clone(),
                            name: r.name.clone(),
                        }),
                        None => {
                            let named = w.id.as_deref().or(w.name.as_deref()).unwrap_or("?");
                            return Err(Error::bad_request(format!(
                                "Role {named} is not one of your roles on this project."
                            )));
                        }
                    }
                }
                roles
            }
        };
        if roles.is_empty() {
            return Err(Error::bad_request(
                "An application credential needs at least one role.",
            ));
        }
        let expires_at = match &req.expires_at {
            None => None,
            Some(s) => {
                let parsed = DateTime::parse_from_rfc3339(s)
                    .or_else(|_| DateTime::parse_from_rfc3339(&format!("{s}Z")))
                    .map_err(|_| {
                        Error::bad_request(format!(
                            "Invalid input for field 'expires_at': {s:?} is not a timestamp."
                        ))
                    })?
                    .with_timezone(&Utc);
                if parsed <= Utc::now() {
                    return Err(Error::bad_request(
                        "Invalid input for field 'expires_at': it is in the past.",
                    ));
                }
                Some(parsed)
            }
        };
        let secret = match req.secret {
            Some(s) if !s.is_empty() => s,
            _ => {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
            }
        };
        let secret_hash = password::hash(self.config.password_hashing, secret.clone()).await?;
        let cred = AppCred {
            id: datastore::new_id(),
            user_id: user_id.to_owned(),
            project_id,
            name: req.name,
            description: req.description,
            secret_hash,
            expires_at,
            unrestricted: req.unrestricted,
        };
        let role_ids: Vec<String> = roles.iter().map(|r| r.id.clone()).collect();
        let mut tx = self.pool.begin().await?;
        datastore::app_cred_insert(&mut tx, &cred, &role_ids)
            .await
            .map_err(|e| {
                stratus_db::api_error(e, &format!("Application credential {}", cred.name))
            })?;
        tx.commit().await?;
        Ok(Created {
            cred,
            roles,
            secret,
        })
    }

    pub async fn app_cred_list(
        &self,
        caller: &TokenClaims,
        user_id: &str,
        name: Option<&str>,
    ) -> Result<Vec<(AppCred, Vec<Role>)>, Error> {
        Self::own_user(caller, user_id)?;
        let mut out = Vec::new();
        for c in datastore::app_cred_list(&self.pool, user_id, name).await? {
            let roles = datastore::app_cred_roles(&self.pool, &c.id).await?;
            out.push((c, roles));
        }
        Ok(out)
    }

    pub async fn app_cred_get(
        &self,
        caller: &TokenClaims,
        user_id: &str,
        id: &str,
    ) -> Result<(AppCred, Vec<Role>), Error> {
        Self::own_user(caller, user_id)?;
        let cred = datastore::app_cred_get(&self.pool, id)
            .await?
            .filter(|c| c.user_id == user_id)
            .ok_or_else(|| {
                Error::not_found(format!("Could not find Application Credential: {id}."))
            })?;
        let roles = datastore::app_cred_roles(&self.pool, id).await?;
        Ok((cred, roles))
    }

    pub async fn app_cred_delete(
        &self,
        caller: &TokenClaims,
        user_id: &str,
        id: &str,
    ) -> Result<(), Error> {
        let (cred, _) = self.app_cred_get(caller, user_id, id).await?;
        datastore::app_cred_delete(&self.pool, &cred.id).await?;
        self.revoke_matching(RevocationRow {
            application_credential_id: Some(cred.id),
            ..RevocationRow::default()
        })
        .await
    }

    /// The `application_credential` method: the credential (by id, or by
    /// name and user), its secret, its expiry; returns it and the roles it
    /// still carries (those the user still holds on its project).
    pub async fn app_cred_authenticate(
        &self,
        id: Option<&str>,
        name_and_user: Option<(&str, &str)>,
        secret: String,
    ) -> Result<(AppCred, Vec<Role>), Error> {
        let cred = match (id, name_and_user) {
            (Some(id), _) => datastore::app_cred_get(&self.pool, id).await?,
            (None, Some((name, user_id))) => {
                datastore::app_cred_list(&self.pool, user_id, Some(name))
                    .await?
                    .into_iter()
                    .next()
            }
            (None, None) => {
                return Err(Error::bad_request(
                    "An application credential is named by id, or by name and user.",
                ));
            }
        };
        let ok = password::verify(
            self.config.password_hashing,
            cred.as_ref().map(|c| c.secret_hash.clone()),
            secret,
        )
        .await?;
        let unauthenticated = || Error::unauthenticated(super::tokens::UNAUTHENTICATED);
        let cred = cred.filter(|_| ok).ok_or_else(unauthenticated)?;
        if cred.expires_at.is_some_and(|e| e <= Utc::now()) {
            return Err(unauthenticated());
        }
        let held =
            datastore::role_list_effective(&self.pool, &cred.user_id, "project", &cred.project_id)
                .await?;
        let granted = datastore::app_cred_roles(&self.pool, &cred.id).await?;
        let roles: Vec<Role> = granted
            .into_iter()
            .filter(|r| held.iter().any(|h| h.id == r.id))
            .collect();
        if roles.is_empty() {
            return Err(unauthenticated());
        }
        Ok((cred, roles))
    }
}
