//! The Socket.IO runtime of fastsio: namespaces, rooms, acks, adapters, extractors and
//! handlers, on the Engine.IO server of `fastsio-engine` (re-exported as [`engine`] and
//! [`service`]) and the codecs of `fastsio-protocol` (the Socket.IO ones as [`protocol`]).
//! Users depend on the `fastsio` facade.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ack;
pub mod adapter;
mod client;
mod error;
mod event_queue;
pub mod extract;
pub mod handler;
pub mod middleware;
mod namespace;
mod ns_pattern;
pub mod observer;
mod operators;
mod reason;
mod recovery;
mod room;
mod routes;
mod server;
mod socket;

pub use client::{ClientData, SioHandler};
pub use error::{BuildError, ConnectError, EmitError};
pub use namespace::Namespace;
pub use operators::{AckResults, BroadcastOperators};
pub use reason::DisconnectReason;
pub use recovery::RecoveryConfig;
pub use room::{IntoRooms, Room};
pub use routes::Routes;
pub use server::{Io, NoAckPolicy, Server, ServerBuilder, ServerConfig};
pub use socket::{RoomLimit, Socket, SocketRef};

pub use fastsio_engine as engine;
pub use fastsio_engine::{BoxError, service};
pub use fastsio_protocol::sio as protocol;
