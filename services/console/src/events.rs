//! `GET /events`: the live feed, as server-sent events. The console follows
//! every `resource.changed` announcement on the bus and passes each viewer
//! those it may see: an admin all of them, anyone else only those of the
//! project their token is scoped to (never cloud-wide ones). An event names
//! what changed (`{"service", "kind", "id"}`), not its content: the page
//! reads it again through the proxy, under the viewer's own token. The
//! token is checked with identity when the stream opens and every minute;
//! the stream ends when it is no longer valid or the console stops.

use crate::Console;
use crate::session::{not_logged_in, token};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum_extra::extract::cookie::CookieJar;
use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use stratus_bus_protocol::ResourceChanged;
use stratus_common::Error;
use tokio::sync::broadcast;

/// Announcements held for slow viewers before they must re-read everything.
const BACKLOG: usize = 256;
/// How often a viewer's token is checked again.
const RECHECK: Duration = Duration::from_secs(60);

/// The announcements, fanned out to every open stream.
pub struct Feed {
    tx: broadcast::Sender<ResourceChanged>,
}

impl Default for Feed {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Feed {
    /// Passes an announcement to the open streams.
    pub fn publish(&self, event: ResourceChanged) {
        // No receiver is not an error: nobody is watching.
        let _ = self.tx.send(event);
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

pub async fn stream(
    State(console): State<Arc<Console>>,
    jar: CookieJar,
) -> Result<impl IntoResponse, Error> {
    let token = token(&jar).ok_or_else(not_logged_in)?.to_owned();
    let body = console.identity.validate(&token).await?;
    let viewer = Viewer {
        project_id: body
            .token
            .project
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or_else(|| Error::forbidden("The console needs a project-scoped token."))?,
        admin: body.token.roles.iter().flatten().any(|r| r.name == "admin"),
    };
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
        }
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
