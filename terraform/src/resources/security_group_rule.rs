//! `stratus_security_group_rule`: one rule of a group. Rules cannot change
//! in Neutron, so every attribute replaces it. A rule identical to one the
//! group already has (the default egress rules) is adopted instead of
//! failing with Neutron's 409.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::network::{
    Direction, Ethertype, SecurityGroupRule as Api, SecurityGroupRuleBody, SecurityGroupRuleCreate,
    SecurityGroupRuleCreateBody, SecurityGroupRuleList,
};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::NETWORK};
use crate::framework::{Error, Kind, Result, Timeouts, attr::*, known};
use crate::wait::Deadline;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub security_group_id: Value<String>,
    pub direction: Value<String>,
    pub ethertype: Value<String>,
    pub protocol: Value<String>,
    pub port_range_min: Value<i64>,
    pub port_range_max: Value<i64>,
    pub remote_ip_prefix: Value<String>,
    pub remote_group_id: Value<String>,
    pub description: Value<String>,
    pub project_id: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct SecurityGroupRule;

fn state_of(r: Api, prior: &State) -> State {
    State {
        id: Value::Value(r.id),
        security_group_id: Value::Value(r.security_group_id),
        direction: Value::Value(match r.direction {
            Direction::Ingress => "ingress".into(),
            Direction::Egress => "egress".into(),
        }),
        ethertype: Value::Value(match r.ethertype {
            Ethertype::IPv4 => "IPv4".into(),
            Ethertype::IPv6 => "IPv6".into(),
        }),
        // As given: Neutron keeps the name or number it was given.
        protocol: Value::from(r.protocol),
        port_range_min: Value::from(r.port_range_min),
        port_range_max: Value::from(r.port_range_max),
        remote_ip_prefix: match (r.remote_ip_prefix, &prior.remote_ip_prefix) {
            // Neutron may normalise 0.0.0.0/0 away; keep what was written.
            (None, Value::Value(p)) if p == "0.0.0.0/0" || p == "::/0" => Value::Value(p.clone()),
            (v, _) => Value::from(v),
        },
        remote_group_id: Value::from(r.remote_group_id),
        description: Value::Value(r.description),
        project_id: Value::Value(r.project_id),
        timeouts: Value::Null,
    }
}

fn direction(s: &str) -> Option<Direction> {
    match s {
        "ingress" => Some(Direction::Ingress),
        "egress" => Some(Direction::Egress),
        _ => None,
    }
}

fn ethertype(s: &str) -> Option<Ethertype> {
    match s {
        "IPv4" => Some(Ethertype::IPv4),
        "IPv6" => Some(Ethertype::IPv6),
        _ => None,
    }
}

/// The same rule (what Neutron's duplicate check compares).
fn same(r: &Api, want: &SecurityGroupRuleCreate) -> bool {
    let proto = want
        .protocol
        .as_ref()
        .and_then(|p| p.as_str().map(str::to_owned));
    let any_prefix = |p: &Option<String>| p.clone().filter(|p| p != "0.0.0.0/0" && p != "::/0");
    r.direction == want.direction
        && Some(r.ethertype) == want.ethertype.or(Some(Ethertype::IPv4))
        && r.protocol == proto
        && r.port_range_min == want.port_range_min
        && r.port_range_max == want.port_range_max
        && any_prefix(&r.remote_ip_prefix) == any_prefix(&want.remote_ip_prefix)
        && r.remote_group_id == want.remote_group_id
}

#[async_trait]
impl Kind for SecurityGroupRule {
    type State = State;
    const DESCRIPTION: &'static str = "A rule of a security group. Every change replaces it (Neutron's rules are immutable). A rule the group already has (such as a default egress rule) is adopted rather than refused.";
    const REPLACE: &'static [&'static str] = &[
        "security_group_id",
        "direction",
        "ethertype",
        "protocol",
        "port_range_min",
        "port_range_max",
        "remote_ip_prefix",
        "remote_group_id",
        "description",
        "project_id",
    ];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("security_group_id", required(string(), "The group.")),
            ("direction", required(string(), "`ingress` or `egress`.")),
            (
                "ethertype",
                defaulted(string(), "`IPv4` (default) or `IPv6`."),
            ),
            (
                "protocol",
                optional(
                    string(),
                    "`tcp`, `udp`, `icmp`, ... or a number 0-255; any when absent.",
                ),
            ),
            (
                "port_range_min",
                optional(number(), "The first port (TCP/UDP), or the ICMP type."),
            ),
            (
                "port_range_max",
                optional(number(), "The last port (TCP/UDP), or the ICMP code."),
            ),
            (
                "remote_ip_prefix",
                optional(string(), "The remote addresses, e.g. `0.0.0.0/0`."),
            ),
            (
                "remote_group_id",
                optional(string(), "The remote group, instead of a prefix."),
            ),
            ("description", defaulted(string(), "A description.")),
            (
                "project_id",
                defaulted(string(), "The owning project (admins may name another)."),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        let mut e = Vec::new();
        if let Some(d) = known(&c.direction)
            && direction(&d).is_none()
        {
            e.push(Error::attr(
                "direction",
                format!("{d:?} is neither \"ingress\" nor \"egress\""),
            ));
        }
        if let Some(t) = known(&c.ethertype)
            && ethertype(&t).is_none()
        {
            e.push(Error::attr(
                "ethertype",
                format!("{t:?} is neither \"IPv4\" nor \"IPv6\""),
            ));
        }
        if let (Some(min), Some(max)) = (known(&c.port_range_min), known(&c.port_range_max))
            && min > max
            && known(&c.protocol).is_some_and(|p| p == "tcp" || p == "udp")
        {
            e.push(Error::attr(
                "port_range_min",
                format!("{min} is above port_range_max {max}"),
            ));
        }
        if known(&c.remote_ip_prefix).is_some() && known(&c.remote_group_id).is_some() {
            e.push(Error::attr(
                "remote_group_id",
                "give remote_ip_prefix or remote_group_id, not both",
            ));
        }
        e
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let want = SecurityGroupRuleCreate {
            security_group_id: known(&plan.security_group_id).unwrap_or_default(),
            direction: known(&plan.direction)
                .as_deref()
                .and_then(direction)
                .ok_or_else(|| Error::attr("direction", "must be ingress or egress"))?,
            ethertype: known(&plan.ethertype).as_deref().and_then(ethertype),
            protocol: known(&plan.protocol).map(serde_json::Value::String),
            port_range_min: known(&plan.port_range_min),
            port_range_max: known(&plan.port_range_max),
            remote_ip_prefix: known(&plan.remote_ip_prefix),
            remote_group_id: known(&plan.remote_group_id),
            description: known(&plan.description),
            project_id: known(&plan.project_id),
            tenant_id: None,
        };
        let made = match client
            .post::<SecurityGroupRuleBody>(
                NETWORK,
                "/v2.0/security-group-rules",
                &SecurityGroupRuleCreateBody {
                    security_group_rule: want.clone(),
                },
            )
            .await
        {
            Ok(b) => b.security_group_rule,
            Err(e) if e.is_conflict() => {
                let list: SecurityGroupRuleList = client
                    .get(
                        NETWORK,
                        &format!(
                            "/v2.0/security-group-rules?security_group_id={}",
                            want.security_group_id
                        ),
                    )
                    .await?;
                list.security_group_rules
                    .into_iter()
                    .find(|r| same(r, &want))
                    .ok_or(Error::Api(e))?
            }
            Err(e) => return Err(e.into()),
        };
        *id = Some(made.id.clone());
        Ok(state_of(made, plan))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        let got: Option<SecurityGroupRuleBody> = client
            .get_opt(NETWORK, &format!("/v2.0/security-group-rules/{id}"))
            .await?;
        Ok(got.map(|b| state_of(b.security_group_rule, state)))
    }

    async fn update(
        &self,
        _client: &Client,
        _prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        Ok(plan.clone())
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        Ok(client
            .delete(NETWORK, &format!("/v2.0/security-group-rules/{id}"))
            .await?)
    }
}
