//! Security groups and rules as Neutron has them. Each project's `default`
//! group is made on first use (listing groups, or a port made without
//! groups) with Neutron's default rules: all egress, and ingress from
//! members of the same group, for IPv4 and IPv6. Rules are validated as
//! Neutron does (protocols, port ranges only where ports exist, prefixes of
//! the rule's family, a prefix or a remote group, not both) and a rule that
//! means the same as another is a 409.

use super::App;
use super::input::{bad, invalid, limit, required};
use crate::datastore::{self as ds, Rule, SecurityGroup};
use ipnet::IpNet;
use serde_json::Value;
use std::collections::BTreeSet;
use stratus_api::network::{
    Direction, Ethertype, Protocol, SecurityGroupCreate, SecurityGroupRuleCreate,
    SecurityGroupUpdate,
};
use stratus_auth::TokenClaims;
use stratus_common::Error;

fn sg_not_found(id: &str) -> Error {
    Error::not_found(format!("Security group {id} does not exist"))
        .with_type("SecurityGroupNotFound")
}

fn rule_not_found(id: &str) -> Error {
    Error::not_found(format!("Security group rule {id} does not exist"))
        .with_type("SecurityGroupRuleNotFound")
}

fn port(given: Option<i64>, key: &str) -> Result<Option<i32>, Error> {
    match given {
        None => Ok(None),
        Some(n) if (0..=65_535).contains(&n) => Ok(Some(n as i32)),
        Some(n) => Err(invalid(key, format!("{n} is not between 0 and 65535"))),
    }
}

/// The protocol asked for (`None`: any), refused as Neutron refuses it.
fn protocol(given: &Option<Value>) -> Result<Option<Protocol>, Error> {
    Protocol::from_request(given.as_ref())
        .map_err(|why| bad(why).with_type("SecurityGroupRuleInvalidProtocol"))
}

impl App {
    fn sg_project<'a>(&self, caller: &'a TokenClaims) -> Result<&'a str, Error> {
        caller.project_id().ok_or_else(|| {
            Error::forbidden("Security groups need a project-scoped token.")
                .with_type("PolicyNotAuthorized")
        })
    }

    /// The project's `default` group, made with its rules if missing.
    pub async fn default_group(&self, project: &str) -> Result<SecurityGroup, Error> {
        if let Some(g) = ds::sg_default(&self.pool, project).await? {
            return Ok(g);
        }
        let group = SecurityGroup {
            id: uuid::Uuid::new_v4().to_string(),
            project_id: project.to_owned(),
            name: "default".into(),
            description: "Default security group".into(),
            stateful: true,
            revision_number: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let mut tx = self.pool.begin().await?;
        if ds::sg_insert(&mut *tx, &group).await? {
            for (direction, ethertype) in [
                ("egress", "IPv4"),
                ("egress", "IPv6"),
                ("ingress", "IPv4"),
                ("ingress", "IPv6"),
            ] {
                let rule = Rule {
                    id: uuid::Uuid::new_v4().to_string(),
                    security_group_id: group.id.clone(),
                    project_id: project.to_owned(),
                    direction: direction.into(),
                    ethertype: ethertype.into(),
                    protocol: None,
                    port_range_min: None,
                    port_range_max: None,
                    remote_ip_prefix: None,
                    remote_group_id: (direction == "ingress").then(|| group.id.clone()),
                    description: String::new(),
                    created_at: group.created_at,
                    updated_at: group.created_at,
                };
                ds::rule_insert(&mut *tx, &rule).await?;
            }
            tx.commit().await?;
            return Ok(group);
        }
        // Another request made it first.
        drop(tx);
        ds::sg_default(&self.pool, project).await?.ok_or_else(|| {
            Error::internal(&std::io::Error::other("default security group vanished"))
        })
    }

    pub async fn sg_get(&self, caller: &TokenClaims, id: &str) -> Result<SecurityGroup, Error> {
        let g = ds::sg_get(&self.pool, id)
            .await?
            .ok_or_else(|| sg_not_found(id))?;
        if caller.is_admin() || caller.project_id() == Some(g.project_id.as_str()) {
            Ok(g)
        } else {
            Err(sg_not_found(id))
        }
    }

    pub async fn sg_list(&self, caller: &TokenClaims) -> Result<Vec<SecurityGroup>, Error> {
        let project = self.sg_project(caller)?;
        self.default_group(project).await?;
        let scope = if caller.is_admin() {
            None
        } else {
            Some(project)
        };
        ds::sg_list(&self.pool, scope).await.map_err(Error::from)
    }

    pub async fn sg_rules(&self, groups: &[SecurityGroup]) -> Result<Vec<Rule>, Error> {
        let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
        ds::rules_of(&self.pool, &ids).await.map_err(Error::from)
    }

    fn require_member(caller: &TokenClaims) -> Result<(), Error> {
        caller.require(stratus_auth::Role::Member)
    }

    pub async fn sg_create(
        &self,
        caller: &TokenClaims,
        body: &SecurityGroupCreate,
    ) -> Result<SecurityGroup, Error> {
        Self::require_member(caller)?;
        let project = self.sg_project(caller)?;
        let name = limit("name", &body.name, 255)?.unwrap_or_default();
        if name == "default" {
            return Err(Error::conflict("Default security group already exists.")
                .with_type("SecurityGroupDefaultAlreadyExists"));
        }
        self.default_group(project).await?;
        let group = SecurityGroup {
            id: uuid::Uuid::new_v4().to_string(),
            project_id: project.to_owned(),
            name,
            description: limit("description", &body.description, 255)?.unwrap_or_default(),
            stateful: body.stateful.unwrap_or(true),
            revision_number: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        // A new group may egress anywhere, as Neutron's do.
        let mut tx = self.pool.begin().await?;
        self.quota_check(&mut tx, project, "security_group").await?;
        ds::sg_insert(&mut *tx, &group).await?;
        for ethertype in ["IPv4", "IPv6"] {
            let rule = Rule {
                id: uuid::Uuid::new_v4().to_string(),
                security_group_id: group.id.clone(),
                project_id: project.to_owned(),
                direction: "egress".into(),
                ethertype: ethertype.into(),
                protocol: None,
                port_range_min: None,
                port_range_max: None,
                remote_ip_prefix: None,
                remote_group_id: None,
                description: String::new(),
                created_at: group.created_at,
                updated_at: group.created_at,
            };
            ds::rule_insert(&mut *tx, &rule).await?;
        }
        tx.commit().await?;
        Ok(group)
    }

    pub async fn sg_update(
        &self,
        caller: &TokenClaims,
        id: &str,
        body: &SecurityGroupUpdate,
    ) -> Result<SecurityGroup, Error> {
        let mut g = self.sg_get(caller, id).await?;
        Self::require_member(caller)?;
        if let Some(name) = limit("name", &body.name, 255)? {
            if g.name == "default" && name != "default" {
                return Err(bad("Updating default security group name not allowed."));
            }
            g.name = name;
        }
        if let Some(d) = limit("description", &body.description, 255)? {
            g.description = d;
        }
        ds::sg_update(&self.pool, &g)
            .await?
            .ok_or_else(|| sg_not_found(id))
    }

    pub async fn sg_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        let g = self.sg_get(caller, id).await?;
        Self::require_member(caller)?;
        if g.name == "default" && !caller.is_admin() {
            return Err(
                Error::conflict("Removing default security group not allowed.")
                    .with_type("SecurityGroupCannotRemoveDefault"),
            );
        }
        let in_use = ds::sg_ports(&self.pool, id).await?;
        if in_use > 0 {
            return Err(Error::conflict(format!("Security Group {id} in use."))
                .with_type("SecurityGroupInUse"));
        }
        if ds::sg_delete(&self.pool, id).await? == 0 {
            return Err(sg_not_found(id));
        }
        Ok(())
    }

    pub async fn rule_get(&self, caller: &TokenClaims, id: &str) -> Result<Rule, Error> {
        let r = ds::rule_get(&self.pool, id)
            .await?
            .ok_or_else(|| rule_not_found(id))?;
        self.sg_get(caller, &r.security_group_id)
            .await
            .map_err(|_| rule_not_found(id))?;
        Ok(r)
    }

    pub async fn rule_list(&self, caller: &TokenClaims) -> Result<Vec<Rule>, Error> {
        let groups = self.sg_list(caller).await?;
        self.sg_rules(&groups).await
    }

    pub async fn rule_create(
        &self,
        caller: &TokenClaims,
        body: &SecurityGroupRuleCreate,
    ) -> Result<Rule, Error> {
        Self::require_member(caller)?;
        let group_id = required("security_group_id", &body.security_group_id, 255)?;
        let group = self.sg_get(caller, &group_id).await?;
        let direction = match body.direction {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
        .to_owned();
        let ethertype = match body.ethertype.unwrap_or(Ethertype::IPv4) {
            Ethertype::IPv4 => "IPv4",
            Ethertype::IPv6 => "IPv6",
        }
        .to_owned();
        let protocol = protocol(&body.protocol)?;
        let (min, max) = (
            port(body.port_range_min, "port_range_min")?,
            port(body.port_range_max, "port_range_max")?,
        );
        let ported = protocol.is_some_and(|p| p.has_ports());
        let icmp = protocol.is_some_and(|p| p.is_icmp());
        if (min.is_some() || max.is_some()) && !ported && !icmp {
            return Err(
                bad("Port range needs the protocol to be tcp, udp, sctp or icmp.")
                    .with_type("SecurityGroupProtocolRequiredWithPorts"),
            );
        }
        if ported {
            if let (Some(a), Some(b)) = (min, max)
                && a > b
            {
                return Err(
                    bad("For TCP/UDP protocols, port_range_min must be <= port_range_max")
                        .with_type("SecurityGroupInvalidPortRange"),
                );
            }
            if min.is_some() != max.is_some() {
                return Err(bad("Give both port_range_min and port_range_max.")
                    .with_type("SecurityGroupInvalidPortRange"));
            }
        }
        if icmp && (min.is_some_and(|t| t > 255) || max.is_some_and(|c| c > 255)) {
            return Err(
                bad("Invalid value for ICMP type or code: they are 0 to 255.")
                    .with_type("SecurityGroupInvalidIcmpValue"),
            );
        }
        let prefix = match limit("remote_ip_prefix", &body.remote_ip_prefix, 64)? {
            Some(p) => {
                let net: IpNet = p
                    .parse()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        invalid(
                            "remote_ip_prefix",
                            format!("'{p}' is not a valid IP prefix"),
                        )
                    })?;
                if (ethertype == "IPv4") != matches!(net, IpNet::V4(_)) {
                    return Err(bad(format!(
                        "Conflicting value ethertype {ethertype} for CIDR {p}"
                    ))
                    .with_type("SecurityGroupRuleParameterConflict"));
                }
                Some(net.trunc().to_string())
            }
            None => None,
        };
        let remote_group = limit("remote_group_id", &body.remote_group_id, 255)?;
        if prefix.is_some() && remote_group.is_some() {
            return Err(
                bad("Only remote_ip_prefix or remote_group_id may be provided.")
                    .with_type("SecurityGroupRemoteGroupAndRemoteIpPrefix"),
            );
        }
        if let Some(r) = &remote_group {
            self.sg_get(caller, r).await?;
        }
        let rule = Rule {
            id: uuid::Uuid::new_v4().to_string(),
            security_group_id: group.id.clone(),
            project_id: group.project_id.clone(),
            direction,
            ethertype,
            protocol: protocol.map(|p| p.as_text()),
            port_range_min: min,
            port_range_max: max,
            remote_ip_prefix: prefix,
            remote_group_id: remote_group,
            description: limit("description", &body.description, 255)?.unwrap_or_default(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let mut tx = self.pool.begin().await?;
        self.quota_check(&mut tx, &rule.project_id, "security_group_rule")
            .await?;
        match ds::rule_insert(&mut *tx, &rule).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(rule)
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Error::conflict(
                "Security group rule already exists.".to_string(),
            )
            .with_type("SecurityGroupRuleExists")),
            Err(e) => Err(Error::from(e)),
        }
    }

    pub async fn rule_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        self.rule_get(caller, id).await?;
        Self::require_member(caller)?;
        if ds::rule_delete(&self.pool, id).await? == 0 {
            return Err(rule_not_found(id));
        }
        Ok(())
    }

    /// The groups a new port gets: those named (each the project's), or the
    /// project's default one.
    pub async fn port_groups(
        &self,
        caller: &TokenClaims,
        project: &str,
        named: Option<Vec<String>>,
    ) -> Result<Vec<String>, Error> {
        match named {
            Some(ids) => {
                let mut stateful = BTreeSet::new();
                for id in &ids {
                    let g = self.sg_get(caller, id).await?;
                    if g.project_id != project {
                        return Err(sg_not_found(id));
                    }
                    stateful.insert(g.stateful);
                }
                if stateful.len() > 1 {
                    return Err(bad(
                        "Cannot apply both stateful and stateless security groups on the same port at the same time.",
                    ));
                }
                Ok(ids)
            }
            None => Ok(vec![self.default_group(project).await?.id]),
        }
    }
}
