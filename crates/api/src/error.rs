//! The error bodies each API answers with, in its own dialect.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Keystone's (and metering's) error body.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct KeystoneError {
    pub error: KeystoneErrorDetail,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct KeystoneErrorDetail {
    /// The HTTP status code.
    pub code: u16,
    pub message: String,
    /// The HTTP reason phrase.
    pub title: String,
}

/// Neutron's error body.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NeutronError {
    #[serde(rename = "NeutronError")]
    pub neutron_error: NeutronErrorDetail,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NeutronErrorDetail {
    /// The exception's name (`NetworkNotFound`, `HTTPBadRequest`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    pub detail: String,
}

/// Nova's and Cinder's fault body: one key naming the fault
/// (`badRequest`, `itemNotFound`, `conflictingRequest`, `overLimit`, ...).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Fault(pub std::collections::BTreeMap<String, FaultDetail>);

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FaultDetail {
    /// The HTTP status code.
    pub code: u16,
    pub message: String,
}
