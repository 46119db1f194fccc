//! [`Routes`]: how users declare a namespace's handlers, and what the server builds of them
//! ([`BoundRoutes`], then the [`NamespaceHandlers`] a live namespace runs).

use std::collections::HashMap;
use std::sync::Arc;

use crate::contract::{DescribeConnect, DescribeEvent, Recorded};
use crate::error::BuildError;
use crate::handler::{
    ConnectHandler, DisconnectHandler, ErasedConnectHandler, ErasedDisconnectHandler,
    ErasedEventHandler, EventHandler, ServerEvent, Unbound, unbound_connect, unbound_disconnect,
    unbound_event,
};
use crate::middleware::{
    ChainedConnect, ChainedEvent, IntoMiddleware, Middleware, ScopedMiddleware,
};

/// The event handlers of a namespace by name. Looked up once per event with the name the
/// client sent, never added to after the build: a fast hasher (foldhash, seeded per process)
/// is safe here.
pub(crate) type EventHandlers =
    HashMap<Box<str>, Arc<dyn ErasedEventHandler>, foldhash::fast::RandomState>;

/// The handlers of a namespace, fixed at build time.
#[derive(Default)]
pub(crate) struct NamespaceHandlers {
    pub connect: Option<Arc<dyn ErasedConnectHandler>>,
    /// The connect handler without its middleware, for recovered sockets that skip it.
    pub connect_bare: Option<Arc<dyn ErasedConnectHandler>>,
    pub disconnect: Option<Arc<dyn ErasedDisconnectHandler>>,
    pub events: EventHandlers,
    pub fallback: Option<Arc<dyn ErasedEventHandler>>,
}

impl NamespaceHandlers {
    /// No handler at all: neither connect, disconnect, events nor a fallback.
    pub fn is_empty(&self) -> bool {
        self.connect.is_none()
            && self.disconnect.is_none()
            && self.events.is_empty()
            && self.fallback.is_none()
    }
}

/// A namespace's handlers, declared with plain functions. `S` is the app state type their
/// [`State`](crate::extract::State) arguments read, given to the server with
/// [`with_state`](crate::ServerBuilder::with_state).
///
/// ```
/// use fastsio_core::{Routes, SocketRef, extract::Data, handler::Ack};
/// async fn echo(Data(text): Data<String>) -> Ack<String> { Ack(text) }
/// async fn hello(socket: SocketRef) { let _ = socket.emit_raw("hello", &()); }
/// let routes: Routes = Routes::new("/chat").on_connect(hello).on("echo", echo);
/// # let _ = routes;
/// ```
pub struct Routes<S = ()> {
    path: String,
    connect: Option<Unbound<S, dyn ErasedConnectHandler>>,
    disconnect: Option<Unbound<S, dyn ErasedDisconnectHandler>>,
    events: HashMap<Box<str>, Unbound<S, dyn ErasedEventHandler>>,
    fallback: Option<Unbound<S, dyn ErasedEventHandler>>,
    middleware: Vec<UnboundMiddleware<S>>,
    event_middleware: Vec<(String, UnboundMiddleware<S>)>,
    duplicates: Vec<String>,
    contract: Recorded,
}

/// A middleware waiting for the app state.
pub(crate) type UnboundMiddleware<S> = Box<dyn FnOnce(&Arc<S>) -> ScopedMiddleware + Send>;

pub(crate) fn unbound_middleware<S: 'static, M: IntoMiddleware<S>>(mw: M) -> UnboundMiddleware<S> {
    Box::new(move |state| mw.into_middleware(state))
}

/// Routes bound to their state, ready for the server.
pub(crate) struct BoundRoutes {
    pub path: String,
    pub handlers: NamespaceHandlers,
    /// Router-scope middleware that also wraps connections to the namespace.
    pub connect_chain: Vec<Arc<dyn Middleware>>,
    pub duplicates: Vec<String>,
    /// What the handlers recorded for the API contract.
    pub contract: Recorded,
}

impl BoundRoutes {
    /// Empty routes for a namespace nobody declared (the main one).
    pub fn empty(path: &str) -> Self {
        BoundRoutes {
            path: path.to_string(),
            handlers: NamespaceHandlers::default(),
            connect_chain: Vec::new(),
            duplicates: Vec::new(),
            contract: Recorded::default(),
        }
    }

    /// Puts the global and namespace-scope middleware (outermost first) around every handler:
    /// the chains are final after this.
    pub fn finish(self, outer: &[ScopedMiddleware]) -> NamespaceHandlers {
        let applies = |m: &&ScopedMiddleware| {
            m.scope
                .namespace
                .as_deref()
                .is_none_or(|ns| ns == self.path)
        };
        let global_first = |name: Option<&str>| -> Vec<Arc<dyn Middleware>> {
            let selected = |m: &&ScopedMiddleware| {
                applies(m)
                    && match name {
                        Some(name) => m.scope.covers_event(name),
                        None => m.scope.events.is_none(),
                    }
            };
            outer
                .iter()
                .filter(|m| m.scope.namespace.is_none())
                .chain(outer.iter().filter(|m| m.scope.namespace.is_some()))
                .filter(selected)
                .map(|m| m.middleware.clone())
                .collect()
        };
        let mut connect_chain = global_first(None);
        connect_chain.extend(self.connect_chain);
        NamespaceHandlers {
            connect_bare: self.handlers.connect.clone(),
            connect: ChainedConnect::wrap(connect_chain, self.handlers.connect),
            disconnect: self.handlers.disconnect,
            events: self
                .handlers
                .events
                .into_iter()
                .map(|(name, h)| {
                    let chain = global_first(Some(&name));
                    (name, ChainedEvent::wrap(chain, h))
                })
                .collect(),
            fallback: self
                .handlers
                .fallback
                .map(|h| ChainedEvent::wrap(global_first(None), h)),
        }
    }

    /// Adds another router's handlers for the same namespace; one event (or connect,
    /// disconnect, fallback) handled twice is a build error.
    pub fn merge(&mut self, other: BoundRoutes) -> Result<(), BuildError> {
        let path = self.path.clone();
        let clash = |what: String| {
            BuildError(format!(
                "{what} has handlers in two routers on namespace {path:?}: keep one"
            ))
        };
        for (name, handler) in other.handlers.events {
            if self.handlers.events.contains_key(&name) {
                return Err(clash(format!("event {name:?}")));
            }
            self.handlers.events.insert(name, handler);
        }
        fn one<T>(mine: &mut Option<T>, theirs: Option<T>) -> bool {
            match (mine.is_some(), theirs) {
                (true, Some(_)) => false,
                (_, Some(t)) => {
                    *mine = Some(t);
                    true
                }
                (_, None) => true,
            }
        }
        self.connect_chain.extend(other.connect_chain);
        self.contract.merge(other.contract);
        if !one(&mut self.handlers.connect, other.handlers.connect) {
            return Err(clash("connect".into()));
        }
        if !one(&mut self.handlers.disconnect, other.handlers.disconnect) {
            return Err(clash("disconnect".into()));
        }
        if !one(&mut self.handlers.fallback, other.handlers.fallback) {
            return Err(clash("the fallback".into()));
        }
        Ok(())
    }
}

impl<S: Send + Sync + 'static> Routes<S> {
    /// Handlers for the namespace `path`. A path with `{name}` segments (`/room/{id}`) is
    /// dynamic: each concrete path a client connects to (`/room/42`) is its own namespace,
    /// with these handlers and `id` readable through [`Socket::ns_param`](crate::Socket::ns_param).
    pub fn new(path: impl Into<String>) -> Self {
        Routes {
            path: path.into(),
            connect: None,
            disconnect: None,
            events: HashMap::new(),
            fallback: None,
            middleware: Vec::new(),
            event_middleware: Vec::new(),
            duplicates: Vec::new(),
            contract: Recorded::default(),
        }
    }

    /// Router-scope middleware: wraps this router's events (and connections to its
    /// namespace), inside global and namespace middleware.
    pub fn middleware(mut self, mw: impl IntoMiddleware<S>) -> Self {
        self.middleware.push(unbound_middleware(mw));
        self
    }

    /// Event-scope middleware: wraps only `event`, innermost.
    pub fn event_middleware(mut self, event: &str, mw: impl IntoMiddleware<S>) -> Self {
        self.event_middleware
            .push((event.to_string(), unbound_middleware(mw)));
        self
    }

    /// The namespace path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Handles `event`. The handler's return value is the client's ack.
    pub fn on<H: EventHandler<T, S>, T: 'static>(mut self, event: &str, handler: H) -> Self {
        if self
            .events
            .insert(event.into(), unbound_event(handler))
            .is_some()
        {
            self.duplicates.push(event.to_string());
        }
        self
    }

    /// Handles every event without a handler of its own.
    pub fn fallback<H: EventHandler<T, S>, T: 'static>(mut self, handler: H) -> Self {
        self.fallback = Some(unbound_event(handler));
        self
    }

    /// Runs when a socket connects; an `Err` refuses the connection with a `connect_error`.
    pub fn on_connect<H: ConnectHandler<T, S>, T: 'static>(mut self, handler: H) -> Self {
        self.connect = Some(unbound_connect(handler));
        self
    }

    /// Runs when a socket disconnects.
    pub fn on_disconnect<H: DisconnectHandler<T, S>, T: 'static>(mut self, handler: H) -> Self {
        self.disconnect = Some(unbound_disconnect(handler));
        self
    }

    /// Records what an event handler tells the API contract (`#[event]` routers call it).
    #[doc(hidden)]
    pub fn describe_event(mut self, event: &str, describe: DescribeEvent) -> Self {
        self.contract.events.push((event.to_string(), describe));
        self
    }

    /// Records the auth payload a connect handler reads (`#[connect]` routers call it).
    #[doc(hidden)]
    pub fn describe_connect(mut self, describe: DescribeConnect) -> Self {
        self.contract.connect = Some(describe);
        self
    }

    /// Lists a server event this namespace sends, for the API contract (the AsyncAPI
    /// document's `send` operations, the TypeScript `ServerToClientEvents`). Routers write
    /// `emits(Joined, Left)` in `#[router(..)]`.
    pub fn emits<E>(mut self) -> Self
    where
        E: ServerEvent + schemars::JsonSchema,
        E::Ack: schemars::JsonSchema,
    {
        self.contract
            .emits
            .push(crate::contract::describe_server_event::<E>);
        self
    }

    pub(crate) fn bind(self, state: &Arc<S>) -> BoundRoutes {
        let router: Vec<ScopedMiddleware> = self.middleware.into_iter().map(|m| m(state)).collect();
        let per_event: Vec<(String, ScopedMiddleware)> = self
            .event_middleware
            .into_iter()
            .map(|(event, m)| (event, m(state)))
            .collect();
        let chain_for = |name: &str| -> Vec<Arc<dyn Middleware>> {
            router
                .iter()
                .filter(|m| m.scope.covers_event(name))
                .chain(per_event.iter().filter(|(e, _)| e == name).map(|(_, m)| m))
                .map(|m| m.middleware.clone())
                .collect()
        };
        let unfiltered: Vec<Arc<dyn Middleware>> = router
            .iter()
            .filter(|m| m.scope.events.is_none())
            .map(|m| m.middleware.clone())
            .collect();
        BoundRoutes {
            path: self.path,
            handlers: NamespaceHandlers {
                connect: self.connect.map(|h| h(state)),
                connect_bare: None,
                disconnect: self.disconnect.map(|h| h(state)),
                events: self
                    .events
                    .into_iter()
                    .map(|(name, h)| {
                        let chain = chain_for(&name);
                        (name, ChainedEvent::wrap(chain, h(state)))
                    })
                    .collect(),
                fallback: self
                    .fallback
                    .map(|h| ChainedEvent::wrap(unfiltered.clone(), h(state))),
            },
            connect_chain: unfiltered,
            duplicates: self.duplicates,
            contract: self.contract,
        }
    }
}
