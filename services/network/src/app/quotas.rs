//! Neutron's quotas: per-project limits on networks, subnets, ports,
//! routers, floating IPs, security groups and rules (defaults from
//! `[network.quotas]`, overrides set by admins). A create checks its
//! resource's count under a per-project advisory lock inside the
//! transaction that inserts, so racing creates never overrun a limit.

use super::App;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use stratus_auth::TokenClaims;
use stratus_common::Error;

/// The resources, their tables and Neutron's default limits.
pub const RESOURCES: &[(&str, &str, i64)] = &[
    ("network", "networks", 100),
    ("subnet", "subnets", 100),
    ("port", "ports", 500),
    ("router", "routers", 10),
    ("floatingip", "floating_ips", 50),
    ("security_group", "security_groups", 10),
    ("security_group_rule", "security_group_rules", 100),
];

/// `[network.quotas]`: defaults by resource (-1 is unlimited).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuotaDefaults(pub BTreeMap<String, i64>);

impl App {
    fn default_limit(&self, resource: &str) -> i64 {
        self.config
            .quotas
            .0
            .get(resource)
            .copied()
            .unwrap_or_else(|| {
                RESOURCES
                    .iter()
                    .find(|(r, _, _)| *r == resource)
                    .map_or(-1, |(_, _, d)| *d)
            })
    }

    /// Each resource's limit and use for `project`.
    pub async fn quota_view(&self, project: &str) -> Result<Vec<(&'static str, i64, i64)>, Error> {
        let overrides = crate::datastore::quota_overrides(&self.pool, project).await?;
        let mut out = Vec::new();
        for (resource, table, _) in RESOURCES {
            let limit = overrides
                .iter()
                .find(|(r, _)| r == resource)
                .map_or_else(|| self.default_limit(resource), |(_, l)| *l);
            let used = crate::datastore::quota_used(&self.pool, table, project).await?;
            out.push((*resource, limit, used));
        }
        Ok(out)
    }

    /// Locks the project's quota (until `tx` ends) and checks that one more
    /// `resource` fits.
    pub async fn quota_check(
        &self,
        tx: &mut sqlx::PgConnection,
        project: &str,
        resource: &str,
    ) -> Result<(), Error> {
        crate::datastore::quota_lock(&mut *tx, project).await?;
        let table = RESOURCES
            .iter()
            .find(|(r, _, _)| *r == resource)
            .map(|(_, t, _)| *t)
            .ok_or_else(|| {
                Error::internal(&std::io::Error::other(format!("no quota for {resource}")))
            })?;
        let limit = crate::datastore::quota_limit(&mut *tx, project, resource).await?;
        let limit = limit.unwrap_or_else(|| self.default_limit(resource));
        if limit < 0 {
            return Ok(());
        }
        let used = crate::datastore::quota_used(&mut *tx, table, project).await?;
        if used >= limit {
            return Err(
                Error::conflict(format!("Quota exceeded for resources: ['{resource}']."))
                    .with_type("OverQuota"),
            );
        }
        Ok(())
    }

    /// Sets limits (admin).
    pub async fn quota_update(
        &self,
        caller: &TokenClaims,
        project: &str,
        limits: &BTreeMap<String, i64>,
    ) -> Result<(), Error> {
        if !caller.is_admin() {
            return Err(
                Error::forbidden("(rule:update_quota) is disallowed by policy")
                    .with_type("PolicyNotAuthorized"),
            );
        }
        for (resource, limit) in limits {
            if !RESOURCES.iter().any(|(r, _, _)| r == resource) {
                return Err(
                    Error::bad_request(format!("Unrecognized attribute(s) '{resource}'"))
                        .with_type("HTTPBadRequest"),
                );
            }
            if *limit < -1 {
                return Err(Error::bad_request(format!(
                    "Invalid input for {resource}. Reason: '{limit}' should be >= -1."
                ))
                .with_type("HTTPBadRequest"));
            }
        }
        for (resource, limit) in limits {
            crate::datastore::quota_set(&self.pool, project, resource, *limit).await?;
        }
        Ok(())
    }

    /// Resets a project's limits to the defaults (admin).
    pub async fn quota_reset(&self, caller: &TokenClaims, project: &str) -> Result<(), Error> {
        if !caller.is_admin() {
            return Err(
                Error::forbidden("(rule:delete_quota) is disallowed by policy")
                    .with_type("PolicyNotAuthorized"),
            );
        }
        crate::datastore::quota_reset(&self.pool, project)
            .await
            .map_err(Error::from)
    }

    /// Whether the caller may see a project's limits: its own, or any for
    /// admins.
    pub fn quota_visible(&self, caller: &TokenClaims, project: &str) -> Result<(), Error> {
        if caller.is_admin() || caller.project_id() == Some(project) {
            Ok(())
        } else {
            Err(Error::forbidden("(rule:get_quota) is disallowed by policy")
                .with_type("PolicyNotAuthorized"))
        }
    }
}
