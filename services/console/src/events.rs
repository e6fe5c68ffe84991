//! `GET /events`: the live feed, as server-sent events. The console follows
//! every `resource.changed` announcement on the bus and passes each viewer
//! those it may see: an admin all of them, anyone else only those of the
//! project their token is scoped to (never cloud-wide ones). An event names
//! what changed (`{"service", "kind", "id"}`), not its content: the page
//! reads it again through the proxy, under the viewer's own token. The
//! token is checked with identity when the stream opens and every minute;
//! the stream ends when it is no longer valid or the console stops.
//!
//! `GET /events/recent`: the latest writes made through the APIs (who did
//! what to which resource, and when) that the viewer may see, newest first,
//! for the overview's "recent actions". Kept in memory: since the console
//! started, the last [`RECENT`] of them.

use crate::Console;
use crate::session::{not_logged_in, token};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum_extra::extract::cookie::CookieJar;
use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stratus_bus_protocol::ResourceChanged;
use stratus_common::Error;
use tokio::sync::broadcast;

/// Announcements held for slow viewers before they must re-read everything.
const BACKLOG: usize = 256;
/// How often a viewer's token is checked again.
const RECHECK: Duration = Duration::from_secs(60);
/// API writes remembered for `/events/recent` (all projects together).
pub const RECENT: usize = 2000;
/// The most `/events/recent` answers with.
const RECENT_SHOWN: usize = 50;

/// The announcements, fanned out to every open stream, and the latest
/// writes.
pub struct Feed {
    tx: broadcast::Sender<ResourceChanged>,
    recent: Mutex<VecDeque<ResourceChanged>>,
}

impl Default for Feed {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(BACKLOG).0,
            recent: Mutex::new(VecDeque::with_capacity(RECENT)),
        }
    }
}

impl Feed {
    /// Passes an announcement to the open streams, and remembers it when
    /// someone did it through an API.
    pub fn publish(&self, event: ResourceChanged) {
        if event.user_name.is_some()
            && let Ok(mut r) = self.recent.lock()
        {
            if r.len() == RECENT {
                r.pop_front();
            }
            r.push_back(event.clone());
        }
        // No receiver is not an error: nobody is watching.
        let _ = self.tx.send(event);
    }

    /// The latest writes `viewer` may see, newest first, at most `limit`.
    pub fn recent(&self, viewer: &Viewer, limit: usize) -> Vec<ResourceChanged> {
        self.recent
            .lock()
            .map(|r| {
                r.iter()
                    .rev()
                    .filter(|e| viewer.may_see(e))
                    .take(limit)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Who is watching: what they may see.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub project_id: String,
    pub admin: bool,
}

impl Viewer {
    pub fn may_see(&self, e: &ResourceChanged) -> bool {
        self.admin || e.project_id.as_deref() == Some(self.project_id.as_str())
    }
}

#[derive(Serialize)]
struct Change<'a> {
    service: &'a str,
    kind: &'a str,
    id: Option<&'a str>,
}

/// Who the cookie's token is, checked with identity.
pub(crate) async fn viewer(console: &Console, token: &str) -> Result<Viewer, Error> {
    let body = console.identity.validate(token).await?;
    Ok(Viewer {
        project_id: body
            .token
            .project
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or_else(|| Error::forbidden("The console needs a project-scoped token."))?,
        admin: body.token.roles.iter().flatten().any(|r| r.name == "admin"),
    })
}

/// One remembered write, as `/events/recent` shows it.
#[derive(Serialize)]
pub struct Recent {
    pub service: String,
    pub kind: String,
    pub id: Option<String>,
    pub action: Option<String>,
    pub user_name: Option<String>,
    pub project_id: Option<String>,
    pub at: String,
}

#[derive(Serialize)]
pub struct RecentList {
    pub recent: Vec<Recent>,
}

pub async fn recent(
    State(console): State<Arc<Console>>,
    jar: CookieJar,
) -> Result<axum::Json<RecentList>, Error> {
    let token = token(&jar).ok_or_else(not_logged_in)?.to_owned();
    let viewer = viewer(&console, &token).await?;
    let recent = console
        .feed
        .recent(&viewer, RECENT_SHOWN)
        .into_iter()
        .map(|e| Recent {
            service: e.service,
            kind: e.kind,
            id: e.id,
            action: e.action,
            user_name: e.user_name,
            project_id: e.project_id,
            at: e.at.to_rfc3339(),
        })
        .collect();
    Ok(axum::Json(RecentList { recent }))
}

pub async fn stream(
    State(console): State<Arc<Console>>,
    jar: CookieJar,
) -> Result<impl IntoResponse, Error> {
    let token = token(&jar).ok_or_else(not_logged_in)?.to_owned();
    let viewer = viewer(&console, &token).await?;
    let rx = console.feed.tx.subscribe();
    let next_check = tokio::time::Instant::now() + RECHECK;
    let events = feed(console, token, viewer, rx, next_check);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

struct Watch {
    console: Arc<Console>,
    token: String,
    viewer: Viewer,
    rx: broadcast::Receiver<ResourceChanged>,
    next_check: tokio::time::Instant,
}

fn feed(
    console: Arc<Console>,
    token: String,
    viewer: Viewer,
    rx: broadcast::Receiver<ResourceChanged>,
    next_check: tokio::time::Instant,
) -> impl Stream<Item = Result<Event, std::convert::Infallible>> {
    let first = Event::default().event("ready").data("{}");
    let watch = Watch {
        console,
        token,
        viewer,
        rx,
        next_check,
    };
    let rest = stream::unfold(watch, |mut w| async move {
        loop {
            tokio::select! {
                () = w.console.shutdown.cancelled() => return None,
                () = tokio::time::sleep_until(w.next_check) => {
                    if w.console.identity.validate(&w.token).await.is_err() {
                        return None;
                    }
                    w.next_check = tokio::time::Instant::now() + RECHECK;
                }
                got = w.rx.recv() => match got {
                    Ok(e) if w.viewer.may_see(&e) => {
                        let data = serde_json::to_string(&Change {
                            service: &e.service,
                            kind: &e.kind,
                            id: e.id.as_deref(),
                        })
                        .unwrap_or_default();
                        return Some((Ok(Event::default().event("change").data(data)), w));
                    }
                    Ok(_) => {}
                    // Fell behind: the page re-reads everything.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        return Some((Ok(Event::default().event("resync").data("{}")), w));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    });
    stream::once(async { Ok(first) }).chain(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(project: Option<&str>) -> ResourceChanged {
        ResourceChanged {
            service: "compute".into(),
            kind: "servers".into(),
            id: Some("s1".into()),
            project_id: project.map(str::to_owned),
            at: chrono::Utc::now(),
            action: Some("update".into()),
            user_name: Some("alice".into()),
        }
    }

    #[test]
    fn recent_writes_are_kept_newest_first_and_filtered() {
        let feed = Feed::default();
        let member = Viewer {
            project_id: "alpha".into(),
            admin: false,
        };
        for i in 0..RECENT + 5 {
            let mut e = change(Some(if i % 2 == 0 { "alpha" } else { "beta" }));
            e.id = Some(format!("s{i}"));
            feed.publish(e);
        }
        let mut state = change(Some("alpha"));
        state.user_name = None;
        feed.publish(state);
        let got = feed.recent(&member, 3);
        let ids: Vec<_> = got.iter().filter_map(|e| e.id.clone()).collect();
        let last = RECENT + 4;
        assert_eq!(
            ids,
            [
                format!("s{last}"),
                format!("s{}", last - 2),
                format!("s{}", last - 4)
            ]
        );
        assert!(got.iter().all(|e| e.project_id.as_deref() == Some("alpha")));
        let kept = feed.recent.lock().map(|r| r.len()).unwrap_or(0);
        assert_eq!(kept, RECENT, "bounded; state announcements not kept");
    }

    #[test]
    fn members_see_their_projects_changes_only() {
        let member = Viewer {
            project_id: "alpha".into(),
            admin: false,
        };
        assert!(member.may_see(&change(Some("alpha"))));
        assert!(!member.may_see(&change(Some("beta"))));
        assert!(
            !member.may_see(&change(None)),
            "cloud-wide changes are the admins'"
        );
        let admin = Viewer {
            project_id: "admin".into(),
            admin: true,
        };
        assert!(admin.may_see(&change(Some("beta"))));
        assert!(admin.may_see(&change(None)));
    }
}
