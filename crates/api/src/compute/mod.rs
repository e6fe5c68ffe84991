//! The Nova v2.1 subset served by `stratus-compute` (microversion 2.1):
//! servers and their actions, flavors, key pairs, server groups, quotas and
//! limits, hypervisors, services, availability zones and tenant usage.

use crate::serde_helpers::parse_text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod flavors;
mod hosts;
mod keypairs;
mod quotas;
mod server_groups;
mod servers;
mod usage;

pub use flavors::*;
pub use hosts::*;
pub use keypairs::*;
pub use quotas::*;
pub use server_groups::*;
pub use servers::*;
pub use usage::*;

pub use crate::Link;

// ------------------------------------------------------------------ states

/// A server's `status`, derived from its vm and task states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServerStatus {
    Active,
    Build,
    Deleted,
    Error,
    HardReboot,
    Reboot,
    Rebuild,
    Resize,
    RevertResize,
    VerifyResize,
    Shutoff,
    Unknown,
}

impl ServerStatus {
    /// The status as text; an unknown one reads as `UNKNOWN`.
    pub fn parse(text: &str) -> Self {
        parse_text(text).unwrap_or(Self::Unknown)
    }
}

/// A server's vm state (`OS-EXT-STS:vm_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VmState {
    Building,
    Active,
    Stopped,
    Resized,
    Error,
    Deleted,
}

impl VmState {
    /// The state stored as text; an unknown one reads as `error`.
    pub fn parse(text: &str) -> Self {
        parse_text(text).unwrap_or(Self::Error)
    }
}

/// What is being done to a server (`OS-EXT-STS:task_state`), if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Scheduling,
    Networking,
    BlockDeviceMapping,
    Spawning,
    Deleting,
    #[serde(rename = "powering-off")]
    PoweringOff,
    #[serde(rename = "powering-on")]
    PoweringOn,
    Rebooting,
    RebootingHard,
    Rebuilding,
    RebuildSpawning,
    ResizePrep,
    ResizeFinish,
    ResizeReverting,
    ResizeConfirming,
    ImageSnapshot,
}

impl TaskState {
    /// The state stored as text; `None` for one this API does not know.
    pub fn parse(text: &str) -> Option<Self> {
        parse_text(text)
    }
}
