//! A test client for fastsio apps, like FastAPI's `TestClient`: serve an app's tower service
//! (`io.service()`) on a loopback port ([`TestServer::start`]) or in-process, with no port at
//! all ([`TestServer::in_process`]: HTTP and WebSocket over in-memory pipes), connect to it,
//! and assert on what arrives.
//!
//! ```
//! use std::time::Duration;
//! use fastsio::prelude::*;
//! use fastsio_client::testing::{TestClient, TestServer};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, ServerEvent)]
//! #[server_event("hello", ack = u32)]
//! struct Hello { to: String }
//!
//! async fn greet(socket: SocketRef) {
//!     let _ = socket.emit(&Hello { to: "you".into() });
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let io = Server::builder().routes(Routes::new("/").on_connect(greet)).build().unwrap();
//! let server = TestServer::in_process(io.service());   // or TestServer::start(..).await
//! let mut client = TestClient::connect(&server, "/").await.unwrap();
//! let hello: Hello = client.expect_event(Duration::from_secs(5)).await.unwrap();
//! assert_eq!(hello.to, "you");
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastsio_engine::service::{HttpService, serve_connection};
use fastsio_protocol::ServerEvent;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::io::duplex;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::connector::{Connecting, Connector, Stream};
use crate::error::ConnectError;
use crate::event::RawEvent;
use crate::manager::Transport;
use crate::socket::Socket;
use crate::{Manager, ManagerBuilder, Reconnection};

/// A server's HTTP service (`io.service()`, or an axum router with `io.layer()`) served on
/// 127.0.0.1 with a free port, or in-process, until dropped: then it stops accepting and
/// closes its HTTP connections (WebSocket connections belong to the app once upgraded:
/// `io.close()` closes them).
pub struct TestServer {
    reach: Reach,
    _stop: watch::Sender<()>,
}

/// How clients reach a [`TestServer`].
enum Reach {
    Tcp(SocketAddr),
    InProcess(Arc<dyn Connector>),
}

/// The peer address an in-process server reports for its clients (the handshake's remote
/// address): loopback, port 0, as no socket is involved.
pub const IN_PROCESS_PEER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Resolves when the server stops (its `TestServer` is dropped).
async fn stopping(mut stopped: watch::Receiver<()>) {
    let _ = stopped.changed().await;
}

/// The size of each in-memory pipe's buffer, per direction.
const PIPE_BUFFER: usize = 256 * 1024;

/// A [`Connector`] into an in-process server: each stream is one end of an in-memory pipe,
/// the server serving the other end.
struct InProcess<S> {
    service: Mutex<S>,
    stopped: watch::Receiver<()>,
}

impl<S: HttpService> Connector for InProcess<S> {
    fn connect<'a>(&'a self, _authority: &'a str) -> Connecting<'a> {
        let service = self
            .service
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let stopped = self.stopped.clone();
        Box::pin(async move {
            if stopped.has_changed().is_err() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionRefused,
                    "the in-process test server was dropped",
                ));
            }
            let (client, server) = duplex(PIPE_BUFFER);
            tokio::spawn(serve_connection(
                server,
                Some(IN_PROCESS_PEER),
                service,
                stopping(stopped),
            ));
            Ok(Box::new(client) as Box<dyn Stream>)
        })
    }
}

impl TestServer {
    /// Serves `service` over HTTP/1.1 (with upgrades, for WebSocket) in the background of the
    /// current tokio runtime.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound.
    pub async fn start(service: impl HttpService) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (stop, stopped) = watch::channel(());
        tokio::spawn(async move {
            let mut accepting = stopped.clone();
            loop {
                let (stream, peer) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(_) => continue,
                    },
                    _ = accepting.changed() => return,
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(
                    stream,
                    Some(peer),
                    service.clone(),
                    stopping(stopped.clone()),
                ));
            }
        });
        TestServer {
            reach: Reach::Tcp(addr),
            _stop: stop,
        }
    }

    /// Serves `service` in-process, with no port: each connection a client of
    /// [`manager`](Self::manager) opens (HTTP for polling, or a WebSocket) is an in-memory
    /// pipe to a task serving `service` over HTTP/1.1. Needs a tokio runtime when clients
    /// connect.
    pub fn in_process(service: impl HttpService) -> TestServer {
        let (stop, stopped) = watch::channel(());
        let connector = InProcess {
            service: Mutex::new(service),
            stopped,
        };
        TestServer {
            reach: Reach::InProcess(Arc::new(connector)),
            _stop: stop,
        }
    }

    /// Where it listens: `None` in-process.
    pub fn addr(&self) -> Option<SocketAddr> {
        match &self.reach {
            Reach::Tcp(addr) => Some(*addr),
            Reach::InProcess(_) => None,
        }
    }

    /// `http://127.0.0.1:PORT`, or `http://in-process.test` in-process (reachable only
    /// through [`manager`](Self::manager)).
    pub fn url(&self) -> String {
        match &self.reach {
            Reach::Tcp(addr) => format!("http://{addr}"),
            Reach::InProcess(_) => "http://in-process.test".into(),
        }
    }

    /// A [`Manager`] builder that reaches this server, to configure clients beyond
    /// [`TestClient`]'s (polling, several namespaces, the msgpack parser).
    pub fn manager(&self) -> ManagerBuilder {
        let builder = Manager::builder(&self.url());
        match &self.reach {
            Reach::Tcp(_) => builder,
            Reach::InProcess(connector) => builder.connector_arc(connector.clone()),
        }
    }
}

/// A client of a [`TestServer`] that records every event it gets, for
/// [`expect_event`](TestClient::expect_event).
pub struct TestClient {
    socket: Socket,
    events: mpsc::UnboundedReceiver<RawEvent>,
    skipped: VecDeque<RawEvent>,
}

/// Why an expected event did not come.
#[derive(Debug)]
pub enum ExpectError {
    /// Not within the timeout; the name of each event received meanwhile.
    Timeout(Vec<String>),
    /// It came, but its payload does not fit the type.
    Decode(serde_json::Error),
}

impl fmt::Display for ExpectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectError::Timeout(others) => {
                write!(f, "event not received in time (got {others:?})")
            }
            ExpectError::Decode(e) => write!(f, "event payload does not fit the type: {e}"),
        }
    }
}

impl std::error::Error for ExpectError {}

impl TestClient {
    /// Connects to namespace `ns` over WebSocket, without auth and without reconnection.
    pub async fn connect(server: &TestServer, ns: &str) -> Result<TestClient, ConnectError> {
        Self::connect_with(server, ns, Value::Null).await
    }

    /// Connects with an auth payload.
    pub async fn connect_with(
        server: &TestServer,
        ns: &str,
        auth: Value,
    ) -> Result<TestClient, ConnectError> {
        let manager = server
            .manager()
            .transports([Transport::WebSocket])
            .reconnection(Reconnection::disabled())
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ConnectError::Timeout(Some(e)))?;
        let (tx, events) = mpsc::unbounded_channel();
        let mut builder = manager.socket(ns).on_any(move |_socket, event| {
            let _ = tx.send(event);
            async {}
        });
        if !auth.is_null() {
            builder = builder.auth(auth);
        }
        Ok(TestClient {
            socket: builder.connect().await?,
            events,
            skipped: VecDeque::new(),
        })
    }

    /// The socket, to emit with.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// Waits at most `timeout` for the next event named `name` (others received meanwhile
    /// stay queued for later expectations).
    pub async fn expect_raw(
        &mut self,
        name: &str,
        timeout: Duration,
    ) -> Result<RawEvent, ExpectError> {
        if let Some(i) = self.skipped.iter().position(|e| e.name() == name) {
            return Ok(self.skipped.remove(i).expect("the position is in range"));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) if event.name() == name => return Ok(event),
                Ok(Some(event)) => self.skipped.push_back(event),
                Ok(None) | Err(_) => {
                    return Err(ExpectError::Timeout(
                        self.skipped.iter().map(RawEvent::name).collect(),
                    ));
                }
            }
        }
    }

    /// Waits at most `timeout` for the next `E` (by its wire name) and decodes it.
    pub async fn expect_event<E: ServerEvent + DeserializeOwned>(
        &mut self,
        timeout: Duration,
    ) -> Result<E, ExpectError> {
        self.expect_raw(E::NAME, timeout)
            .await?
            .data()
            .map_err(ExpectError::Decode)
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        self.socket.disconnect();
    }
}
