//! [`EngineConfig`]: the Engine.IO settings, with node's defaults.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::{ClusterLink, CorsConfig, HttpCompression, PerMessageDeflate, RequestInfo};

/// What happens when a session's outgoing queue is full (the client does not read fast enough).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverflowPolicy {
    /// Close the session with reason "transport error": a client that cannot keep up is
    /// disconnected so it cannot make the server buffer without bound (the default).
    #[default]
    Close,
    /// Drop the frame that did not fit and keep the session; the send reports the loss.
    DropNewest,
}

/// The transports a server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transports {
    /// HTTP long-polling.
    pub polling: bool,
    /// WebSocket.
    pub websocket: bool,
}

impl Default for Transports {
    fn default() -> Self {
        Transports {
            polling: true,
            websocket: true,
        }
    }
}

/// The `io` cookie sent with the handshake response, carrying the session id (sticky sessions
/// behind a load balancer). Off by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// Cookie name (default `io`).
    pub name: String,
    /// `Path` attribute (default `/`).
    pub path: String,
    /// `HttpOnly` (default true).
    pub http_only: bool,
    /// `SameSite` value (default `Lax`).
    pub same_site: String,
    /// `Secure` (default false).
    pub secure: bool,
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            name: "io".into(),
            path: "/".into(),
            http_only: true,
            same_site: "Lax".into(),
            secure: false,
        }
    }
}

impl CookieConfig {
    pub(crate) fn header_value(&self, sid: &str) -> String {
        let mut v = format!("{}={sid}; Path={}", self.name, self.path);
        if self.http_only {
            v.push_str("; HttpOnly");
        }
        if !self.same_site.is_empty() {
            v.push_str("; SameSite=");
            v.push_str(&self.same_site);
        }
        if self.secure {
            v.push_str("; Secure");
        }
        v
    }
}

/// The future an [`AllowRequest`] hook returns: `Err(reason)` refuses the request with 403.
pub type AllowRequestFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// An async hook that sees every handshake request and may refuse it (HTTP 403, like node's
/// `allowRequest`). Refusals are logged with their reason; the client gets node's
/// `{"code":4,"message":"Forbidden"}`.
#[derive(Clone)]
pub struct AllowRequest(Arc<dyn Fn(&RequestInfo) -> AllowRequestFuture + Send + Sync>);

impl AllowRequest {
    /// Wraps an async check.
    ///
    /// ```
    /// use fastsio_engine::AllowRequest;
    /// let hook = AllowRequest::new(|req| {
    ///     let ok = req.headers.get("origin").is_some_and(|o| o == "https://example.com");
    ///     async move { if ok { Ok(()) } else { Err("bad origin".to_string()) } }
    /// });
    /// # let _ = hook;
    /// ```
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(&RequestInfo) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        AllowRequest(Arc::new(move |req| Box::pin(f(req))))
    }

    pub(crate) fn check(&self, req: &RequestInfo) -> AllowRequestFuture {
        (self.0)(req)
    }
}

impl fmt::Debug for AllowRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AllowRequest(..)")
    }
}

/// Engine.IO settings. Every limit is configurable; the defaults are node's.
///
/// ```
/// use std::time::Duration;
/// use fastsio_engine::EngineConfig;
/// let mut config = EngineConfig::default();
/// config.ping_interval = Duration::from_secs(10);
/// assert_eq!(config.max_payload, 1_000_000);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineConfig {
    /// The request path served, with a trailing slash (default `/engine.io/`; the Socket.IO
    /// server uses `/socket.io/`).
    pub path: String,
    /// How often the server pings a v4 client (default 25 s); a v3 client pings at this pace.
    pub ping_interval: Duration,
    /// How long to wait for the pong (v4) or the next ping (v3) before closing (default 20 s).
    /// A session is gone `ping_interval + ping_timeout` after the client's last answer at the
    /// latest, however it was closed: a closed polling session waits at most `ping_timeout`,
    /// and never past that deadline, for its last poll.
    pub ping_timeout: Duration,
    /// How long an upgrade to WebSocket may take (default 10 s).
    pub upgrade_timeout: Duration,
    /// The largest accepted polling body or WebSocket message, in bytes (default 1 MB).
    pub max_payload: usize,
    /// Accepted transports.
    pub transports: Transports,
    /// Whether polling sessions may upgrade to WebSocket (default true).
    pub allow_upgrades: bool,
    /// Accept Engine.IO v3 clients (socket.io 2.x), like node's `allowEIO3` (default false).
    pub allow_eio3: bool,
    /// The `io` cookie (default none).
    pub cookie: Option<CookieConfig>,
    /// The handshake hook (default none).
    pub allow_request: Option<AllowRequest>,
    /// The most sessions open (or opening) at once (default none: no limit). Beyond, new
    /// handshakes are refused with HTTP 503 and `{"code":3,"message":"Too many connections"}`;
    /// requests of open sessions are not affected.
    pub max_connections: Option<usize>,
    /// Frames a session may have waiting to be sent (default 8192).
    pub max_buffered_frames: usize,
    /// What happens when that queue is full.
    pub overflow: OverflowPolicy,
    /// WebSocket read buffer per connection, in bytes (default 2 KiB: idle connections stay
    /// small; messages larger than this still arrive, the buffer grows to hold one while it
    /// does). With `permessage-deflate`, the compressed stream's read buffer.
    pub ws_read_buffer_size: usize,
    /// Cross-origin access for browsers (default none: no CORS headers, like node socket.io
    /// without its `cors` option). See [`CorsConfig`].
    pub cors: Option<CorsConfig>,
    /// gzip/deflate bodies for polling responses of at least 1024 bytes, when the client
    /// accepts them (default on, like node's `httpCompression`). See [`HttpCompression`].
    pub http_compression: Option<HttpCompression>,
    /// WebSocket `permessage-deflate` (default off, like node's `perMessageDeflate`). See
    /// [`PerMessageDeflate`].
    pub per_message_deflate: Option<PerMessageDeflate>,
    /// Engines on other nodes that serve this engine's unknown sessions, so that no sticky
    /// sessions are needed (default none). See [`SessionCluster`](super::SessionCluster).
    pub cluster: Option<ClusterLink>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            path: "/engine.io/".into(),
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            upgrade_timeout: Duration::from_secs(10),
            max_payload: 1_000_000,
            transports: Transports::default(),
            allow_upgrades: true,
            allow_eio3: false,
            cookie: None,
            allow_request: None,
            max_connections: None,
            max_buffered_frames: 8192,
            overflow: OverflowPolicy::Close,
            ws_read_buffer_size: 2048,
            cors: None,
            http_compression: Some(HttpCompression::default()),
            per_message_deflate: None,
            cluster: None,
        }
    }
}
