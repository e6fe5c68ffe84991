//! Security groups.

use super::*;
use crate::serde_helpers::{loose_bool, loose_int};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which way a rule lets traffic in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

/// A rule's address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Ethertype {
    IPv4,
    IPv6,
}

/// A security group rule.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupRule {
    pub id: String,
    pub security_group_id: String,
    pub tenant_id: String,
    pub project_id: String,
    pub direction: Direction,
    pub ethertype: Ethertype,
    /// A name (`tcp`, `udp`, `icmp`, `ipv6-icmp`, ...), a number 0-255, or
    /// `null` for any.
    pub protocol: Option<String>,
    pub port_range_min: Option<i64>,
    pub port_range_max: Option<i64>,
    pub remote_ip_prefix: Option<String>,
    pub remote_group_id: Option<String>,
    pub remote_address_group_id: Option<String>,
    pub normalized_cidr: Option<String>,
    pub description: String,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupRuleBody {
    pub security_group_rule: SecurityGroupRule,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupRuleList {
    pub security_group_rules: Vec<SecurityGroupRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_rules_links: Option<Vec<Link>>,
}

/// What a rule is created with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRuleCreate {
    pub security_group_id: String,
    pub direction: Direction,
    /// `IPv4` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethertype: Option<Ethertype>,
    /// A name (`tcp`, `udp`, `icmp`, `ipv6-icmp`, ..., `any`), a number
    /// 0-255 (as text or a JSON number), or `null` for any; checked as a
    /// [`Protocol`].
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "loose_int")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_range_min: Option<i64>,
    #[serde(default, deserialize_with = "loose_int")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_range_max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_ip_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRuleCreateBody {
    pub security_group_rule: SecurityGroupRuleCreate,
}

/// A security group with its rules.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tenant_id: String,
    pub project_id: String,
    pub stateful: bool,
    pub shared: bool,
    pub tags: Vec<String>,
    pub revision_number: i64,
    pub created_at: String,
    pub updated_at: String,
    pub security_group_rules: Vec<SecurityGroupRule>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupBody {
    pub security_group: SecurityGroup,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SecurityGroupList {
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups_links: Option<Vec<Link>>,
}

/// What a security group is created with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupCreate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stateful: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupCreateBody {
    pub security_group: SecurityGroupCreate,
}

/// What a security group's update may change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupUpdateBody {
    pub security_group: SecurityGroupUpdate,
}
