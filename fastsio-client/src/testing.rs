//! A test client for fastsio apps, like FastAPI's `TestClient`: serve an [`Io`] on a loopback
//! port, connect to it, and assert on what arrives.
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
//! let server = TestServer::start(io).await;
//! let mut client = TestClient::connect(&server, "/").await.unwrap();
//! let hello: Hello = client.expect_event(Duration::from_secs(5)).await.unwrap();
//! assert_eq!(hello.to, "you");
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use fastsio_core::Io;
use fastsio_core::handler::ServerEvent;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use crate::error::ConnectError;
use crate::event::RawEvent;
use crate::manager::Transport;
use crate::socket::Socket;
use crate::{Manager, Reconnection};

/// An [`Io`] served on 127.0.0.1 with a free port, until dropped.
pub struct TestServer {
    addr: SocketAddr,
    io: Io,
    _stop: oneshot::Sender<()>,
}

impl TestServer {
    /// Serves `io` in the background of the current tokio runtime.
    pub async fn start(io: Io) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (stop, stopped) = oneshot::channel::<()>();
        let served = io.clone();
        tokio::spawn(async move {
            let _ = served
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await;
        });
        TestServer {
            addr,
            io,
            _stop: stop,
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's handle.
    pub fn io(&self) -> &Io {
        &self.io
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
        let manager = Manager::builder(&server.url())
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
