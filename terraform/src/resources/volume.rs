//! `stratus_volume`: a block storage volume; grows in place (`os-extend`),
//! and waits out attachments on delete instead of failing on `in-use`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::volume::{
    Extend, Volume as Api, VolumeAction, VolumeBody, VolumeCreate, VolumeCreateBody, VolumeUpdate,
    VolumeUpdateBody,
};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::VOLUME};
use crate::framework::{
    Error, Kind, Result, StringMap, Timeouts, attr::*, known, map_of, to_map, wire,
};
use crate::wait::{self, Deadline, Poll};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub description: Value<String>,
    pub size: Value<i64>,
    pub image_id: Value<String>,
    pub snapshot_id: Value<String>,
    pub source_volume_id: Value<String>,
    pub volume_type: Value<String>,
    pub availability_zone: Value<String>,
    pub metadata: StringMap,
    pub bootable: Value<bool>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Volume;

fn state_of(v: Api, prior: &State) -> State {
    State {
        id: Value::Value(v.id),
        name: Value::Value(v.name.unwrap_or_default()),
        description: Value::Value(v.description.unwrap_or_default()),
        size: Value::Value(v.size),
        image_id: match (
            &prior.image_id,
            v.volume_image_metadata
                .as_ref()
                .and_then(|m| m.get("image_id")),
        ) {
            (Value::Value(p), _) => Value::Value(p.clone()),
            (_, Some(i)) => Value::Value(i.clone()),
            _ => Value::Null,
        },
        snapshot_id: Value::from(v.snapshot_id),
        source_volume_id: Value::from(v.source_volid),
        volume_type: Value::Value(v.volume_type),
        availability_zone: Value::Value(v.availability_zone),
        metadata: match (&prior.metadata, v.metadata.is_empty()) {
            (Value::Null, true) => Value::Null,
            _ => to_map(v.metadata),
        },
        bootable: Value::Value(v.bootable == "true"),
        timeouts: Value::Null,
    }
}

pub(crate) async fn get(client: &Client, id: &str) -> Result<Option<Api>> {
    Ok(client
        .get_opt::<VolumeBody>(VOLUME, &format!("/volumes/{id}"))
        .await?
        .map(|b| b.volume))
}

/// Waits until the volume is in `want` (failing fast on an error state).
pub(crate) async fn wait_status(
    client: &Client,
    id: &str,
    want: &str,
    deadline: Deadline,
) -> Result<Api> {
    wait::until(
        deadline,
        &format!("volume {id} becoming {want}"),
        || async {
            let Some(v) = get(client, id).await? else {
                return Ok(Poll::Failed("the volume disappeared".into()));
            };
            let s = wire(&v.status);
            Ok(if s == want {
                Poll::Done(v)
            } else if s.starts_with("error") {
                Poll::Failed(format!("the volume is {s}"))
            } else {
                Poll::Pending(s)
            })
        },
    )
    .await
}

#[async_trait]
impl Kind for Volume {
    type State = State;
    const DESCRIPTION: &'static str = "A volume: empty, or from an image, a snapshot or another volume. A larger `size` extends it in place; a smaller one replaces it.";
    const REPLACE: &'static [&'static str] = &[
        "image_id",
        "snapshot_id",
        "source_volume_id",
        "volume_type",
        "availability_zone",
    ];
    const TIMEOUTS: (u64, u64, u64) = (1800, 1800, 600);

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("name", defaulted(string(), "The volume's name.")),
            ("description", defaulted(string(), "A description.")),
            (
                "size",
                required(number(), "Its size in GiB; growing extends it in place."),
            ),
            (
                "image_id",
                optional(string(), "An image to copy onto it (making it bootable)."),
            ),
            (
                "snapshot_id",
                optional(string(), "A snapshot to make it from."),
            ),
            ("source_volume_id", optional(string(), "A volume to clone.")),
            ("volume_type", defaulted(string(), "Its type.")),
            (
                "availability_zone",
                defaulted(string(), "Its availability zone."),
            ),
            (
                "metadata",
                optional(map_of_strings(), "Key-value metadata."),
            ),
            (
                "bootable",
                computed(bool(), "Whether it holds an image to boot from."),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        match known(&c.size) {
            Some(s) if s < 1 => vec![Error::attr(
                "size",
                format!("{s} GiB: a volume has at least 1"),
            )],
            _ => Vec::new(),
        }
    }

    async fn plan(
        &self,
        _client: &Client,
        prior: Option<&State>,
        planned: &mut State,
    ) -> Result<Vec<(String, String)>> {
        if let Some(p) = prior
            && let (Some(old), Some(new)) = (known(&p.size), known(&planned.size))
            && new < old
        {
            return Ok(vec![(
                "size".into(),
                format!("volumes only grow: {old} GiB to {new} GiB needs a new volume"),
            )]);
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
        let body = VolumeCreateBody {
            volume: VolumeCreate {
                size: known(&plan.size),
                name: known(&plan.name),
                description: known(&plan.description),
                image_ref: known(&plan.image_id),
                snapshot_id: known(&plan.snapshot_id),
                source_volid: known(&plan.source_volume_id),
                volume_type: known(&plan.volume_type),
                availability_zone: known(&plan.availability_zone),
                metadata: map_of(&plan.metadata).unwrap_or_default(),
                ..Default::default()
            },
        };
        let made: VolumeBody = client.post(VOLUME, "/volumes", &body).await?;
        *id = Some(made.volume.id.clone());
        let v = wait_status(client, &made.volume.id, "available", deadline).await?;
        Ok(state_of(v, plan))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        Ok(get(client, &id).await?.map(|v| state_of(v, state)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        if plan.name != prior.name
            || plan.description != prior.description
            || plan.metadata != prior.metadata
        {
            let u = VolumeUpdate {
                name: known(&plan.name),
                description: known(&plan.description),
                metadata: (plan.metadata != prior.metadata)
                    .then(|| map_of(&plan.metadata).unwrap_or_default()),
                ..Default::default()
            };
            client
                .act(
                    VOLUME,
                    reqwest::Method::PUT,
                    &format!("/volumes/{id}"),
                    Some(&VolumeUpdateBody { volume: u }),
                )
                .await?;
        }
        if let (Some(old), Some(new)) = (known(&prior.size), known(&plan.size))
            && new > old
        {
            let action = VolumeAction::Extend(Extend { new_size: new });
            client
                .act(
                    VOLUME,
                    reqwest::Method::POST,
                    &format!("/volumes/{id}/action"),
                    Some(&action),
                )
                .await?;
            // In use stays in use; available comes back available.
            wait::until(deadline, &format!("extend of volume {id}"), || async {
                let Some(v) = get(client, &id).await? else {
                    return Ok(Poll::Failed("the volume disappeared".into()));
                };
                let s = wire(&v.status);
                Ok(if v.size >= new && s != "extending" {
                    Poll::Done(())
                } else if s.starts_with("error") {
                    Poll::Failed(format!("the volume is {s}"))
                } else {
                    Poll::Pending(s)
                })
            })
            .await?;
        }
        let v = get(client, &id)
            .await?
            .ok_or_else(|| Error::Failed(format!("volume {id} disappeared")))?;
        Ok(state_of(v, plan))
    }

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        // A detach in flight answers 409: wait it out, then wait for the
        // volume to be gone, so what depended on it can go too.
        super::delete_retrying_conflicts(client, VOLUME, &format!("/volumes/{id}"), deadline)
            .await?;
        wait::until(deadline, &format!("delete of volume {id}"), || async {
            Ok(match get(client, &id).await? {
                None => Poll::Done(()),
                Some(v) if wire(&v.status) == "error_deleting" => {
                    Poll::Failed("the volume is error_deleting".into())
                }
                Some(v) => Poll::Pending(wire(&v.status)),
            })
        })
        .await
    }
}
