//! Server actions (`POST /servers/{id}/action`): stop, start, reboot and
//! the console log.

use stratus_auth::TokenClaims;
use stratus_bus_protocol::compute::{ConsoleLog, PowerOff, PowerOn, Reboot};
use stratus_common::{Error, RequestContext};

use super::App;
use super::servers::state::*;

impl App {
    pub async fn server_stop(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(), Error> {
        let s = self
            .begin(caller, ctx, id, "stop", &[ACTIVE, ERROR], POWERING_OFF)
            .await?;
        let host = self.host_of(&s)?;
        self.cast_host(
            &host,
            PowerOff {
                id: s.id.to_string(),
                timeout_s: self.config.shutdown_timeout_s,
            },
        )
        .await
    }

    pub async fn server_start(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(), Error> {
        let s = self
            .begin(caller, ctx, id, "start", &[STOPPED], POWERING_ON)
            .await?;
        let host = self.host_of(&s)?;
        self.cast_host(
            &host,
            PowerOn {
                id: s.id.to_string(),
            },
        )
        .await
    }

    pub async fn server_reboot(
        &self,
        caller: &TokenClaims,
        ctx: &RequestContext,
        id: &str,
        hard: bool,
    ) -> Result<(), Error> {
        let (task, states): (&str, &[&str]) = if hard {
            (REBOOTING_HARD, &[ACTIVE, STOPPED, ERROR])
        } else {
            (REBOOTING, &[ACTIVE])
        };
        let s = self.begin(caller, ctx, id, "reboot", states, task).await?;
        let host = self.host_of(&s)?;
        self.cast_host(
            &host,
            Reboot {
                id: s.id.to_string(),
                hard,
                timeout_s: self.config.shutdown_timeout_s,
            },
        )
        .await
    }

    /// The last `lines` lines of the server's serial console.
    pub async fn server_console(
        &self,
        caller: &TokenClaims,
        id: &str,
        lines: Option<u32>,
    ) -> Result<String, Error> {
        let s = self.server_get(caller, id).await?;
        let host = match (&s.host, s.vm_state.as_str()) {
            (Some(h), ACTIVE | STOPPED | RESIZED) => h.clone(),
            _ => {
                return Err(Error::conflict(format!(
                    "Instance {id} is not ready (vm_state {})",
                    s.vm_state
                )));
            }
        };
        let text = self
            .bus
            .call::<ConsoleLog>(
                &stratus_bus_protocol::AgentKind::Compute.topic(&host),
                &RequestContext::system(),
                ConsoleLog {
                    id: s.id.to_string(),
                    lines,
                },
            )
            .await
            .map_err(Error::from)?;
        Ok(text.output)
    }

    fn host_of(&self, s: &crate::datastore::servers::Server) -> Result<String, Error> {
        s.host
            .clone()
            .ok_or_else(|| Error::conflict(format!("Instance {} has no host", s.id)))
    }
}
