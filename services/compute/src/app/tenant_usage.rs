//! Instance hours per project, asked of the metering service (the same
//! data invoices are priced from).

use stratus_bus_protocol::MeteringService;
use stratus_bus_protocol::usage::{ProjectUsage, TenantUsage};
use stratus_common::{Error, RequestContext};

use super::App;

impl App {
    /// Each project's (or one project's) servers and their time in
    /// `[start, end)`.
    pub async fn tenant_usage(
        &self,
        start: chrono::DateTime<chrono::Utc>,
        end: chrono::DateTime<chrono::Utc>,
        project: Option<String>,
    ) -> Result<Vec<ProjectUsage>, Error> {
        if start == end {
            return Ok(Vec::new());
        }
        MeteringService::of(&self.bus)
            .call(
                &RequestContext::system(),
                TenantUsage {
                    start,
                    end,
                    project_id: project,
                },
            )
            .await
            .map(|u| u.tenants)
            .map_err(Error::from)
    }
}
