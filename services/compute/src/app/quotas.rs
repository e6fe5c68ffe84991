//! Compute quotas as Nova 2.1 shows them (`os-quota-sets`, `limits`):
//! defaults from `[compute.quotas]`, per-project overrides set by admins,
//! `-1` for unlimited. Key pairs count per user, the rest per project.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stratus_auth::TokenClaims;
use stratus_common::{Error, ErrorKind};

use super::App;
use super::input::{check_known, int};
use crate::datastore as ds;

/// Per-project limits when no override is set (Nova's defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaDefaults {
    pub instances: i32,
    pub cores: i32,
    pub ram: i32,
    pub metadata_items: i32,
    pub injected_files: i32,
    pub injected_file_content_bytes: i32,
    pub injected_file_path_bytes: i32,
    pub key_pairs: i32,
    pub server_groups: i32,
    pub server_group_members: i32,
}

impl Default for QuotaDefaults {
    fn default() -> Self {
        Self {
            instances: 10,
            cores: 20,
            ram: 51200,
            metadata_items: 128,
            injected_files: 5,
            injected_file_content_bytes: 10240,
            injected_file_path_bytes: 255,
            key_pairs: 100,
            server_groups: 10,
            server_group_members: 10,
        }
    }
}

impl QuotaDefaults {
    /// Every resource with its default, by Nova's name.
    pub fn all(&self) -> BTreeMap<&'static str, i32> {
        BTreeMap::from([
            ("instances", self.instances),
            ("cores", self.cores),
            ("ram", self.ram),
            ("metadata_items", self.metadata_items),
            ("injected_files", self.injected_files),
            (
                "injected_file_content_bytes",
                self.injected_file_content_bytes,
            ),
            ("injected_file_path_bytes", self.injected_file_path_bytes),
            ("key_pairs", self.key_pairs),
            ("server_groups", self.server_groups),
            ("server_group_members", self.server_group_members),
        ])
    }
}

/// Network quotas the 2.1 API still shows (answered by the network service
/// now; shown as Nova's proxies show them when unset).
pub const PROXIES: &[(&str, i32)] = &[
    ("floating_ips", 10),
    ("fixed_ips", -1),
    ("security_groups", 10),
    ("security_group_rules", 20),
];

pub fn over_quota(what: &str) -> Error {
    Error::new(
        ErrorKind::OverQuota,
        format!("Quota exceeded, too many {what}."),
    )
}

impl App {
    /// Every limit before a project's overrides: the configured defaults
    /// and the network proxies.
    pub fn default_limits(&self) -> BTreeMap<String, i32> {
        let mut all: BTreeMap<String, i32> = self
            .config
            .quotas
            .all()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        for (k, v) in PROXIES {
            all.insert((*k).to_owned(), *v);
        }
        all
    }

    /// A project's limits: defaults with its overrides.
    pub async fn limits_of(&self, project: &str) -> Result<BTreeMap<String, i32>, Error> {
        let mut all = self.default_limits();
        for (k, v) in ds::quotas(&self.pool, project).await? {
            all.insert(k, v);
        }
        Ok(all)
    }

    /// One resource's limit for `project`.
    pub async fn limit_of(&self, project: &str, resource: &str) -> Result<i32, Error> {
        Ok(self
            .limits_of(project)
            .await?
            .get(resource)
            .copied()
            .unwrap_or(-1))
    }

    /// What `caller`'s project (and user, for key pairs) uses.
    pub async fn usage_of(
        &self,
        caller: &TokenClaims,
        project: &str,
    ) -> Result<BTreeMap<&'static str, i64>, Error> {
        let mut used = BTreeMap::new();
        used.insert("server_groups", ds::group_count(&self.pool, project).await?);
        used.insert(
            "key_pairs",
            ds::keypair_count(&self.pool, &caller.sub).await?,
        );
        let (instances, cores, ram) = self.server_usage(project).await?;
        used.insert("instances", instances);
        used.insert("cores", cores);
        used.insert("ram", ram);
        Ok(used)
    }

    /// Who may read `project`'s quotas: its members and admins.
    fn quota_reader(caller: &TokenClaims, project: &str) -> Result<(), Error> {
        if caller.owns(project) {
            Ok(())
        } else {
            Err(Error::forbidden(
                "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.",
            ))
        }
    }

    pub async fn quota_show(
        &self,
        caller: &TokenClaims,
        project: &str,
    ) -> Result<BTreeMap<String, i32>, Error> {
        Self::quota_reader(caller, project)?;
        self.limits_of(project).await
    }

    pub async fn quota_update(
        &self,
        caller: &TokenClaims,
        project: &str,
        body: &Map<String, Value>,
    ) -> Result<BTreeMap<String, i32>, Error> {
        if !caller.is_admin() {
            return Err(Error::forbidden(
                "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.",
            ));
        }
        let mut known: Vec<&str> = self.config.quotas.all().into_keys().collect();
        known.extend(PROXIES.iter().map(|(k, _)| *k));
        known.push("force");
        check_known(body, &known)?;
        let mut set = Vec::new();
        for (k, v) in body {
            if k == "force" {
                continue;
            }
            set.push((k.clone(), int(k, v, -1)?));
        }
        let mut tx = self.pool.begin().await?;
        for (k, v) in &set {
            ds::quota_set(&mut *tx, project, k, *v).await?;
        }
        tx.commit().await?;
        self.limits_of(project).await
    }

    pub async fn quota_reset(&self, caller: &TokenClaims, project: &str) -> Result<(), Error> {
        if !caller.is_admin() {
            return Err(Error::forbidden(
                "Policy doesn't allow os_compute_api:os-quota-sets:delete to be performed.",
            ));
        }
        ds::quota_reset(&self.pool, project)
            .await
            .map_err(Error::from)
    }
}
