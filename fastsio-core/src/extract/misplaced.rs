//! Extractors used in the wrong kind of handler: `Auth<T>` in an event handler, `Reason` in a
//! connect handler, `Data<T>` or `Valid<T>` in a disconnect handler... Each such use selects an impl below
//! whose bound can never hold, so the compiler reports that bound's message: which handlers
//! the extractor belongs to, and what to write instead. None of these impls can ever be used.
//! The bound is on the state (`S: Guard<Extractor>`), not on the extractor: it then depends on
//! the impl's generic state, and its self type differs from the extractor's, so rustc shows the
//! guard's message rather than the handler trait's generic one.

use crate::extract::{
    Auth, Bin, Data, Event, Extension, ExtractError, FromConnectParts, FromDisconnectParts,
    FromEventParts, RawArgs, Reason, Valid,
};
use crate::handler::{ConnectContext, DisconnectContext, EventContext};

/// Extractors of `#[connect]` handlers only.
#[diagnostic::on_unimplemented(
    message = "`{E}` is only available in #[connect] handlers",
    label = "connect-only extractor",
    note = "read what you need at connect time and keep it with `socket.insert(..)`, then take `Session<T>` here"
)]
pub trait OnlyInConnect<E> {}

/// Extractors of `#[disconnect]` handlers only.
#[diagnostic::on_unimplemented(
    message = "`{E}` is only available in #[disconnect] handlers",
    label = "disconnect-only extractor",
    note = "only a disconnect handler knows why the socket left"
)]
pub trait OnlyInDisconnect<E> {}

/// Extractors of `#[event]` handlers only.
#[diagnostic::on_unimplemented(
    message = "`{E}` is only available in #[event] handlers",
    label = "event-only extractor",
    note = "connect and disconnect handlers receive no event: no payload (`Data`, `Valid`, `Bin`, `RawArgs`), no `Event` name, no `Extension<T>`; a connect handler validates its auth payload with `Valid<Auth<T>>`"
)]
pub trait OnlyInEvent<E> {}

/// `Valid<..>`, which belongs to both `#[event]` handlers (a validated payload) and `#[connect]`
/// handlers (a validated auth payload, `Valid<Auth<T>>`), but not to `#[disconnect]` ones.
#[diagnostic::on_unimplemented(
    message = "`{E}` is only available in #[event] and #[connect] handlers",
    label = "not available in #[disconnect] handlers",
    note = "`Valid<T>` validates an #[event] handler's payload, and `Valid<Auth<T>>` a #[connect] handler's auth payload; a disconnect handler receives neither: validate at connect time and keep the result with `socket.insert(..)`, then take `Session<T>` here"
)]
pub trait OnlyInEventOrConnect<E> {}

/// `impl $trait for $ty where S: $guard<$ty>`, for each listed extractor.
macro_rules! misplaced {
    ($trait:ident, $method:ident, $cx:ty, $guard:ident: $(impl<$($g:ident),*> $ty:ty),+) => {
        $(
            impl<S, $($g: Send + 'static),*> $trait<S> for $ty
            where
                S: $guard<$ty>,
            {
                fn $method(
                    _: &mut $cx,
                    _: &S,
                ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
                    std::future::pending()
                }
            }
        )+
    };
}

misplaced!(FromEventParts, from_event_parts, EventContext, OnlyInConnect: impl<T> Auth<T>);
misplaced!(FromEventParts, from_event_parts, EventContext, OnlyInDisconnect: impl<> Reason);
misplaced!(FromConnectParts, from_connect_parts, ConnectContext, OnlyInDisconnect: impl<> Reason);
misplaced!(
    FromConnectParts, from_connect_parts, ConnectContext, OnlyInEvent:
    impl<T> Data<T>, impl<> Bin, impl<> RawArgs, impl<> Event, impl<T> Extension<T>
);
misplaced!(
    FromDisconnectParts, from_disconnect_parts, DisconnectContext, OnlyInEvent:
    impl<T> Data<T>, impl<> Bin, impl<> RawArgs, impl<> Event, impl<T> Extension<T>
);
misplaced!(
    FromDisconnectParts, from_disconnect_parts, DisconnectContext, OnlyInEventOrConnect:
    impl<T> Valid<T>
);
misplaced!(FromDisconnectParts, from_disconnect_parts, DisconnectContext, OnlyInConnect: impl<T> Auth<T>);
