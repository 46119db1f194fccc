//! [`Io`](crate::Io) as a handler argument.

use crate::extract::{ExtractError, FromConnectParts, FromDisconnectParts, FromEventParts};
use crate::handler::{AckErrorBody, ConnectContext, DisconnectContext, EventContext};
use crate::server::Io;
use crate::socket::SocketRef;

fn io(socket: &SocketRef) -> Result<Io, ExtractError> {
    socket
        .io()
        .ok_or_else(|| ExtractError(AckErrorBody::new("internal", "the server is shutting down")))
}

impl<S> FromEventParts<S> for Io {
    fn from_event_parts(socket: &SocketRef, _: &EventContext, _: &S) -> Result<Self, ExtractError> {
        io(socket)
    }
}

impl<S> FromConnectParts<S> for Io {
    fn from_connect_parts(
        socket: &SocketRef,
        _: &ConnectContext,
        _: &S,
    ) -> Result<Self, ExtractError> {
        io(socket)
    }
}

impl<S> FromDisconnectParts<S> for Io {
    fn from_disconnect_parts(
        socket: &SocketRef,
        _: &DisconnectContext,
        _: &S,
    ) -> Result<Self, ExtractError> {
        io(socket)
    }
}
