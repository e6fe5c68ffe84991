//! Key pairs.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A key pair (`private_key` only when the API made it).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Keypair {
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct KeypairBody {
    pub keypair: Keypair,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct KeypairList {
    pub keypairs: Vec<KeypairBody>,
}

/// A key pair to import (`public_key`) or to make.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeypairCreate {
    pub name: String,
    /// OpenSSH format; made (with its private key) when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeypairCreateBody {
    pub keypair: KeypairCreate,
}
