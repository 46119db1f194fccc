//! [`Manager`]: one Engine.IO connection, its namespaces, and reconnection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fastsio_protocol::eio::Str;
use fastsio_protocol::sio::{
    Completion, EncodedPacket, Header, Packet, PacketKind, Parser, PartialBinary,
    decode_from_server, encode,
};
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Uri};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use crate::backoff::Reconnection;
use crate::connector::{Connector, TcpConnector};
use crate::engine::{
    self, CloseCause, Dialer, Endpoint, EngineConfig, EngineEvent, EngineLink, Outgoing,
};
use crate::error::{ConnectError, EngineError};
use crate::reason::DisconnectReason;
use crate::socket::{SocketBuilder, SocketInner};

/// The transports a manager may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

/// What a manager was built with.
#[derive(Debug)]
pub(crate) struct ManagerConfig {
    pub engine: Arc<EngineConfig>,
    pub url_path: String,
    pub reconnection: Reconnection,
    pub connect_timeout: Duration,
    pub max_buffered: usize,
    pub max_attachments: usize,
    pub queue: usize,
    pub parser: Parser,
}

enum Command {
    Open(Arc<SocketInner>),
    Leave(Arc<SocketInner>),
    Close,
}

/// One connection to a server, shared by the sockets of its namespaces (socket.io-client's
/// `Manager`). It connects when its first socket does, reconnects with backoff when the
/// connection drops, and closes when its last socket leaves. Cloning shares it.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use fastsio_client::{Manager, Reconnection, Transport};
/// let manager = Manager::builder("http://127.0.0.1:3000")
///     .transports([Transport::WebSocket])
///     .reconnection(Reconnection::default().attempts(10))
///     .build()?;
/// let chat = manager.socket("/chat").connect().await?;
/// let admin = manager.socket("/admin").connect().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Manager {
    config: Arc<ManagerConfig>,
    commands: mpsc::UnboundedSender<Command>,
}

impl Manager {
    /// Configures a connection to the server at `url` (`http://host:port`; `ws://` works too;
    /// `https://` and `wss://` with the `tls` feature, on by default).
    pub fn builder(url: &str) -> ManagerBuilder {
        ManagerBuilder {
            url: url.to_string(),
            path: "/socket.io/".into(),
            transports: vec![Transport::Polling, Transport::WebSocket],
            upgrade: true,
            headers: HeaderMap::new(),
            query: Vec::new(),
            reconnection: Reconnection::default(),
            connect_timeout: Duration::from_secs(20),
            max_incoming: 100_000_000,
            max_buffered: 1024,
            max_attachments: 10,
            queue: 4096,
            parser: Parser::Json,
            connector: Arc::new(TcpConnector),
            #[cfg(feature = "tls")]
            tls_config: None,
            error: None,
        }
    }

    /// A socket on namespace `ns` of this connection.
    pub fn socket(&self, ns: &str) -> SocketBuilder {
        let ns = if ns.starts_with('/') {
            ns.to_string()
        } else {
            format!("/{ns}")
        };
        SocketBuilder::new(self.clone(), ns)
    }

    /// Closes the connection: every socket disconnects (`io client disconnect`) for good.
    pub fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }

    pub(crate) fn config(&self) -> &ManagerConfig {
        &self.config
    }

    /// The namespace the URL's path names (`/` when none).
    pub(crate) fn url_namespace(&self) -> String {
        self.config.url_path.clone()
    }

    pub(crate) fn open(&self, socket: Arc<SocketInner>) {
        let _ = self.commands.send(Command::Open(socket));
    }

    pub(crate) fn leave(&self, socket: Arc<SocketInner>) {
        let _ = self.commands.send(Command::Leave(socket));
    }
}

/// Configures a [`Manager`]. Every limit has socket.io-client's default where it has one.
#[derive(Debug)]
pub struct ManagerBuilder {
    url: String,
    path: String,
    transports: Vec<Transport>,
    upgrade: bool,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    reconnection: Reconnection,
    connect_timeout: Duration,
    max_incoming: usize,
    max_buffered: usize,
    max_attachments: usize,
    queue: usize,
    parser: Parser,
    connector: Arc<dyn Connector>,
    #[cfg(feature = "tls")]
    tls_config: Option<Arc<rustls::ClientConfig>>,
    error: Option<EngineError>,
}

impl ManagerBuilder {
    /// The Engine.IO path (default `/socket.io/`).
    pub fn path(mut self, path: &str) -> Self {
        self.path = path.to_string();
        self
    }

    /// The transports, tried in order: `[Polling, WebSocket]` (the default) opens with polling
    /// and upgrades; `[WebSocket]` connects with WebSocket directly; `[Polling]` never upgrades.
    pub fn transports(mut self, transports: impl IntoIterator<Item = Transport>) -> Self {
        self.transports = transports.into_iter().collect();
        self
    }

    /// Whether to upgrade from polling to WebSocket (default true).
    pub fn upgrade(mut self, upgrade: bool) -> Self {
        self.upgrade = upgrade;
        self
    }

    /// An extra HTTP header on every request (polling) and on the WebSocket handshake.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            _ => self.error = Some(EngineError::InvalidUrl(format!("invalid header {name}"))),
        }
        self
    }

    /// An extra query parameter on every request.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// The reconnection policy (default: socket.io-client's).
    pub fn reconnection(mut self, policy: Reconnection) -> Self {
        self.reconnection = policy;
        self
    }

    /// How long a connection attempt (and [`SocketBuilder::connect`]) may take (default 20 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest message or polling body accepted from the server (default 100 MB): a
    /// bigger one closes the connection with an error.
    pub fn max_incoming(mut self, bytes: usize) -> Self {
        self.max_incoming = bytes;
        self
    }

    /// How many emits are kept while disconnected, per socket (default 1024); more fail
    /// with [`EmitError::Full`](crate::EmitError::Full).
    pub fn max_buffered(mut self, packets: usize) -> Self {
        self.max_buffered = packets;
        self
    }

    /// The most binary attachments a server packet may announce (default 10).
    pub fn max_attachments(mut self, n: usize) -> Self {
        self.max_attachments = n;
        self
    }

    /// The send queue of the connection, in frames (default 4096); emits beyond it fail
    /// with [`EmitError::Full`](crate::EmitError::Full).
    pub fn queue(mut self, frames: usize) -> Self {
        self.queue = frames.max(1);
        self
    }

    /// The Socket.IO parser: [`Parser::Json`] (the default, every server's), or, with the
    /// `msgpack` feature, `Parser::MsgPack` for servers using `socket.io-msgpack-parser`
    /// (fastsio's `Parser::MsgPack`, node's `parser: require("socket.io-msgpack-parser")`).
    /// It must match the server's.
    pub fn parser(mut self, parser: Parser) -> Self {
        self.parser = parser;
        self
    }

    /// How to open streams to the server (default [`TcpConnector`]).
    pub fn connector(self, connector: impl Connector) -> Self {
        self.connector_arc(Arc::new(connector))
    }

    /// [`connector`](Self::connector), shared.
    pub fn connector_arc(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = connector;
        self
    }

    /// The TLS settings for `https://` and `wss://` URLs: which roots to trust (your own CA, a
    /// self-signed certificate), client certificates, ALPN. The default trusts the Mozilla
    /// roots of `webpki-roots`, with rustls' ring provider.
    ///
    /// ```no_run
    /// # fn run(ca_der: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::Arc;
    /// use fastsio_client::Manager;
    /// use fastsio_client::rustls::{ClientConfig, RootCertStore, crypto::ring};
    ///
    /// let mut roots = RootCertStore::empty();
    /// roots.add(ca_der.into())?;
    /// let tls = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// let manager = Manager::builder("https://localhost:3443").tls_config(Arc::new(tls)).build()?;
    /// # let _ = manager; Ok(()) }
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// The dialer for `url`: TLS on top of the connector when the URL is secure.
    fn dialer(&mut self, url: &Uri) -> Result<Dialer, EngineError> {
        let connector = self.connector.clone();
        if !Endpoint::is_secure(url) {
            return Ok(Dialer {
                connector,
                #[cfg(feature = "tls")]
                tls: None,
            });
        }
        #[cfg(feature = "tls")]
        {
            let host = url.host().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let server_name = rustls::pki_types::ServerName::try_from(host.to_string())
                .map_err(|e| EngineError::InvalidUrl(format!("{url}: {e}")))?;
            let config = match self.tls_config.take() {
                Some(config) => config,
                None => default_tls_config()?,
            };
            Ok(Dialer {
                connector,
                tls: Some(engine::Tls {
                    connector: tokio_rustls::TlsConnector::from(config),
                    server_name,
                }),
            })
        }
        #[cfg(not(feature = "tls"))]
        Err(EngineError::InvalidUrl(format!(
            "{url}: https and wss need fastsio-client's `tls` feature"
        )))
    }

    /// Checks the configuration and starts the manager's task (needs a tokio runtime). It
    /// connects when a socket does.
    pub fn build(mut self) -> Result<Manager, EngineError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let url: Uri = self
            .url
            .parse()
            .map_err(|_| EngineError::InvalidUrl(self.url.clone()))?;
        let dialer = self.dialer(&url)?;
        let endpoint = Endpoint::parse(&url, &self.path, &self.query, dialer)?;
        let polling = self.transports.first() == Some(&Transport::Polling);
        let websocket = self.transports.contains(&Transport::WebSocket);
        if !polling && !websocket {
            return Err(EngineError::InvalidUrl("no transport".into()));
        }
        let url_path = match url.path() {
            "" => "/".to_string(),
            p => p.to_string(),
        };
        let config = Arc::new(ManagerConfig {
            engine: Arc::new(EngineConfig {
                endpoint,
                headers: self.headers,
                polling,
                websocket,
                upgrade: self.upgrade,
                max_incoming: self.max_incoming,
                connect_timeout: self.connect_timeout,
                queue: self.queue,
            }),
            url_path,
            reconnection: self.reconnection,
            connect_timeout: self.connect_timeout,
            max_buffered: self.max_buffered,
            max_attachments: self.max_attachments,
            queue: self.queue,
            parser: self.parser,
        });
        let (commands, rx) = mpsc::unbounded_channel();
        let task = Task {
            config: config.clone(),
            sockets: HashMap::new(),
            engine: None,
            partial: None,
            attempt: 0,
            next_attempt: None,
        };
        tokio::spawn(task.run(rx));
        Ok(Manager { config, commands })
    }
}

/// Sends a packet's frames in the parser's format.
async fn send_packet(engine: &Outgoing, parser: Parser, packet: EncodedPacket) {
    if let Err(e) = engine.send_waiting(parser, &packet).await {
        tracing::warn!(error = %e, "packet not sent");
    }
}

/// Trusts the Mozilla roots (`webpki-roots`), with rustls' ring provider.
#[cfg(feature = "tls")]
fn default_tls_config() -> Result<Arc<rustls::ClientConfig>, EngineError> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| EngineError::Tls(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The manager's task: owns the connection and routes packets to sockets.
struct Task {
    config: Arc<ManagerConfig>,
    sockets: HashMap<String, Arc<SocketInner>>,
    engine: Option<EngineLink>,
    partial: Option<PartialBinary>,
    attempt: u32,
    next_attempt: Option<Instant>,
}

/// The server's CONNECT payload.
#[derive(Deserialize)]
struct Accepted {
    sid: String,
    pid: Option<String>,
}

/// The server's CONNECT_ERROR payload.
#[derive(Deserialize)]
struct Refused {
    message: String,
    #[serde(default)]
    data: Value,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        loop {
            if self.engine.is_none() && self.next_attempt.is_none() && !self.sockets.is_empty() {
                self.next_attempt = Some(Instant::now());
            }
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Open(socket)) => self.open(socket).await,
                    Some(Command::Leave(socket)) => self.leave(socket).await,
                    Some(Command::Close) | None => {
                        for (_, socket) in self.sockets.drain() {
                            socket.disconnected(DisconnectReason::ClientDisconnect).await;
                        }
                        return;
                    }
                },
                event = next_event(&mut self.engine) => match event {
                    EngineEvent::Message(text) => self.text(text).await,
                    EngineEvent::Binary(data) => self.binary(data).await,
                    EngineEvent::Closed(cause) => self.closed(DisconnectReason::from_cause(&cause)).await,
                },
                () = sleep_until_some(self.next_attempt) => self.connect().await,
            }
        }
    }

    async fn open(&mut self, socket: Arc<SocketInner>) {
        if let Some(old) = self.sockets.insert(socket.ns.clone(), socket.clone()) {
            old.disconnected(DisconnectReason::ClientDisconnect).await;
        }
        if self.engine.is_some() {
            self.send_connect(&socket).await;
        }
    }

    async fn leave(&mut self, socket: Arc<SocketInner>) {
        let current = self
            .sockets
            .get(&socket.ns)
            .is_some_and(|s| Arc::ptr_eq(s, &socket));
        if !current {
            return;
        }
        self.sockets.remove(&socket.ns);
        if let Some(engine) = &self.engine {
            let header = Header {
                kind: PacketKind::Disconnect,
                ns: &socket.ns,
                id: None,
            };
            send_packet(
                &engine.tx,
                self.config.parser,
                encode(header, "", Vec::new()),
            )
            .await;
        }
        socket
            .disconnected(DisconnectReason::ClientDisconnect)
            .await;
        if self.sockets.is_empty() {
            self.engine = None;
            self.next_attempt = None;
            self.attempt = 0;
        }
    }

    async fn send_connect(&self, socket: &SocketInner) {
        let Some(engine) = &self.engine else { return };
        let header = Header {
            kind: PacketKind::Connect,
            ns: &socket.ns,
            id: None,
        };
        let packet: EncodedPacket = encode(header, &socket.connect_payload(), Vec::new());
        send_packet(&engine.tx, self.config.parser, packet).await;
    }

    /// One connection attempt (the first, or a reconnection).
    async fn connect(&mut self) {
        self.next_attempt = None;
        if self.attempt > 0 {
            for socket in self.sockets.values() {
                socket.reconnecting(self.attempt, None).await;
            }
        }
        match engine::connect(self.config.engine.clone()).await {
            Ok(link) => {
                self.engine = Some(link);
                self.attempt = 0;
                for socket in self.sockets.values() {
                    self.send_connect(socket).await;
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, attempt = self.attempt, "connection failed");
                self.attempt += 1;
                self.retry(Some(e)).await;
            }
        }
    }

    /// Schedules the next attempt, or gives up.
    async fn retry(&mut self, error: Option<EngineError>) {
        let policy = &self.config.reconnection;
        if policy.allows(self.attempt) {
            self.next_attempt = Some(Instant::now() + policy.delay_of(self.attempt));
            for socket in self.sockets.values() {
                socket.reconnecting(0, error.clone()).await;
            }
        } else {
            let failure = if policy.enabled() {
                ConnectError::ReconnectFailed {
                    attempts: self.attempt.saturating_sub(1),
                    last: error,
                }
            } else {
                ConnectError::Timeout(error)
            };
            for (_, socket) in self.sockets.drain() {
                socket.gave_up(failure.clone()).await;
            }
            self.attempt = 0;
        }
    }

    async fn closed(&mut self, reason: DisconnectReason) {
        self.engine = None;
        self.partial = None;
        let mut gone = Vec::new();
        for (ns, socket) in &self.sockets {
            socket.disconnected(reason.clone()).await;
            if !self.config.reconnection.enabled() {
                gone.push(ns.clone());
            }
        }
        for ns in gone {
            self.sockets.remove(&ns);
        }
        if !self.sockets.is_empty() {
            self.attempt = 1;
            self.retry(None).await;
        }
    }

    /// A packet the server should not have sent: the connection is dropped (and retried).
    async fn parse_error(&mut self, what: &str) {
        tracing::warn!(
            error = what,
            "invalid packet from the server: closing the connection"
        );
        self.closed(DisconnectReason::ParseError).await;
    }

    async fn text(&mut self, text: Str) {
        if self.config.parser != Parser::Json {
            return self
                .parse_error("text message with the msgpack parser")
                .await;
        }
        if self.partial.is_some() {
            return self
                .parse_error("text packet while attachments were expected")
                .await;
        }
        match decode_from_server(text, self.config.max_attachments) {
            Ok(packet) if packet.attachments > 0 => self.partial = Some(PartialBinary::new(packet)),
            Ok(packet) => self.packet(packet, Vec::new()).await,
            Err(e) => self.parse_error(&e.to_string()).await,
        }
    }

    async fn binary(&mut self, data: Bytes) {
        #[cfg(feature = "msgpack")]
        if self.config.parser == Parser::MsgPack {
            use fastsio_protocol::sio::msgpack;
            return match msgpack::decode_from_server(data, self.config.max_attachments) {
                Ok((packet, attachments)) => self.packet(packet, attachments).await,
                Err(e) => self.parse_error(&e.to_string()).await,
            };
        }
        let Some(partial) = self.partial.take() else {
            return self.parse_error("unexpected binary message").await;
        };
        if partial.received_bytes() + data.len() > self.config.engine.max_incoming {
            return self.parse_error("attachments over max_incoming").await;
        }
        match partial.push(data) {
            Ok(Completion::Done(packet, attachments)) => self.packet(packet, attachments).await,
            Ok(Completion::Pending(partial)) => self.partial = Some(partial),
            Err(e) => self.parse_error(&e.to_string()).await,
        }
    }

    async fn packet(&mut self, packet: Packet, attachments: Vec<Bytes>) {
        let Some(socket) = self.sockets.get(&*packet.ns).cloned() else {
            tracing::debug!(ns = %packet.ns, "packet for a namespace not joined");
            return;
        };
        match packet.kind {
            PacketKind::Connect => match serde_json::from_str::<Accepted>(&packet.data) {
                Ok(a) => {
                    let Some(engine) = &self.engine else { return };
                    socket.connected(a.sid, a.pid, engine.tx.clone()).await;
                }
                Err(_) => self.parse_error("CONNECT without a sid").await,
            },
            PacketKind::ConnectError => {
                let refused = serde_json::from_str::<Refused>(&packet.data).unwrap_or(Refused {
                    message: packet.data.to_string(),
                    data: Value::Null,
                });
                self.sockets.remove(&socket.ns);
                socket.failed(ConnectError::Refused {
                    message: refused.message,
                    data: refused.data,
                });
            }
            PacketKind::Disconnect => {
                self.sockets.remove(&socket.ns);
                socket
                    .disconnected(DisconnectReason::ServerDisconnect)
                    .await;
            }
            PacketKind::Event | PacketKind::BinaryEvent => {
                socket.event(packet.args, attachments, packet.id).await;
            }
            PacketKind::Ack | PacketKind::BinaryAck => {
                if let Some(id) = packet.id {
                    socket.ack(id, packet.args, attachments);
                }
            }
        }
    }
}

async fn next_event(engine: &mut Option<EngineLink>) -> EngineEvent {
    match engine {
        Some(link) => link
            .rx
            .recv()
            .await
            .unwrap_or(EngineEvent::Closed(CloseCause::TransportClose)),
        None => std::future::pending().await,
    }
}

async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}
