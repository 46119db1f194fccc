//! `Option<E>` and `Result<E, ExtractError>`: extractors whose failure the handler handles
//! itself instead of the automatic error ack.

use crate::extract::{
    ExtractError, FromConnectParts, FromDisconnectParts, FromEventParts, FromEventPayload,
};
use crate::handler::{ConnectContext, DisconnectContext, EventContext};
use crate::socket::SocketRef;

macro_rules! optional {
    ($trait:ident, $method:ident, $cx:ty) => {
        impl<S, T: $trait<S>> $trait<S> for Option<T> {
            fn $method(socket: &SocketRef, cx: $cx, state: &S) -> Result<Self, ExtractError> {
                Ok(T::$method(socket, cx, state).ok())
            }
        }

        impl<S, T: $trait<S>> $trait<S> for Result<T, ExtractError> {
            fn $method(socket: &SocketRef, cx: $cx, state: &S) -> Result<Self, ExtractError> {
                Ok(T::$method(socket, cx, state))
            }
        }
    };
}

optional!(FromEventParts, from_event_parts, &EventContext);
optional!(FromEventPayload, from_event_payload, &mut EventContext);
optional!(FromConnectParts, from_connect_parts, &ConnectContext);
optional!(
    FromDisconnectParts,
    from_disconnect_parts,
    &DisconnectContext
);
