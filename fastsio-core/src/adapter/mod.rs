//! Adapters: where room membership lives and how a broadcast reaches its targets.
//!
//! The [`Adapter`] trait is shaped for clusters: membership of this node's sockets is answered
//! locally and synchronously, while operations that may involve other nodes (broadcasting to
//! remote sockets, counting servers) are async. [`LocalAdapter`] is the in-memory, single-node
//! adapter.
//!
//! Connection state recovery goes through the adapter too ([`Adapter::store_packet`],
//! [`Adapter::persist_record`], [`Adapter::restore_record`]), so that a cluster adapter can
//! keep recovery records and missed packets where every node finds them; [`LocalAdapter`] keeps them
//! in a [`MemoryRecoveryStore`].

mod local;
mod namespace_handle;
mod recovery;
mod recovery_store;
mod small_set;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use local::LocalAdapter;
pub use namespace_handle::LocalNamespace;
pub use recovery::{Recipients, RecoveryRecord, RestoredRecord, Stored};
pub use recovery_store::MemoryRecoveryStore;

/// The former name of [`RecoveryRecord`].
#[deprecated(note = "renamed `RecoveryRecord` (\"session\" now means `Session<T>` values only)")]
pub type SessionState = RecoveryRecord;

/// The former name of [`RestoredRecord`].
#[deprecated(note = "renamed `RestoredRecord` (\"session\" now means `Session<T>` values only)")]
pub type RestoredSession = RestoredRecord;

/// The former name of [`MemoryRecoveryStore`].
#[deprecated(
    note = "renamed `MemoryRecoveryStore` (\"session\" now means `Session<T>` values only)"
)]
pub type MemorySessionStore = MemoryRecoveryStore;

use crate::ack::AckResponse;
use crate::engine::{Sid, Str};
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
    /// Skip the sockets that are not ready to receive right away (something still queued for
    /// them): for data that is fine to lose, like positions in a game.
    pub volatile: bool,
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

/// What other nodes answered to a broadcast with acks.
#[derive(Debug, Clone, Default)]
pub struct RemoteAcks {
    /// How many remote sockets the broadcast reached (the acks expected).
    pub expected: usize,
    /// The acks that arrived in time.
    pub responses: Vec<AckResponse>,
}

/// A socket of another node, as [`Adapter::fetch_remote_sockets`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSocket {
    /// Its id: a fastsio [`Sid`] as text, or another server's own format (node socket.io
    /// ids are 20 characters).
    pub id: String,
    /// Its rooms.
    pub rooms: Vec<Room>,
    /// Its handshake, as the remote node describes it.
    pub handshake: serde_json::Value,
    /// Its public data.
    pub data: serde_json::Value,
}

/// Room membership and cross-node delivery for one namespace.
///
/// This node's sockets are always served by the namespace itself through the synchronous
/// methods; the `*_remote` methods reach the sockets of other nodes and answer `None` when
/// there are none to reach (a single node), so a local broadcast costs no allocation for them.
pub trait Adapter: Send + Sync + 'static {
    /// Called once, when the namespace the adapter serves is created: what the adapter uses to
    /// apply operations that come from other nodes to this node's sockets.
    fn init(&self, namespace: LocalNamespace) {
        let _ = namespace;
    }

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

    /// Sends a broadcast to the selected sockets of other nodes.
    fn broadcast_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        let _ = (packet, opts);
        None
    }

    /// Sends a broadcast that asks for acks to the selected sockets of other nodes and
    /// collects what they answer within `timeout`: how many sockets were reached (each node
    /// reports its count) and the acks that arrived.
    fn broadcast_with_ack_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
        timeout: Duration,
    ) -> Option<AdapterFuture<'static, RemoteAcks>> {
        let _ = (packet, opts, timeout);
        None
    }

    /// The selected sockets of other nodes.
    fn fetch_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, Vec<RemoteSocket>>> {
        let _ = opts;
        None
    }

    /// Makes the selected sockets of other nodes join `rooms`.
    fn add_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        let _ = (opts, rooms);
        None
    }

    /// Makes the selected sockets of other nodes leave `rooms`.
    fn del_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        let _ = (opts, rooms);
        None
    }

    /// Disconnects the selected sockets of other nodes.
    fn disconnect_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        let _ = opts;
        None
    }

    /// How many servers share this namespace.
    fn server_count(&self) -> AdapterFuture<'static, usize> {
        Box::pin(std::future::ready(Ok(1)))
    }

    /// Connection state recovery (only called when it is on, see
    /// [`LocalNamespace::recovery`]): gives an event emitted to `to` its offset as last
    /// argument (with [`EncodedPacket::with_offset`]) and keeps it for replay; answers it
    /// ready to send, or that the adapter sends it itself ([`Stored::Deferred`]). Volatile
    /// emits and emits that ask for an ack are never stored. The default stores nothing: the
    /// packet goes out as it is and no socket can be recovered.
    fn store_packet(&self, packet: EncodedPacket, to: Recipients<'_>) -> Stored {
        let _ = to;
        Stored::Ready(packet)
    }

    /// Connection state recovery: keeps the record of a socket whose connection was lost
    /// (not one that left on purpose), for [`restore_record`](Self::restore_record).
    fn persist_record(&self, record: RecoveryRecord) {
        let _ = record;
    }

    /// Connection state recovery: takes back the record of private id `pid`, with the packets stored after
    /// `offset` that it would have received, oldest first; `None` when it cannot be recovered
    /// (unknown, expired, or an offset whose successors are gone). The default recovers
    /// nothing.
    fn restore_record(
        &self,
        pid: Sid,
        offset: Str,
    ) -> AdapterFuture<'static, Option<RestoredRecord>> {
        let _ = (pid, offset);
        Box::pin(std::future::ready(Ok(None)))
    }
}
