//! The runtime of fastsio: Engine.IO and Socket.IO servers, namespaces, rooms, acks, adapters,
//! extractors and handlers, and the hyper/tower service. Users depend on the `fastsio` facade.

pub mod ack;
pub mod adapter;
mod client;
pub mod contract;
pub mod engine;
mod error;
mod event_queue;
pub mod extract;
pub mod handler;
pub mod middleware;
mod namespace;
pub mod observer;
mod operators;
pub mod protocol;
mod reason;
mod recovery;
mod room;
mod server;
pub mod service;
mod socket;

pub use client::{ClientData, SioHandler};
pub use error::{BuildError, ConnectError, EmitError};
pub use namespace::{Namespace, Routes};
pub use operators::{AckResults, BroadcastOperators};
pub use reason::DisconnectReason;
pub use recovery::RecoveryConfig;
pub use room::{IntoRooms, Room};
pub use server::{Io, NoAckPolicy, Server, ServerBuilder, ServerConfig};
pub use socket::{RoomLimit, Socket, SocketRef};

/// A boxed error, as hyper and tower carry them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
