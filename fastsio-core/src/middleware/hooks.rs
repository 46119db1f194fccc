//! [`before`] and [`after`]: middleware from plain async fns that take extractors.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{EventCx, IntoMiddleware, Middleware, Next, Scope, Scoped, ScopedMiddleware};
use crate::extract::{ExtractError, FromEventParts};
use crate::handler::{
    AckReply, BoxFuture, ErasedEventHandler, EventContext, EventHandler, unbound_event,
};
use crate::socket::SocketRef;

/// Runs `hook` before the handler. The hook is an event handler (any extractors, the payload
/// ones included: they read a copy) returning `Result<(), E: IntoAckError>`: `Err` rejects the
/// event with that error, and the handler does not run.
///
/// ```
/// use fastsio_core::middleware::before;
/// use fastsio_core::{SocketRef, handler::AckErrorBody};
/// async fn must_be_in_a_room(socket: SocketRef) -> Result<(), AckErrorBody> {
///     if socket.rooms().len() > 1 { Ok(()) } else { Err(AckErrorBody::new("no_room", "join a room first")) }
/// }
/// let io = fastsio_core::Server::builder()
///     .middleware(before(must_be_in_a_room).events(["send_message"]))
///     .build();
/// # let _ = io;
/// ```
pub fn before<H, T>(hook: H) -> Before<H, T> {
    Before(hook, PhantomData)
}

/// See [`before`].
pub struct Before<H, T>(H, PhantomData<fn() -> T>);

impl<H, T> Before<H, T> {
    /// Only these events.
    pub fn events<I: IntoIterator<Item = E>, E: Into<String>>(self, events: I) -> Scoped<Self> {
        Scoped::new(self).events(events)
    }

    /// Only this namespace.
    pub fn namespace(self, ns: impl Into<String>) -> Scoped<Self> {
        Scoped::new(self).namespace(ns)
    }
}

struct BoundBefore(Arc<dyn ErasedEventHandler>);

impl<S, H, T> IntoMiddleware<S> for Before<H, T>
where
    S: Send + Sync + 'static,
    H: EventHandler<T, S>,
    T: 'static,
{
    fn into_middleware(self, state: &Arc<S>) -> ScopedMiddleware {
        ScopedMiddleware {
            scope: Scope::default(),
            middleware: Arc::new(BoundBefore(unbound_event(self.0)(state))),
        }
    }
}

impl Middleware for BoundBefore {
    fn on_event(&self, cx: EventCx, next: Next) -> BoxFuture<AckReply> {
        let copy = EventContext {
            args: cx.event.args.clone(),
            attachments: cx.event.attachments.clone(),
            ack_id: cx.event.ack_id,
            extensions: cx.event.extensions.clone(),
            name: cx.event.name().clone(),
        };
        let verdict = self.0.call(cx.socket.clone(), copy);
        Box::pin(async move {
            match verdict.await {
                error @ AckReply::Error(_) => error,
                AckReply::Args { .. } => next.run(cx).await,
            }
        })
    }
}

/// Runs `hook` after the handler with its outcome, which the hook may replace. The hook's first
/// argument is the outcome ([`AckReply`]); the others are extractors that do not consume the
/// payload.
///
/// ```
/// use fastsio_core::middleware::after;
/// use fastsio_core::{extract::Event, handler::AckReply};
/// async fn audit(outcome: AckReply, Event(name): Event) -> AckReply {
///     tracing::info!(%name, ok = matches!(outcome, AckReply::Args { .. }), "handled");
///     outcome
/// }
/// let io = fastsio_core::Server::builder().middleware(after(audit)).build();
/// # let _ = io;
/// ```
pub fn after<H, T>(hook: H) -> After<H, T> {
    After(hook, PhantomData)
}

/// See [`after`].
pub struct After<H, T>(H, PhantomData<fn() -> T>);

impl<H, T> After<H, T> {
    /// Only these events.
    pub fn events<I: IntoIterator<Item = E>, E: Into<String>>(self, events: I) -> Scoped<Self> {
        Scoped::new(self).events(events)
    }

    /// Only this namespace.
    pub fn namespace(self, ns: impl Into<String>) -> Scoped<Self> {
        Scoped::new(self).namespace(ns)
    }
}

/// The rest of an after-hook, its arguments extracted, waiting for the outcome.
pub type Finish = Box<dyn FnOnce(AckReply) -> BoxFuture<AckReply> + Send>;

/// An async fn usable with [`after`]: the outcome first, then extractors.
pub trait AfterHook<T, S>: Send + Sync + 'static {
    /// Extracts the arguments now (the handler will consume the event).
    fn prepare(
        &self,
        socket: &SocketRef,
        cx: &EventContext,
        state: &S,
    ) -> Result<Finish, ExtractError>;
}

macro_rules! impl_after_hook {
    ($($ty:ident),*) => {
        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, S, $($ty,)*> AfterHook<($($ty,)*), S> for F
        where
            F: Fn(AckReply, $($ty,)*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = AckReply> + Send + 'static,
            $($ty: FromEventParts<S>,)*
        {
            fn prepare(&self, socket: &SocketRef, cx: &EventContext, state: &S) -> Result<Finish, ExtractError> {
                $(let $ty = $ty::from_event_parts(socket, cx, state)?;)*
                let f = self.clone();
                Ok(Box::new(move |outcome| Box::pin(f(outcome, $($ty,)*))))
            }
        }
    };
}

impl_after_hook!();
impl_after_hook!(T1);
impl_after_hook!(T1, T2);
impl_after_hook!(T1, T2, T3);
impl_after_hook!(T1, T2, T3, T4);
impl_after_hook!(T1, T2, T3, T4, T5);

struct BoundAfter<H, T, S> {
    hook: H,
    state: Arc<S>,
    _args: PhantomData<fn() -> T>,
}

impl<S, H, T> IntoMiddleware<S> for After<H, T>
where
    S: Send + Sync + 'static,
    H: AfterHook<T, S>,
    T: 'static,
{
    fn into_middleware(self, state: &Arc<S>) -> ScopedMiddleware {
        ScopedMiddleware {
            scope: Scope::default(),
            middleware: Arc::new(BoundAfter {
                hook: self.0,
                state: state.clone(),
                _args: PhantomData,
            }),
        }
    }
}

impl<S, H, T> Middleware for BoundAfter<H, T, S>
where
    S: Send + Sync + 'static,
    H: AfterHook<T, S>,
    T: 'static,
{
    fn on_event(&self, cx: EventCx, next: Next) -> BoxFuture<AckReply> {
        match self.hook.prepare(&cx.socket, &cx.event, &self.state) {
            Err(e) => Box::pin(std::future::ready(AckReply::Error(e.0))),
            Ok(finish) => Box::pin(async move {
                let outcome = next.run(cx).await;
                finish(outcome).await
            }),
        }
    }
}
