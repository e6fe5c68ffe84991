//! Usage as users read it: hourly roll-ups per resource and metric (the
//! `/v1/usage` API), and instance usage per project for other services (the
//! compute API's `os-simple-tenant-usage`) from the same lifecycle events
//! invoices are priced from.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use stratus_auth::TokenClaims;
use stratus_bus::{Incoming, ServerHandle};
use stratus_bus_protocol::usage::{
    MeteringServiceRequest, ProjectUsage, ServerUsage, TenantUsage, TenantUsages,
};
use stratus_common::Error;

use super::App;
use super::billing;
use crate::datastore as ds;

/// What `/v1/usage` asks for.
#[derive(Clone, Debug, Default)]
pub struct UsageQuery {
    pub project_id: Option<String>,
    pub resource_id: Option<String>,
    pub metric: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// The most hours one query returns; a wider one is refused.
pub const MAX_HOURS: usize = 50_000;

impl App {
    /// Hourly usage the caller may see (its own project, or any for
    /// admins), rolled up as of now; the last day when no period is given.
    pub async fn usage_hours(
        &self,
        caller: &TokenClaims,
        q: &UsageQuery,
    ) -> Result<Vec<ds::HourRow>, Error> {
        let project = super::policy::readable(caller, q.project_id.as_deref())?;
        let end = q.end.unwrap_or_else(Utc::now);
        let start = q.start.unwrap_or(end - chrono::Duration::days(1));
        if end <= start {
            return Err(Error::bad_request("Invalid end: it must be after start."));
        }
        self.rollup().await?;
        let rows = ds::usage_hours(
            &self.pool,
            project,
            q.resource_id.as_deref(),
            q.metric.as_deref(),
            start,
            end,
        )
        .await?;
        if rows.len() > MAX_HOURS {
            return Err(Error::bad_request(format!(
                "The query covers {} hours of usage, more than {MAX_HOURS}; narrow it by \
                 project_id, resource_id, metric or time.",
                rows.len()
            )));
        }
        Ok(rows)
    }

    /// Answers other services' calls (one queue shared by the replicas).
    pub fn serve_services(&self) -> ServerHandle {
        use stratus_bus::Call;
        let app = self.clone();
        stratus_bus_protocol::MeteringService::of(&self.bus).serve(
            move |inc: Incoming<MeteringServiceRequest>| {
                let app = app.clone();
                async move {
                    match inc.message {
                        MeteringServiceRequest::TenantUsage(q) => {
                            let u = app.tenant_usage(&q).await?;
                            q.reply(u)
                        }
                    }
                }
            },
        )
    }

    pub async fn tenant_usage(&self, q: &TenantUsage) -> Result<TenantUsages, Error> {
        if q.end <= q.start {
            return Err(Error::bad_request(
                "Invalid start time. The start time cannot occur after the end time.",
            ));
        }
        let rows = ds::lifecycle_between(
            &self.pool,
            q.project_id.as_deref(),
            Some("instance"),
            Some(q.start),
            Some(q.end),
        )
        .await?;
        let deleted: BTreeMap<String, chrono::DateTime<chrono::Utc>> = rows
            .iter()
            .filter(|r| r.event == "deleted")
            .map(|r| (r.resource_id.clone(), r.at))
            .collect();
        let events: Vec<billing::Event> = rows.into_iter().map(billing::Event::from).collect();
        let mut by_project: BTreeMap<String, Vec<ServerUsage>> = BTreeMap::new();
        for s in billing::segments(&events, q.start, q.end) {
            let num = |k: &str| {
                s.attributes
                    .get(k)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let ended_at = deleted.get(&s.resource_id).copied().filter(|d| *d <= q.end);
            let servers = by_project.entry(s.project_id.clone()).or_default();
            // One entry per instance, as Nova shows it: a resize's stretches
            // add up, the latest size shows.
            if let Some(u) = servers.iter_mut().find(|u| u.instance_id == s.resource_id) {
                u.millis += (s.end - s.start).num_milliseconds();
                u.flavor = s.attributes.get("flavor").cloned().unwrap_or_default();
                u.vcpus = u32::try_from(num("vcpus")).unwrap_or(0);
                u.memory_mb = num("ram_mb");
                u.local_gb = num("disk_gb");
                continue;
            }
            servers.push(ServerUsage {
                instance_id: s.resource_id.clone(),
                name: s.attributes.get("name").cloned().unwrap_or_default(),
                flavor: s.attributes.get("flavor").cloned().unwrap_or_default(),
                vcpus: u32::try_from(num("vcpus")).unwrap_or(0),
                memory_mb: num("ram_mb"),
                local_gb: num("disk_gb"),
                millis: (s.end - s.start).num_milliseconds(),
                started_at: s.start,
                ended_at,
            });
        }
        Ok(TenantUsages {
            tenants: by_project
                .into_iter()
                .map(|(project_id, servers)| ProjectUsage {
                    project_id,
                    servers,
                })
                .collect(),
        })
    }
}
