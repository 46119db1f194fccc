//! The middleware chain.
//!
//! A [`Middleware`] wraps event handling ([`on_event`](Middleware::on_event)) and/or
//! connection acceptance ([`on_connect`](Middleware::on_connect)), tower-style: it gets the
//! context and the rest of the chain, and may answer itself (a rejection), call on, or change
//! what comes back. [`before`] and [`after`] build middleware from plain async fns that take
//! extractors, so middleware and extraction always compose.
//!
//! Scopes, outermost first: global (`ServerBuilder::middleware`), namespace
//! (`.middleware(mw.namespace("/admin"))`), router (`Routes::middleware`), event
//! (`Routes::event_middleware`). Any of them may be limited to a list of events with
//! [`MiddlewareScope::events`]. Chains are composed once, when the server is built: an event
//! without middleware costs nothing extra, each middleware one dynamic call.
//!
//! Built-ins: [`Logging`], [`RequireAuth`], [`RateLimit`], [`Timeout`].

mod chain;
mod hooks;
mod logging;
mod rate_limit;
mod require_auth;
mod timeout;

use std::sync::Arc;

pub(crate) use chain::{ChainedConnect, ChainedEvent};
pub use hooks::{After, AfterHook, Before, after, before};
pub use logging::Logging;
pub use rate_limit::RateLimit;
pub use require_auth::RequireAuth;
pub use timeout::Timeout;

use crate::error::ConnectError;
use crate::handler::{
    AckReply, BoxFuture, ConnectContext, ErasedConnectHandler, ErasedEventHandler, EventContext,
};

/// Middleware: see the [module docs](self). It receives the same [`EventContext`] /
/// [`ConnectContext`] the extractors read: the socket, the raw arguments, and `extensions` where
/// it may leave values for [`Extension<T>`](crate::extract::Extension) and
/// [`Cached<T>`](crate::extract::Cached) arguments.
pub trait Middleware: Send + Sync + 'static {
    /// Wraps the handling of one event. The default passes it on.
    fn on_event(&self, cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        next.run(cx)
    }

    /// Wraps the acceptance of one connection; an `Err` refuses it with a `connect_error`.
    /// The default passes it on.
    fn on_connect(
        &self,
        cx: ConnectContext,
        next: ConnectNext,
    ) -> BoxFuture<Result<(), ConnectError>> {
        next.run(cx)
    }
}

/// The rest of an event chain.
pub struct Next {
    chain: Arc<[Arc<dyn Middleware>]>,
    index: usize,
    handler: Arc<dyn ErasedEventHandler>,
}

impl Next {
    /// Runs the rest of the chain, then the handler.
    pub fn run(self, cx: EventContext) -> BoxFuture<AckReply> {
        match self.chain.get(self.index).cloned() {
            Some(mw) => mw.on_event(
                cx,
                Next {
                    chain: self.chain,
                    index: self.index + 1,
                    handler: self.handler,
                },
            ),
            None => self.handler.call(cx),
        }
    }
}

/// The rest of a connect chain.
pub struct ConnectNext {
    chain: Arc<[Arc<dyn Middleware>]>,
    index: usize,
    handler: Option<Arc<dyn ErasedConnectHandler>>,
}

impl ConnectNext {
    /// Runs the rest of the chain, then the connect handler (if any).
    pub fn run(self, cx: ConnectContext) -> BoxFuture<Result<(), ConnectError>> {
        match self.chain.get(self.index).cloned() {
            Some(mw) => mw.on_connect(
                cx,
                ConnectNext {
                    chain: self.chain,
                    index: self.index + 1,
                    handler: self.handler,
                },
            ),
            None => match self.handler {
                Some(handler) => handler.call(cx),
                None => Box::pin(std::future::ready(Ok(()))),
            },
        }
    }
}

/// Where a middleware applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub(crate) events: Option<Vec<String>>,
    pub(crate) namespace: Option<String>,
}

impl Scope {
    pub(crate) fn covers_event(&self, name: &str) -> bool {
        self.events
            .as_ref()
            .is_none_or(|events| events.iter().any(|e| e == name))
    }
}

/// A middleware with its scope, bound to the app state, as the server stores it.
#[derive(Clone)]
pub struct ScopedMiddleware {
    pub(crate) scope: Scope,
    pub(crate) middleware: Arc<dyn Middleware>,
}

/// Anything that becomes a middleware once the app state is known: every [`Middleware`],
/// the [`before`]/[`after`] adapters, and their [`Scoped`] forms.
pub trait IntoMiddleware<S>: Send + 'static {
    /// Binds the state.
    fn into_middleware(self, state: &Arc<S>) -> ScopedMiddleware;
}

impl<S, M: Middleware> IntoMiddleware<S> for M {
    fn into_middleware(self, _: &Arc<S>) -> ScopedMiddleware {
        ScopedMiddleware {
            scope: Scope::default(),
            middleware: Arc::new(self),
        }
    }
}

/// A middleware limited to some events and/or one namespace.
pub struct Scoped<M> {
    inner: M,
    scope: Scope,
}

impl<S, M: IntoMiddleware<S>> IntoMiddleware<S> for Scoped<M> {
    fn into_middleware(self, state: &Arc<S>) -> ScopedMiddleware {
        ScopedMiddleware {
            scope: self.scope,
            middleware: self.inner.into_middleware(state).middleware,
        }
    }
}

/// Limits a middleware: `RateLimit::per_second(20).events(["send_message"])`,
/// `Logging::default().namespace("/admin")`. (The [`before`]/[`after`] adapters have the same
/// two methods.)
pub trait MiddlewareScope: Middleware + Sized {
    /// Only these events (connections are not affected by an event-limited middleware).
    fn events<I: IntoIterator<Item = E>, E: Into<String>>(self, events: I) -> Scoped<Self> {
        Scoped::new(self).events(events)
    }

    /// Only this namespace (for global middleware: it then runs in the namespace scope, after
    /// the unlimited global ones).
    fn namespace(self, ns: impl Into<String>) -> Scoped<Self> {
        Scoped::new(self).namespace(ns)
    }
}

impl<M: Middleware> MiddlewareScope for M {}

impl<M> Scoped<M> {
    /// Wraps a middleware (or adapter) without limits yet.
    pub fn new(inner: M) -> Self {
        Scoped {
            inner,
            scope: Scope::default(),
        }
    }

    /// Only these events.
    pub fn events<I: IntoIterator<Item = E>, E: Into<String>>(mut self, events: I) -> Self {
        self.scope.events = Some(events.into_iter().map(Into::into).collect());
        self
    }

    /// Only this namespace.
    pub fn namespace(mut self, ns: impl Into<String>) -> Self {
        self.scope.namespace = Some(ns.into());
        self
    }
}
