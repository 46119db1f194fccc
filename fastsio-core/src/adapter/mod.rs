//! Adapters: where room membership lives and how a broadcast reaches its targets.
//!
//! The [`Adapter`] trait is shaped for clusters: membership of this node's sockets is answered
//! locally and synchronously, while operations that may involve other nodes (broadcasting to
//! remote sockets, counting servers) are async. [`LocalAdapter`] is the in-memory, single-node
//! adapter.

mod local;

use std::future::Future;
use std::pin::Pin;

pub use local::LocalAdapter;

use crate::engine::Sid;
use crate::protocol::EncodedPacket;
use crate::room::Room;

/// Who a broadcast is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// Target rooms (union, each socket once); empty means every socket of the namespace.
    pub rooms: Vec<Room>,
    /// Sockets in any of these rooms are left out.
    pub except: Vec<Room>,
    /// Only this node's sockets.
    pub local: bool,
}

/// A boxed future, as adapters return them.
pub type AdapterFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, AdapterError>> + Send + 'a>>;

/// A cluster operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterError(pub String);

impl std::fmt::Display for AdapterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "adapter error: {}", self.0)
    }
}

impl std::error::Error for AdapterError {}

/// Room membership and cross-node delivery for one namespace.
pub trait Adapter: Send + Sync + 'static {
    /// Adds a local socket to rooms.
    fn add_all(&self, sid: Sid, rooms: &[Room]);
    /// Removes a local socket from rooms.
    fn del(&self, sid: Sid, rooms: &[Room]);
    /// Removes a local socket from every room.
    fn del_all(&self, sid: Sid);
    /// The rooms a local socket is in.
    fn socket_rooms(&self, sid: Sid) -> Vec<Room>;
    /// Every room with at least one local socket.
    fn rooms(&self) -> Vec<Room>;
    /// Calls `f` once for each local socket the options select (rooms de-duplicated).
    fn for_each_target(&self, opts: &BroadcastOptions, f: &mut dyn FnMut(Sid));
    /// Sends a broadcast to the sockets of other nodes (this node's are served by the caller).
    fn broadcast_remote<'a>(
        &'a self,
        packet: &'a EncodedPacket,
        opts: &'a BroadcastOptions,
    ) -> AdapterFuture<'a, ()>;
    /// How many servers share this namespace.
    fn server_count(&self) -> AdapterFuture<'_, usize>;
}
