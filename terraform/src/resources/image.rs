//! `stratus_image`: an image uploaded from a local file. The file's MD5 is
//! checked against what the image service computed; a file whose content
//! changed replaces the image (the plan says so), a moved file does not.

use std::path::Path;

use async_trait::async_trait;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use stratus_api::image::{Image as Api, ImageCreate, PatchOp, PatchVerb, Visibility};
use tf_provider::schema::Attribute;
use tf_provider::value::{self, Value};
use tokio::io::AsyncReadExt;

use crate::client::{Body, Client, service::IMAGE};
use crate::framework::{
    Error, Kind, Result, StringMap, Timeouts, attr::*, known, map_of, to_map, wire,
};
use crate::wait::{self, Deadline, Poll};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub local_file_path: Value<String>,
    pub disk_format: Value<String>,
    pub container_format: Value<String>,
    pub visibility: Value<String>,
    pub min_disk: Value<i64>,
    pub min_ram: Value<i64>,
    pub properties: StringMap,
    pub checksum: Value<String>,
    pub size: Value<i64>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}
crate::meta!(State);

pub struct Image;

fn state_of(i: Api, prior: &State) -> State {
    State {
        id: Value::Value(i.id),
        name: Value::Value(i.name.unwrap_or_default()),
        // The file is the configuration's; an import keeps what it is given.
        local_file_path: prior.local_file_path.clone(),
        disk_format: Value::Value(i.disk_format.unwrap_or_default()),
        container_format: Value::Value(i.container_format.unwrap_or_default()),
        visibility: Value::Value(wire(&i.visibility)),
        min_disk: Value::Value(i.min_disk),
        min_ram: Value::Value(i.min_ram),
        properties: match (&prior.properties, i.properties.is_empty()) {
            (Value::Null, true) => Value::Null,
            _ => to_map(i.properties),
        },
        checksum: Value::Value(i.checksum.unwrap_or_default()),
        size: Value::Value(i.size.unwrap_or_default()),
        timeouts: Value::Null,
    }
}

/// The file's MD5 (hex), read in chunks.
async fn md5_of(path: &str) -> Result<String> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::attr("local_file_path", format!("{path}: {e}")))?;
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .await
            .map_err(|e| Error::attr("local_file_path", format!("{path}: {e}")))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn visibility(s: &str) -> Option<Visibility> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

async fn get(client: &Client, id: &str) -> Result<Option<Api>> {
    Ok(client
        .get_opt::<Api>(IMAGE, &format!("/v2/images/{id}"))
        .await?)
}

#[async_trait]
impl Kind for Image {
    type State = State;
    const DESCRIPTION: &'static str = "An image, uploaded from a local file; the image service checks its format (never guessed) and the provider checks its MD5. A change of the file's content replaces the image.";
    const REPLACE: &'static [&'static str] = &["disk_format", "container_format"];
    const TIMEOUTS: (u64, u64, u64) = (1800, 600, 600);
    const WRITE_ONLY: &'static [&'static str] = &["local_file_path"];

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("name", required(string(), "The image's name.")),
            ("local_file_path", required(string(), "The file to upload.")),
            (
                "disk_format",
                required(
                    string(),
                    "`qcow2`, `raw`, `aki`, `ari`, `ami`, ... (checked against the content).",
                ),
            ),
            (
                "container_format",
                defaulted(string(), "`bare` (default), `aki`, `ari`, `ami`, ..."),
            ),
            (
                "visibility",
                defaulted(
                    string(),
                    "`private` (default), `shared`, `community` or `public` (admins).",
                ),
            ),
            (
                "min_disk",
                defaulted(number(), "The least root disk (GiB) to boot it."),
            ),
            (
                "min_ram",
                defaulted(number(), "The least RAM (MiB) to boot it."),
            ),
            (
                "properties",
                optional(
                    map_of_strings(),
                    "Properties (`kernel_id`, `ramdisk_id`, `os_command_line`, `hw_*`, ...).",
                ),
            ),
            ("checksum", computed(string(), "The uploaded data's MD5.")),
            (
                "size",
                computed(number(), "The uploaded data's size in bytes."),
            ),
        ]
    }

    fn validate(&self, c: &State) -> Vec<Error> {
        let mut e = Vec::new();
        if let Some(v) = known(&c.visibility)
            && visibility(&v).is_none()
        {
            e.push(Error::attr(
                "visibility",
                format!("{v:?} is not private, shared, community or public"),
            ));
        }
        if let Some(p) = known(&c.local_file_path)
            && !Path::new(&p).is_file()
        {
            e.push(Error::attr(
                "local_file_path",
                format!("{p} is not a readable file"),
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
        let Some(path) = known(&planned.local_file_path) else {
            return Ok(Vec::new());
        };
        let Ok(sum) = md5_of(&path).await else {
            return Ok(Vec::new());
        };
        match prior {
            None => {
                planned.checksum = Value::Value(sum);
                Ok(Vec::new())
            }
            Some(p) if known(&p.checksum).is_some_and(|c| c != sum) => {
                planned.checksum = Value::Value(sum.clone());
                planned.size = Value::Unknown;
                Ok(vec![(
                    "local_file_path".into(),
                    format!("{path}'s content changed (MD5 {sum}); images are immutable"),
                )])
            }
            Some(_) => Ok(Vec::new()),
        }
    }

    async fn create(
        &self,
        client: &Client,
        plan: &State,
        deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<State> {
        let path = known(&plan.local_file_path).unwrap_or_default();
        // The plan read the file's MD5 already.
        let sum = match known(&plan.checksum) {
            Some(sum) => sum,
            None => md5_of(&path).await?,
        };
        let body = ImageCreate {
            id: None,
            name: known(&plan.name),
            visibility: known(&plan.visibility).as_deref().and_then(visibility),
            protected: None,
            os_hidden: None,
            disk_format: known(&plan.disk_format),
            container_format: Some(known(&plan.container_format).unwrap_or_else(|| "bare".into())),
            min_disk: known(&plan.min_disk),
            min_ram: known(&plan.min_ram),
            tags: None,
            properties: map_of(&plan.properties)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
        };
        let made: Api = client.post(IMAGE, "/v2/images", &body).await?;
        *id = Some(made.id.clone());
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| Error::attr("local_file_path", format!("{path}: {e}")))?;
        let len = file
            .metadata()
            .await
            .map_err(|e| Error::attr("local_file_path", format!("{path}: {e}")))?
            .len();
        let stream = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
        client
            .send(
                IMAGE,
                reqwest::Method::PUT,
                &format!("/v2/images/{}/file", made.id),
                Some(Body::Stream(stream, len)),
            )
            .await?;
        let image = wait::until(
            deadline,
            &format!("upload of image {}", made.id),
            || async {
                let Some(i) = get(client, &made.id).await? else {
                    return Ok(Poll::Failed("the image disappeared".into()));
                };
                Ok(match wire(&i.status).as_str() {
                    "active" => Poll::Done(i),
                    "killed" | "deleted" | "deactivated" => {
                        Poll::Failed(format!("the image is {}", wire(&i.status)))
                    }
                    s => Poll::Pending(s.to_owned()),
                })
            },
        )
        .await?;
        if image.checksum.as_deref() != Some(sum.as_str()) {
            return Err(Error::Failed(format!(
                "the image service stored MD5 {:?}, the file has {sum}",
                image.checksum
            )));
        }
        Ok(state_of(image, plan))
    }

    async fn read(&self, client: &Client, state: &State) -> Result<Option<State>> {
        let Some(id) = known(&state.id) else {
            return Ok(None);
        };
        Ok(get(client, &id)
            .await?
            .filter(|i| wire(&i.status) != "deleted")
            .map(|i| state_of(i, state)))
    }

    async fn update(
        &self,
        client: &Client,
        prior: &State,
        plan: &State,
        _deadline: Deadline,
    ) -> Result<State> {
        let id = known(&prior.id).unwrap_or_default();
        let mut ops = Vec::new();
        let mut set = |path: &str, v: serde_json::Value| {
            ops.push(PatchOp {
                op: PatchVerb::Replace,
                path: path.to_owned(),
                value: Some(v),
            });
        };
        if plan.name != prior.name {
            set("/name", known(&plan.name).into());
        }
        if plan.visibility != prior.visibility
            && let Some(v) = known(&plan.visibility)
        {
            set("/visibility", v.into());
        }
        if plan.min_disk != prior.min_disk
            && let Some(v) = known(&plan.min_disk)
        {
            set("/min_disk", v.into());
        }
        if plan.min_ram != prior.min_ram
            && let Some(v) = known(&plan.min_ram)
        {
            set("/min_ram", v.into());
        }
        let (old, new) = (
            map_of(&prior.properties).unwrap_or_default(),
            map_of(&plan.properties).unwrap_or_default(),
        );
        for (k, v) in &new {
            let verb = if old.contains_key(k) {
                PatchVerb::Replace
            } else {
                PatchVerb::Add
            };
            if old.get(k) != Some(v) {
                ops.push(PatchOp {
                    op: verb,
                    path: format!("/{k}"),
                    value: Some(v.clone().into()),
                });
            }
        }
        for k in old.keys().filter(|k| !new.contains_key(*k)) {
            ops.push(PatchOp {
                op: PatchVerb::Remove,
                path: format!("/{k}"),
                value: None,
            });
        }
        if !ops.is_empty() {
            let patch = serde_json::to_value(&ops).map_err(|e| Error::Failed(e.to_string()))?;
            client
                .send(
                    IMAGE,
                    reqwest::Method::PATCH,
                    &format!("/v2/images/{id}"),
                    Some(Body::Patch(patch)),
                )
                .await?;
        }
        let now = get(client, &id)
            .await?
            .ok_or_else(|| Error::Failed(format!("image {id} disappeared")))?;
        Ok(state_of(now, plan))
    }

    async fn delete(&self, client: &Client, state: &State, deadline: Deadline) -> Result<()> {
        let id = known(&state.id).unwrap_or_default();
        super::delete_retrying_conflicts(client, IMAGE, &format!("/v2/images/{id}"), deadline).await
    }
}
