//! `GET /agents` (admins): every host agent's health as its heartbeats on
//! the bus tell it — kind, host, version, the last beat and whether it is
//! alive (a beat within three of its own intervals). Kept in memory: after
//! a console restart an agent shows again at its next beat.

use crate::Console;
use crate::session::{not_logged_in, token};
use axum::Json;
use axum::extract::State;
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use stratus_bus_protocol::HostHeartbeat;
use stratus_common::Error;

/// How many of its own intervals an agent may miss before it counts as down.
const MISSED: i64 = 3;

/// The last heartbeat of each (kind, host).
#[derive(Default)]
pub struct Agents {
    seen: Mutex<BTreeMap<(String, String), HostHeartbeat>>,
}

/// One agent as `/agents` shows it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AgentView {
    /// `compute`, `network` or `storage`.
    pub kind: String,
    pub host: String,
    pub version: String,
    pub last_heartbeat: String,
    pub interval_s: u32,
    pub alive: bool,
}

#[derive(Serialize)]
pub struct AgentList {
    pub agents: Vec<AgentView>,
}

impl Agents {
    pub fn beat(&self, b: HostHeartbeat) {
        if let Ok(mut seen) = self.seen.lock() {
            let key = (b.kind.as_str().to_owned(), b.host.clone());
            // A late, older beat never hides a newer one.
            if seen.get(&key).is_none_or(|old| old.at <= b.at) {
                seen.insert(key, b);
            }
        }
    }

    /// Every agent heard of, by kind and host, as of `now`.
    pub fn list(&self, now: DateTime<Utc>) -> Vec<AgentView> {
        let Ok(seen) = self.seen.lock() else {
            return Vec::new();
        };
        seen.iter()
            .map(|((kind, host), b)| AgentView {
                kind: kind.clone(),
                host: host.clone(),
                version: b.version.clone(),
                last_heartbeat: b.at.to_rfc3339(),
                interval_s: b.interval_s,
                alive: (now - b.at).num_seconds() <= i64::from(b.interval_s.max(1)) * MISSED,
            })
            .collect()
    }
}

pub async fn list(
    State(console): State<Arc<Console>>,
    jar: CookieJar,
) -> Result<Json<AgentList>, Error> {
    let token = token(&jar).ok_or_else(not_logged_in)?.to_owned();
    let viewer = crate::events::viewer(&console, &token).await?;
    if !viewer.admin {
        return Err(Error::forbidden("Only admins may see the agents."));
    }
    Ok(Json(AgentList {
        agents: console.agents.list(Utc::now()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stratus_bus_protocol::AgentKind;

    fn beat(kind: AgentKind, host: &str, at: DateTime<Utc>) -> HostHeartbeat {
        HostHeartbeat {
            host: host.into(),
            kind,
            version: "0.1.0".into(),
            at,
            interval_s: 10,
        }
    }

    #[test]
    fn an_agent_is_alive_until_it_misses_three_beats() {
        let agents = Agents::default();
        let t0 = Utc::now();
        agents.beat(beat(AgentKind::Compute, "h1", t0));
        agents.beat(beat(AgentKind::Network, "h1", t0));
        agents.beat(beat(
            AgentKind::Network,
            "h1",
            t0 - chrono::Duration::seconds(5),
        ));
        let now = agents.list(t0 + chrono::Duration::seconds(30));
        assert_eq!(now.len(), 2, "one per kind and host");
        assert!(now.iter().all(|a| a.alive));
        assert_eq!(
            now[1].last_heartbeat,
            t0.to_rfc3339(),
            "the newest beat kept"
        );
        let later = agents.list(t0 + chrono::Duration::seconds(31));
        assert!(later.iter().all(|a| !a.alive));
    }
}
