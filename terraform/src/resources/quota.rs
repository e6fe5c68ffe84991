//! `stratus_quota` (admins): one project's limits in compute, network and
//! volume at once. Only the limits given are set; the others show what the
//! cloud has. Destroying it resets the project to the defaults in all three
//! services. Its id (and import id) is the project's id.

use std::collections::BTreeMap;

use async_trait::async_trait;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use stratus_api::compute::QuotaSetBody;
use stratus_api::network::QuotaBody;
use stratus_api::volume::{QuotaSetBody as VolumeQuotaSetBody, QuotaValue};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service};
use crate::framework::{Error, Kind, Result, Timeouts, attr::*, known};
use crate::wait::Deadline;

/// Declares the state with one number per limit, and the table saying
/// which service holds it under which key.
macro_rules! limits {
    ($($field:ident: $service:ident $key:literal $doc:literal,)*) => {
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct State {
            pub id: Value<String>,
            pub project_id: Value<String>,
            $(pub $field: Value<i64>,)*
            #[serde(with = "value::serde_as_vec")]
            pub timeouts: Value<Timeouts>,
        }

        /// Every limit: (attribute, service, the service's key, doc).
        const LIMITS: &[(&str, Service, &str, &str)] = &[
            $((stringify!($field), Service::$service, $key, $doc),)*
        ];

        impl State {
            fn limit(&self, attr: &str) -> &Value<i64> {
                match attr {
                    $(stringify!($field) => &self.$field,)*
                    _ => &Value::Null,
                }
            }
            fn set_limit(&mut self, attr: &str, v: i64) {
                match attr {
                    $(stringify!($field) => self.$field = Value::Value(v),)*
                    _ => {}
                }
            }
        }
    };
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Service {
    Compute,
    Network,
    Volume,
}

limits! {
    instances: Compute "instances" "Instances.",
    cores: Compute "cores" "Virtual CPUs of all instances.",
    ram: Compute "ram" "MiB of memory of all instances.",
    key_pairs: Compute "key_pairs" "Key pairs per user.",
    metadata_items: Compute "metadata_items" "Metadata items per instance.",
    server_groups: Compute "server_groups" "Server groups.",
    server_group_members: Compute "server_group_members" "Members per server group.",
    networks: Network "network" "Networks.",
    subnets: Network "subnet" "Subnets.",
    ports: Network "port" "Ports.",
    routers: Network "router" "Routers.",
    floating_ips: Network "floatingip" "Floating IPs.",
    security_groups: Network "security_group" "Security groups.",
    security_group_rules: Network "security_group_rule" "Security group rules.",
    volumes: Volume "volumes" "Volumes.",
    gigabytes: Volume "gigabytes" "GiB of all volumes and snapshots.",
    snapshots: Volume "snapshots" "Volume snapshots.",
}
crate::meta!(State);

pub struct Quota;

fn paths(project: &str) -> [(Service, &'static str, String); 3] {
    [
        (
            Service::Compute,
            service::COMPUTE,
            format!("/os-quota-sets/{project}"),
        ),
        (
            Service::Network,
            service::NETWORK,
            format!("/v2.0/quotas/{project}"),
        ),
        (
            Service::Volume,
            service::VOLUME,
            format!("/os-quota-sets/{project}"),
        ),
    ]
}

/// Every limit the three services have for `project`.
async fn current(client: &Client, project: &str) -> Result<BTreeMap<(Service, String), i64>> {
    let [(_, _, compute), (_, _, network), (_, _, volume)] = paths(project);
    let c: QuotaSetBody = client.get(service::COMPUTE, &compute).await?;
    let n: QuotaBody = client.get(service::NETWORK, &network).await?;
    let v: VolumeQuotaSetBody = client.get(service::VOLUME, &volume).await?;
    let mut all = BTreeMap::new();
    let mut put = |s: Service, k: String, n: i64| {
        all.insert((s, k), n);
    };
    for (k, n) in c.quota_set.limits {
        put(Service::Compute, k, n);
    }
    for (k, n) in n.quota {
        put(Service::Network, k, n);
    }
    for (k, q) in v.quota_set.resources {
        let n = match q {
            QuotaValue::Limit(n) => n,
            QuotaValue::Usage(u) => u.limit,
        };
        put(Service::Volume, k, n);
    }
    Ok(all)
}

async fn state_of(client: &Client, project: &str) -> Result<State> {
    let all = current(client, project).await?;
    let mut s = State {
        id: Value::Value(project.to_owned()),
        project_id: Value::Value(project.to_owned()),
        ..Default::default()
    };
    for (attr, svc, key, _) in LIMITS {
        let n = all
            .get(&(*svc, (*key).to_owned()))
            .copied()
            .ok_or_else(|| {
                Error::Failed(format!(
                    "the cloud shows no {key} quota for project {project}"
                ))
            })?;
        s.set_limit(attr, n);
    }
    Ok(s)
}

/// Sets the limits `plan` gives that differ from `prior`'s.
async fn set(client: &Client, project: &str, prior: &State, plan: &State) -> Result<()> {
    for (svc, service_type, path) in paths(project) {
        let body: BTreeMap<&str, i64> = LIMITS
            .iter()
            .filter(|(_, s, _, _)| *s == svc)
            .filter_map(|(attr, _, key, _)| {
                let want = known(plan.limit(attr))?;
                (known(prior.limit(attr)) != Some(want)).then_some((*key, want))
            })
            .collect();
        if body.is_empty() {
            continue;
        }
        let wrapped = match svc {
            Service::Network => json!({ "quota": body }),
            _ => json!({ "quota_set": body }),
        };
        client
            .act(service_type, Method::PUT, &path, Some(&wrapped))
            .await?;
    }
    Ok(())
}

#[async_trait]
impl Kind for Quota {
    type State = State;
    const DESCRIPTION: &'static str = "A project's quotas (admins) in compute, network and volume. Limits not given keep the cloud's values (shown, not managed); -1 is unlimited. Destroying it resets the project to the defaults. Import with the project's id.";
    const REPLACE: &'static [&'static str] = &["project_id"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        let mut a = vec![(
            "project_id",
            required(string(), "The project whose limits these are."),
        )];
        a.extend(
            LIMITS
                .iter()
                .map(|(attr, _, _, doc)| (*attr, defaulted(number(), doc))),
        );
        a
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        LIMITS
            .iter()
            .filter_map(|(attr, _, _, _)| match c.limit(attr) {
                Value::Value(n) if *n < -1 => Some(Error::attr(
                    *attr,
                    format!("must be -1 (unlimited) or more, not {n}"),
                )),
                _ => None,
            })
            .collect()
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        _deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let project = known(&plan.project_id).unwrap_or_default();
        // The project's limits before: only what differs is sent.
        let before = state_of(client, &project).await?;
        *id = Some(project.clone());
        set(client, &project, &before, plan).await?;
        state_of(client, &project).await
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(project) = known(&state.id) else {
            return Ok(None);
        };
        // The project gone means its quotas are too.
        let exists = client
            .get_opt::<serde_json::Value>(service::IDENTITY, &format!("/projects/{project}"))
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        Ok(Some(state_of(client, &project).await?))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let project = known(&prior.id).unwrap_or_default();
        set(client, &project, prior, plan).await?;
        state_of(client, &project).await
    }

    async fn delete(&self, client: &Client, state: &State, _deadline: Deadline) -> Result<()> {
        let project = known(&state.id).unwrap_or_default();
        for (_, service_type, path) in paths(&project) {
            client.delete(service_type, &path).await?;
        }
        Ok(())
    }
}
