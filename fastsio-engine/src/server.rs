//! [`Engine`]: the session table, the handshake and what every transport shares.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::Full;

use super::http_compression::Encoding;
use super::lanes::Lanes;
use super::{
    CloseReason, EngineConfig, EngineHandler, Frame, HandshakeError, Packet, ProtocolVersion,
    RemoteAddr, RequestInfo, Session, Sid, TransportKind, cors, heartbeat, polling, request,
    websocket,
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
    sessions: RwLock<HashMap<Sid, Arc<Session<H::Data>>>>,
    /// Sessions open or being opened (a WebSocket handshake answered, its upgrade pending):
    /// what [`EngineConfig::max_connections`] bounds.
    slots: AtomicUsize,
    /// The tasks that run the WebSocket connection loops.
    pub(crate) lanes: Lanes,
}

/// The parsed Engine.IO query of a request.
pub(crate) struct EngineQuery {
    pub version: ProtocolVersion,
    pub transport: TransportKind,
    pub sid: Option<Sid>,
    pub supports_binary: bool,
}

impl<H: EngineHandler> Engine<H> {
    /// An engine with these settings, calling `handler` for every session.
    pub fn new(config: EngineConfig, handler: H) -> Arc<Self> {
        Arc::new(Engine {
            config,
            handler,
            sessions: RwLock::new(HashMap::new()),
            slots: AtomicUsize::new(0),
            lanes: Lanes::default(),
        })
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
    pub fn session(&self, sid: Sid) -> Option<Arc<Session<H::Data>>> {
        self.read_sessions().get(&sid).cloned()
    }

    /// Closes every session with [`CloseReason::ServerShutdown`].
    pub fn close_all(&self) {
        let all: Vec<_> = self.read_sessions().values().cloned().collect();
        for session in all {
            session.close(CloseReason::ServerShutdown);
        }
    }

    fn read_sessions(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Sid, Arc<Session<H::Data>>>> {
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
    pub async fn handle<B>(self: &Arc<Self>, req: Request<B>) -> Response<EngineBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<crate::BoxError>,
    {
        let cors = match &self.config.cors {
            None => None,
            Some(cors) => {
                if let Some(preflight) = cors.preflight(&req) {
                    return preflight;
                }
                Some(cors.response_headers(&req))
            }
        };
        let mut res = match self.route(req).await {
            Ok(res) => res,
            Err(e) => e.into_response(),
        };
        if let Some(headers) = cors {
            cors::apply(&mut res, headers);
        }
        res
    }

    async fn route<B>(
        self: &Arc<Self>,
        req: Request<B>,
    ) -> Result<Response<EngineBody>, HandshakeError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<crate::BoxError>,
    {
        let query = self.parse_query(&req)?;
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
                let session = self.session(sid).ok_or(HandshakeError::UnknownSid)?;
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
            (TransportKind::Polling, Some(sid)) => {
                let session = self.session(sid).ok_or(HandshakeError::UnknownSid)?;
                session.check_pong_overdue();
                if session.version() != query.version
                    || session.transport() != TransportKind::Polling
                {
                    return Err(HandshakeError::BadRequest);
                }
                match *req.method() {
                    Method::GET => {
                        let encoding = self.accepted_encoding(&req);
                        Ok(polling::get(self, session, encoding).await)
                    }
                    Method::POST => Ok(polling::post(self, session, req).await),
                    _ => Err(HandshakeError::BadRequest),
                }
            }
        }
    }

    fn parse_query<B>(&self, req: &Request<B>) -> Result<EngineQuery, HandshakeError> {
        // Node's order: the transport first, then the protocol revision.
        let query = req.uri().query();
        let transport = match request::query_param(query, "transport") {
            Some("polling") if self.config.transports.polling => TransportKind::Polling,
            Some("websocket") if self.config.transports.websocket => TransportKind::Websocket,
            _ => return Err(HandshakeError::UnknownTransport),
        };
        let version = request::query_param(query, "EIO")
            .and_then(ProtocolVersion::from_query)
            .filter(|v| *v == ProtocolVersion::V4 || self.config.allow_eio3)
            .ok_or(HandshakeError::UnsupportedProtocolVersion)?;
        let sid = match request::query_param(query, "sid") {
            None => None,
            Some(s) => Some(s.parse().map_err(|_| HandshakeError::UnknownSid)?),
        };
        let supports_binary = request::query_param(query, "b64").is_none();
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
    ) -> Arc<Session<H::Data>> {
        let session = Arc::new(Session::new(
            query.version,
            query.transport,
            query.supports_binary,
            request,
            &self.config,
            H::Data::default(),
        ));
        self.sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session.id(), session.clone());
        tokio::spawn(heartbeat::run(self.clone(), session.clone()));
        tracing::debug!(sid = %session.id(), transport = ?query.transport, "session opened");
        session
    }

    /// The open packet's text: `0{"sid":..,"upgrades":..,"pingInterval":..,"pingTimeout":..,"maxPayload":..}`.
    pub(crate) fn open_packet(&self, sid: Sid, transport: TransportKind) -> Frame {
        let upgrades = if transport == TransportKind::Polling
            && self.config.allow_upgrades
            && self.config.transports.websocket
        {
            r#"["websocket"]"#
        } else {
            "[]"
        };
        Frame::Text(
            format!(
                r#"0{{"sid":"{sid}","upgrades":{upgrades},"pingInterval":{},"pingTimeout":{},"maxPayload":{}}}"#,
                self.config.ping_interval.as_millis(),
                self.config.ping_timeout.as_millis(),
                self.config.max_payload
            )
            .into(),
        )
    }

    /// Applies one packet from the client, whatever the transport.
    pub(crate) fn on_packet(&self, session: &Arc<Session<H::Data>>, packet: Packet) {
        match packet {
            Packet::Message(text) => self.handler.on_message(session, text),
            Packet::Binary(data) => self.handler.on_binary(session, data),
            Packet::Pong if session.version() == ProtocolVersion::V4 => {
                if session.pong_received() {
                    session.heartbeat.notify_one();
                }
            }
            Packet::Ping if session.version() == ProtocolVersion::V3 => {
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

/// What the engine keeps of a request.
pub(crate) fn request_info<B>(req: &Request<B>) -> RequestInfo {
    RequestInfo::detached(req, remote_addr(req.extensions()))
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
