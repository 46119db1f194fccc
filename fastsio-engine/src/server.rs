//! [`Engine`]: the session table, the handshake and what every transport shares.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};

use super::direct::DirectSwitch;
use super::http_compression::Encoding;
use super::lanes::Lanes;
use super::{
    CloseReason, ClusterFuture, Connection, EngineConfig, EngineHandler, Frame, HandOver,
    HandshakeError, LocalSessions, Packet, ProtocolVersion, RemoteAddr, RequestInfo, Sid, TakeOver,
    TransportKind, cors, heartbeat, polling, request::EngineParams, websocket,
};

/// The body of every response the engine writes.
pub type EngineBody = Full<Bytes>;

/// An Engine.IO server: owns the sessions and answers the requests under its path.
///
/// Mount it with [`EngineService`](crate::service::EngineService) or serve it standalone with
/// [`serve`](crate::service::serve).
pub struct Engine<H: EngineHandler> {
    pub(crate) config: EngineConfig,
    pub(crate) handler: H,
    sessions: RwLock<Sessions<H::Data>>,
    /// Sessions open or being opened (a WebSocket handshake answered, its upgrade pending):
    /// what [`EngineConfig::max_connections`] bounds.
    slots: AtomicUsize,
    /// The messages of sessions whose connection is delayed (see
    /// [`SessionCluster`](super::SessionCluster)), until it is not.
    delayed: Mutex<HashMap<Sid, Vec<Packet>>>,
    /// The tasks that run the WebSocket connection loops.
    pub(crate) lanes: Lanes,
    /// What follows the sid in the open packet of a WebSocket session, and of a polling one
    /// (see [`open_packet_text`](Self::open_packet_text)): fixed by the settings.
    open_tails: [String; 2],
    /// This engine, for the requests other nodes forward to it.
    me: Weak<Engine<H>>,
}

/// The open sessions by id. Sids are random and made by this server, so a fast hasher with a
/// per-process seed is safe for them (a client only ever looks one up); every polling request
/// hashes one.
type Sessions<D> = HashMap<Sid, Arc<Connection<D>>, foldhash::fast::RandomState>;

/// Where [`Engine::route`] sends a request.
enum Route<B, D> {
    /// A long poll of a session held here.
    Poll(Arc<Connection<D>>, Option<Encoding>),
    /// A POST to a session held here: its body, and whether that is binary.
    Post(Arc<Connection<D>>, B, bool),
    /// A handshake, an upgrade, or a session another node may hold.
    Other(Request<B>, EngineQuery),
    /// Answered at once with this error.
    Refused(HandshakeError),
    /// Answered at once (a CORS preflight).
    Answered(Response<EngineBody>),
}

/// The parsed Engine.IO query of a request.
#[derive(Clone)]
pub(crate) struct EngineQuery {
    pub version: ProtocolVersion,
    pub transport: TransportKind,
    pub sid: Option<Sid>,
    pub supports_binary: bool,
}

impl<H: EngineHandler> Engine<H> {
    /// An engine with these settings, calling `handler` for every session.
    pub fn new(config: EngineConfig, handler: H) -> Arc<Self> {
        let open_tails = [TransportKind::Websocket, TransportKind::Polling]
            .map(|transport| open_tail(&config, transport));
        let engine = Arc::new_cyclic(|me| Engine {
            me: me.clone(),
            open_tails,
            config,
            handler,
            sessions: RwLock::new(Sessions::default()),
            slots: AtomicUsize::new(0),
            delayed: Mutex::new(HashMap::new()),
            lanes: Lanes::default(),
        });
        if let Some(cluster) = &engine.config.cluster {
            cluster.0.attach(engine.me.clone());
        }
        engine
    }

    /// The settings.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Open sessions.
    pub fn session_count(&self) -> usize {
        self.read_sessions().len()
    }

    /// A session by id.
    pub fn session(&self, sid: Sid) -> Option<Arc<Connection<H::Data>>> {
        self.read_sessions().get(&sid).cloned()
    }

    /// Closes every session with [`CloseReason::ServerShutdown`].
    pub fn close_all(&self) {
        let all: Vec<_> = self.read_sessions().values().cloned().collect();
        for session in all {
            session.close(CloseReason::ServerShutdown);
        }
    }

    fn read_sessions(&self) -> std::sync::RwLockReadGuard<'_, Sessions<H::Data>> {
        self.sessions.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn remove_session(&self, sid: Sid) {
        let removed = self
            .sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&sid);
        if removed.is_some() {
            self.release_slot();
        }
    }

    /// Takes a slot for a new session; false when [`EngineConfig::max_connections`] are taken.
    /// The slot is given back when the session is removed, or with
    /// [`release_slot`](Self::release_slot) if no session gets opened.
    pub(crate) fn reserve_slot(&self) -> bool {
        let max = self.config.max_connections.unwrap_or(usize::MAX);
        self.slots
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok()
    }

    pub(crate) fn release_slot(&self) {
        self.slots.fetch_sub(1, Ordering::AcqRel);
    }

    /// The content coding a polling response to `req` may use; none when HTTP compression
    /// is off.
    fn accepted_encoding<B>(&self, req: &Request<B>) -> Option<Encoding> {
        self.config.http_compression?;
        Encoding::negotiate(req.headers())
    }

    /// Whether this request is for the engine (its path starts with the configured path).
    pub fn matches(&self, path: &str) -> bool {
        path.starts_with(self.config.path.as_str())
    }

    /// Answers one HTTP request under the engine's path.
    ///
    /// The future owns what it needs (it does not borrow the engine). What can be decided at
    /// once (CORS, the query, the session) is decided here, before the future is made, so that
    /// the future holds no more of the request than the answer needs.
    pub fn handle<B>(
        self: &Arc<Self>,
        req: Request<B>,
    ) -> impl Future<Output = Response<EngineBody>> + use<H, B>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<crate::BoxError>,
    {
        let (cors, route) = match &self.config.cors {
            None => (None, self.route(req)),
            Some(cors) => match cors.preflight(&req) {
                Some(preflight) => (None, Route::Answered(preflight)),
                None => (Some(cors.response_headers(&req)), self.route(req)),
            },
        };
        let engine = self.clone();
        async move {
            let mut res = match route {
                Route::Poll(session, encoding) => polling::get(&engine, session, encoding).await,
                Route::Post(session, body, binary) => {
                    polling::post(&engine, session, body, binary).await
                }
                Route::Other(req, query) => Box::pin(engine.open_or_forward(req, query))
                    .await
                    .unwrap_or_else(HandshakeError::into_response),
                Route::Refused(e) => e.into_response(),
                Route::Answered(res) => res,
            };
            if let Some(headers) = cors {
                cors::apply(&mut res, headers);
            }
            res
        }
    }

    /// Where a request goes. A poll or a POST of a session held here (nearly every request)
    /// is answered by [`handle`](Self::handle)'s own future; the rest (handshakes, upgrades,
    /// forwarding) by a boxed one, so that the future built and moved for every request stays
    /// the size of the polling path, and holds nothing of the request it does not need.
    fn route<B>(self: &Arc<Self>, req: Request<B>) -> Route<B, H::Data> {
        let query = match self.parse_query(&req) {
            Ok(query) => query,
            Err(e) => return Route::Refused(e),
        };
        let session = match (query.transport, query.sid) {
            (TransportKind::Polling, Some(sid)) => self.session(sid),
            _ => None,
        };
        let Some(session) = session else {
            return Route::Other(req, query);
        };
        if let Err(e) = check_polling(&session, &query) {
            return Route::Refused(e);
        }
        match *req.method() {
            Method::GET => Route::Poll(session, self.accepted_encoding(&req)),
            Method::POST => {
                let binary = polling::binary_body(req.headers());
                Route::Post(session, req.into_body(), binary)
            }
            _ => Route::Refused(HandshakeError::BadRequest),
        }
    }

    /// The requests [`route`](Self::route) does not answer itself: handshakes, WebSocket
    /// upgrades, and polling requests of sessions this node does not hold.
    async fn open_or_forward<B>(
        self: &Arc<Self>,
        req: Request<B>,
        query: EngineQuery,
    ) -> Result<Response<EngineBody>, HandshakeError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<crate::BoxError>,
    {
        let is_ws_request = req
            .headers()
            .get(header::UPGRADE)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
        match (query.transport, query.sid) {
            (TransportKind::Websocket, _) if !is_ws_request => Err(HandshakeError::BadRequest),
            (TransportKind::Websocket, None) => {
                let info = request_info(&req);
                self.check_allowed(&info).await?;
                if !self.reserve_slot() {
                    return Ok(too_many_connections());
                }
                let accepted = websocket::accept_new(self, req, info, query);
                if accepted.is_err() {
                    self.release_slot();
                }
                accepted
            }
            (TransportKind::Websocket, Some(sid)) => {
                let session = match self.session(sid) {
                    Some(session) => session,
                    None => self.take_over(sid).await?,
                };
                if session.version() != query.version {
                    return Err(HandshakeError::BadRequest);
                }
                websocket::accept_upgrade(self, req, session)
            }
            (TransportKind::Polling, None) => {
                if req.method() != Method::GET {
                    return Err(HandshakeError::BadHandshakeMethod);
                }
                let info = request_info(&req);
                self.check_allowed(&info).await?;
                if !self.reserve_slot() {
                    return Ok(too_many_connections());
                }
                let encoding = self.accepted_encoding(&req);
                Ok(polling::open(self, info, query, encoding))
            }
            // `route` found no such session here.
            (TransportKind::Polling, Some(sid)) => self.forward(sid, req).await,
        }
    }

    fn parse_query<B>(&self, req: &Request<B>) -> Result<EngineQuery, HandshakeError> {
        let params = EngineParams::parse(req.uri().query());
        // Node's order: the transport first, then the protocol revision.
        let transport = match params.transport {
            Some("polling") if self.config.transports.polling => TransportKind::Polling,
            Some("websocket") if self.config.transports.websocket => TransportKind::Websocket,
            _ => return Err(HandshakeError::UnknownTransport),
        };
        let version = params
            .eio
            .and_then(ProtocolVersion::from_query)
            .filter(|v| *v == ProtocolVersion::V4 || self.config.allow_eio3)
            .ok_or(HandshakeError::UnsupportedProtocolVersion)?;
        let sid = match params.sid {
            None => None,
            Some(s) => Some(s.parse().map_err(|_| HandshakeError::UnknownSid)?),
        };
        let supports_binary = !params.b64;
        Ok(EngineQuery {
            version,
            transport,
            sid,
            supports_binary,
        })
    }

    async fn check_allowed(&self, info: &RequestInfo) -> Result<(), HandshakeError> {
        let Some(hook) = &self.config.allow_request else {
            return Ok(());
        };
        hook.check(info).await.map_err(|reason| {
            tracing::debug!(%reason, "handshake refused by allow_request");
            HandshakeError::Forbidden
        })
    }

    /// Creates and registers a session, starts its heartbeat and tells the handler. The caller
    /// holds a slot ([`reserve_slot`](Self::reserve_slot)), which the session gives back when
    /// it is removed.
    pub(crate) fn open_session(
        self: &Arc<Self>,
        request: RequestInfo,
        query: &EngineQuery,
    ) -> Arc<Connection<H::Data>> {
        let session = Arc::new(Connection::new(
            Sid::new(),
            query.version,
            query.transport,
            query.supports_binary,
            request,
            &self.config,
            H::Data::default(),
        ));
        self.register(&session);
        session
    }

    fn register(self: &Arc<Self>, session: &Arc<Connection<H::Data>>) {
        self.sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session.id(), session.clone());
        tokio::spawn(heartbeat::run(self.clone(), session.clone()));
        tracing::debug!(sid = %session.id(), transport = ?session.transport(), "session opened");
    }

    /// Tells the handler a session opened, or, when the cluster may move it to the node its
    /// upgrade lands on, delays that until [`end_delay`](Self::end_delay).
    pub(crate) fn opened(&self, session: &Arc<Connection<H::Data>>) {
        let may_move = self.config.cluster.is_some()
            && session.transport() == TransportKind::Polling
            && self.config.allow_upgrades
            && self.config.transports.websocket;
        if may_move {
            session.delay();
        } else {
            self.handler.on_open(session);
        }
    }

    /// How long [`opened`](Self::opened) delays a connection.
    pub(crate) fn connect_delay(&self) -> Option<std::time::Duration> {
        self.config.cluster.as_ref().map(|c| c.0.connect_delay())
    }

    /// Ends a session's delay: the handler hears of it, then of the messages that waited.
    pub(crate) fn end_delay(&self, session: &Arc<Connection<H::Data>>) {
        let mut delayed = self.lock_delayed();
        if !session.end_delay() {
            return;
        }
        let waiting = delayed.remove(&session.id()).unwrap_or_default();
        // Under the lock, so that a message arriving meanwhile comes after these.
        self.handler.on_open(session);
        for packet in waiting {
            self.on_packet(session, packet);
        }
    }

    fn lock_delayed(&self) -> std::sync::MutexGuard<'_, HashMap<Sid, Vec<Packet>>> {
        self.delayed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps a message of a delayed session for later; gives it back if the session is not
    /// delayed.
    fn hold(&self, session: &Connection<H::Data>, packet: Packet) -> Option<Packet> {
        let mut delayed = self.lock_delayed();
        if !session.is_delayed() {
            return Some(packet);
        }
        let waiting = delayed.entry(session.id()).or_default();
        if waiting.len() >= self.config.max_buffered_frames {
            drop(delayed);
            tracing::debug!(sid = %session.id(), "too many messages during the delay: closing");
            session.close(CloseReason::TransportError);
            return None;
        }
        waiting.push(packet);
        None
    }

    /// A WebSocket upgrade of a session held by another node: moves it here.
    async fn take_over(&self, sid: Sid) -> Result<Arc<Connection<H::Data>>, HandshakeError> {
        let cluster = self
            .config
            .cluster
            .as_ref()
            .ok_or(HandshakeError::UnknownSid)?;
        if !cluster.0.take_over(sid).await {
            return Err(HandshakeError::UnknownSid);
        }
        self.session(sid).ok_or(HandshakeError::UnknownSid)
    }

    /// Registers a session another node handed over, and tells the handler.
    fn adopt_session(self: &Arc<Self>, moved: HandOver) -> bool {
        let sid = moved.sid;
        if self.session(sid).is_some() {
            return false;
        }
        if !self.reserve_slot() {
            tracing::debug!(%sid, "max_connections reached: session taken over and dropped");
            return false;
        }
        let session = Arc::new(Connection::new(
            moved.sid,
            moved.version,
            TransportKind::Polling,
            moved.supports_binary,
            moved.request,
            &self.config,
            H::Data::default(),
        ));
        self.register(&session);
        tracing::debug!(%sid, "session taken over from another node");
        self.handler.on_open(&session);
        for packet in moved.packets {
            self.on_packet(&session, packet);
        }
        true
    }

    /// A polling request of a session held by another node: its answer from there.
    async fn forward<B>(
        &self,
        sid: Sid,
        req: Request<B>,
    ) -> Result<Response<EngineBody>, HandshakeError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<crate::BoxError>,
    {
        let cluster = self
            .config
            .cluster
            .as_ref()
            .ok_or(HandshakeError::UnknownSid)?;
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, self.config.max_payload).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                let mut res = HandshakeError::BadRequest.into_response();
                *res.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                return Ok(res);
            }
        };
        let mut forwarded = Request::new(body);
        *forwarded.method_mut() = parts.method;
        *forwarded.uri_mut() = parts.uri;
        for name in [header::CONTENT_TYPE, header::ACCEPT_ENCODING] {
            if let Some(value) = parts.headers.get(&name) {
                forwarded.headers_mut().insert(name, value.clone());
            }
        }
        let answer = cluster.0.forward(sid, forwarded).await;
        let (parts, body) = answer.ok_or(HandshakeError::UnknownSid)?.into_parts();
        Ok(Response::from_parts(parts, Full::new(body)))
    }

    /// The open packet: `0{"sid":..,"upgrades":..,"pingInterval":..,"pingTimeout":..,"maxPayload":..}`.
    pub(crate) fn open_packet(&self, sid: Sid, transport: TransportKind) -> Frame {
        Frame::Text(self.open_packet_text(sid, transport).into())
    }

    /// The open packet's text.
    pub(crate) fn open_packet_text(&self, sid: Sid, transport: TransportKind) -> String {
        let tail = match transport {
            TransportKind::Websocket => &self.open_tails[0],
            TransportKind::Polling => &self.open_tails[1],
        };
        let mut text = String::with_capacity(OPEN_HEAD.len() + sid.as_str().len() + tail.len());
        text.push_str(OPEN_HEAD);
        text.push_str(sid.as_str());
        text.push_str(tail);
        text
    }

    /// Applies one packet from the client, whatever the transport.
    pub(crate) fn on_packet(&self, session: &Arc<Connection<H::Data>>, packet: Packet) {
        let packet = match packet {
            Packet::Message(_) | Packet::Binary(_) if session.is_delayed() => {
                match self.hold(session, packet) {
                    Some(packet) => packet,
                    None => return,
                }
            }
            // Arrived while the session was being handed over: too late for this node.
            _ if session.is_handed_over() => {
                tracing::debug!(sid = %session.id(), "message after the hand-over: dropped");
                return;
            }
            packet => packet,
        };
        match packet {
            Packet::Message(text) => self.handler.on_message(session, text),
            Packet::Binary(data) => self.handler.on_binary(session, data),
            Packet::Pong if session.version() == ProtocolVersion::V4 => {
                if session.pong_received() {
                    session.heartbeat.notify_one();
                }
            }
            Packet::Ping if session.version() == ProtocolVersion::V3 => {
                session.ping_received();
                let _ = session.send(Frame::PONG);
                session.heartbeat.notify_one();
            }
            Packet::Close => session.close(CloseReason::TransportClose),
            Packet::Noop | Packet::Upgrade => {}
            Packet::Open | Packet::Ping | Packet::Pong | Packet::PingProbe | Packet::PongProbe => {
                tracing::debug!(sid = %session.id(), ?packet, "unexpected packet: closing");
                session.close(CloseReason::ParseError);
            }
        }
    }
}

/// The open packet up to its sid.
const OPEN_HEAD: &str = r#"0{"sid":""#;

/// The open packet after its sid: `","upgrades":..,"pingInterval":..,"pingTimeout":..,"maxPayload":..}`.
fn open_tail(config: &EngineConfig, transport: TransportKind) -> String {
    let upgrades = if transport == TransportKind::Polling
        && config.allow_upgrades
        && config.transports.websocket
    {
        r#"["websocket"]"#
    } else {
        "[]"
    };
    format!(
        r#"","upgrades":{upgrades},"pingInterval":{},"pingTimeout":{},"maxPayload":{}}}"#,
        config.ping_interval.as_millis(),
        config.ping_timeout.as_millis(),
        config.max_payload
    )
}

/// The answer to a handshake beyond [`EngineConfig::max_connections`]: 503, in the shape of
/// node's handshake errors.
fn too_many_connections() -> Response<EngineBody> {
    tracing::debug!("max_connections reached: handshake refused");
    Response::builder()
        .status(StatusCode::SERVICE_UNAVAILABLE)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from_static(
            br#"{"code":3,"message":"Too many connections"}"#,
        )))
        .expect("static response parts are valid")
}

/// Whether a polling request fits its session (once the heartbeat had its say: past its
/// deadline, the session is gone).
fn check_polling<D>(session: &Connection<D>, query: &EngineQuery) -> Result<(), HandshakeError> {
    if session.expire_if_overdue() {
        return Err(HandshakeError::UnknownSid);
    }
    if session.version() != query.version || session.transport() != TransportKind::Polling {
        return Err(HandshakeError::BadRequest);
    }
    Ok(())
}

/// What the engine keeps of a request: its URI and headers as they are when the engine's own
/// server read it (they share a buffer of the head's size), a copy otherwise (see
/// [`RequestInfo::detached`]).
pub(crate) fn request_info<B>(req: &Request<B>) -> RequestInfo {
    let remote = remote_addr(req.extensions());
    if req.extensions().get::<DirectSwitch>().is_some() {
        return RequestInfo {
            method: req.method().clone(),
            uri: req.uri().clone(),
            headers: req.headers().clone(),
            remote_addr: remote,
        };
    }
    RequestInfo::detached(req, remote)
}

/// The peer address, from fastsio's own server or from axum's `ConnectInfo`.
fn remote_addr(extensions: &http::Extensions) -> Option<std::net::SocketAddr> {
    let ours = extensions.get::<RemoteAddr>().map(|a| a.0);
    #[cfg(feature = "axum")]
    let ours = ours.or_else(|| {
        extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0)
    });
    ours
}

impl<H: EngineHandler> LocalSessions for Engine<H> {
    fn serve(&self, sid: Sid, request: Request<Bytes>) -> Option<ClusterFuture<Response<Bytes>>> {
        let session = self.session(sid)?;
        // Engines live in an `Arc`; this one is alive since it is being called.
        let engine = self.me.upgrade()?;
        // Checked and, for a POST, applied now, in the order the cluster delivered the
        // request: a take-over that follows finds what it carried.
        let checked = self
            .parse_query(&request)
            .and_then(|query| check_polling(&session, &query).map(|()| query));
        let encoding = self.accepted_encoding(&request);
        let ready = match (checked, request.method()) {
            (Err(e), _) => Some(e.into_response()),
            (Ok(query), _) if query.transport != TransportKind::Polling => {
                Some(HandshakeError::BadRequest.into_response())
            }
            (Ok(_), &Method::POST) => Some(polling::post_forwarded(self, &session, request)),
            (Ok(_), &Method::GET) => None,
            (Ok(_), _) => Some(HandshakeError::BadRequest.into_response()),
        };
        Some(Box::pin(async move {
            let res = match ready {
                Some(res) => res,
                None => polling::get(&engine, session, encoding).await,
            };
            let (parts, body) = res.into_parts();
            let body = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(never) => match never {},
            };
            Response::from_parts(parts, body)
        }))
    }

    fn adopt(&self, moved: HandOver) -> bool {
        self.me.upgrade().is_some_and(|me| me.adopt_session(moved))
    }

    fn hand_over(&self, sid: Sid) -> TakeOver {
        let Some(session) = self.session(sid) else {
            return TakeOver::NotHere;
        };
        let packets = {
            let mut delayed = self.lock_delayed();
            if !session.mark_handed_over() {
                return TakeOver::Refused;
            }
            delayed.remove(&sid).unwrap_or_default()
        };
        self.remove_session(sid);
        // A poll waiting here gets a noop; the client's next one reaches the new node.
        session.close(CloseReason::TransportClose);
        tracing::debug!(%sid, "session handed over to another node");
        TakeOver::Moved(Box::new(HandOver {
            sid,
            version: session.version(),
            supports_binary: session.supports_binary(),
            request: RequestInfo::clone(session.request()),
            packets,
        }))
    }
}
