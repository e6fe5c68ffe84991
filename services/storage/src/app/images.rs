//! Images as Glance has them: who sees which (owner, public, community,
//! members of shared images; admins all, and 404 for the rest), attribute
//! validation shared by create and JSON-patch updates, the status machine
//! (`queued` → `saving` → `active` ⇄ `deactivated`, back to `queued` when an
//! upload fails), and the data, streamed in chunks to the storage host with
//! the most room while MD5, SHA-256 and SHA-512 are computed on the way.

use super::App;
use crate::datastore::images::{self as ds, Image, ListFilter};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use stratus_auth::TokenClaims;
use stratus_bus_protocol::StorageAgent;
use stratus_bus_protocol::storage::ImageDelete;
use stratus_common::{Error, RequestContext};

pub const DISK_FORMATS: &[&str] = &[
    "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop",
];
/// The disk formats whose data Stratus stores: disks in `raw` or `qcow2`,
/// kernels and ramdisks (`aki`, `ari`, plain files). Records of the other
/// Glance formats can be made, but hold no data: their formats let an image
/// name files of the host (VMDK extents) or are not checked here.
pub const DATA_FORMATS: &[&str] = &["raw", "qcow2", "aki", "ari"];

/// Refuses an upload whose image's `disk_format` is unset or not one of
/// [`DATA_FORMATS`] (the storage agent checks the data itself again).
pub(crate) fn check_data_format(disk_format: Option<&str>) -> Result<(), Error> {
    match disk_format {
        Some(f) if DATA_FORMATS.contains(&f) => Ok(()),
        Some(f) => Err(Error::bad_request(format!(
            "Image data is accepted for disk_format raw, qcow2, aki or ari only, not {f}."
        ))),
        None => Err(Error::bad_request(
            "Properties disk_format, container_format must be set prior to saving data.",
        )),
    }
}

pub const CONTAINER_FORMATS: &[&str] = &[
    "ami",
    "ari",
    "aki",
    "bare",
    "ovf",
    "ova",
    "docker",
    "compressed",
];
pub const VISIBILITIES: &[&str] = &["public", "private", "shared", "community"];
/// Attributes the server sets; a client naming one gets a 403.
pub const READ_ONLY: &[&str] = &[
    "status",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
    "direct_url",
    "locations",
    "stores",
];
/// Attributes that are columns rather than free-form properties.
pub(crate) const CORE: &[&str] = &[
    "id",
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
    "tags",
    "owner",
];

pub(crate) fn bad(field: &str, why: impl std::fmt::Display) -> Error {
    Error::bad_request(format!("Invalid value for '{field}': {why}"))
}

pub(crate) fn string_or_null(field: &str, v: &Value) -> Result<Option<String>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(bad(field, format!("{other} is not a string"))),
    }
}

pub(crate) fn one_of(
    field: &str,
    v: Option<String>,
    allowed: &[&str],
) -> Result<Option<String>, Error> {
    match v {
        Some(s) if !allowed.contains(&s.as_str()) => Err(bad(
            field,
            format!("{s:?} is not one of {}", allowed.join(", ")),
        )),
        other => Ok(other),
    }
}

/// An image's tags: each 1 to 255 characters, at most 128, duplicates
/// dropped (first kept).
pub(crate) fn check_tags(tags: Vec<String>) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        if t.is_empty() || t.chars().count() > 255 {
            return Err(bad("tags", "a tag is 1 to 255 characters"));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > 128 {
        return Err(bad("tags", "more than 128 tags"));
    }
    Ok(out)
}

/// Applies the user-settable attributes in `body` (a create body, or an
/// image's attributes after a patch) to `image`. Read-only attributes are
/// 403s; wrong types and values are 400s naming the attribute.
pub fn apply_attributes(
    image: &mut Image,
    body: &Map<String, Value>,
    is_admin: bool,
) -> Result<(), Error> {
    let mut properties = BTreeMap::new();
    for (key, value) in body {
        if READ_ONLY.contains(&key.as_str()) {
            return Err(Error::forbidden(format!("Attribute '{key}' is read-only.")));
        }
        match key.as_str() {
            "id" => {}
            "name" => {
                let name = string_or_null(key, value)?;
                if name.as_ref().is_some_and(|n| n.chars().count() > 255) {
                    return Err(bad(key, "longer than 255 characters"));
                }
                image.name = name;
            }
            "visibility" => {
                let v = one_of(key, string_or_null(key, value)?, VISIBILITIES)?
                    .ok_or_else(|| bad(key, "null"))?;
                if v == "public" && !is_admin && image.visibility != "public" {
                    return Err(Error::forbidden(
                        "Only administrators may publicize an image (visibility public).",
                    ));
                }
                image.visibility = v;
            }
            "protected" | "os_hidden" => {
                let b = value
                    .as_bool()
                    .ok_or_else(|| bad(key, format!("{value} is not a boolean")))?;
                if key == "protected" {
                    image.protected = b;
                } else {
                    image.os_hidden = b;
                }
            }
            "disk_format" => {
                image.disk_format = one_of(key, string_or_null(key, value)?, DISK_FORMATS)?;
            }
            "container_format" => {
                image.container_format =
                    one_of(key, string_or_null(key, value)?, CONTAINER_FORMATS)?;
            }
            "min_disk" | "min_ram" => {
                let n = value
                    .as_i64()
                    .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                    .ok_or_else(|| bad(key, format!("{value} is not a non-negative integer")))?;
                let n = i32::try_from(n).map_err(|_| bad(key, "too large"))?;
                if key == "min_disk" {
                    image.min_disk = n;
                } else {
                    image.min_ram = n;
                }
            }
            "tags" => {
                let tags = value
                    .as_array()
                    .ok_or_else(|| bad(key, "not a list of strings"))?;
                let tags = tags
                    .iter()
                    .map(|t| {
                        t.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| bad(key, "not a list of strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                image.tags = check_tags(tags)?;
            }
            "owner" => {
                let owner = string_or_null(key, value)?.ok_or_else(|| bad(key, "null"))?;
                if owner != image.owner && !is_admin {
                    return Err(Error::forbidden(
                        "Only administrators may change an image's owner.",
                    ));
                }
                image.owner = owner;
            }
            _ => {
                if key.is_empty() || key.chars().count() > 255 {
                    return Err(bad(key, "a property name is 1 to 255 characters"));
                }
                let v = value
                    .as_str()
                    .ok_or_else(|| bad(key, format!("{value} is not a string")))?;
                if v.len() > 65_535 {
                    return Err(bad(key, "longer than 65535 bytes"));
                }
                if matches!(key.as_str(), "kernel_id" | "ramdisk_id")
                    && uuid::Uuid::parse_str(v).is_err()
                {
                    return Err(bad(key, format!("{v:?} is not an image id")));
                }
                properties.insert(key.clone(), v.to_owned());
            }
        }
    }
    image.properties.0 = properties;
    Ok(())
}

/// An image's user-settable attributes, as a patch sees and changes them.
pub fn attributes(image: &Image) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), image.name.clone().into());
    m.insert("visibility".into(), image.visibility.clone().into());
    m.insert("protected".into(), image.protected.into());
    m.insert("os_hidden".into(), image.os_hidden.into());
    m.insert("disk_format".into(), image.disk_format.clone().into());
    m.insert(
        "container_format".into(),
        image.container_format.clone().into(),
    );
    m.insert("min_disk".into(), image.min_disk.into());
    m.insert("min_ram".into(), image.min_ram.into());
    m.insert("tags".into(), image.tags.clone().into());
    m.insert("owner".into(), image.owner.clone().into());
    for (k, v) in &image.properties.0 {
        m.insert(k.clone(), v.clone().into());
    }
    m
}

pub use stratus_api::image::{PatchOp, PatchVerb};

/// Applies `ops` to an image's attributes.
pub fn apply_patch(attrs: &mut Map<String, Value>, ops: &[PatchOp]) -> Result<(), Error> {
    for op in ops {
        let key = op
            .path
            .strip_prefix('/')
            .filter(|k| !k.is_empty() && !k.contains('/'))
            .ok_or_else(|| bad("path", format!("{:?} is not /<attribute>", op.path)))?
            .replace("~1", "/")
            .replace("~0", "~");
        if READ_ONLY.contains(&key.as_str()) || key == "id" {
            return Err(Error::forbidden(format!("Attribute '{key}' is read-only.")));
        }
        match op.op {
            PatchVerb::Add | PatchVerb::Replace => {
                let value = op
                    .value
                    .clone()
                    .ok_or_else(|| bad("value", format!("{:?} of {key} needs a value", op.op)))?;
                if op.op == PatchVerb::Replace && !attrs.contains_key(&key) {
                    return Err(Error::conflict(format!("Property {key} does not exist.")));
                }
                attrs.insert(key, value);
            }
            PatchVerb::Remove => {
                if CORE.contains(&key.as_str()) {
                    return Err(Error::forbidden(format!(
                        "Attribute '{key}' cannot be removed."
                    )));
                }
                if attrs.remove(&key).is_none() {
                    return Err(Error::conflict(format!("Property {key} does not exist.")));
                }
            }
        }
    }
    Ok(())
}

/// What a caller is, for visibility: admins see every image.
use super::policy::viewer;

pub(crate) fn not_found(id: &str) -> Error {
    Error::not_found(format!("No image found with ID {id}"))
}

/// Chunks of one upload or download travelling over the bus at once.
pub(crate) const WRITES_IN_FLIGHT: usize = 4;

/// The page size when the client names none, and the most it may ask for.
pub const DEFAULT_LIMIT: i64 = 25;
pub const MAX_LIMIT: i64 = 1000;

impl App {
    /// The image, if the caller may see it.
    pub async fn image_get(&self, caller: &TokenClaims, id: &str) -> Result<Image, Error> {
        let image = ds::get(&self.pool, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if ds::visible(&self.pool, &image, viewer(caller)?).await? {
            Ok(image)
        } else {
            Err(not_found(id))
        }
    }

    /// The image, if the caller may change it (its owner, or an admin):
    /// 404 if they cannot see it, 403 if they can but it is not theirs.
    pub async fn image_owned(&self, caller: &TokenClaims, id: &str) -> Result<Image, Error> {
        let image = self.image_get(caller, id).await?;
        if caller.owns(image.owner.as_str()) {
            caller_can_write(caller)?;
            Ok(image)
        } else {
            Err(Error::forbidden(format!(
                "You are not permitted to modify image {id}."
            )))
        }
    }

    pub async fn image_create(
        &self,
        caller: &TokenClaims,
        req: &stratus_api::image::ImageCreate,
    ) -> Result<Image, Error> {
        caller_can_write(caller)?;
        // Known attributes and properties go through the same checks as a
        // patch does.
        let body = match serde_json::to_value(req) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let owner = caller
            .project_id()
            .ok_or_else(|| Error::forbidden("Images need a project-scoped token."))?;
        let id = match body.get("id") {
            None | Some(Value::Null) => uuid::Uuid::new_v4().to_string(),
            Some(Value::String(s)) => uuid::Uuid::parse_str(s)
                .map(|u| u.hyphenated().to_string())
                .map_err(|_| bad("id", format!("{s:?} is not a UUID")))?,
            Some(other) => return Err(bad("id", format!("{other} is not a string"))),
        };
        let now = chrono::Utc::now();
        let mut image = Image {
            id,
            name: None,
            owner: owner.to_owned(),
            status: "queued".into(),
            visibility: "shared".into(),
            protected: false,
            os_hidden: false,
            disk_format: None,
            container_format: None,
            min_disk: 0,
            min_ram: 0,
            size: None,
            virtual_size: None,
            checksum: None,
            os_hash_algo: None,
            os_hash_value: None,
            host: None,
            properties: sqlx::types::Json(BTreeMap::new()),
            tags: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        apply_attributes(&mut image, &body, caller.is_admin())?;
        // Counted and inserted under the project's lock.
        let mut tx = self.pool.begin().await?;
        ds::lock_owner(&mut *tx, owner).await?;
        let (count, _) = ds::project_usage(&mut *tx, owner).await?;
        let limit = self.config.image_count_per_project;
        if limit >= 0 && count >= limit {
            return Err(Error::new(
                stratus_common::ErrorKind::OverQuota,
                format!(
                    "Image count quota exceeded: project {owner} owns {count} of {limit} images (image_count_total)."
                ),
            ));
        }
        ds::insert(&mut *tx, &image).await.map_err(|e| {
            stratus_db::api_error(e, &format!("Image with identifier {}", image.id))
        })?;
        tx.commit().await?;
        self.image_get(caller, &image.id).await
    }

    pub async fn image_list(
        &self,
        caller: &TokenClaims,
        filter: &ListFilter,
        marker: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<Image>, bool), Error> {
        let viewer = viewer(caller)?;
        let marker = match marker {
            Some(m) => Some(
                self.image_get(caller, m)
                    .await
                    .map_err(|_| Error::bad_request(format!("marker not found: {m}")))?,
            ),
            None => None,
        };
        let mut page = ds::list(&self.pool, viewer, filter, marker.as_ref(), limit + 1).await?;
        let more = page.len() as i64 > limit;
        page.truncate(usize::try_from(limit).unwrap_or(0));
        Ok((page, more))
    }

    /// Applies a JSON patch (owner or admin; deactivated images only by admins).
    pub async fn image_patch(
        &self,
        caller: &TokenClaims,
        id: &str,
        ops: &[PatchOp],
    ) -> Result<Image, Error> {
        let mut image = self.image_owned(caller, id).await?;
        let mut attrs = attributes(&image);
        apply_patch(&mut attrs, ops)?;
        apply_attributes(&mut image, &attrs, caller.is_admin())?;
        ds::update(&self.pool, &image)
            .await?
            .ok_or_else(|| not_found(id))
    }

    pub async fn image_tag(
        &self,
        caller: &TokenClaims,
        id: &str,
        tag: &str,
        add: bool,
    ) -> Result<(), Error> {
        let mut image = self.image_owned(caller, id).await?;
        let had = image.tags.iter().any(|t| t == tag);
        if add {
            if !had {
                let mut tags = std::mem::take(&mut image.tags);
                tags.push(tag.to_owned());
                image.tags = check_tags(tags)?;
            }
        } else if had {
            image.tags.retain(|t| t != tag);
        } else {
            return Err(Error::not_found(format!(
                "Tag {tag} not found on image {id}."
            )));
        }
        ds::update(&self.pool, &image).await?;
        Ok(())
    }

    /// Deletes an image (owner or admin; not a protected one) and, through
    /// a durable cast its storage host gets even if it is down now, its data.
    pub async fn image_delete(&self, caller: &TokenClaims, id: &str) -> Result<(), Error> {
        let image = self.image_owned(caller, id).await?;
        if image.protected {
            return Err(Error::forbidden(format!(
                "Image {id} is protected and cannot be deleted."
            )));
        }
        let in_use = crate::datastore::volumes::volumes_of_image(&self.pool, id).await?;
        if in_use > 0 {
            return Err(Error::conflict(format!(
                "Image {id} is in use: {in_use} volumes were made from it."
            )));
        }
        let deleted = self.delete_image(id).await?.ok_or_else(|| not_found(id))?;
        // Its host holds the data; any other may hold a cached copy.
        let hosts = crate::datastore::host_list(&self.pool).await?;
        for host in deleted
            .host
            .iter()
            .chain(hosts.iter().filter(|h| deleted.host.as_ref() != Some(*h)))
        {
            self.remove_data(host, id).await;
        }
        Ok(())
    }

    pub(crate) async fn remove_data(&self, host: &str, id: &str) {
        let cast = StorageAgent::on(&self.bus, host)
            .cast(
                &RequestContext::system(),
                ImageDelete {
                    image_id: id.to_owned(),
                },
            )
            .await;
        if let Err(e) = cast {
            tracing::error!(error = %e, image = id, host, "could not ask for the image's data to be removed");
        }
    }

    /// Deactivates (`active` → `deactivated`) or reactivates an image (admin).
    pub async fn image_set_active(
        &self,
        caller: &TokenClaims,
        id: &str,
        active: bool,
    ) -> Result<(), Error> {
        if !caller.is_admin() {
            self.image_get(caller, id).await?;
            return Err(Error::forbidden(
                "Only administrators may deactivate or reactivate images.",
            ));
        }
        let image = self.image_get(caller, id).await?;
        let (from, to) = if active {
            ("deactivated", "active")
        } else {
            ("active", "deactivated")
        };
        if image.status == to {
            return Ok(());
        }
        ds::transition(&self.pool, id, &[from], to)
            .await?
            .map(|_| ())
            .ok_or_else(|| {
                Error::forbidden(format!(
                    "Image {id} is {}; only {from} images can become {to}.",
                    image.status
                ))
            })
    }

    // ---- members ----
}

/// Readers may look, not change.
pub(crate) fn caller_can_write(caller: &TokenClaims) -> Result<(), Error> {
    super::policy::member(caller)
}
