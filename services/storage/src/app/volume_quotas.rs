//! Cinder's quotas: per-project limits on volumes, gigabytes, snapshots, checked under a per-project lock inside the transaction that creates.

use super::App;
use super::volumes::*;
use crate::datastore::volumes::{self as ds};
use std::collections::BTreeMap;
use stratus_auth::TokenClaims;
use stratus_common::Error;

impl App {
    /// Limits and usage of a project's resources.
    pub async fn quota_view(&self, project: &str) -> Result<Vec<(&'static str, i64, i64)>, Error> {
        let mut conn = self.pool.acquire().await?;
        self.quota_rows(&mut conn, project).await
    }

    /// Each resource's limit (override or default) and use, through `conn`.
    pub(crate) async fn quota_rows(
        &self,
        conn: &mut sqlx::PgConnection,
        project: &str,
    ) -> Result<Vec<(&'static str, i64, i64)>, Error> {
        let defaults = &self.config.quotas;
        let overrides = ds::quota_overrides(&mut *conn, project).await?;
        let limit = |r: &str, d: i64| {
            overrides
                .iter()
                .find(|(k, _)| k == r)
                .map_or(d, |(_, v)| *v)
        };
        let (volumes, gigabytes, snapshots) = ds::usage(&mut *conn, project).await?;
        Ok(vec![
            ("volumes", limit("volumes", defaults.volumes), volumes),
            (
                "gigabytes",
                limit("gigabytes", defaults.gigabytes),
                gigabytes,
            ),
            (
                "snapshots",
                limit("snapshots", defaults.snapshots),
                snapshots,
            ),
        ])
    }

    /// Checks that `volumes` more volumes, `gigabytes` more GiB and
    /// `snapshots` more snapshots fit (call with the project locked).
    pub(crate) async fn check_quota(
        &self,
        conn: &mut sqlx::PgConnection,
        project: &str,
        volumes: i64,
        gigabytes: i64,
        snapshots: i64,
    ) -> Result<(), Error> {
        let rows = self.quota_rows(conn, project).await?;
        for ((resource, limit, used), want) in rows.into_iter().zip([volumes, gigabytes, snapshots])
        {
            if want > 0 && limit >= 0 && used + want > limit {
                return Err(over_quota(resource, want, used, limit));
            }
        }
        Ok(())
    }

    /// Sets a project's quotas (admin).
    pub async fn quota_update(
        &self,
        caller: &TokenClaims,
        target: &str,
        limits: &BTreeMap<String, i64>,
    ) -> Result<(), Error> {
        if !caller.is_admin() {
            return Err(Error::forbidden("Only administrators may change quotas."));
        }
        for (resource, limit) in limits {
            if !["volumes", "gigabytes", "snapshots"].contains(&resource.as_str()) {
                return Err(bad(format!("Bad key(s) in quota set: {resource}.")));
            }
            if *limit < -1 {
                return Err(bad(format!(
                    "Quota limit {limit} for {resource} must be -1 or more."
                )));
            }
        }
        for (resource, limit) in limits {
            ds::quota_set(&self.pool, target, resource, *limit).await?;
        }
        Ok(())
    }

    /// Resets a project's quotas to the defaults (admin).
    pub async fn quota_reset(&self, caller: &TokenClaims, target: &str) -> Result<(), Error> {
        if !caller.is_admin() {
            return Err(Error::forbidden("Only administrators may change quotas."));
        }
        ds::quota_reset(&self.pool, target).await?;
        Ok(())
    }
}
