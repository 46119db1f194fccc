//! # fastsio
//!
//! A fast, typed Socket.IO server framework for Rust: the whole Socket.IO protocol over
//! Engine.IO v4 (and v3 for old clients), served standalone on hyper 1 or inside axum.
//!
//! This release ships the Engine.IO transport layer: [`engine`] (sessions, long-polling,
//! WebSocket, the upgrade, heartbeats, limits) and [`service`] (hyper/tower integration).
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

pub use fastsio_core::{BoxError, engine, service};
