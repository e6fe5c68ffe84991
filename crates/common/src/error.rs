//! One error type for every layer, independent of transport, and its renderings
//! as the error bodies each OpenStack API uses.
//!
//! Handlers and app logic return [`Error`]. Turned into an HTTP response it
//! carries itself in the response extensions; the service's error-style layer
//! (`stratus-http`) then renders the body in that API's dialect
//! ([`ErrorStyle`]). Over the bus it travels as JSON and comes back typed.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::borrow::Cow;

/// What went wrong, as far as a client is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    OverQuota,
    TooManyRequests,
    InsufficientCapacity,
    Timeout,
    ServiceUnavailable,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden | ErrorKind::OverQuota => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Timeout | ErrorKind::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::InsufficientCapacity | ErrorKind::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// The message a client sees for an internal error; the cause goes to the log.
pub const INTERNAL_MESSAGE: &str =
    "The server has either erred or is incapable of performing the requested operation.";

/// An error as a client sees it: a kind, a message naming the problem and,
/// for APIs that report one (Neutron), a type name such as `NetworkNotFound`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Cow<'static, str>>,
    /// Seconds a client should wait before trying again (`Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// For a request body that did not decode: what was wrong, so each API
    /// words it its own way (Nova as its JSON schemas do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode: Option<Box<DecodeProblem>>,
}

/// What was wrong with a request body, by attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecodeProblem {
    /// An attribute the API does not know, inside `within` (the resource
    /// wrapper or attribute holding it; `None` at the top).
    Unknown {
        name: String,
        within: Option<String>,
    },
    /// A required attribute left out, inside `within`.
    Missing {
        name: String,
        within: Option<String>,
    },
    /// A value of the wrong type or form.
    Invalid { field: String, why: String },
}

impl DecodeProblem {
    /// The message in Nova's (and Cinder's) words, as its JSON schemas
    /// put them.
    fn nova_message(&self) -> String {
        match self {
            Self::Unknown { name, within } => format!(
                "Invalid input for field/attribute {}. Additional properties are not allowed ('{name}' was unexpected)",
                within.as_deref().unwrap_or("body")
            ),
            Self::Missing { name, within } => format!(
                "Invalid input for field/attribute {}. '{name}' is a required property",
                within.as_deref().unwrap_or("body")
            ),
            Self::Invalid { field, why } => {
                format!("Invalid input for field/attribute {field}. Reason: {why}.")
            }
        }
    }
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            type_name: None,
            retry_after: None,
            decode: None,
        }
    }

    /// Keeps what was wrong with a request body (see [`DecodeProblem`]).
    pub fn with_decode(mut self, problem: DecodeProblem) -> Self {
        self.decode = Some(Box::new(problem));
        self
    }

    /// Says when to try again (a `Retry-After` header, in seconds).
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Sets the error type name that Neutron reports (`"NetworkNotFound"`).
    pub fn with_type(mut self, type_name: &'static str) -> Self {
        self.type_name = Some(Cow::Borrowed(type_name));
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ServiceUnavailable, message)
    }

    /// An internal error: the cause is logged here with its whole chain; the
    /// client gets only [`INTERNAL_MESSAGE`].
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "internal error");
        Self::new(ErrorKind::Internal, INTERNAL_MESSAGE)
    }

    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// The body this error has in the given API's dialect, and its content type.
    pub fn render(&self, style: ErrorStyle) -> (Value, &'static str) {
        let status = self.status();
        let code = status.as_u16();
        let title = status.canonical_reason().unwrap_or("Error");
        match style {
            ErrorStyle::Keystone | ErrorStyle::Plain => (
                json!({"error": {"code": code, "message": self.message, "title": title}}),
                "application/json",
            ),
            ErrorStyle::Nova | ErrorStyle::Cinder => {
                let message = self
                    .decode
                    .as_ref()
                    .map_or_else(|| self.message.clone(), |p| p.nova_message());
                (
                    json!({nova_fault_name(status): {"code": code, "message": message}}),
                    "application/json",
                )
            }
            ErrorStyle::Neutron => {
                let type_name = self
                    .type_name
                    .clone()
                    .unwrap_or_else(|| Cow::Owned(neutron_default_type(status)));
                (
                    json!({"NeutronError": {"type": type_name, "message": self.message, "detail": ""}}),
                    "application/json",
                )
            }
            ErrorStyle::Glance => (
                Value::String(format!(
                    "<html>\n <head>\n  <title>{code} {title}</title>\n </head>\n <body>\n  <h1>{code} {title}</h1>\n  {}<br /><br />\n\n\n\n </body>\n</html>",
                    html_escape(&self.message)
                )),
                "text/html; charset=UTF-8",
            ),
        }
    }
}

/// Which OpenStack API's error bodies a service renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorStyle {
    /// `{"error": {"code", "message", "title"}}`
    Keystone,
    /// `{"itemNotFound": {"code", "message"}}` and the other Nova fault names.
    Nova,
    /// Cinder shares Nova's fault bodies.
    Cinder,
    /// `{"NeutronError": {"type", "message", "detail"}}`
    Neutron,
    /// webob's HTML error page, as Glance answers.
    Glance,
    /// Stratus's own APIs (metering): Keystone's shape.
    Plain,
}

fn nova_fault_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        409 => "conflictingRequest",
        413 | 429 => "overLimit",
        415 => "badMediaType",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "computeFault",
    }
}

fn neutron_default_type(status: StatusCode) -> String {
    let reason = status.canonical_reason().unwrap_or("Error");
    format!("HTTP{}", reason.replace([' ', '-'], ""))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl IntoResponse for Error {
    /// Renders Keystone's shape by default; the service's error-style layer
    /// re-renders it from the copy kept in the response extensions.
    fn into_response(self) -> Response {
        let (body, _) = self.render(ErrorStyle::Plain);
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nova_bodies_use_fault_names() {
        let (body, _) = Error::not_found("Flavor 42 could not be found.").render(ErrorStyle::Nova);
        assert_eq!(
            body,
            json!({"itemNotFound": {"code": 404, "message": "Flavor 42 could not be found."}})
        );
        let (body, _) = Error::conflict("busy").render(ErrorStyle::Cinder);
        assert_eq!(body["conflictingRequest"]["code"], 409);
        let (body, _) = Error::new(ErrorKind::OverQuota, "Quota exceeded").render(ErrorStyle::Nova);
        assert_eq!(body["forbidden"]["code"], 403);
    }

    #[test]
    fn neutron_bodies_carry_a_type() {
        let (body, _) = Error::not_found("Network x could not be found.")
            .with_type("NetworkNotFound")
            .render(ErrorStyle::Neutron);
        assert_eq!(body["NeutronError"]["type"], "NetworkNotFound");
        assert_eq!(body["NeutronError"]["detail"], "");
        let (body, _) = Error::bad_request("bad").render(ErrorStyle::Neutron);
        assert_eq!(body["NeutronError"]["type"], "HTTPBadRequest");
    }

    #[test]
    fn keystone_bodies_have_a_title() {
        let (body, ct) =
            Error::unauthenticated("The request you have made requires authentication.")
                .render(ErrorStyle::Keystone);
        assert_eq!(ct, "application/json");
        assert_eq!(body["error"]["code"], 401);
        assert_eq!(body["error"]["title"], "Unauthorized");
    }

    #[test]
    fn glance_bodies_are_escaped_html() {
        let (body, ct) = Error::not_found("No image <x>").render(ErrorStyle::Glance);
        assert!(ct.starts_with("text/html"));
        let text = body.as_str().expect("string body");
        assert!(text.contains("404 Not Found"));
        assert!(text.contains("No image &lt;x&gt;"));
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let cause = std::io::Error::other("password=hunter2 leaked");
        let err = Error::internal(&cause);
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!err.message.contains("hunter2"));
    }

    #[test]
    fn errors_round_trip_as_json() {
        let err = Error::not_found("gone").with_type("PortNotFound");
        let json = serde_json::to_string(&err).expect("serialize");
        assert_eq!(
            serde_json::from_str::<Error>(&json).expect("deserialize"),
            err
        );
    }
}
