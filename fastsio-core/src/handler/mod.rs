//! Handlers: async fns whose arguments are extractors, registered per namespace.
//!
//! [`EventHandler`], [`ConnectHandler`] and [`DisconnectHandler`] are implemented for every
//! `Fn` (up to eight arguments) whose arguments are extractors of the right kind. They are
//! erased once at registration; dispatch is one dynamic call.

mod context;
mod reply;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

pub use context::{ConnectContext, DisconnectContext, EventContext};
pub use reply::{Ack, AckErrorBody, AckReply, IntoAck, IntoAckError};

use crate::extract::{FromConnectParts, FromDisconnectParts, FromEvent, FromEventParts};
use crate::socket::SocketRef;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A function that handles an event; its return value is the ack ([`IntoAck`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastsio event handler",
    note = "an event handler is an `async fn` whose arguments are extractors (`SocketRef`, `Data<T>`, ...; the payload extractor last) and whose return type implements `IntoAck`"
)]
pub trait EventHandler<T>: Clone + Send + Sync + 'static {
    /// Runs the handler; resolves to the ack reply.
    fn call(&self, socket: SocketRef, cx: EventContext) -> BoxFuture<AckReply>;
}

/// What a connect handler returns: `()` accepts, `Err(e)` refuses with a `connect_error`.
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
pub trait ConnectHandler<T>: Clone + Send + Sync + 'static {
    /// Runs the handler.
    fn call(
        &self,
        socket: SocketRef,
        cx: ConnectContext,
    ) -> BoxFuture<Result<(), crate::ConnectError>>;
}

/// A function that runs when a socket disconnects.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fastsio disconnect handler",
    note = "a disconnect handler is an `async fn` taking disconnect extractors (`SocketRef`, `SocketId`, `Reason`, ...)"
)]
pub trait DisconnectHandler<T>: Clone + Send + Sync + 'static {
    /// Runs the handler.
    fn call(&self, socket: SocketRef, cx: DisconnectContext) -> BoxFuture<()>;
}

macro_rules! impl_event_handler {
    ($($ty:ident),*) => {
        #[allow(non_snake_case, unused_mut, unused_variables)]
        impl<F, Fut, R, M, $($ty,)* Last> EventHandler<(M, $($ty,)* Last)> for F
        where
            F: Fn($($ty,)* Last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoAck,
            $($ty: FromEventParts,)*
            Last: FromEvent<M>,
        {
            fn call(&self, socket: SocketRef, mut cx: EventContext) -> BoxFuture<AckReply> {
                let f = self.clone();
                Box::pin(async move {
                    $(
                        let $ty = match $ty::from_event_parts(&socket, &cx) {
                            Ok(v) => v,
                            Err(e) => return AckReply::Error(e.0),
                        };
                    )*
                    let last = match Last::from_event(&socket, &mut cx) {
                        Ok(v) => v,
                        Err(e) => return AckReply::Error(e.0),
                    };
                    f($($ty,)* last).await.into_ack()
                })
            }
        }
    };
}

impl<F, Fut, R> EventHandler<()> for F
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoAck,
{
    fn call(&self, _: SocketRef, _: EventContext) -> BoxFuture<AckReply> {
        let fut = self();
        Box::pin(async move { fut.await.into_ack() })
    }
}

macro_rules! impl_parts_handlers {
    ($($ty:ident),*) => {
        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, R, $($ty,)*> ConnectHandler<($($ty,)*)> for F
        where
            F: Fn($($ty,)*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoConnectResult,
            $($ty: FromConnectParts,)*
        {
            fn call(&self, socket: SocketRef, cx: ConnectContext) -> BoxFuture<Result<(), crate::ConnectError>> {
                let f = self.clone();
                Box::pin(async move {
                    $(
                        let $ty = $ty::from_connect_parts(&socket, &cx)
                            .map_err(crate::ConnectError::from)?;
                    )*
                    f($($ty,)*).await.into_connect_result()
                })
            }
        }

        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, $($ty,)*> DisconnectHandler<($($ty,)*)> for F
        where
            F: Fn($($ty,)*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = ()> + Send + 'static,
            $($ty: FromDisconnectParts,)*
        {
            fn call(&self, socket: SocketRef, cx: DisconnectContext) -> BoxFuture<()> {
                let f = self.clone();
                Box::pin(async move {
                    $(
                        let Ok($ty) = $ty::from_disconnect_parts(&socket, &cx) else {
                            return;
                        };
                    )*
                    f($($ty,)*).await
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

/// An event handler with its argument types erased.
pub(crate) trait ErasedEventHandler: Send + Sync + 'static {
    fn call(&self, socket: SocketRef, cx: EventContext) -> BoxFuture<AckReply>;
}

/// A connect handler with its argument types erased.
pub(crate) trait ErasedConnectHandler: Send + Sync + 'static {
    fn call(
        &self,
        socket: SocketRef,
        cx: ConnectContext,
    ) -> BoxFuture<Result<(), crate::ConnectError>>;
}

/// A disconnect handler with its argument types erased.
pub(crate) trait ErasedDisconnectHandler: Send + Sync + 'static {
    fn call(&self, socket: SocketRef, cx: DisconnectContext) -> BoxFuture<()>;
}

struct Erased<H, T>(H, PhantomData<fn() -> T>);

impl<H: EventHandler<T>, T: 'static> ErasedEventHandler for Erased<H, T> {
    fn call(&self, socket: SocketRef, cx: EventContext) -> BoxFuture<AckReply> {
        self.0.call(socket, cx)
    }
}

impl<H: ConnectHandler<T>, T: 'static> ErasedConnectHandler for Erased<H, T> {
    fn call(
        &self,
        socket: SocketRef,
        cx: ConnectContext,
    ) -> BoxFuture<Result<(), crate::ConnectError>> {
        self.0.call(socket, cx)
    }
}

impl<H: DisconnectHandler<T>, T: 'static> ErasedDisconnectHandler for Erased<H, T> {
    fn call(&self, socket: SocketRef, cx: DisconnectContext) -> BoxFuture<()> {
        self.0.call(socket, cx)
    }
}

pub(crate) fn erase_event<H: EventHandler<T>, T: 'static>(h: H) -> Arc<dyn ErasedEventHandler> {
    Arc::new(Erased(h, PhantomData))
}

pub(crate) fn erase_connect<H: ConnectHandler<T>, T: 'static>(
    h: H,
) -> Arc<dyn ErasedConnectHandler> {
    Arc::new(Erased(h, PhantomData))
}

pub(crate) fn erase_disconnect<H: DisconnectHandler<T>, T: 'static>(
    h: H,
) -> Arc<dyn ErasedDisconnectHandler> {
    Arc::new(Erased(h, PhantomData))
}
