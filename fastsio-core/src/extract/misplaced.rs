//! Extractors used in the wrong kind of handler: `Auth<T>` in an event handler, `Reason` in a
//! connect handler, `Data<T>` or `Valid<T>` in a disconnect handler... Each such use selects an impl below
//! whose bound can never hold, so the compiler reports that bound's message: which handlers
//! the extractor belongs to, and what to write instead. None of these impls can ever be used.
//! The bound is on the state (`S: Guard<Extractor>`), not on the extractor: it then depends on
//! the impl's generic state, and its self type differs from the extractor's, so rustc shows the
//! guard's message rather than the handler trait's generic one. The guards hold for every
//! `Unpin` state, which every app state is, and fail for the definition checks' `AnyState`
//! alone: the mistake is reported where the handler is written, not again where a router
//! registers it with its real state. Each such extractor is also marked `MisplacedIn<kind>`,
//! for the checks of handlers that declare their state.

use crate::extract::{
    Auth, Bin, Data, Event, Extension, ExtractError, FromConnectParts, FromDisconnectParts,
    FromEventParts, RawArgs, Reason, Valid,
};
use crate::handler::check::{MisplacedIn, kind};
use crate::handler::{ConnectContext, DisconnectContext, EventContext};

/// Extractors of `#[connect]` handlers only.
#[diagnostic::on_unimplemented(
    message = "`{E}` is only available in #[connect] handlers",
    label = "connect-only extractor",
    note = "read what you need at connect time and keep it with `socket.insert(..)`, then take `Session<T>` here"
)]
pub trait OnlyInConnect<E> {}

#[diagnostic::do_not_recommend]
impl<S: Unpin, E> OnlyInConnect<E> for S {}

/// Extractors of `#[disconnect]` handlers only.
#[diagnostic::on_unimplemented(
    message = "`{E}` is only available in #[disconnect] handlers",
    label = "disconnect-only extractor",
    note = "only a disconnect handler knows why the socket left"
)]
pub trait OnlyInDisconnect<E> {}

#[diagnostic::do_not_recommend]
impl<S: Unpin, E> OnlyInDisconnect<E> for S {}

/// Extractors of `#[event]` handlers only.
#[diagnostic::on_unimplemented(
    message = "`{E}` is only available in #[event] handlers",
    label = "event-only extractor",
    note = "connect and disconnect handlers receive no event: no payload (`Data`, `Valid`, `Bin`, `RawArgs`), no `Event` name, no `Extension<T>`; a connect handler validates its auth payload with `Valid<Auth<T>>`"
)]
pub trait OnlyInEvent<E> {}

#[diagnostic::do_not_recommend]
impl<S: Unpin, E> OnlyInEvent<E> for S {}

/// `Valid<..>`, which belongs to both `#[event]` handlers (a validated payload) and `#[connect]`
/// handlers (a validated auth payload, `Valid<Auth<T>>`), but not to `#[disconnect]` ones.
#[diagnostic::on_unimplemented(
    message = "`{E}` is only available in #[event] and #[connect] handlers",
    label = "not available in #[disconnect] handlers",
    note = "`Valid<T>` validates an #[event] handler's payload, and `Valid<Auth<T>>` a #[connect] handler's auth payload; a disconnect handler receives neither: validate at connect time and keep the result with `socket.insert(..)`, then take `Session<T>` here"
)]
pub trait OnlyInEventOrConnect<E> {}

#[diagnostic::do_not_recommend]
impl<S: Unpin, E> OnlyInEventOrConnect<E> for S {}

/// `impl $trait for $ty where S: $guard<$ty>`, for each listed extractor.
macro_rules! misplaced {
    ($trait:ident, $method:ident, $cx:ty, $kind:ident, $guard:ident: $(impl<$($g:ident),*> $ty:ty),+) => {
        $(
            impl<$($g),*> MisplacedIn<kind::$kind> for $ty {}

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

misplaced!(FromEventParts, from_event_parts, EventContext, Event, OnlyInConnect: impl<T> Auth<T>);
misplaced!(FromEventParts, from_event_parts, EventContext, Event, OnlyInDisconnect: impl<> Reason);
misplaced!(FromConnectParts, from_connect_parts, ConnectContext, Connect, OnlyInDisconnect: impl<> Reason);
misplaced!(
    FromConnectParts, from_connect_parts, ConnectContext, Connect, OnlyInEvent:
    impl<T> Data<T>, impl<> Bin, impl<> RawArgs, impl<> Event, impl<T> Extension<T>
);
misplaced!(
    FromDisconnectParts, from_disconnect_parts, DisconnectContext, Disconnect, OnlyInEvent:
    impl<T> Data<T>, impl<> Bin, impl<> RawArgs, impl<> Event, impl<T> Extension<T>
);
misplaced!(
    FromDisconnectParts, from_disconnect_parts, DisconnectContext, Disconnect, OnlyInEventOrConnect:
    impl<T> Valid<T>
);
misplaced!(FromDisconnectParts, from_disconnect_parts, DisconnectContext, Disconnect, OnlyInConnect: impl<T> Auth<T>);
