//! The traits typed bus messages implement, and the macros that declare them.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use stratus_common::Error;

/// A consumer's request enum: serialized as `{"method": ..., "args": ...}`.
/// Declare with [`protocol!`](crate::protocol).
pub trait Message: Serialize + DeserializeOwned + Send + Sync + 'static {}

/// One request type of a consumer's enum that gets a typed reply.
pub trait Call: Send + Sized {
    type Message: Message;
    type Reply: Serialize + DeserializeOwned + Send;

    fn into_message(self) -> Self::Message;

    /// Builds the handler's answer to this request, checked against its reply type.
    fn reply(&self, reply: Self::Reply) -> HandlerResult {
        serde_json::to_value(reply).map_err(|e| Error::internal(&e))
    }
}

/// An event enum: serialized as `{"event_type": ..., "payload": ...}`; the
/// event type is also the routing key. Declare with [`events!`](crate::events).
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    fn event_type(&self) -> &'static str;
}

/// What a handler returns: the reply's JSON (ignored for casts and events), or
/// an error that a caller receives as [`BusError::Remote`](crate::BusError::Remote).
pub type HandlerResult = Result<Value, Error>;

/// Declares a consumer's request enum and ties each request type to its reply:
///
/// ```
/// use serde::{Deserialize, Serialize};
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// pub struct Ping { pub text: String }
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// pub struct Pong { pub text: String }
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// pub struct Forget { pub id: u32 }
///
/// stratus_bus::protocol! {
///     /// What the example agent understands.
///     pub enum ExampleRequest {
///         Ping(Ping) -> Pong,
///         Forget(Forget),
///     }
/// }
/// ```
///
/// Variants with `-> Reply` can be sent with `Bus::call`; every variant can be cast.
#[macro_export]
macro_rules! protocol {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident($args:ty) $(-> $reply:ty)?),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(tag = "method", content = "args", rename_all = "snake_case")]
        $vis enum $name {
            $($(#[$vmeta])* $variant($args)),*
        }
        impl $crate::Message for $name {}
        $(
            impl ::core::convert::From<$args> for $name {
                fn from(args: $args) -> Self { $name::$variant(args) }
            }
            $(
                impl $crate::Call for $args {
                    type Message = $name;
                    type Reply = $reply;
                    fn into_message(self) -> $name { $name::$variant(self) }
                }
            )?
        )*
    };
}

/// Declares an event enum; each variant names its event type (routing key):
///
/// ```
/// use serde::{Deserialize, Serialize};
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// pub struct Heartbeat { pub host: String }
///
/// stratus_bus::events! {
///     pub enum ExampleEvent {
///         "host.heartbeat" => Heartbeat(Heartbeat),
///     }
/// }
/// ```
#[macro_export]
macro_rules! events {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$vmeta:meta])* $key:literal => $variant:ident($payload:ty)),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(tag = "event_type", content = "payload")]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $key)] $variant($payload)),*
        }
        impl $crate::Event for $name {
            fn event_type(&self) -> &'static str {
                match self { $($name::$variant(_) => $key),* }
            }
        }
        $(
            impl ::core::convert::From<$payload> for $name {
                fn from(payload: $payload) -> Self { $name::$variant(payload) }
            }
        )*
    };
}
