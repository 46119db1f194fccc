//! [`Server::builder()`](Server::builder), the [`ServerConfig`], and [`Io`]: the cloneable
//! handle to a running Socket.IO server.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::Duration;

use serde::Serialize;
use tokio::net::TcpListener;

use crate::adapter::{Adapter, LocalAdapter};
use crate::client::SioHandler;
use crate::contract::{
    AckShape, AckValue, AsyncApi, Contract, DescribeEvent, EventDescription, Payload, Published,
    Recorded,
};
use crate::engine::{
    AllowRequest, CorsConfig, Engine, EngineConfig, HttpCompression, PerMessageDeflate, Str,
};
use crate::error::{BuildError, EmitError};
use crate::handler::{IntoRoutes, ServerEvent};
use crate::middleware::{IntoMiddleware, ScopedMiddleware};
use crate::namespace::Namespace;
use crate::ns_pattern::NsPattern;
use crate::observer::Observer;
use crate::operators::BroadcastOperators;
use crate::protocol::Parser;
use crate::recovery::RecoveryConfig;
use crate::room::IntoRooms;
use crate::routes::{
    BoundRoutes, NamespaceHandlers, Routes, UnboundMiddleware, unbound_middleware,
};
use crate::service::{EngineLayer, EngineService, NotFound, serve_engine};
use crate::socket::SocketRef;

/// What happens when a handler fails and the client asked for no ack to carry the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoAckPolicy {
    /// Log it (the default).
    #[default]
    Log,
    /// Emit an `exception` event to the client: `{"event": name, "error": {code, message}}`.
    EmitException,
    /// Disconnect the socket.
    Disconnect,
}

/// Socket.IO settings on top of the Engine.IO ones.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The Engine.IO settings (path `/socket.io/` here).
    pub engine: EngineConfig,
    /// How long a new connection may take to send CONNECT (default 45 s).
    pub connect_timeout: Duration,
    /// The most binary attachments one packet may announce (default 64).
    pub max_attachments: usize,
    /// Events a socket may have waiting for its handlers (default 256); beyond, the server
    /// stops reading from that connection until its handlers catch up (backpressure).
    pub max_pending_events: usize,
    /// Handler errors nobody asked an ack for.
    pub no_ack_policy: NoAckPolicy,
    /// Rooms one socket may be in, its own not counted (default: no limit); see
    /// [`Socket::try_join`](crate::Socket::try_join).
    pub max_rooms_per_socket: Option<usize>,
    /// Concrete namespaces dynamic patterns may create (default 10 000); beyond, connecting
    /// to a new one is refused like an unknown namespace, so clients cannot grow the server
    /// without bound.
    pub max_dynamic_namespaces: usize,
    /// The wire format of packets, one for every client (default [`Parser::Json`]).
    pub parser: Parser,
    /// Connection state recovery (default: off); see [`RecoveryConfig`].
    pub connection_state_recovery: Option<RecoveryConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let mut engine = EngineConfig::default();
        engine.path = "/socket.io/".into();
        ServerConfig {
            engine,
            connect_timeout: Duration::from_secs(45),
            max_attachments: 64,
            max_pending_events: 256,
            no_ack_policy: NoAckPolicy::Log,
            max_dynamic_namespaces: 10_000,
            max_rooms_per_socket: None,
            parser: Parser::Json,
            connection_state_recovery: None,
        }
    }
}

type AdapterFactory = Arc<dyn Fn() -> Arc<dyn Adapter> + Send + Sync>;

pub(crate) struct ServerInner {
    pub config: ServerConfig,
    engine: OnceLock<Weak<Engine<SioHandler>>>,
    namespaces: RwLock<HashMap<Str, Arc<Namespace>>>,
    static_count: usize,
    dynamic: Vec<(NsPattern, Arc<NamespaceHandlers>)>,
    adapter: AdapterFactory,
    pub observer: Option<Arc<dyn Observer>>,
    /// The API contract and its routes, when `asyncapi(..)` is on.
    pub contract: Option<Published>,
}

impl ServerInner {
    /// The server handle, while the server exists.
    pub fn io(self: &Arc<Self>) -> Option<Io> {
        let engine = self.engine.get()?.upgrade()?;
        Some(Io {
            inner: self.clone(),
            engine,
        })
    }

    /// The namespace at `path`: a static one, or an instance of a matching dynamic one.
    pub fn namespace(&self, path: &str) -> Option<Arc<Namespace>> {
        if let Some(ns) = self
            .namespaces
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return Some(ns.clone());
        }
        let (params, handlers) = self
            .dynamic
            .iter()
            .find_map(|(pattern, handlers)| pattern.matches(path).map(|p| (p, handlers.clone())))?;
        let mut namespaces = self.namespaces.write().unwrap_or_else(|e| e.into_inner());
        if let Some(ns) = namespaces.get(path) {
            return Some(ns.clone());
        }
        let dynamic = namespaces.len().saturating_sub(self.static_count);
        if dynamic >= self.config.max_dynamic_namespaces {
            tracing::warn!(path, "dynamic namespace limit reached: refusing a new one");
            return None;
        }
        let ns = Namespace::new(
            Str::from(path),
            params,
            handlers,
            (self.adapter)(),
            self.config.parser,
            self.observer.clone(),
            self.config.connection_state_recovery.clone(),
        );
        namespaces.insert(Str::from(path), ns.clone());
        Some(ns)
    }
}

/// The entry point: `Server::builder()`.
#[derive(Debug, Clone, Copy)]
pub struct Server;

impl Server {
    /// Starts configuring a server. `S` is the app state type handlers read through
    /// [`State`](crate::extract::State); it is inferred from
    /// [`with_state`](ServerBuilder::with_state) (or `()` without one).
    pub fn builder<S: Send + Sync + 'static>() -> ServerBuilder<S> {
        ServerBuilder {
            config: ServerConfig::default(),
            routes: Vec::new(),
            bound: Vec::new(),
            middleware: Vec::new(),
            bound_middleware: Vec::new(),
            adapter: Arc::new(|| Arc::new(LocalAdapter::new()) as Arc<dyn Adapter>),
            observer: None,
            unused_states: Vec::new(),
            asyncapi: None,
        }
    }
}

/// Configures a server; [`build`](Self::build) checks it and starts nothing until served.
///
/// ```
/// use std::time::Duration;
/// use fastsio_core::{Server, Routes, extract::Data, handler::Ack};
/// async fn echo(Data(v): Data<serde_json::Value>) -> Ack<serde_json::Value> { Ack(v) }
/// let io = Server::builder()
///     .ping_interval(Duration::from_secs(10))
///     .routes(Routes::new("/").on("echo", echo))
///     .build()
///     .unwrap();
/// # let _ = io;
/// ```
pub struct ServerBuilder<S = ()> {
    config: ServerConfig,
    routes: Vec<Routes<S>>,
    bound: Vec<BoundRoutes>,
    middleware: Vec<UnboundMiddleware<S>>,
    bound_middleware: Vec<ScopedMiddleware>,
    adapter: AdapterFactory,
    observer: Option<Arc<dyn Observer>>,
    /// The types of states given with nothing to bind them to: `build` warns of them.
    unused_states: Vec<&'static str>,
    asyncapi: Option<AsyncApi>,
}

impl<S: Send + Sync + 'static> ServerBuilder<S> {
    /// The request path (default `/socket.io/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.config.engine.path = path.into();
        self
    }

    /// Server ping period (default 25 s).
    pub fn ping_interval(mut self, d: Duration) -> Self {
        self.config.engine.ping_interval = d;
        self
    }

    /// How long to wait for a pong (default 20 s).
    pub fn ping_timeout(mut self, d: Duration) -> Self {
        self.config.engine.ping_timeout = d;
        self
    }

    /// Largest polling body or WebSocket message (default 1 MB).
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.config.engine.max_payload = bytes;
        self
    }

    /// How long an upgrade may take (default 10 s).
    pub fn upgrade_timeout(mut self, d: Duration) -> Self {
        self.config.engine.upgrade_timeout = d;
        self
    }

    /// How long a connection may wait before sending CONNECT (default 45 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.config.connect_timeout = d;
        self
    }

    /// Accept socket.io 2.x clients (Engine.IO 3, Socket.IO 4) (default false).
    pub fn allow_eio3(mut self, allow: bool) -> Self {
        self.config.engine.allow_eio3 = allow;
        self
    }

    /// CORS for browser pages on other origins (default: none).
    pub fn cors(mut self, cors: CorsConfig) -> Self {
        self.config.engine.cors = Some(cors);
        self
    }

    /// gzip/deflate compression of polling answers (default: on, 1024-byte threshold); `None`
    /// turns it off.
    ///
    /// ```
    /// use fastsio_core::Server;
    /// use fastsio_core::engine::HttpCompression;
    /// let io = Server::builder().http_compression(HttpCompression { threshold: 4096 }).build()?;
    /// let off = Server::builder().http_compression(None).build()?;
    /// # let _ = (io, off);
    /// # Ok::<(), fastsio_core::BuildError>(())
    /// ```
    pub fn http_compression(mut self, compression: impl Into<Option<HttpCompression>>) -> Self {
        self.config.engine.http_compression = compression.into();
        self
    }

    /// WebSocket `permessage-deflate` for clients that offer it (default: off).
    ///
    /// ```
    /// use fastsio_core::Server;
    /// use fastsio_core::engine::PerMessageDeflate;
    /// let io = Server::builder().per_message_deflate(PerMessageDeflate::default()).build()?;
    /// # let _ = io;
    /// # Ok::<(), fastsio_core::BuildError>(())
    /// ```
    pub fn per_message_deflate(mut self, deflate: impl Into<Option<PerMessageDeflate>>) -> Self {
        self.config.engine.per_message_deflate = deflate.into();
        self
    }

    /// A hook that may refuse handshakes (HTTP 403).
    pub fn allow_request(mut self, hook: AllowRequest) -> Self {
        self.config.engine.allow_request = Some(hook);
        self
    }

    /// Serves sessions across nodes without sticky sessions: requests for a session another
    /// node holds are answered through `cluster` (`fastsio_redis::RedisEngine`, say). See
    /// [`SessionCluster`](crate::engine::SessionCluster).
    pub fn session_cluster(mut self, cluster: impl crate::engine::SessionCluster) -> Self {
        self.config.engine.cluster = Some(crate::engine::ClusterLink::new(cluster));
        self
    }

    /// The most attachments a packet may announce (default 64).
    pub fn max_attachments(mut self, n: usize) -> Self {
        self.config.max_attachments = n;
        self
    }

    /// The wire format of packets (default [`Parser::Json`]). Every client must use the
    /// matching parser; with the `msgpack` feature, `Parser::MsgPack` speaks
    /// `socket.io-msgpack-parser`.
    pub fn parser(mut self, parser: Parser) -> Self {
        self.config.parser = parser;
        self
    }

    /// What happens to handler errors when no ack was requested (default: log).
    pub fn no_ack_policy(mut self, policy: NoAckPolicy) -> Self {
        self.config.no_ack_policy = policy;
        self
    }

    /// Turns on connection state recovery: a client that lost its connection and comes back
    /// within [`RecoveryConfig::max_disconnection_duration`] gets its socket id, rooms and
    /// session values back, and every event it missed meanwhile.
    pub fn connection_state_recovery(mut self, config: RecoveryConfig) -> Self {
        self.config.connection_state_recovery = Some(config);
        self
    }

    /// Changes any other setting.
    pub fn configure(mut self, f: impl FnOnce(&mut ServerConfig)) -> Self {
        f(&mut self.config);
        self
    }

    /// Uses another adapter (one instance per namespace).
    pub fn adapter<A: Adapter>(mut self, make: impl Fn() -> A + Send + Sync + 'static) -> Self {
        self.adapter = Arc::new(move || Arc::new(make()) as Arc<dyn Adapter>);
        self
    }

    /// Installs an [`Observer`], told about connections, sockets, rooms and packets (one per
    /// server; a second call replaces the first). Without one, the server skips all of it.
    pub fn observer(mut self, observer: impl Observer) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Turns the API contract on: `build()` describes every handler (a payload, ack or auth
    /// type without a JSON Schema is a build error), and the server answers `GET {path}.json`
    /// (AsyncAPI 3.0), `{path}.yaml` and `{path}` (a docs page) on its port, `/asyncapi` by
    /// default. [`Io::asyncapi`] and [`Io::typescript`] give the documents. See
    /// `docs/contract.md`.
    pub fn asyncapi(mut self, config: AsyncApi) -> Self {
        self.asyncapi = Some(config);
        self
    }

    /// Adds a namespace's handlers.
    pub fn routes(mut self, routes: Routes<S>) -> Self {
        self.routes.push(routes);
        self
    }

    /// Adds global middleware (or namespace-scope, with
    /// [`.namespace(..)`](crate::middleware::MiddlewareScope::namespace)); global ones run
    /// first, in the order added.
    pub fn middleware(mut self, mw: impl IntoMiddleware<S>) -> Self {
        self.middleware.push(unbound_middleware(mw));
        self
    }

    /// Adds a router (`#[derive(Router)]`, `#[router] mod`, or plain [`Routes`]).
    pub fn router(self, router: impl IntoRoutes<S>) -> Self {
        self.routes(router.into_routes())
    }

    /// Gives the handlers added so far their app state; [`State<T>`](crate::extract::State)
    /// arguments read from it (`T: FromRef<S>`, checked at compile time).
    pub fn with_state<S2: Send + Sync + 'static>(self, state: S) -> ServerBuilder<S2> {
        let mut unused_states = self.unused_states;
        if self.routes.is_empty() && self.middleware.is_empty() {
            unused_states.push(std::any::type_name::<S>());
        }
        let state = Arc::new(state);
        let mut bound = self.bound;
        bound.extend(self.routes.into_iter().map(|r| r.bind(&state)));
        let mut bound_middleware = self.bound_middleware;
        bound_middleware.extend(self.middleware.into_iter().map(|m| m(&state)));
        ServerBuilder {
            config: self.config,
            routes: Vec::new(),
            bound,
            middleware: Vec::new(),
            bound_middleware,
            adapter: self.adapter,
            observer: self.observer,
            unused_states,
            asyncapi: self.asyncapi,
        }
    }
}

impl ServerBuilder<()> {
    /// Checks the configuration, composes every middleware chain and builds the server.
    pub fn build(self) -> Result<Io, BuildError> {
        let ServerBuilder {
            config,
            routes,
            bound,
            middleware,
            bound_middleware,
            adapter,
            observer,
            unused_states,
            asyncapi,
        } = self;
        for state in unused_states {
            tracing::warn!(
                state,
                "with_state was given no router, routes or middleware before it: no handler \
                 reads this state (add them before `.with_state(..)`)"
            );
        }
        let path = &config.engine.path;
        if !path.starts_with('/') || !path.ends_with('/') {
            return Err(BuildError(format!(
                "path {path:?} must start and end with '/'"
            )));
        }
        let unit = Arc::new(());
        let mut all = bound;
        all.extend(routes.into_iter().map(|r| r.bind(&unit)));
        let mut outer = bound_middleware;
        outer.extend(middleware.into_iter().map(|m| m(&unit)));
        let mut merged: Vec<BoundRoutes> = Vec::new();
        for routes in all {
            if !routes.path.starts_with('/') {
                return Err(BuildError(format!(
                    "namespace {:?} must start with '/'",
                    routes.path
                )));
            }
            if let Some(event) = routes.duplicates.first() {
                return Err(BuildError(format!(
                    "event {event:?} has two handlers in namespace {:?}",
                    routes.path
                )));
            }
            match merged.iter_mut().find(|m| m.path == routes.path) {
                Some(existing) => existing.merge(routes)?,
                None => merged.push(routes),
            }
        }
        for routes in merged.iter().filter(|r| r.handlers.is_empty()) {
            tracing::warn!(
                namespace = routes.path,
                "namespace declared without handlers: its clients can connect, but no event of \
                 theirs is handled"
            );
        }
        if !merged.iter().any(|r| r.path == "/") {
            merged.push(BoundRoutes::empty("/"));
        }
        let contract = match &asyncapi {
            Some(config) => Some(Published::build(config, recorded(&mut merged))?),
            None => None,
        };
        let mut namespaces = HashMap::new();
        let mut dynamic = Vec::new();
        for routes in merged {
            let path = routes.path.clone();
            let handlers = Arc::new(routes.finish(&outer));
            match NsPattern::parse(&path) {
                Some(pattern) => dynamic.push((pattern, handlers)),
                None => {
                    let path = Str::from(path.as_str());
                    let ns = Namespace::new(
                        path.clone(),
                        Vec::new(),
                        handlers,
                        adapter(),
                        config.parser,
                        observer.clone(),
                        config.connection_state_recovery.clone(),
                    );
                    namespaces.insert(path, ns);
                }
            }
        }
        let inner = Arc::new(ServerInner {
            config: config.clone(),
            engine: OnceLock::new(),
            static_count: namespaces.len(),
            namespaces: RwLock::new(namespaces),
            dynamic,
            adapter,
            observer,
            contract,
        });
        let engine = Engine::new(config.engine, SioHandler(inner.clone()));
        let _ = inner.engine.set(Arc::downgrade(&engine));
        Ok(Io { inner, engine })
    }
}

/// What each namespace's handlers recorded for the contract; an event registered without a
/// description (`Routes::on` with a closure) is described as taking and acking anything.
fn recorded(routes: &mut [BoundRoutes]) -> Vec<(String, Recorded)> {
    fn anything(_: &mut schemars::SchemaGenerator) -> EventDescription {
        EventDescription {
            payload: Payload::Any,
            ack: AckShape {
                value: AckValue::Any,
                codes: &[],
            },
        }
    }
    routes
        .iter_mut()
        .filter_map(|r| {
            let mut rec = std::mem::take(&mut r.contract);
            let mut bare: Vec<&str> = r
                .handlers
                .events
                .keys()
                .map(|k| &**k)
                .filter(|name| !rec.events.iter().any(|(e, _)| e == name))
                .collect();
            bare.sort_unstable();
            rec.events.extend(
                bare.into_iter()
                    .map(|name| (name.to_string(), anything as DescribeEvent)),
            );
            let empty = rec.events.is_empty() && rec.connect.is_none() && rec.emits.is_empty();
            (!empty).then(|| (r.path.clone(), rec))
        })
        .collect()
}

/// The server handle: cheap to clone, usable from anywhere (handlers, other tasks, other
/// routes of an axum app).
#[derive(Clone)]
pub struct Io {
    inner: Arc<ServerInner>,
    engine: Arc<Engine<SioHandler>>,
}

impl Io {
    /// The AsyncAPI 3.0 document, when the contract is on
    /// ([`asyncapi(..)`](ServerBuilder::asyncapi)); built once, at `build()`.
    pub fn asyncapi(&self) -> Option<&serde_json::Value> {
        self.inner.contract.as_ref().map(|c| &c.document)
    }

    /// TypeScript declarations for `socket.io-client`'s typed sockets
    /// (`Socket<ServerToClientEvents, ClientToServerEvents>`), when the contract is on.
    pub fn typescript(&self) -> Option<&str> {
        self.inner.contract.as_ref().map(|c| c.typescript.as_str())
    }

    /// The contract both documents are written from, when it is on.
    pub fn contract(&self) -> Option<&Contract> {
        self.inner.contract.as_ref().map(|c| &c.contract)
    }

    /// Operators on a namespace (`None` if no such namespace exists yet).
    pub fn of(&self, path: &str) -> Option<BroadcastOperators> {
        self.inner.namespace(path).map(BroadcastOperators::new)
    }

    fn root(&self) -> BroadcastOperators {
        BroadcastOperators::new(
            self.inner
                .namespace("/")
                .expect("the main namespace always exists"),
        )
    }

    /// Sockets of the main namespace in `rooms`.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.root().to(rooms)
    }

    /// Sockets of the main namespace except those in `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.root().except(rooms)
    }

    /// Emits to every socket of the main namespace.
    pub fn emit_raw<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<usize, EmitError> {
        self.root().emit_raw(event, data)
    }

    /// Emits a typed event to every socket of the main namespace.
    pub fn emit<E: ServerEvent>(&self, event: &E) -> Result<usize, EmitError> {
        self.root().emit(event)
    }

    /// Sockets of the main namespace.
    pub fn sockets(&self) -> Vec<SocketRef> {
        self.root().sockets()
    }

    /// Every namespace that exists now: the static ones and the dynamic instances created so
    /// far.
    pub fn namespaces(&self) -> Vec<Arc<Namespace>> {
        self.inner
            .namespaces
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Open Engine.IO connections.
    pub fn connection_count(&self) -> usize {
        self.engine.session_count()
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Disconnects everyone (reason "server shutting down").
    pub fn close(&self) {
        self.engine.close_all();
    }

    /// A tower/hyper service answering the Socket.IO path (404 elsewhere).
    pub fn service(&self) -> EngineService<SioHandler, NotFound> {
        EngineService::new(self.engine.clone())
    }

    /// A tower layer: Socket.IO in front of another service (an axum `Router`, say).
    pub fn layer(&self) -> EngineLayer<SioHandler> {
        EngineLayer::new(self.engine.clone())
    }

    /// Serves standalone on `listener` until `shutdown` resolves, then disconnects everyone.
    ///
    /// WebSocket handshakes are answered straight off the TCP stream, without an HTTP
    /// connection (see [`serve_engine`](crate::service::serve_engine)); to serve other routes
    /// beside Socket.IO, put [`layer`](Self::layer) in front of them and use
    /// [`service::serve`](crate::service::serve).
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        let result = serve_engine(listener, self.engine.clone(), shutdown).await;
        self.close();
        result
    }
}
