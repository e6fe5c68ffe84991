//! A server's metadata (`/servers/{id}/metadata`): read, replaced, merged,
//! one item set or deleted, within the project's `metadata_items` quota.

use std::collections::BTreeMap;

use stratus_auth::TokenClaims;
use stratus_common::{Error, ErrorKind};

use super::App;
use super::create_request::metadata;
use super::servers::not_found;
use crate::datastore::servers as ds;

/// How a write changes the metadata.
pub enum MetadataWrite {
    /// `PUT /metadata`: these items and no others.
    Replace(BTreeMap<String, String>),
    /// `POST /metadata` and `PUT /metadata/{key}`: these items set.
    Merge(BTreeMap<String, String>),
    /// `DELETE /metadata/{key}`.
    Delete(String),
}

impl App {
    /// A server's metadata, for a caller who may see the server.
    pub async fn server_metadata(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<BTreeMap<String, String>, Error> {
        Ok(self.server_get(caller, id).await?.metadata.0)
    }

    /// Changes a server's metadata; the whole of it afterwards.
    pub async fn server_metadata_write(
        &self,
        caller: &TokenClaims,
        id: &str,
        write: MetadataWrite,
    ) -> Result<BTreeMap<String, String>, Error> {
        let s = self.server_get(caller, id).await?;
        super::policy::member(caller)?;
        let write = match write {
            MetadataWrite::Replace(m) => MetadataWrite::Replace(metadata("metadata", &m)?),
            MetadataWrite::Merge(m) => MetadataWrite::Merge(metadata("metadata", &m)?),
            d => d,
        };
        let limits = self.limits_of(&s.project_id).await?;
        let limit = i64::from(limits.get("metadata_items").copied().unwrap_or(-1));
        let mut tx = self.pool.begin().await?;
        let Some(mut row) = ds::lock(&mut *tx, s.id).await? else {
            return Err(not_found(id));
        };
        match write {
            MetadataWrite::Replace(m) => row.metadata.0 = m,
            MetadataWrite::Merge(m) => row.metadata.0.extend(m),
            MetadataWrite::Delete(key) => {
                if row.metadata.0.remove(&key).is_none() {
                    return Err(Error::not_found(format!(
                        "Metadata item was not found: {key}"
                    )));
                }
            }
        }
        if limit >= 0 && row.metadata.0.len() as i64 > limit {
            return Err(Error::new(
                ErrorKind::OverQuota,
                format!("Quota exceeded for metadata_items: at most {limit} items."),
            ));
        }
        ds::save(&mut *tx, &row).await?;
        tx.commit().await?;
        Ok(row.metadata.0)
    }
}
