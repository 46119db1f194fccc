//! # fastsio
//!
//! A fast, typed Socket.IO server framework for Rust. Handlers are plain `async fn`s whose
//! arguments say what they need — the socket, the validated payload, the app state — like
//! routes in axum; the whole Socket.IO protocol (v5, and v4 for socket.io 2.x clients), rooms,
//! acknowledgements, a middleware chain and validation come with it.
//!
//! ## A guided tour
//!
//! ```no_run
//! use std::time::Duration;
//! use fastsio::prelude::*;
//! use fastsio::middleware::{Logging, RateLimit};
//! use serde::{Deserialize, Serialize};
//! use validator::Validate;
//!
//! // 1. Payloads are your types: deserialised once, straight from the wire, and validated.
//! #[derive(Deserialize, Validate)]
//! struct JoinRoom {
//!     #[validate(length(min = 1, max = 64))]
//!     room: String,
//! }
//!
//! // 2. Outgoing events carry their wire name: `socket.emit(&Joined { .. })` cannot misspell it.
//! #[derive(Serialize, ServerEvent)]
//! #[server_event("joined")]
//! struct Joined {
//!     room: String,
//! }
//!
//! #[derive(Serialize)]
//! struct JoinAck {
//!     ok: bool,
//! }
//!
//! #[derive(Deserialize)]
//! struct Token {
//!     token: String,
//! }
//!
//! // 3. Connect handlers take connect extractors; `Err` becomes the client's `connect_error`.
//! #[connect]
//! async fn on_connect(socket: SocketRef, Auth(t): Auth<Token>) -> Result<(), ConnectError> {
//!     if t.token.is_empty() {
//!         return Err(ConnectError::new("missing token"));
//!     }
//!     socket.insert(t.token);
//!     Ok(())
//! }
//!
//! // 4. Event handlers: the return value is the ack; an `Err` is an ack error
//! //    `{"error": {"code", "message", "details"}}`. An invalid payload never reaches the
//! //    handler: the client gets `validation_failed` with the field details.
//! #[event("join_room")]
//! async fn join_room(socket: SocketRef, Valid(req): Valid<JoinRoom>) -> Result<Ack<JoinAck>, AckErrorBody> {
//!     socket.join(req.room.as_str());
//!     socket
//!         .emit(&Joined { room: req.room })
//!         .map_err(|e| AckErrorBody::new("internal", e.to_string()))?;
//!     Ok(Ack(JoinAck { ok: true }))
//! }
//!
//! #[disconnect]
//! async fn on_disconnect(id: SocketId, Reason(reason): Reason) {
//!     tracing::info!(%reason, sid = %id.as_str(), "gone");
//! }
//!
//! // 5. A router groups a namespace's handlers and router-scope middleware; two handlers for
//! //    one event, or an argument that cannot be extracted, fail to compile.
//! #[derive(Router)]
//! #[router(
//!     namespace = "/chat",
//!     connect = on_connect,
//!     disconnect = on_disconnect,
//!     events(join_room),
//!     middleware(RateLimit::per_second(20).events(["join_room"]))
//! )]
//! struct Chat;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // 6. The server: settings with node's defaults, global middleware, routers; `build()`
//!     //    checks what only it can check (one event in two routers of one namespace...).
//!     let io = Server::builder()
//!         .ping_interval(Duration::from_secs(25))
//!         .middleware(Logging)
//!         .router(Chat)
//!         .build()?;
//!     // 7. `Io` is the handle: broadcast from anywhere, once encoded for every target.
//!     let _ = io.of("/chat").map(|chat| chat.to("lobby").emit_raw("hello", &"everyone"));
//!     // 8. Serve standalone (or `.layer(io.layer())` in an axum router).
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     io.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//!     Ok(())
//! }
//! ```
//!
//! ## Where things are
//!
//! - [`Server`], [`ServerBuilder`], [`Io`]: configuring, building and driving a server.
//! - [`Routes`] and the macros ([`event`], [`connect`], [`disconnect`], [`Router`],
//!   [`macro@router`], [`ServerEvent`](macro@ServerEvent)): declaring handlers.
//! - [`extract`]: handler arguments; [`handler`]: acks and errors.
//! - [`middleware`]: the chain and the built-ins.
//! - [`adapter`]: rooms and the cluster seam; [`BroadcastOperators`]: targeting emits.
//! - [`engine`]: the Engine.IO transport layer, usable on its own; [`service`]: hyper/tower.
//! - [`protocol`]: the Socket.IO packets and parsers.
//!
//! The repository's `docs/guide/` is the user guide, from getting started to deployment; every
//! Rust snippet in it is compiled as a doc-test of this crate.
//!
//! ## Crates
//!
//! `fastsio` re-exports the layers, each its own crate:
//! - `fastsio-protocol`: the Engine.IO and Socket.IO codecs, with no I/O (shared with clients);
//! - `fastsio-engine`: the Engine.IO server, which knows nothing of Socket.IO ([`engine`],
//!   [`service`]);
//! - `fastsio-core`: the Socket.IO runtime, on top of the engine;
//! - `fastsio-macros`: the derives and attribute macros.
//!
//! ## serde, serde_json and validator
//!
//! The versions fastsio is built with are re-exported: [`serde`], [`serde_json`],
//! [`validator`]. Use them (or the same versions in your own `Cargo.toml`): a `Validate` from
//! another validator version is another trait, and [`Valid<T>`](extract::Valid) would not
//! accept your type. The derives work through the re-exports when told where the crate is:
//!
//! ```
//! use fastsio::prelude::*;
//!
//! #[derive(fastsio::serde::Deserialize, fastsio::validator::Validate)]
//! #[serde(crate = "fastsio::serde")]
//! #[validate(crate = "fastsio::validator")]
//! struct Join {
//!     #[validate(length(min = 1, max = 64))]
//!     room: String,
//! }
//!
//! async fn join(Valid(join): Valid<Join>) -> Ack<String> {
//!     Ack(join.room)
//! }
//! # let _: Routes = Routes::new("/").on("join", join);
//! ```
//!
//! ## Cargo features
//!
//! - `msgpack`: the msgpack parser, [`protocol::Parser`]`::MsgPack` on
//!   [`ServerBuilder::parser`], for clients using `socket.io-msgpack-parser`.
//! - `axum`: handshakes report the peer address under axum.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(doctest)]
mod guide;

pub use fastsio_core::*;
pub use fastsio_macros::{Router, ServerEvent, connect, disconnect, event, router};
pub use serde;
pub use serde_json;
pub use validator;

/// The names most handlers need.
pub mod prelude {
    pub use fastsio_core::extract::{
        Auth, Bin, Cached, Data, Event, FromRef, Handshake, NsParam, RawArgs, Reason, Session,
        SocketId, State, Valid,
    };
    pub use fastsio_core::handler::{Ack, AckErrorBody, IntoAck, IntoAckError, ServerEvent};
    pub use fastsio_core::middleware::MiddlewareScope;
    pub use fastsio_core::{ConnectError, DisconnectReason, Io, Routes, Server, SocketRef};
    pub use fastsio_macros::{Router, ServerEvent, connect, disconnect, event};
}
