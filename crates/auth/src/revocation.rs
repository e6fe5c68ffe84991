//! Revocation events, as Keystone's OS-REVOKE: a token is revoked when an
//! event matches it (every field the event sets equals the token's) and the
//! token was issued at or before the event's `issued_before_ms`. A set
//! files each event under one field it names, so a check looks only at the
//! events that could match the token.

use crate::TokenClaims;
use std::collections::HashMap;
use std::sync::RwLock;

pub use stratus_api::identity::RevocationEvent;

/// Whether a revocation event revokes a token.
pub trait Revokes {
    fn matches(&self, claims: &TokenClaims) -> bool;
}

impl Revokes for RevocationEvent {
    fn matches(&self, claims: &TokenClaims) -> bool {
        if claims.issued_at_ms() > self.issued_before_ms {
            return false;
        }
        let audit = self
            .audit_id
            .as_ref()
            .is_none_or(|a| claims.audit_ids.iter().any(|t| t == a));
        let user = self.user_id.as_ref().is_none_or(|u| *u == claims.sub);
        let project = self
            .project_id
            .as_ref()
            .is_none_or(|p| claims.project_id() == Some(p.as_str()));
        let domain = self
            .domain_id
            .as_ref()
            .is_none_or(|d| claims.domain_id() == Some(d.as_str()));
        let app_cred = self.application_credential_id.as_ref().is_none_or(|a| {
            claims
                .application_credential
                .as_ref()
                .is_some_and(|c| c.id == *a)
        });
        let role = self
            .role_id
            .as_ref()
            .is_none_or(|r| claims.roles.iter().any(|t| t.id == *r));
        audit && user && project && domain && app_cred && role
    }
}

/// The one field an event is filed under (its most selective), so a token
/// is checked against the few events that could match it, not all.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Audit(String),
    AppCred(String),
    User(String),
    Project(String),
    Domain(String),
    Role(String),
    /// An event that names nothing (matches every token issued before it).
    All,
}

impl Key {
    fn of(e: &RevocationEvent) -> Self {
        let pick = [
            e.audit_id.clone().map(Key::Audit),
            e.application_credential_id.clone().map(Key::AppCred),
            e.user_id.clone().map(Key::User),
            e.project_id.clone().map(Key::Project),
            e.domain_id.clone().map(Key::Domain),
            e.role_id.clone().map(Key::Role),
        ];
        pick.into_iter().flatten().next().unwrap_or(Key::All)
    }

    /// Every key an event matching `claims` can be filed under.
    fn candidates(claims: &TokenClaims) -> Vec<Key> {
        let mut keys: Vec<Key> = claims.audit_ids.iter().cloned().map(Key::Audit).collect();
        if let Some(c) = &claims.application_credential {
            keys.push(Key::AppCred(c.id.clone()));
        }
        keys.push(Key::User(claims.sub.clone()));
        if let Some(p) = claims.project_id() {
            keys.push(Key::Project(p.to_owned()));
        }
        if let Some(d) = claims.domain_id() {
            keys.push(Key::Domain(d.to_owned()));
        }
        keys.extend(claims.roles.iter().map(|r| Key::Role(r.id.clone())));
        keys.push(Key::All);
        keys
    }
}

/// The events a process knows, filed by key, pruned as they expire.
#[derive(Default)]
pub struct RevocationSet {
    events: RwLock<HashMap<Key, Vec<RevocationEvent>>>,
}

impl RevocationSet {
    pub fn add(&self, event: RevocationEvent) {
        if let Ok(mut events) = self.events.write() {
            let bucket = events.entry(Key::of(&event)).or_default();
            if !bucket.contains(&event) {
                bucket.push(event);
            }
        }
    }

    pub fn replace(&self, all: Vec<RevocationEvent>) {
        if let Ok(mut events) = self.events.write() {
            events.clear();
            for event in all {
                let bucket = events.entry(Key::of(&event)).or_default();
                if !bucket.contains(&event) {
                    bucket.push(event);
                }
            }
        }
    }

    pub fn is_revoked(&self, claims: &TokenClaims) -> bool {
        self.events
            .read()
            .map(|events| {
                Key::candidates(claims).iter().any(|k| {
                    events
                        .get(k)
                        .is_some_and(|bucket| bucket.iter().any(|e| e.matches(claims)))
                })
            })
            .unwrap_or(true)
    }

    /// Drops events no live token can match any more.
    pub fn prune(&self, now: i64) {
        if let Ok(mut events) = self.events.write() {
            for bucket in events.values_mut() {
                bucket.retain(|e| e.expires_at > now);
            }
            events.retain(|_, bucket| !bucket.is_empty());
        }
    }

    pub fn len(&self) -> usize {
        self.events
            .read()
            .map(|e| e.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
