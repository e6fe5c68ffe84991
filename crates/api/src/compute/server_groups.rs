//! Server groups.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A server group.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerGroup {
    pub id: String,
    pub name: String,
    /// `affinity`, `anti-affinity`, `soft-affinity` or `soft-anti-affinity`.
    pub policies: Vec<String>,
    pub members: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    pub project_id: String,
    pub user_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerGroupBody {
    pub server_group: ServerGroup,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerGroupList {
    pub server_groups: Vec<ServerGroup>,
}

/// A new server group.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerGroupCreate {
    pub name: String,
    /// One policy.
    pub policies: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerGroupCreateBody {
    pub server_group: ServerGroupCreate,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServerGroupQuery {
    /// Admins: every project's groups.
    pub all_projects: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}
