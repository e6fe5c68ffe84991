//! Server groups (`os-server-groups`, 2.1: a `policies` list of one):
//! affinity and anti-affinity for the scheduler, counted against the
//! project's `server_groups` quota.

use serde_json::Value;
use stratus_auth::TokenClaims;
use stratus_common::Error;

use super::App;
use super::input::{invalid, name};
use super::quotas::over_quota;
use crate::datastore::{self as ds, ServerGroup};

const POLICIES: &[&str] = &[
    "affinity",
    "anti-affinity",
    "soft-affinity",
    "soft-anti-affinity",
];

pub fn not_found(id: &str) -> Error {
    Error::not_found(format!("Instance group {id} could not be found."))
}

impl App {
    pub async fn group_create(
        &self,
        caller: &TokenClaims,
        body: &stratus_api::compute::ServerGroupCreate,
    ) -> Result<(ServerGroup, Vec<uuid::Uuid>), Error> {
        let group_name = name("name", &Value::String(body.name.clone()), 255)?;
        let policy = match body.policies.as_slice() {
            [p] if POLICIES.contains(&p.as_str()) => p.clone(),
            [other] => {
                return Err(invalid(
                    "policies",
                    &Value::String(other.clone()),
                    format!("'{other}' is not one of {POLICIES:?}"),
                ));
            }
            _ => {
                return Err(invalid(
                    "policies",
                    &serde_json::json!(body.policies),
                    "must be a list of exactly one policy",
                ));
            }
        };
        let project = super::policy::project(caller)?;
        let limit = self.limit_of(project, "server_groups").await?;
        let mut tx = self.pool.begin().await?;
        // One creator at a time per project, so the count holds.
        ds::group_quota_lock(&mut *tx, project).await?;
        if limit >= 0 && ds::group_count(&mut *tx, project).await? >= i64::from(limit) {
            return Err(over_quota("server groups"));
        }
        let g = ServerGroup {
            id: uuid::Uuid::new_v4(),
            project_id: project.to_owned(),
            user_id: caller.sub.clone(),
            name: group_name,
            policy,
            created_at: chrono::Utc::now(),
        };
        ds::group_insert(&mut *tx, &g).await?;
        tx.commit().await?;
        Ok((g, Vec::new()))
    }

    /// A group the caller may see (its project's, or any for admins).
    pub async fn group_get(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<(ServerGroup, Vec<uuid::Uuid>), Error> {
        let uid = uuid::Uuid::parse_str(id).map_err(|_| not_found(id))?;
        let g = ds::group_get(&self.pool, uid)
            .await?
            .filter(|g| caller.owns(g.project_id.as_str()))
            .ok_or_else(|| not_found(id))?;
        let members = ds::group_members(&self.pool, uid).await?;
        Ok((g, members))
    }

    pub async fn group_list(
        &self,
        caller: &TokenClaims,
        all_projects: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<(ServerGroup, Vec<uuid::Uuid>)>, Error> {
        let project = if all_projects && caller.is_admin() {
            None
        } else {
            Some(super::policy::project(caller)?)
        };
        let groups = ds::group_list(&self.pool, project, offset, limit).await?;
        let mut out = Vec::with_capacity(groups.len());
        for g in groups {
            let members = ds::group_members(&self.pool, g.id).await?;
            out.push((g, members));
        }
        Ok(out)
    }

    pub async fn group_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        let (g, _) = self.group_get(caller, id).await?;
        ds::group_delete(&self.pool, g.id).await?;
        Ok(())
    }
}
