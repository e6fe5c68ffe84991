//! `stratus_volume_attachment`: a volume attached to an instance. Its id is
//! `<instance_id>/<volume_id>` (also the import id). Create waits for the
//! volume to be `in-use`, delete for it to be `available` again, so a
//! volume deleted in the same apply never races its detach.

use async_trait::async_trait;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use stratus_api::compute::{VolumeAttach, VolumeAttachBody, VolumeAttachmentBody};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};

use crate::client::{Client, service::COMPUTE};
use crate::framework::{Error, Kind, Meta, Result, Timeouts, attr::*, known, wire};
use crate::resources::volume::{get as get_volume, wait_status};
use crate::wait::{self, Deadline, Poll};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub instance_id: Value<String>,
    pub volume_id: Value<String>,
    pub device: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct VolumeAttachment;

#[async_trait]
impl Kind for VolumeAttachment {
    type State = State;
    const DESCRIPTION: &'static str =
        "Attaches a volume to an instance. Import with `<instance_id>/<volume_id>`.";
    const REPLACE: &'static [&'static str] = &["instance_id", "volume_id", "device"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("instance_id", required(string(), "The instance.")),
            ("volume_id", required(string(), "The volume.")),
            (
                "device",
                defaulted(
                    string(),
                    "The device inside the guest, e.g. `/dev/vdb` (chosen when absent).",
                ),
            ),
        ]
    }

    fn import_state(&self, id: &str) -> Result<State> {
        let Some((server, volume)) = id.split_once('/') else {
            return Err(Error::Failed(format!(
                "{id:?}: import a volume attachment as <instance_id>/<volume_id>"
            )));
        };
        let mut s = State {
            instance_id: Value::Value(server.into()),
            volume_id: Value::Value(volume.into()),
            ..Default::default()
        };
        s.set_id(id.to_owned());
        Ok(s)
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let server = known(&plan.instance_id).unwrap_or_default();
        let volume = known(&plan.volume_id).unwrap_or_default();
        let body = VolumeAttachBody {
            volume_attachment: VolumeAttach {
                volume_id: volume.clone(),
                device: known(&plan.device),
                tag: None,
                delete_on_termination: None,
            },
        };
        let made: VolumeAttachmentBody = client
            .post(
                COMPUTE,
                &format!("/servers/{server}/os-volume_attachments"),
                &body,
            )
            .await?;
        *id = Some(format!("{server}/{volume}"));
        wait_status(client, &volume, "in-use", deadline).await?;
        Ok(State {
            id: Value::Value(format!("{server}/{volume}")),
            instance_id: Value::Value(server),
            volume_id: Value::Value(volume),
            device: Value::Value(made.volume_attachment.device),
            timeouts: Value::Null,
        })
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let (Some(server), Some(volume)) = (known(&state.instance_id), known(&state.volume_id))
        else {
            return Ok(None);
        };
        let got: Option<VolumeAttachmentBody> = client
            .get_opt(
                COMPUTE,
                &format!("/servers/{server}/os-volume_attachments/{volume}"),
            )
            .await?;
        Ok(got.map(|b| State {
            id: Value::Value(format!("{server}/{volume}")),
            instance_id: Value::Value(server),
            volume_id: Value::Value(volume),
            device: Value::Value(b.volume_attachment.device),
            timeouts: Value::Null,
        }))
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

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let server = known(&state.instance_id).unwrap_or_default();
        let volume = known(&state.volume_id).unwrap_or_default();
        match client
            .send(
                COMPUTE,
                Method::DELETE,
                &format!("/servers/{server}/os-volume_attachments/{volume}"),
                None,
            )
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        wait::until(deadline, &format!("detach of volume {volume}"), || async {
            Ok(match get_volume(client, &volume).await? {
                None => Poll::Done(()),
                Some(v) if wire(&v.status) == "available" => Poll::Done(()),
                Some(v) if wire(&v.status).starts_with("error") => {
                    Poll::Failed(format!("the volume is {}", wire(&v.status)))
                }
                Some(v) => Poll::Pending(wire(&v.status)),
            })
        })
        .await
    }
}
