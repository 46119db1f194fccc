//! What connection state recovery keeps: [`RecoveryRecord`] (a disconnected socket),
//! [`RestoredRecord`] (that record with the packets it missed), [`Recipients`] (who a stored
//! packet was for) and [`Stored`] (who sends it).

use crate::engine::Sid;
use crate::protocol::EncodedPacket;
use crate::room::Room;

use super::BroadcastOptions;

/// A socket that lost its connection, kept so that it can come back (node socket.io calls it
/// the "session" of connection state recovery; fastsio keeps that word for
/// [`Session<T>`](crate::extract::Session) values).
#[derive(Debug, Clone)]
pub struct RecoveryRecord {
    /// The socket id, given back to the socket that recovers it.
    pub sid: Sid,
    /// The private session id the client proves its identity with.
    pub pid: Sid,
    /// The rooms it was in (its own included).
    pub rooms: Vec<Room>,
    /// Its session values ([`Socket::insert`](crate::Socket::insert)). They are Rust values:
    /// a store that leaves the process keeps the id and rooms only.
    pub extensions: http::Extensions,
}

/// A recovery record found again, with the packets its socket missed, oldest first (each
/// already carries its offset as last argument).
#[derive(Debug, Clone)]
pub struct RestoredRecord {
    /// The record as it was persisted.
    pub record: RecoveryRecord,
    /// What it missed.
    pub missed: Vec<EncodedPacket>,
}

/// Who a packet stored for replay was emitted to.
#[derive(Debug, Clone, Copy)]
pub enum Recipients<'a> {
    /// One socket (`socket.emit`).
    Socket(Sid),
    /// A broadcast.
    Broadcast(&'a BroadcastOptions),
}

/// What becomes of a packet an adapter keeps for replay.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Send this (the packet with its offset) to the selected sockets now.
    Ready(EncodedPacket),
    /// The adapter sends it itself once it knows its offset (a Redis stream gives the entry
    /// its id when it is added, say): to this node's sockets with
    /// [`LocalNamespace::deliver`](super::LocalNamespace::deliver), to other nodes its own
    /// way. The emit then reports no local socket reached, and the packet may come after
    /// packets emitted later that are not kept (acks, volatile emits).
    Deferred,
}
