//! Extractors: typed handler arguments, as in axum.
//!
//! An event handler's arguments implement [`FromEventParts`] (anything that only looks at the
//! socket or the event: [`SocketRef`](crate::SocketRef), [`SocketId`], [`Event`],
//! [`Io`](crate::Io)) except the last, which may instead consume the payload through
//! [`FromEventPayload`] ([`Data`], [`RawArgs`], [`Bin`]). Connect handlers take
//! [`FromConnectParts`] arguments ([`Auth`], [`Handshake`], ...), disconnect handlers
//! [`FromDisconnectParts`] ones ([`Reason`], ...).
//!
//! Extraction is async, like axum's: an extractor may await (load the user of a token from a
//! database). The built-in extractors answer at once with a ready future, which the handler's
//! one boxed future holds inline: no allocation per argument. [`Cached<T>`] computes an
//! extractor once per event and shares it with middleware and the other arguments (the
//! `Depends(use_cache=True)` of the Python fastsio). See the guide page "Custom extractors".

mod auth;
mod bin;
mod cached;
mod data;
mod error;
mod event;
mod extension;
mod handshake;
mod io;
mod misplaced;
mod ns_param;
mod optional;
mod raw_args;
mod reason;
mod session;
mod socket_id;
mod state;
mod valid;

pub use auth::Auth;
pub use bin::Bin;
pub use cached::Cached;
pub use data::{Data, DataPayload};
pub use error::ExtractError;
pub use event::Event;
pub use extension::Extension;
pub use handshake::Handshake;
#[doc(hidden)]
pub use misplaced::{OnlyInConnect, OnlyInDisconnect, OnlyInEvent, OnlyInEventOrConnect};
pub use ns_param::NsParam;
pub use raw_args::RawArgs;
pub use reason::Reason;
pub use session::Session;
pub use socket_id::SocketId;
pub use state::{FromRef, State};
pub use valid::{Valid, ValidAuthPayload, ValidPayload};

use std::future::Future;

use crate::handler::{ConnectContext, DisconnectContext, EventContext};

/// An event-handler argument built from the event's context and the app state `S`, without
/// consuming the payload; any number of these may come before the payload argument.
///
/// Implement it for your own extractors, with an `async fn` (the future must be `Send`, so a
/// generic `S` needs `S: Sync`):
///
/// ```
/// use fastsio_core::extract::{ExtractError, FromEventParts};
/// use fastsio_core::handler::{AckErrorBody, EventContext};
/// struct Lang(String);
/// impl<S: Sync> FromEventParts<S> for Lang {
///     async fn from_event_parts(cx: &mut EventContext, _: &S) -> Result<Self, ExtractError> {
///         let request = cx.socket.request();
///         let lang = request.headers.get("accept-language").and_then(|v| v.to_str().ok());
///         lang.map(|l| Lang(l.to_string()))
///             .ok_or_else(|| AckErrorBody::new("no_language", "send Accept-Language").into())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a fastsio event handler",
    label = "not an event extractor",
    note = "event handlers take `SocketRef`, `SocketId`, `Event`, `Io`, `Handshake`, `State<T>`, `Session<T>`, `Extension<T>`, `Cached<T>`, your own `FromEventParts` types and, as the last argument, one payload extractor: `Data<T>`, `Valid<T>`, `Bin` or `RawArgs`"
)]
pub trait FromEventParts<S>: Sized + Send + 'static {
    /// Builds the argument; `state` is the server's app state. It may leave values in
    /// `cx.extensions` for later arguments.
    fn from_event_parts(
        cx: &mut EventContext,
        state: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send;
}

/// The last event-handler argument: it may consume the payload.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take the payload of a fastsio event",
    label = "not a payload extractor",
    note = "use `Data<T>` with `T: Deserialize`, `Valid<T>`, `Bin` or `RawArgs`"
)]
pub trait FromEventPayload<S>: Sized + Send + 'static {
    /// Builds the argument, taking what it needs out of the event.
    fn from_event_payload(
        cx: &mut EventContext,
        state: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send;
}

/// Marks how an argument is extracted (see [`FromEvent`]).
pub mod via {
    /// Through [`FromEventParts`](super::FromEventParts).
    #[derive(Debug)]
    pub enum Parts {}
    /// Through [`FromEventPayload`](super::FromEventPayload).
    #[derive(Debug)]
    pub enum Payload {}
}

/// Either kind of event argument, for the last position; `M` tells which (inferred).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a fastsio event handler",
    label = "not an event extractor",
    note = "event handlers take `SocketRef`, `SocketId`, `Event`, `Io`, `Handshake`, `State<T>`, `Session<T>`, `Extension<T>`, `Cached<T>`, your own `FromEventParts` types and, as the last argument, one payload extractor: `Data<T>`, `Valid<T>`, `Bin` or `RawArgs`"
)]
pub trait FromEvent<S, M>: Sized + Send + 'static {
    /// Builds the argument.
    fn from_event(
        cx: &mut EventContext,
        state: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send;
}

impl<S, T: FromEventParts<S>> FromEvent<S, via::Parts> for T {
    fn from_event(
        cx: &mut EventContext,
        state: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        T::from_event_parts(cx, state)
    }
}

impl<S, T: FromEventPayload<S>> FromEvent<S, via::Payload> for T {
    fn from_event(
        cx: &mut EventContext,
        state: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        T::from_event_payload(cx, state)
    }
}

/// A connect-handler argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a fastsio connect handler",
    label = "not a connect extractor",
    note = "connect handlers take `SocketRef`, `SocketId`, `Auth<T>`, `Valid<Auth<T>>`, `Handshake`, `Io`, `State<T>`, `Session<T>`, `Cached<T>` and your own `FromConnectParts` types"
)]
pub trait FromConnectParts<S>: Sized + Send + 'static {
    /// Builds the argument.
    fn from_connect_parts(
        cx: &mut ConnectContext,
        state: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send;
}

/// A disconnect-handler argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a fastsio disconnect handler",
    label = "not a disconnect extractor",
    note = "disconnect handlers take `SocketRef`, `SocketId`, `Reason`, `Handshake`, `Io`, `State<T>`, `Session<T>` and your own `FromDisconnectParts` types"
)]
pub trait FromDisconnectParts<S>: Sized + Send + 'static {
    /// Builds the argument.
    fn from_disconnect_parts(
        cx: &mut DisconnectContext,
        state: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send;
}

/// Implements the three "parts" traits for an extractor built at once from the socket and the
/// state (a ready future: nothing boxed, nothing awaited).
macro_rules! from_socket {
    (impl<$($g:ident),*> for $ty:ty where [$($bounds:tt)*], |$socket:ident, $state:pat_param| $body:expr) => {
        impl<S, $($g),*> $crate::extract::FromEventParts<S> for $ty where $($bounds)* {
            fn from_event_parts(
                cx: &mut $crate::handler::EventContext,
                $state: &S,
            ) -> impl ::std::future::Future<Output = Result<Self, $crate::extract::ExtractError>> + Send {
                let $socket = &cx.socket;
                ::std::future::ready($body)
            }
        }
        impl<S, $($g),*> $crate::extract::FromConnectParts<S> for $ty where $($bounds)* {
            fn from_connect_parts(
                cx: &mut $crate::handler::ConnectContext,
                $state: &S,
            ) -> impl ::std::future::Future<Output = Result<Self, $crate::extract::ExtractError>> + Send {
                let $socket = &cx.socket;
                ::std::future::ready($body)
            }
        }
        impl<S, $($g),*> $crate::extract::FromDisconnectParts<S> for $ty where $($bounds)* {
            fn from_disconnect_parts(
                cx: &mut $crate::handler::DisconnectContext,
                $state: &S,
            ) -> impl ::std::future::Future<Output = Result<Self, $crate::extract::ExtractError>> + Send {
                let $socket = &cx.socket;
                ::std::future::ready($body)
            }
        }
    };
    ($ty:ty, |$socket:ident| $body:expr) => {
        $crate::extract::from_socket!(impl<> for $ty where [], |$socket, _| Ok($body));
    };
}
pub(crate) use from_socket;
