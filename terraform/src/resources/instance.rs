//! `stratus_instance`: a server. Networks and ports are sets (reordering
//! them changes nothing); security groups are a set of names or ids kept
//! in the form given (no perpetual diff); a flavor change resizes and
//! confirms in place; `power_state` stops and starts in place; networks and
//! ports are attached and detached in place (`os-interface`), metadata is
//! replaced in place. What the compute API cannot change in place (image,
//! key, user data) replaces the instance.

use std::collections::BTreeSet;

use async_trait::async_trait;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use stratus_api::compute::{
    BlockDeviceMapping, FlavorBody, FlavorList, FlavorRef, ImageField, InterfaceAttach,
    InterfaceAttachBody, InterfaceAttachmentList, NetworkRequest, Resize, SecurityGroupRequest,
    Server, ServerAction, ServerBody, ServerCreate, ServerCreateBody, ServerCreateResponse,
    ServerMetadata, ServerUpdate, ServerUpdateBody, VolumeAttachmentList,
};
use stratus_api::network::{PortList, PortUpdate, PortUpdateBody, SecurityGroupList};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::COMPUTE, service::NETWORK};
use crate::framework::{
    Error, Kind, Result, StringList, StringMap, StringSet, Timeouts, attr::*, known, map_of,
    set_of, to_list, to_map, to_set, wire,
};
use crate::wait::{self, Deadline, Poll};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub image_id: Value<String>,
    pub boot_volume_id: Value<String>,
    pub flavor_id: Value<String>,
    pub flavor_name: Value<String>,
    pub key_pair: Value<String>,
    pub user_data: Value<String>,
    pub metadata: StringMap,
    pub security_groups: StringSet,
    pub network_ids: StringSet,
    pub port_ids: StringSet,
    pub availability_zone: Value<String>,
    pub power_state: Value<String>,
    pub access_ip_v4: Value<String>,
    pub all_ports: StringList,
    pub all_addresses: StringList,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Instance;

fn status(s: &Server) -> String {
    wire(&s.status)
}

async fn get(client: &Client, id: &str) -> Result<Option<Server>> {
    Ok(client
        .get_opt::<ServerBody>(COMPUTE, &format!("/servers/{id}"))
        .await?
        .map(|b| b.server)
        .filter(|s| status(s) != "DELETED"))
}

/// Waits until the server's status is one of `want`; an ERROR ends the
/// wait at once with the server's fault message.
async fn wait_for(client: &Client, id: &str, want: &[&str], deadline: Deadline) -> Result<Server> {
    wait::until(
        deadline,
        &format!("server {id} becoming {}", want.join(" or ")),
        || async {
            let Some(s) = get(client, id).await? else {
                return Ok(Poll::Failed("the server disappeared".into()));
            };
            let st = status(&s);
            Ok(if want.contains(&st.as_str()) {
                Poll::Done(s)
            } else if st == "ERROR" {
                Poll::Failed(format!(
                    "the server is in ERROR: {}",
                    s.fault
                        .as_ref()
                        .map(|f| f.message.as_str())
                        .unwrap_or("(no fault recorded)")
                ))
            } else {
                Poll::Pending(st)
            })
        },
    )
    .await
}

/// The flavor a state names: by id, else by name.
async fn flavor_id(client: &Client, s: &State) -> Result<String> {
    if let Some(id) = known(&s.flavor_id) {
        return Ok(id);
    }
    let name = known(&s.flavor_name)
        .ok_or_else(|| Error::attr("flavor_name", "give flavor_id or flavor_name"))?;
    let list: FlavorList = client
        .get(COMPUTE, "/flavors/detail?is_public=none")
        .await?;
    list.flavors
        .into_iter()
        .find(|f| f.name == name)
        .map(|f| f.id)
        .ok_or_else(|| Error::attr("flavor_name", format!("no flavor named {name:?}")))
}

/// The project's security groups: (id, name).
async fn groups(client: &Client) -> Result<Vec<(String, String)>> {
    let list: SecurityGroupList = client.get(NETWORK, "/v2.0/security-groups").await?;
    Ok(list
        .security_groups
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect())
}

/// A name or id as a group id.
fn group_id(groups: &[(String, String)], given: &str) -> Result<String> {
    groups
        .iter()
        .find(|(id, _)| id == given)
        .or_else(|| groups.iter().find(|(_, name)| name == given))
        .map(|(id, _)| id.clone())
        .ok_or_else(|| Error::attr("security_groups", format!("no security group {given:?}")))
}

/// The volume a server booted from (the one on its first disk).
async fn boot_volume(client: &Client, server: &str) -> Result<Option<String>> {
    let list: VolumeAttachmentList = client
        .get(COMPUTE, &format!("/servers/{server}/os-volume_attachments"))
        .await?;
    Ok(list
        .volume_attachments
        .into_iter()
        .find(|a| a.device.ends_with("da"))
        .map(|a| a.volume_id))
}

async fn state_of(client: &Client, s: Server, prior: &State) -> Result<State> {
    let ports: PortList = client
        .get(NETWORK, &format!("/v2.0/ports?device_id={}", s.id))
        .await?;
    let given_ports: BTreeSet<String> = set_of(&prior.port_ids)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let port_ids: Vec<String> = ports
        .ports
        .iter()
        .filter(|p| given_ports.contains(&p.id))
        .map(|p| p.id.clone())
        .collect();
    let network_ids: BTreeSet<String> = ports
        .ports
        .iter()
        .filter(|p| !given_ports.contains(&p.id))
        .map(|p| p.network_id.clone())
        .collect();
    // Security groups in the form each was given: a name the server has is
    // kept; an id is kept while its group's name is among the server's.
    let names: BTreeSet<String> = s.security_groups.iter().map(|g| g.name.clone()).collect();
    let mut sgs = BTreeSet::new();
    let mut covered = BTreeSet::new();
    let given = set_of(&prior.security_groups).unwrap_or_default();
    let known_groups = if given.is_empty() {
        Vec::new()
    } else {
        groups(client).await?
    };
    for g in &given {
        let name = known_groups
            .iter()
            .find(|(id, _)| id == g)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| g.clone());
        if names.contains(&name) {
            sgs.insert(g.clone());
            covered.insert(name);
        }
    }
    sgs.extend(names.difference(&covered).cloned());
    let flavor = s.flavor.id.clone();
    let flavor_name = match client
        .get_opt::<FlavorBody>(COMPUTE, &format!("/flavors/{flavor}"))
        .await?
    {
        Some(f) => f.flavor.name,
        None => known(&prior.flavor_name).unwrap_or_default(),
    };
    let addresses: Vec<String> = s
        .addresses
        .values()
        .flatten()
        .map(|a| a.addr.clone())
        .collect();
    let st = status(&s);
    Ok(State {
        id: Value::Value(s.id.clone()),
        name: Value::Value(s.name.clone()),
        image_id: match &s.image {
            ImageField::Image(r) => Value::Value(r.id.clone()),
            ImageField::None(_) => Value::Null,
        },
        boot_volume_id: match (&prior.boot_volume_id, &s.image) {
            (Value::Value(v), _) => Value::Value(v.clone()),
            // Booted from a volume: the one on the first disk.
            (_, ImageField::None(_)) => boot_volume(client, &s.id).await?.into(),
            _ => Value::Null,
        },
        flavor_id: Value::Value(flavor),
        flavor_name: Value::Value(flavor_name),
        key_pair: s.key_name.clone().into(),
        // Nova does not show it: what was given.
        user_data: prior.user_data.clone(),
        metadata: match (&prior.metadata, s.metadata.is_empty()) {
            (Value::Null, true) => Value::Null,
            _ => to_map(s.metadata.clone()),
        },
        security_groups: to_set(sgs),
        network_ids: match (&prior.network_ids, network_ids.is_empty()) {
            (Value::Null, true) => Value::Null,
            _ => to_set(network_ids),
        },
        port_ids: match (&prior.port_ids, port_ids.is_empty()) {
            (Value::Null, true) => Value::Null,
            _ => to_set(port_ids),
        },
        availability_zone: Value::Value(s.availability_zone.clone()),
        power_state: match (&prior.power_state, st.as_str()) {
            (_, "SHUTOFF") => Value::Value("shutoff".into()),
            (Value::Null, _) => Value::Null,
            _ => Value::Value("active".into()),
        },
        access_ip_v4: Value::Value(
            addresses
                .iter()
                .find(|a| !a.contains(':'))
                .cloned()
                .unwrap_or_default(),
        ),
        all_ports: to_list(ports.ports.iter().map(|p| p.id.clone())),
        all_addresses: to_list(addresses),
        timeouts: Value::Null,
    })
}

#[async_trait]
impl Kind for Instance {
    type State = State;
    const DESCRIPTION: &'static str = "An instance (a Nova server), booted from an image or a volume. Networks, ports and security groups are sets; a flavor change resizes in place (and confirms); `power_state` stops and starts it. Networks and ports are attached and detached in place, and metadata changes in place.";
    const REPLACE: &'static [&'static str] = &[
        "image_id",
        "boot_volume_id",
        "key_pair",
        "user_data",
        "availability_zone",
    ];
    const TIMEOUTS: (u64, u64, u64) = (1800, 1800, 1800);
    const WRITE_ONLY: &'static [&'static str] = &["user_data"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            (
                "name",
                required(string(), "The instance's name; changed in place."),
            ),
            ("image_id", defaulted(string(), "The image to boot.")),
            (
                "boot_volume_id",
                optional(
                    string(),
                    "A volume to boot from instead of an image (kept when the instance goes).",
                ),
            ),
            (
                "flavor_id",
                defaulted(
                    string(),
                    "The flavor's id (or give `flavor_name`); a change resizes in place.",
                ),
            ),
            (
                "flavor_name",
                defaulted(
                    string(),
                    "The flavor's name (or give `flavor_id`); a change resizes in place.",
                ),
            ),
            ("key_pair", optional(string(), "The key pair to inject.")),
            (
                "user_data",
                sensitive(optional(
                    string(),
                    "User data (cloud-init); not readable back, so kept as given.",
                )),
            ),
            ("metadata", optional(map_of_strings(), "Server metadata.")),
            (
                "security_groups",
                defaulted(
                    set_of_strings(),
                    "Security groups by name or id, kept in the form given (default: the project's `default`); changed in place.",
                ),
            ),
            (
                "network_ids",
                optional(set_of_strings(), "Networks to have a port on (one each)."),
            ),
            (
                "port_ids",
                optional(
                    set_of_strings(),
                    "Ports of yours to use (see `stratus_port`).",
                ),
            ),
            (
                "availability_zone",
                defaulted(string(), "The availability zone."),
            ),
            (
                "power_state",
                optional(string(), "`active` or `shutoff`; changed in place."),
            ),
            (
                "access_ip_v4",
                computed(string(), "Its first IPv4 address."),
            ),
            (
                "all_ports",
                computed(
                    list_of_strings(),
                    "The ids of all its ports (for `stratus_floating_ip_association`).",
                ),
            ),
            (
                "all_addresses",
                computed(list_of_strings(), "All its fixed addresses."),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        let mut e = Vec::new();
        if matches!(c.image_id, Value::Null) && matches!(c.boot_volume_id, Value::Null) {
            e.push(Error::attr("image_id", "give image_id or boot_volume_id"));
        }
        if matches!(c.flavor_id, Value::Null) && matches!(c.flavor_name, Value::Null) {
            e.push(Error::attr("flavor_name", "give flavor_name or flavor_id"));
        }
        if let Some(p) = known(&c.power_state)
            && p != "active"
            && p != "shutoff"
        {
            e.push(Error::attr(
                "power_state",
                format!("{p:?} is neither \"active\" nor \"shutoff\""),
            ));
        }
        e
    }

    async fn plan(
        &self,
        _client: &Client,
        prior: Option<&State>,
        planned: &mut State,
    ) -> Result<Vec<(String, String)>> {
        let Some(prior) = prior else {
            if matches!(planned.image_id, Value::Unknown)
                && known(&planned.boot_volume_id).is_some()
            {
                planned.image_id = Value::Null;
            }
            return Ok(Vec::new());
        };
        // A flavor named one way changes the other.
        if planned.flavor_id != prior.flavor_id && planned.flavor_name == prior.flavor_name {
            planned.flavor_name = Value::Unknown;
        }
        if planned.flavor_name != prior.flavor_name && planned.flavor_id == prior.flavor_id {
            planned.flavor_id = Value::Unknown;
        }
        // Networks and ports are attached and detached in place.
        if planned.network_ids != prior.network_ids || planned.port_ids != prior.port_ids {
            planned.all_ports = Value::Unknown;
            planned.all_addresses = Value::Unknown;
            planned.access_ip_v4 = Value::Unknown;
        }
        Ok(Vec::new())
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let flavor = flavor_id(client, plan).await?;
        let mut networks: Vec<NetworkRequest> = set_of(&plan.network_ids)
            .unwrap_or_default()
            .into_iter()
            .map(|n| NetworkRequest {
                uuid: Some(n),
                ..Default::default()
            })
            .collect();
        networks.extend(
            set_of(&plan.port_ids)
                .unwrap_or_default()
                .into_iter()
                .map(|p| NetworkRequest {
                    port: Some(p),
                    ..Default::default()
                }),
        );
        let security_groups = match set_of(&plan.security_groups) {
            Some(given) if !given.is_empty() => {
                let all = groups(client).await?;
                let mut names = Vec::new();
                for g in given {
                    let gid = group_id(&all, &g)?;
                    names.push(SecurityGroupRequest {
                        name: all
                            .iter()
                            .find(|(i, _)| *i == gid)
                            .map(|(_, n)| n.clone())
                            .unwrap_or(g),
                    });
                }
                Some(names)
            }
            _ => None,
        };
        let boot_volume = known(&plan.boot_volume_id);
        let body = ServerCreateBody {
            server: ServerCreate {
                name: known(&plan.name).unwrap_or_default(),
                flavor_ref: FlavorRef::Id(flavor),
                image_ref: if boot_volume.is_some() {
                    None
                } else {
                    known(&plan.image_id)
                },
                networks: Some(networks),
                key_name: known(&plan.key_pair),
                user_data: known(&plan.user_data).map(|u| base64_encode(u.as_bytes())),
                metadata: map_of(&plan.metadata),
                security_groups,
                min_count: None,
                max_count: None,
                return_reservation_id: None,
                availability_zone: known(&plan.availability_zone),
                config_drive: None,
                access_ipv4: None,
                access_ipv6: None,
                disk_config: None,
                block_device_mapping_v2: boot_volume.map(|v| {
                    vec![BlockDeviceMapping {
                        source_type: Some("volume".into()),
                        destination_type: Some("volume".into()),
                        uuid: Some(v),
                        boot_index: Some(0.into()),
                        delete_on_termination: Some(false.into()),
                        ..Default::default()
                    }]
                }),
                admin_pass: None,
                personality: None,
            },
            scheduler_hints: None,
            scheduler_hints_legacy: None,
        };
        let made: ServerCreateResponse = client.post(COMPUTE, "/servers", &body).await?;
        let ServerCreateResponse::Server { server } = made else {
            return Err(Error::Failed(
                "the API answered a reservation, not a server".into(),
            ));
        };
        *id = Some(server.id.clone());
        let mut s = wait_for(client, &server.id, &["ACTIVE"], deadline).await?;
        if known(&plan.power_state).as_deref() == Some("shutoff") {
            client
                .act(
                    COMPUTE,
                    Method::POST,
                    &format!("/servers/{}/action", server.id),
                    Some(&ServerAction::Stop(None)),
                )
                .await?;
            s = wait_for(client, &server.id, &["SHUTOFF"], deadline).await?;
        }
        state_of(client, s, plan).await
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        match get(client, &id).await? {
            Some(s) => Ok(Some(state_of(client, s, state).await?)),
            None => Ok(None),
        }
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let action = |a: ServerAction| {
            let path = format!("/servers/{id}/action");
            async move { client.act(COMPUTE, Method::POST, &path, Some(&a)).await }
        };
        if plan.name != prior.name {
            let body = ServerUpdateBody {
                server: ServerUpdate {
                    name: known(&plan.name),
                    ..Default::default()
                },
            };
            client
                .act(COMPUTE, Method::PUT, &format!("/servers/{id}"), Some(&body))
                .await?;
        }
        let was = known(&prior.power_state).unwrap_or_else(|| "active".into());
        let want = known(&plan.power_state).unwrap_or_else(|| was.clone());
        let settled = if want == "shutoff" {
            "SHUTOFF"
        } else {
            "ACTIVE"
        };
        let new_flavor = flavor_id(client, plan).await?;
        if Some(&new_flavor) != known(&prior.flavor_id).as_ref() {
            action(ServerAction::Resize(Resize {
                flavor_ref: FlavorRef::Id(new_flavor),
                disk_config: None,
            }))
            .await?;
            wait_for(client, &id, &["VERIFY_RESIZE"], deadline).await?;
            action(ServerAction::ConfirmResize(None)).await?;
            wait_for(client, &id, &["ACTIVE", "SHUTOFF"], deadline).await?;
        }
        if plan.security_groups != prior.security_groups {
            let all = groups(client).await?;
            let ids = set_of(&plan.security_groups)
                .unwrap_or_default()
                .iter()
                .map(|g| group_id(&all, g))
                .collect::<Result<Vec<_>>>()?;
            let ports: PortList = client
                .get(NETWORK, &format!("/v2.0/ports?device_id={id}"))
                .await?;
            for p in ports.ports {
                let body = PortUpdateBody {
                    port: PortUpdate {
                        security_groups: Some(ids.clone()),
                        ..Default::default()
                    },
                };
                client
                    .act(
                        NETWORK,
                        Method::PUT,
                        &format!("/v2.0/ports/{}", p.id),
                        Some(&body),
                    )
                    .await?;
            }
        }
        if plan.network_ids != prior.network_ids || plan.port_ids != prior.port_ids {
            interfaces(client, &id, prior, plan).await?;
        }
        if plan.metadata != prior.metadata {
            let body = ServerMetadata {
                metadata: map_of(&plan.metadata).unwrap_or_default(),
            };
            client
                .act(
                    COMPUTE,
                    Method::PUT,
                    &format!("/servers/{id}/metadata"),
                    Some(&body),
                )
                .await?;
        }
        let now = get(client, &id)
            .await?
            .ok_or_else(|| Error::Failed(format!("server {id} disappeared")))?;
        match want.as_str() {
            "shutoff" if status(&now) != "SHUTOFF" => action(ServerAction::Stop(None)).await?,
            "active" if status(&now) == "SHUTOFF" => action(ServerAction::Start(None)).await?,
            _ => {}
        }
        let now = wait_for(client, &id, &[settled], deadline).await?;
        state_of(client, now, plan).await
    }

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        client.delete(COMPUTE, &format!("/servers/{id}")).await?;
        // Gone before what it used (volumes, ports, networks) is deleted.
        wait::until(deadline, &format!("delete of server {id}"), || async {
            Ok(match get(client, &id).await? {
                None => Poll::Done(()),
                Some(s) if status(&s) == "ERROR" && s.task_state.is_none() => {
                    Poll::Failed(format!(
                        "the server is in ERROR: {}",
                        s.fault.map(|f| f.message).unwrap_or_default()
                    ))
                }
                Some(s) => Poll::Pending(status(&s)),
            })
        })
        .await
    }
}

/// Attaches and detaches interfaces so the server has `plan`'s networks
/// (a port made for each) and ports (`os-interface`).
async fn interfaces(client: &Client, id: &str, prior: &State, plan: &State) -> Result<()> {
    let path = format!("/servers/{id}/os-interface");
    let have: InterfaceAttachmentList = client.get(COMPUTE, &path).await?;
    let set =
        |v: &StringSet| -> BTreeSet<String> { set_of(v).unwrap_or_default().into_iter().collect() };
    let (ports_before, ports_after) = (set(&prior.port_ids), set(&plan.port_ids));
    let (nets_before, nets_after) = (set(&prior.network_ids), set(&plan.network_ids));
    // Ports that came with a network: the server's ports not given by id.
    let by_network = |net: &str| -> Vec<String> {
        have.interface_attachments
            .iter()
            .filter(|a| a.net_id == net && !ports_before.contains(&a.port_id))
            .map(|a| a.port_id.clone())
            .collect()
    };
    let mut detach: Vec<String> = ports_before.difference(&ports_after).cloned().collect();
    for net in nets_before.difference(&nets_after) {
        detach.extend(by_network(net));
    }
    for port in detach {
        client
            .undo(
                COMPUTE,
                Method::DELETE,
                &format!("{path}/{port}"),
                None::<&()>,
            )
            .await?;
    }
    let attach = |a: InterfaceAttach| {
        let path = path.clone();
        async move {
            let body = InterfaceAttachBody {
                interface_attachment: a,
            };
            client.act(COMPUTE, Method::POST, &path, Some(&body)).await
        }
    };
    for port in ports_after.difference(&ports_before) {
        attach(InterfaceAttach {
            port_id: Some(port.clone()),
            ..Default::default()
        })
        .await?;
    }
    for net in nets_after.difference(&nets_before) {
        attach(InterfaceAttach {
            net_id: Some(net.clone()),
            ..Default::default()
        })
        .await?;
    }
    Ok(())
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
