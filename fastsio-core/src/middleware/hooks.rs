//! [`before`] and [`after`]: middleware from plain async fns that take extractors.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{IntoMiddleware, Middleware, Next, Scope, Scoped, ScopedMiddleware};
use crate::extract::{ExtractError, FromEventParts};
use crate::handler::{AckReply, BoxFuture, EventContext, EventHandler};

/// Runs `hook` before the handler. The hook is an event handler (any extractors, the payload
/// ones included: they read a copy) returning `Result<(), E: IntoAckError>`: `Err` rejects the
/// event with that error, and the handler does not run. What the hook's
/// [`Cached<T>`](crate::extract::Cached) arguments computed is shared with the handler.
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

/// A `before` hook bound to its state.
struct BoundBefore<H, T, S> {
    hook: H,
    state: Arc<S>,
    _args: PhantomData<fn() -> T>,
}

impl<S, H, T> IntoMiddleware<S> for Before<H, T>
where
    S: Send + Sync + 'static,
    H: EventHandler<T, S>,
    T: 'static,
{
    fn into_middleware(self, state: &Arc<S>) -> ScopedMiddleware {
        ScopedMiddleware {
            scope: Scope::default(),
            middleware: Arc::new(BoundBefore {
                hook: self.0,
                state: state.clone(),
                _args: PhantomData,
            }),
        }
    }
}

impl<S, H, T> Middleware for BoundBefore<H, T, S>
where
    S: Send + Sync + 'static,
    H: EventHandler<T, S>,
    T: 'static,
{
    fn on_event(&self, mut cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        // The hook reads a copy (its payload extractors may consume it); what its extractors
        // cached comes back to the event, for `Cached<T>` arguments further on.
        let verdict = self.hook.call_keep(cx.copy(), &self.state);
        Box::pin(async move {
            match verdict.await {
                (error @ AckReply::Error(_), _) => error,
                (AckReply::Args { .. }, extensions) => {
                    cx.extensions = extensions;
                    next.run(cx).await
                }
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
        cx: &mut EventContext,
        state: &S,
    ) -> impl Future<Output = Result<Finish, ExtractError>> + Send;
}

macro_rules! impl_after_hook {
    ($($ty:ident),*) => {
        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, S, $($ty,)*> AfterHook<($($ty,)*), S> for F
        where
            F: Fn(AckReply, $($ty,)*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = AckReply> + Send + 'static,
            S: Sync,
            $($ty: FromEventParts<S>,)*
        {
            async fn prepare(&self, cx: &mut EventContext, state: &S) -> Result<Finish, ExtractError> {
                $(let $ty = $ty::from_event_parts(cx, state).await?;)*
                let f = self.clone();
                Ok(Box::new(move |outcome| Box::pin(f(outcome, $($ty,)*)) as BoxFuture<AckReply>) as Finish)
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
    H: AfterHook<T, S> + Clone,
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
    H: AfterHook<T, S> + Clone,
    T: 'static,
{
    fn on_event(&self, mut cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        let hook = self.hook.clone();
        let state = self.state.clone();
        Box::pin(async move {
            let finish = match hook.prepare(&mut cx, &state).await {
                Ok(finish) => finish,
                Err(e) => return AckReply::Error(e.0),
            };
            let outcome = next.run(cx).await;
            finish(outcome).await
        })
    }
}
