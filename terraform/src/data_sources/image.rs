//! `data.stratus_image`: an active image by id, name, visibility, owner or
//! tag; `most_recent` picks the newest when several match.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use stratus_api::image::{Image as Api, ImageList, ImageStatus};
use tf_provider::schema::Attribute;
use tf_provider::value::Value;

use super::{Lookup, matches, the_one};
use crate::client::{Client, service::IMAGE};
use crate::framework::{Result, attr::*, known, wire};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub id: Value<String>,
    pub name: Value<String>,
    pub visibility: Value<String>,
    pub owner: Value<String>,
    pub tag: Value<String>,
    pub most_recent: Value<bool>,
    pub disk_format: Value<String>,
    pub container_format: Value<String>,
    pub size: Value<i64>,
    pub checksum: Value<String>,
    pub min_disk: Value<i64>,
    pub min_ram: Value<i64>,
    pub created_at: Value<String>,
}

pub struct Image;

/// Every image the project sees, following the pages.
async fn all(client: &Client) -> Result<Vec<Api>> {
    let mut images = Vec::new();
    let mut next = Some("/v2/images?limit=1000".to_owned());
    while let Some(path) = next {
        let page: ImageList = client.get(IMAGE, &path).await?;
        images.extend(page.images);
        next = page.next;
    }
    Ok(images)
}

#[async_trait]
impl Lookup for Image {
    type State = State;
    const DESCRIPTION: &'static str = "Finds one active image by `id`, `name`, `visibility`, `owner` and `tag`; exactly one must match unless `most_recent` picks the newest.";

    fn attributes(&self) -> Vec<(&'static str, Attribute)> {
        vec![
            ("id", defaulted(string(), "The image's id.")),
            ("name", defaulted(string(), "Its name.")),
            (
                "visibility",
                defaulted(string(), "`public`, `private`, `shared` or `community`."),
            ),
            ("owner", defaulted(string(), "The owning project.")),
            ("tag", optional(string(), "A tag it carries.")),
            (
                "most_recent",
                optional(bool(), "Pick the newest when several match."),
            ),
            ("disk_format", computed(string(), "`raw`, `qcow2`, ...")),
            ("container_format", computed(string(), "`bare`, ...")),
            ("size", computed(number(), "Bytes.")),
            ("checksum", computed(string(), "MD5 of the data.")),
            ("min_disk", computed(number(), "GiB of disk it needs.")),
            ("min_ram", computed(number(), "MiB of memory it needs.")),
            ("created_at", computed(string(), "When it was made.")),
        ]
    }

    async fn read(&self, client: &Client, c: &State) -> Result<State> {
        let tag = known(&c.tag);
        let mut found: Vec<Api> = all(client)
            .await?
            .into_iter()
            .filter(|i| {
                i.status == ImageStatus::Active
                    && matches(&c.id, &i.id)
                    && matches(&c.name, &i.name.clone().unwrap_or_default())
                    && matches(&c.visibility, &wire(&i.visibility))
                    && matches(&c.owner, &i.owner)
                    && tag.as_ref().is_none_or(|t| i.tags.contains(t))
            })
            .collect();
        if known(&c.most_recent) == Some(true) {
            found.sort_by(|a, b| b.created_at.cmp(&a.created_at));
            found.truncate(1);
        }
        let i = the_one(
            found,
            "active image matches the given id, name, visibility, owner and tag",
        )?;
        Ok(State {
            id: Value::Value(i.id),
            name: Value::Value(i.name.unwrap_or_default()),
            visibility: Value::Value(wire(&i.visibility)),
            owner: Value::Value(i.owner),
            tag: c.tag.clone(),
            most_recent: c.most_recent,
            disk_format: Value::from(i.disk_format),
            container_format: Value::from(i.container_format),
            size: Value::from(i.size),
            checksum: Value::from(i.checksum),
            min_disk: Value::Value(i.min_disk),
            min_ram: Value::Value(i.min_ram),
            created_at: Value::Value(i.created_at),
        })
    }
}
