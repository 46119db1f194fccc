//! # fastsio-client
//!
//! An async Socket.IO client for Rust, typed with the same event types as a fastsio server:
//! Engine.IO v4 (HTTP long-polling, WebSocket, the upgrade between them, heartbeats) and
//! Socket.IO v5 (namespaces multiplexed on one connection, auth, `connect_error`, acks both
//! ways, binary attachments, `on_any`, volatile emits), with reconnection (exponential
//! backoff and jitter) and connection state recovery. It speaks to fastsio, node's socket.io
//! 4 and python-socketio 5 servers.
//!
//! ```no_run
//! use std::time::Duration;
//! use fastsio_client::{ServerEvent, Socket};
//! use serde::{Deserialize, Serialize};
//!
//! // Shared with the server (which derives `fastsio::ServerEvent`, the same trait): the wire
//! // name and the ack type travel with the type.
//! #[derive(Serialize, Deserialize, ServerEvent)]
//! #[server_event("welcome")]
//! struct Welcome { name: String, sid: String }
//!
//! #[derive(Serialize, Deserialize, ServerEvent)]
//! #[server_event("join_room", ack = RoomAck)]
//! struct JoinRoom { room: String }
//!
//! #[derive(Serialize, Deserialize)]
//! struct RoomAck { ok: bool, room: String }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let socket = Socket::builder("http://127.0.0.1:3000/chat")
//!     .auth(serde_json::json!({"name": "ada"}))
//!     .on(|_socket, welcome: Welcome| async move { println!("welcome {}", welcome.name) })
//!     .connect()
//!     .await?;
//! let ack: RoomAck = socket
//!     .emit_with_ack(&JoinRoom { room: "lobby".into() }, Duration::from_secs(5))
//!     .await?;
//! assert!(ack.ok);
//! socket.disconnect();
//! # Ok(()) }
//! ```
//!
//! See `docs/client.md` for the whole guide.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod backoff;
mod connector;
mod engine;
mod error;
mod event;
mod handler;
mod manager;
mod reason;
mod socket;
#[cfg(feature = "testing")]
pub mod testing;

pub use backoff::Reconnection;
pub use connector::{Connecting, Connector, Stream, TcpConnector};
pub use error::{AckError, ConnectError, EmitError, EngineError};
pub use event::RawEvent;
/// `#[derive(ServerEvent)]` with `#[server_event("name", ack = Type)]`: the same derive as
/// `fastsio::ServerEvent`, for crates that use the client alone.
pub use fastsio_macros::ClientServerEvent as ServerEvent;
pub use fastsio_protocol::ServerEvent;
pub use fastsio_protocol::sio::Parser;
pub use manager::{Manager, ManagerBuilder, Transport};
pub use reason::DisconnectReason;
pub use socket::{Socket, SocketBuilder, Status};

/// The TLS library (`https://`, `wss://`), to build a [`rustls::ClientConfig`] for
/// [`ManagerBuilder::tls_config`].
#[cfg(feature = "tls")]
pub use rustls;
