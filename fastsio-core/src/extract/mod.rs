//! Extractors: typed handler arguments, as in axum.
//!
//! An event handler's arguments implement [`FromEventParts`] (anything that only looks at the
//! socket or the event: [`SocketRef`], [`SocketId`], [`Event`],
//! [`Io`](crate::Io)) except the last, which may instead consume the payload through
//! [`FromEventPayload`] ([`Data`], [`RawArgs`], [`Bin`]). Connect handlers take
//! [`FromConnectParts`] arguments ([`Auth`], [`Handshake`], ...), disconnect handlers
//! [`FromDisconnectParts`] ones ([`Reason`], ...).

mod auth;
mod bin;
mod data;
mod error;
mod event;
mod extension;
mod handshake;
mod io;
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
pub use data::Data;
pub use error::ExtractError;
pub use event::Event;
pub use extension::Extension;
pub use handshake::Handshake;
pub use ns_param::NsParam;
pub use raw_args::RawArgs;
pub use reason::Reason;
pub use session::Session;
pub use socket_id::SocketId;
pub use state::{FromRef, State};
pub use valid::Valid;

use crate::handler::{ConnectContext, DisconnectContext, EventContext};
use crate::socket::SocketRef;

/// An event-handler argument built from the socket and the event, without consuming the
/// payload; any number of these may come before the payload argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a fastsio event handler",
    note = "event handlers take `SocketRef`, `SocketId`, `Event`, `Io`, `Handshake` and, as the last argument, one payload extractor: `Data<T>`, `Valid<T>`, `Bin` or `RawArgs`"
)]
pub trait FromEventParts<S>: Sized + Send + 'static {
    /// Builds the argument; `state` is the server's app state.
    fn from_event_parts(
        socket: &SocketRef,
        cx: &EventContext,
        state: &S,
    ) -> Result<Self, ExtractError>;
}

/// The last event-handler argument: it may consume the payload.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take the payload of a fastsio event",
    note = "use `Data<T>` with `T: Deserialize`, `Valid<T>`, `Bin` or `RawArgs`"
)]
pub trait FromEventPayload<S>: Sized + Send + 'static {
    /// Builds the argument, taking what it needs out of the event.
    fn from_event_payload(
        socket: &SocketRef,
        cx: &mut EventContext,
        state: &S,
    ) -> Result<Self, ExtractError>;
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
pub trait FromEvent<S, M>: Sized + Send + 'static {
    /// Builds the argument.
    fn from_event(
        socket: &SocketRef,
        cx: &mut EventContext,
        state: &S,
    ) -> Result<Self, ExtractError>;
}

impl<S, T: FromEventParts<S>> FromEvent<S, via::Parts> for T {
    fn from_event(
        socket: &SocketRef,
        cx: &mut EventContext,
        state: &S,
    ) -> Result<Self, ExtractError> {
        T::from_event_parts(socket, cx, state)
    }
}

impl<S, T: FromEventPayload<S>> FromEvent<S, via::Payload> for T {
    fn from_event(
        socket: &SocketRef,
        cx: &mut EventContext,
        state: &S,
    ) -> Result<Self, ExtractError> {
        T::from_event_payload(socket, cx, state)
    }
}

/// A connect-handler argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a fastsio connect handler",
    note = "connect handlers take `SocketRef`, `SocketId`, `Auth<T>`, `Handshake` and `Io`"
)]
pub trait FromConnectParts<S>: Sized + Send + 'static {
    /// Builds the argument.
    fn from_connect_parts(
        socket: &SocketRef,
        cx: &ConnectContext,
        state: &S,
    ) -> Result<Self, ExtractError>;
}

/// A disconnect-handler argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a fastsio disconnect handler",
    note = "disconnect handlers take `SocketRef`, `SocketId`, `Reason`, `Handshake` and `Io`"
)]
pub trait FromDisconnectParts<S>: Sized + Send + 'static {
    /// Builds the argument.
    fn from_disconnect_parts(
        socket: &SocketRef,
        cx: &DisconnectContext,
        state: &S,
    ) -> Result<Self, ExtractError>;
}

/// Implements the three "parts" traits for an extractor that only needs the socket.
macro_rules! from_socket {
    ($ty:ty, |$socket:ident| $body:expr) => {
        impl<S> $crate::extract::FromEventParts<S> for $ty {
            fn from_event_parts(
                $socket: &$crate::socket::SocketRef,
                _: &$crate::handler::EventContext,
                _: &S,
            ) -> Result<Self, $crate::extract::ExtractError> {
                Ok($body)
            }
        }
        impl<S> $crate::extract::FromConnectParts<S> for $ty {
            fn from_connect_parts(
                $socket: &$crate::socket::SocketRef,
                _: &$crate::handler::ConnectContext,
                _: &S,
            ) -> Result<Self, $crate::extract::ExtractError> {
                Ok($body)
            }
        }
        impl<S> $crate::extract::FromDisconnectParts<S> for $ty {
            fn from_disconnect_parts(
                $socket: &$crate::socket::SocketRef,
                _: &$crate::handler::DisconnectContext,
                _: &S,
            ) -> Result<Self, $crate::extract::ExtractError> {
                Ok($body)
            }
        }
    };
}
pub(crate) use from_socket;
