//! # fastsio
//!
//! A fast, typed Socket.IO server framework for Rust: the whole Socket.IO protocol over
//! Engine.IO v4 (and v3 for old clients), served standalone on hyper 1 or inside axum.
//!
//! [`Server::builder()`] configures a server from [`Routes`] (a namespace's handlers: plain
//! async fns whose arguments are extractors, as in axum); the built [`Io`] handle emits,
//! broadcasts to rooms and serves standalone or as a tower layer. Underneath, [`engine`] is the
//! Engine.IO transport layer (sessions, long-polling, WebSocket, the upgrade, heartbeats,
//! limits), usable on its own as below.
//!
//! ```no_run
//! use std::sync::Arc;
//! use fastsio::engine::{CloseReason, Engine, EngineConfig, EngineHandler, Frame, Session, Str};
//! use fastsio::service::{EngineService, serve};
//!
//! /// Echoes every message back.
//! struct Echo;
//!
//! impl EngineHandler for Echo {
//!     type Data = ();
//!     fn on_open(&self, _: &Arc<Session<()>>) {}
//!     fn on_message(&self, session: &Arc<Session<()>>, text: Str) {
//!         let _ = session.send(Frame::message(&text));
//!     }
//!     fn on_binary(&self, session: &Arc<Session<()>>, data: bytes::Bytes) {
//!         let _ = session.send(Frame::Binary(data));
//!     }
//!     fn on_close(&self, _: &Arc<Session<()>>, _: CloseReason) {}
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let engine = Engine::new(EngineConfig::default(), Echo);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! serve(listener, EngineService::new(engine), std::future::pending()).await
//! # }
//! ```

pub use fastsio_core::*;
pub use fastsio_macros::{Router, ServerEvent, connect, disconnect, event, router};

/// The names most handlers need.
pub mod prelude {
    pub use fastsio_core::extract::{
        Auth, Bin, Data, Event, FromRef, Handshake, NsParam, RawArgs, Reason, Session, SocketId,
        State, Valid,
    };
    pub use fastsio_core::handler::{Ack, AckErrorBody, IntoAck, IntoAckError, ServerEvent};
    pub use fastsio_core::middleware::MiddlewareScope;
    pub use fastsio_core::{ConnectError, DisconnectReason, Io, Routes, Server, SocketRef};
    pub use fastsio_macros::{Router, ServerEvent, connect, disconnect, event};
}
