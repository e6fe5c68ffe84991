//! Image data: uploads streamed in chunks to a storage agent (checksummed, capped, format checked by the agent), downloads streamed back, the sweeper of uploads whose process died, and the image service the compute service calls (locate, create, upload from a compute host).

use super::App;
use super::images::*;
use crate::datastore::images::{self as ds, Image, Stored, Viewer};
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use md5::Digest;
use serde_json::{Map, Value};
use stratus_auth::TokenClaims;
use stratus_bus_protocol::storage::{CHUNK_BYTES, Chunk, ImageCommit, ImageRead, ImageWrite};
use stratus_bus_protocol::{ComputeAgent, StorageAgent};
use stratus_common::{Error, RequestContext};

impl App {
    /// Stores an upload: the image goes `saving`, the data goes to a
    /// storage host in chunks, and the image becomes `active` with its
    /// size and hashes, or, on any failure, back to `queued` with nothing
    /// left on the host.
    pub async fn image_upload<S, E>(
        &self,
        caller: &TokenClaims,
        id: &str,
        content_length: Option<u64>,
        body: S,
    ) -> Result<Image, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let image = self.image_owned(caller, id).await?;
        if image.status != "queued" {
            return Err(Error::conflict(format!(
                "Image {id} is {}; data can only be uploaded to a queued image.",
                image.status
            )));
        }
        check_data_format(image.disk_format.as_deref())?;
        // The largest upload: the cap, and what is left of the project's
        // image_size_total (parallel uploads may together pass it by at
        // most one image each, as on Glance).
        let (_, stored) = ds::project_usage(&self.pool, &image.owner).await?;
        let total = self.config.image_bytes_per_project;
        let cap = if total >= 0 {
            let left = u64::try_from(total.saturating_sub(stored)).unwrap_or(0);
            if left == 0 {
                return Err(Error::new(
                    stratus_common::ErrorKind::PayloadTooLarge,
                    format!(
                        "Image storage quota exceeded: project {} stores {stored} of {total} bytes (image_size_total).",
                        image.owner
                    ),
                ));
            }
            self.config.image_size_cap.min(left)
        } else {
            self.config.image_size_cap
        };
        if content_length.is_some_and(|n| n > cap) {
            return Err(too_large(cap));
        }
        let need = i64::try_from(content_length.unwrap_or(0)).unwrap_or(i64::MAX);
        let host =
            crate::datastore::host_pick(&self.pool, need, i64::from(self.config.host_fresh_s))
                .await?
                .ok_or_else(|| {
                    Error::unavailable("No storage host has room for this image now.")
                })?;
        if !ds::upload_start(&self.pool, id, &host).await? {
            return Err(Error::conflict(format!(
                "Image {id} is already being uploaded."
            )));
        }
        match self.stream_to(&host, &image, body, cap).await {
            Ok(stored) => {
                let checksum = stored.md5.clone();
                let row = Stored {
                    host: &host,
                    size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                    virtual_size: stored.virtual_size.and_then(|v| i64::try_from(v).ok()),
                    checksum: &checksum,
                    os_hash_value: &stored.sha512,
                };
                match self.activate_image(id, &row).await? {
                    Some(image) => Ok(image),
                    None => {
                        self.remove_data(&host, id).await;
                        Err(Error::conflict(format!(
                            "Image {id} was deleted or reset during the upload."
                        )))
                    }
                }
            }
            Err(e) => {
                self.remove_data(&host, id).await;
                ds::upload_reset(&self.pool, id).await?;
                Err(e)
            }
        }
    }

    async fn stream_to<S, E>(
        &self,
        host: &str,
        image: &Image,
        mut body: S,
        cap: u64,
    ) -> Result<Uploaded, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let agent = StorageAgent::on(&self.bus, host);
        let ctx = RequestContext::system();
        let mut md5 = md5::Md5::new();
        let mut sha256 = sha2::Sha256::new();
        let mut sha512 = sha2::Sha512::new();
        let mut buffer = BytesMut::with_capacity(CHUNK_BYTES);
        let mut offset: u64 = 0;
        let mut done = false;
        let mut in_flight = futures_util::stream::FuturesUnordered::new();
        while !done {
            match body.next().await {
                Some(Ok(bytes)) => buffer.extend_from_slice(&bytes),
                Some(Err(e)) => {
                    return Err(Error::bad_request(format!(
                        "The upload was interrupted: {e}"
                    )));
                }
                None => done = true,
            }
            while buffer.len() >= CHUNK_BYTES || (done && !buffer.is_empty()) {
                let take = buffer.len().min(CHUNK_BYTES);
                let chunk = buffer.split_to(take).freeze();
                md5.update(&chunk);
                sha256.update(&chunk);
                sha512.update(&chunk);
                if offset + chunk.len() as u64 > cap {
                    return Err(too_large(cap));
                }
                // Up to WRITES_IN_FLIGHT chunks travel at once; the agent
                // writes each at its offset, and the commit checks the total.
                if in_flight.len() >= WRITES_IN_FLIGHT
                    && let Some(done) = in_flight.next().await
                {
                    done?;
                }
                let (agent, ctx) = (agent.clone(), ctx.clone());
                let write = ImageWrite {
                    image_id: image.id.clone(),
                    offset,
                    data: Chunk(chunk.to_vec()),
                };
                in_flight.push(async move {
                    agent
                        .call(&ctx, write)
                        .await
                        .map(|_| ())
                        .map_err(Error::from)
                });
                offset += chunk.len() as u64;
                // Still saving? (A delete or the sweeper may have moved it.)
                if ds::transition(&self.pool, &image.id, &["saving"], "saving")
                    .await?
                    .is_none()
                {
                    return Err(Error::conflict(format!(
                        "Image {} was deleted or reset during the upload.",
                        image.id
                    )));
                }
            }
        }
        while let Some(done) = in_flight.next().await {
            done?;
        }
        let md5 = hex(&md5.finalize());
        let sha256 = hex(&sha256.finalize());
        for (property, ours, name) in [
            ("owner_specified.openstack.md5", &md5, "MD5"),
            ("owner_specified.openstack.sha256", &sha256, "SHA-256"),
        ] {
            if let Some(claimed) = image.properties.0.get(property)
                && !claimed.is_empty()
                && !claimed.eq_ignore_ascii_case(ours)
            {
                return Err(Error::bad_request(format!(
                    "The uploaded data's {name} is {ours}, not the {claimed} that {property} says."
                )));
            }
        }
        let stored = agent
            .call(
                &ctx,
                ImageCommit {
                    image_id: image.id.clone(),
                    size: offset,
                    disk_format: image.disk_format.clone(),
                },
            )
            .await?;
        Ok(Uploaded {
            size: stored.size,
            virtual_size: stored.virtual_size,
            md5,
            sha512: hex(&sha512.finalize()),
        })
    }

    /// The image's data as a stream of chunks read from its storage host;
    /// `None` when it has none yet.
    pub async fn image_download(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<
        (
            Image,
            Option<impl Stream<Item = Result<Bytes, Error>> + use<>>,
        ),
        Error,
    > {
        let image = self.image_get(caller, id).await?;
        if image.status == "deactivated" && !caller.is_admin() {
            return Err(Error::forbidden(
                "The requested image has been deactivated. Image data download is forbidden.",
            ));
        }
        let host = match (&image.host, image.status.as_str()) {
            (Some(host), "active" | "deactivated") => host.clone(),
            _ => return Ok((image, None)),
        };
        let agent = StorageAgent::on(&self.bus, &host);
        let image_id = image.id.clone();
        // Chunks are asked for WRITES_IN_FLIGHT at a time, and come out in
        // order.
        let size = u64::try_from(image.size.unwrap_or(0)).unwrap_or(0);
        let offsets = (0..size.div_ceil(CHUNK_BYTES as u64)).map(|i| i * CHUNK_BYTES as u64);
        let stream = futures_util::stream::iter(offsets)
            .map(move |offset| {
                let (agent, image_id) = (agent.clone(), image_id.clone());
                async move {
                    let data = agent
                        .call(
                            &RequestContext::system(),
                            ImageRead {
                                image_id,
                                offset,
                                len: CHUNK_BYTES as u32,
                            },
                        )
                        .await
                        .map_err(Error::from)?;
                    Ok(Bytes::from(data.data.0))
                }
            })
            .buffered(WRITES_IN_FLIGHT);
        Ok((image, Some(stream)))
    }

    /// Puts uploads that stopped moving (their service died) back to
    /// `queued` and removes their partial data.
    pub async fn sweep_stale_uploads(&self) -> Result<(), Error> {
        let stale =
            ds::upload_reset_stale(&self.pool, f64::from(self.config.upload_stale_s)).await?;
        for (id, host) in stale {
            tracing::warn!(image = %id, "upload stopped moving; image back to queued");
            if let Some(host) = host {
                self.remove_data(&host, &id).await;
            }
        }
        Ok(())
    }

    /// Where an active image's file is, for another service (a compute
    /// host booting from it): its storage host, the file there and its
    /// format, with the attributes a hypervisor needs.
    pub async fn image_locate(
        &self,
        id: &str,
        caller: Option<&TokenClaims>,
        project_id: Option<&str>,
    ) -> Result<stratus_bus_protocol::storage::ImageLocation, Error> {
        let missing = || Error::not_found(format!("Image {id} could not be found."));
        let image = match caller {
            Some(c) => self.image_get(c, id).await.map_err(|_| missing())?,
            None => {
                let image = ds::get(&self.pool, id).await?.ok_or_else(missing)?;
                if let Some(p) = project_id
                    && !ds::visible(&self.pool, &image, Viewer::Project(p)).await?
                {
                    return Err(missing());
                }
                image
            }
        };
        let host = match (&image.host, image.status.as_str()) {
            (Some(h), "active") => h.clone(),
            _ => {
                return Err(Error::conflict(format!(
                    "Image {id} is {} and has no data to boot from.",
                    image.status
                )));
            }
        };
        let export = StorageAgent::on(&self.bus, &host)
            .call(
                &RequestContext::system(),
                stratus_bus_protocol::storage::ImageExport {
                    image_id: id.to_owned(),
                    disk_format: image.disk_format.clone(),
                },
            )
            .await
            .map_err(Error::from)?;
        Ok(stratus_bus_protocol::storage::ImageLocation {
            image_id: image.id.clone(),
            host,
            path: export.path,
            format: export.format,
            disk_format: image.disk_format.clone(),
            size: image.size.and_then(|s| u64::try_from(s).ok()),
            virtual_size: image.virtual_size.and_then(|s| u64::try_from(s).ok()),
            min_disk: u32::try_from(image.min_disk).unwrap_or(0),
            min_ram: u32::try_from(image.min_ram).unwrap_or(0),
            properties: image.properties.0.clone(),
        })
    }

    /// An image record made for another service's user (the compute
    /// service's `createImage`).
    pub async fn image_create_for(
        &self,
        req: &stratus_bus_protocol::storage::ImageCreate,
    ) -> Result<stratus_bus_protocol::storage::ImageCreated, Error> {
        let body: Map<String, Value> = req
            .body
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let create = serde_json::from_value(Value::Object(body))
            .map_err(|e| Error::bad_request(format!("Invalid image attributes: {e}")))?;
        let image = self.image_create(&req.caller, &create).await?;
        Ok(stratus_bus_protocol::storage::ImageCreated {
            id: image.id,
            status: image.status,
        })
    }

    /// Fills a queued image from a compute host's prepared snapshot, read
    /// in pieces over the bus, through the same path as an HTTP upload.
    pub async fn image_upload_from(
        &self,
        req: &stratus_bus_protocol::storage::ImageUploadFrom,
    ) -> Result<stratus_bus_protocol::storage::ImageCreated, Error> {
        use stratus_bus_protocol::compute::SnapshotRead;
        let mut image = self.image_owned(&req.caller, &req.image_id).await?;
        if image.disk_format.as_deref() != Some(req.disk_format.as_str()) {
            if !["qcow2", "raw"].contains(&req.disk_format.as_str()) {
                return Err(Error::bad_request(format!(
                    "A snapshot's format must be qcow2 or raw, not {}.",
                    req.disk_format
                )));
            }
            image.disk_format = Some(req.disk_format.clone());
            ds::update(&self.pool, &image).await?;
        }
        let agent = ComputeAgent::on(&self.bus, &req.host);
        let (id, image_id) = (req.instance_id.clone(), req.image_id.clone());
        let pieces = futures_util::stream::unfold(Some(0u64), move |offset| {
            let (agent, id, image_id) = (agent.clone(), id.clone(), image_id.clone());
            async move {
                let offset = offset?;
                let read = agent
                    .call(
                        &RequestContext::system(),
                        SnapshotRead {
                            id,
                            image_id,
                            offset,
                            len: u32::try_from(CHUNK_BYTES).unwrap_or(u32::MAX),
                        },
                    )
                    .await;
                match read {
                    Ok(c) if c.data.0.is_empty() => None,
                    Ok(c) => {
                        let next = offset + c.data.0.len() as u64;
                        Some((Ok(Bytes::from(c.data.0)), Some(next)))
                    }
                    Err(e) => Some((Err(e.to_string()), None)),
                }
            }
        });
        let image = self
            .image_upload(&req.caller, &req.image_id, Some(req.size), Box::pin(pieces))
            .await?;
        Ok(stratus_bus_protocol::storage::ImageCreated {
            id: image.id,
            status: image.status,
        })
    }
}

pub(crate) fn too_large(cap: u64) -> Error {
    Error::new(
        stratus_common::ErrorKind::PayloadTooLarge,
        format!("Image exceeds the storage quota: the largest image is {cap} bytes."),
    )
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an upload stored: its size and checksums.
struct Uploaded {
    size: u64,
    virtual_size: Option<u64>,
    md5: String,
    sha512: String,
}
