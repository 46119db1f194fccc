//! Handlers: async fns whose arguments are extractors, registered per namespace.
//!
//! [`EventHandler`], [`ConnectHandler`] and [`DisconnectHandler`] are implemented for every
//! `Fn` (up to eight arguments) whose arguments are extractors of the right kind. They are
//! erased once at registration; dispatch is one dynamic call and one boxed future, in which
//! the (async) extractors and the handler run.

#[doc(hidden)]
pub mod check;
mod context;
#[doc(hidden)]
pub mod registration;
mod reply;
mod route;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

pub use context::{ConnectContext, DisconnectContext, EventContext};
pub use reply::{Ack, AckErrorBody, AckReply, IntoAck, IntoAckError};
pub use route::{EventRoute, IntoRoutes, ServerEvent, str_eq};

use crate::extract::{
    ExtractError, FromConnectParts, FromDisconnectParts, FromEvent, FromEventParts,
};

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A function that handles an event; its return value is the ack ([`IntoAck`]). `S` is the
/// app state type that [`State`](crate::extract::State) arguments read from.
///
/// Implemented for every `async fn` (and `Clone` closure) whose arguments are event
/// extractors, the payload one last. Extraction and the handler run in one boxed future: the
/// built-in extractors are ready futures inside it, so an event costs one allocation.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastsio event handler",
    note = "an event handler is an `async fn` whose arguments are extractors (`SocketRef`, `Data<T>`, ...; the payload extractor last) and whose return type implements `IntoAck`"
)]
pub trait EventHandler<T, S>: Send + Sync + 'static {
    /// Extracts the arguments and runs the handler; resolves to the ack reply.
    fn call(&self, cx: EventContext, state: &Arc<S>) -> BoxFuture<AckReply>;

    /// Like [`call`](Self::call), and gives back the event's `extensions` (what the
    /// extractors cached), for `before` hooks.
    #[doc(hidden)]
    fn call_keep(
        &self,
        cx: EventContext,
        state: &Arc<S>,
    ) -> BoxFuture<(AckReply, http::Extensions)>;
}

/// What a connect handler returns: `()` accepts, `Err(e)` refuses with a `connect_error`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a fastsio connect handler",
    note = "return `()` to accept, or `Result<(), E>` with `E: Into<ConnectError>` to refuse with a `connect_error`"
)]
pub trait IntoConnectResult {
    /// `Ok` accepts.
    fn into_connect_result(self) -> Result<(), crate::ConnectError>;
}

impl IntoConnectResult for () {
    fn into_connect_result(self) -> Result<(), crate::ConnectError> {
        Ok(())
    }
}

impl<E: Into<crate::ConnectError>> IntoConnectResult for Result<(), E> {
    fn into_connect_result(self) -> Result<(), crate::ConnectError> {
        self.map_err(Into::into)
    }
}

/// A function that runs when a socket connects, before the connection is confirmed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastsio connect handler",
    note = "a connect handler is an `async fn` taking connect extractors (`SocketRef`, `Auth<T>`, `Handshake`, ...) and returning `()` or `Result<(), E>` with `E: Into<ConnectError>`"
)]
pub trait ConnectHandler<T, S>: Send + Sync + 'static {
    /// Extracts the arguments and runs the handler.
    fn call(
        &self,
        cx: ConnectContext,
        state: &Arc<S>,
    ) -> BoxFuture<Result<(), crate::ConnectError>>;
}

/// A function that runs when a socket disconnects.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastsio disconnect handler",
    note = "a disconnect handler is an `async fn` returning `()` and taking disconnect extractors (`SocketRef`, `SocketId`, `Reason`, ...)"
)]
pub trait DisconnectHandler<T, S>: Send + Sync + 'static {
    /// Extracts the arguments and runs the handler.
    fn call(&self, cx: DisconnectContext, state: &Arc<S>) -> BoxFuture<()>;
}

/// Extracts an event handler's arguments from `$cx` in order, returning `$fail(error, cx)`
/// from the enclosing async block on the first failure.
macro_rules! extract_event_args {
    ($cx:ident, $state:ident, $fail:expr, [$($ty:ident),*], $last:ident, $Last:ident) => {
        $(
            let $ty = match $ty::from_event_parts(&mut $cx, &$state).await {
                Ok(v) => v,
                Err(e) => return $fail(e, $cx),
            };
        )*
        let $last = match $Last::from_event(&mut $cx, &$state).await {
            Ok(v) => v,
            Err(e) => return $fail(e, $cx),
        };
    };
}

macro_rules! impl_event_handler {
    ($($ty:ident),*) => {
        #[allow(non_snake_case, unused_mut, unused_variables)]
        impl<F, Fut, R, S, M, $($ty,)* Last> EventHandler<(M, $($ty,)* Last), S> for F
        where
            F: Fn($($ty,)* Last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoAck,
            S: Send + Sync + 'static,
            $($ty: FromEventParts<S>,)*
            Last: FromEvent<S, M>,
        {
            fn call(&self, mut cx: EventContext, state: &Arc<S>) -> BoxFuture<AckReply> {
                let handler = self.clone();
                let state = state.clone();
                Box::pin(async move {
                    let fail = |e: ExtractError, _| AckReply::Error(e.0);
                    extract_event_args!(cx, state, fail, [$($ty),*], last, Last);
                    drop((cx, state));
                    handler($($ty,)* last).await.into_ack()
                })
            }

            fn call_keep(
                &self,
                mut cx: EventContext,
                state: &Arc<S>,
            ) -> BoxFuture<(AckReply, http::Extensions)> {
                let handler = self.clone();
                let state = state.clone();
                Box::pin(async move {
                    let fail = |e: ExtractError, cx: EventContext| (AckReply::Error(e.0), cx.extensions);
                    extract_event_args!(cx, state, fail, [$($ty),*], last, Last);
                    let extensions = cx.extensions;
                    (handler($($ty,)* last).await.into_ack(), extensions)
                })
            }
        }
    };
}

impl<F, Fut, R, S> EventHandler<(), S> for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoAck,
{
    fn call(&self, _: EventContext, _: &Arc<S>) -> BoxFuture<AckReply> {
        let fut = self();
        Box::pin(async move { fut.await.into_ack() })
    }

    fn call_keep(&self, cx: EventContext, _: &Arc<S>) -> BoxFuture<(AckReply, http::Extensions)> {
        let fut = self();
        Box::pin(async move { (fut.await.into_ack(), cx.extensions) })
    }
}

macro_rules! impl_parts_handlers {
    ($($ty:ident),*) => {
        #[allow(non_snake_case, unused_mut, unused_variables)]
        impl<F, Fut, R, S, $($ty,)*> ConnectHandler<($($ty,)*), S> for F
        where
            F: Fn($($ty,)*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoConnectResult,
            S: Send + Sync + 'static,
            $($ty: FromConnectParts<S>,)*
        {
            fn call(
                &self,
                mut cx: ConnectContext,
                state: &Arc<S>,
            ) -> BoxFuture<Result<(), crate::ConnectError>> {
                let handler = self.clone();
                let state = state.clone();
                Box::pin(async move {
                    $(let $ty = $ty::from_connect_parts(&mut cx, &state).await?;)*
                    drop((cx, state));
                    handler($($ty,)*).await.into_connect_result()
                })
            }
        }

        #[allow(non_snake_case, unused_mut, unused_variables)]
        impl<F, Fut, S, $($ty,)*> DisconnectHandler<($($ty,)*), S> for F
        where
            F: Fn($($ty,)*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = ()> + Send + 'static,
            S: Send + Sync + 'static,
            $($ty: FromDisconnectParts<S>,)*
        {
            fn call(&self, mut cx: DisconnectContext, state: &Arc<S>) -> BoxFuture<()> {
                let handler = self.clone();
                let state = state.clone();
                Box::pin(async move {
                    $(
                        let Ok($ty) = $ty::from_disconnect_parts(&mut cx, &state).await else {
                            return;
                        };
                    )*
                    drop((cx, state));
                    handler($($ty,)*).await
                })
            }
        }
    };
}

impl_event_handler!();
impl_event_handler!(T1);
impl_event_handler!(T1, T2);
impl_event_handler!(T1, T2, T3);
impl_event_handler!(T1, T2, T3, T4);
impl_event_handler!(T1, T2, T3, T4, T5);
impl_event_handler!(T1, T2, T3, T4, T5, T6);
impl_event_handler!(T1, T2, T3, T4, T5, T6, T7);

impl_parts_handlers!();
impl_parts_handlers!(T1);
impl_parts_handlers!(T1, T2);
impl_parts_handlers!(T1, T2, T3);
impl_parts_handlers!(T1, T2, T3, T4);
impl_parts_handlers!(T1, T2, T3, T4, T5);
impl_parts_handlers!(T1, T2, T3, T4, T5, T6);
impl_parts_handlers!(T1, T2, T3, T4, T5, T6, T7);
impl_parts_handlers!(T1, T2, T3, T4, T5, T6, T7, T8);

/// An event handler bound to its state, argument types erased: one dynamic call per event.
pub(crate) trait ErasedEventHandler: Send + Sync + 'static {
    fn call(&self, cx: EventContext) -> BoxFuture<AckReply>;
}

/// A connect handler bound to its state.
pub(crate) trait ErasedConnectHandler: Send + Sync + 'static {
    fn call(&self, cx: ConnectContext) -> BoxFuture<Result<(), crate::ConnectError>>;
}

/// A disconnect handler bound to its state.
pub(crate) trait ErasedDisconnectHandler: Send + Sync + 'static {
    fn call(&self, cx: DisconnectContext) -> BoxFuture<()>;
}

struct Bound<H, T, S> {
    handler: H,
    state: Arc<S>,
    _args: PhantomData<fn() -> T>,
}

impl<H: EventHandler<T, S>, T: 'static, S: Send + Sync + 'static> ErasedEventHandler
    for Bound<H, T, S>
{
    fn call(&self, cx: EventContext) -> BoxFuture<AckReply> {
        self.handler.call(cx, &self.state)
    }
}

impl<H: ConnectHandler<T, S>, T: 'static, S: Send + Sync + 'static> ErasedConnectHandler
    for Bound<H, T, S>
{
    fn call(&self, cx: ConnectContext) -> BoxFuture<Result<(), crate::ConnectError>> {
        self.handler.call(cx, &self.state)
    }
}

impl<H: DisconnectHandler<T, S>, T: 'static, S: Send + Sync + 'static> ErasedDisconnectHandler
    for Bound<H, T, S>
{
    fn call(&self, cx: DisconnectContext) -> BoxFuture<()> {
        self.handler.call(cx, &self.state)
    }
}

/// A handler waiting for the app state; bound when the server is built.
pub(crate) type Unbound<S, E> = Box<dyn FnOnce(&Arc<S>) -> Arc<E> + Send>;

/// `unbound_*`: a handler of one kind, waiting for its state.
macro_rules! unbound {
    ($name:ident, $handler:ident, $erased:ident) => {
        pub(crate) fn $name<H, T, S>(handler: H) -> Unbound<S, dyn $erased>
        where
            H: $handler<T, S>,
            T: 'static,
            S: Send + Sync + 'static,
        {
            Box::new(move |state| {
                Arc::new(Bound {
                    handler,
                    state: state.clone(),
                    _args: PhantomData,
                })
            })
        }
    };
}

unbound!(unbound_event, EventHandler, ErasedEventHandler);
unbound!(unbound_connect, ConnectHandler, ErasedConnectHandler);
unbound!(
    unbound_disconnect,
    DisconnectHandler,
    ErasedDisconnectHandler
);
