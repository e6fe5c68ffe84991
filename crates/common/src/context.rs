//! Request ids and the caller context carried through HTTP handlers and bus messages.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// An OpenStack request id: `req-` followed by a UUID, as returned in
/// `X-Openstack-Request-Id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestId(String);

impl RequestId {
    /// A fresh request id.
    pub fn new() -> Self {
        Self(format!("req-{}", Uuid::new_v4()))
    }

    /// Parses `req-<uuid>`; anything else is rejected so a client cannot inject
    /// arbitrary text into every log line.
    pub fn parse(s: &str) -> Option<Self> {
        let uuid = s.strip_prefix("req-")?;
        Uuid::parse_str(uuid).ok()?;
        Some(Self(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RequestId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("not a request id: {s:?}"))
    }
}

impl From<RequestId> for String {
    fn from(id: RequestId) -> String {
        id.0
    }
}

/// Who is asking, and under which request id. Travels in every bus envelope so
/// one request can be followed through every log.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestContext {
    pub request_id: RequestId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

impl RequestContext {
    /// A context for work the system starts itself (timers, reconcilers).
    pub fn system() -> Self {
        Self::default()
    }

    pub fn with_request_id(request_id: RequestId) -> Self {
        Self {
            request_id,
            ..Self::default()
        }
    }

    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == "admin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_parse_only_their_own_format() {
        let id = RequestId::new();
        assert_eq!(RequestId::parse(id.as_str()), Some(id.clone()));
        assert!(id.as_str().starts_with("req-"));
        assert_eq!(RequestId::parse("req-not-a-uuid"), None);
        assert_eq!(
            RequestId::parse("9b0b5a1e-7c4e-4f59-9a4f-6d3a8a0f1c2d"),
            None
        );
        assert_eq!(RequestId::parse("req-x\nFAKE LOG LINE"), None);
    }

    #[test]
    fn context_round_trips_through_json() {
        let ctx = RequestContext {
            request_id: RequestId::new(),
            user_id: Some("u".into()),
            project_id: None,
            roles: vec!["member".into()],
        };
        let json = serde_json::to_string(&ctx).expect("serialize");
        assert!(!json.contains("project_id"));
        let back: RequestContext = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, ctx);
        assert!(serde_json::from_str::<RequestContext>(r#"{"request_id":"bogus"}"#).is_err());
    }
}
