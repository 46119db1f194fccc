//! The Engine.IO server of fastsio: the transport layer under Socket.IO (protocol v4, and v3
//! when enabled), like node's `engine.io`. It knows nothing of Socket.IO: the layer above
//! receives connections and messages through an [`EngineHandler`].
//!
//! An [`Engine`] owns the connections (Engine.IO sessions, one sid each) of one path. Each [`Connection`] has a bounded queue of
//! outgoing [`Frame`]s that its current transport (a long-polling GET, or the WebSocket
//! connection loop) writes, and hands each incoming [`Packet`] to an [`EngineHandler`].
//! WebSocket connection loops run in a few tasks, one per worker thread of the runtime, which
//! serve their ready connections in turn: every busy connection is served as often as every
//! other, however many there are.

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod close;
mod cluster;
mod config;
mod connection;
mod cors;
mod direct;
mod direct_http;
mod error;
mod handler;
mod heartbeat;
mod http_compression;
mod http_date;
mod lanes;
mod outbox;
mod per_message_deflate;
mod polling;
mod request;
mod request_head;
mod rewind;
mod server;
pub mod service;
mod sid;
mod wake_flag;
mod websocket;
mod ws_io;
mod ws_plain;
mod ws_socket;

pub use close::CloseReason;
pub use cluster::{ClusterFuture, ClusterLink, HandOver, LocalSessions, SessionCluster, TakeOver};
pub use config::{
    AllowRequest, AllowRequestFuture, CookieConfig, EngineConfig, OverflowPolicy, Transports,
};
pub use connection::{Connection, SendError, TransportKind};
pub use cors::CorsConfig;
pub use error::HandshakeError;
pub use handler::{Backpressure, EngineHandler};
pub use http_compression::HttpCompression;
pub use lanes::batch_wakes;
pub use per_message_deflate::PerMessageDeflate;
pub use request::{RemoteAddr, RequestInfo};
pub use server::{Engine, EngineBody};
pub use sid::{InvalidSid, Sid};

pub use fastsio_protocol::eio::{Frame, Packet, PacketError, ProtocolVersion, Str, payload};

/// A boxed error, as hyper and tower carry them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The old name of [`Connection`].
#[deprecated(
    note = "renamed `Connection`: \"session\" now only means the user's `Session<T>` values"
)]
pub type Session<D> = Connection<D>;
