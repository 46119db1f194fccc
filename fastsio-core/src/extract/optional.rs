//! `Option<E>` and `Result<E, ExtractError>`: extractors whose failure the handler handles
//! itself instead of the automatic error ack.

use std::future::Future;

use crate::extract::{
    ExtractError, FromConnectParts, FromDisconnectParts, FromEventParts, FromEventPayload,
};
use crate::handler::{ConnectContext, DisconnectContext, EventContext};

macro_rules! optional {
    ($trait:ident, $method:ident, $cx:ty) => {
        impl<S, T: $trait<S>> $trait<S> for Option<T> {
            fn $method(
                cx: $cx,
                state: &S,
            ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
                let inner = T::$method(cx, state);
                async move { Ok(inner.await.ok()) }
            }
        }

        impl<S, T: $trait<S>> $trait<S> for Result<T, ExtractError> {
            fn $method(
                cx: $cx,
                state: &S,
            ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
                let inner = T::$method(cx, state);
                async move { Ok(inner.await) }
            }
        }
    };
}

optional!(FromEventParts, from_event_parts, &mut EventContext);
optional!(FromEventPayload, from_event_payload, &mut EventContext);
optional!(FromConnectParts, from_connect_parts, &mut ConnectContext);
optional!(
    FromDisconnectParts,
    from_disconnect_parts,
    &mut DisconnectContext
);
