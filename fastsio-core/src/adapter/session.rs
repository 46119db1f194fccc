//! What connection state recovery keeps: [`SessionState`] (a disconnected socket),
//! [`RestoredSession`] (that state with the packets it missed), and [`Recipients`] (who a
//! stored packet was for).

use crate::engine::Sid;
use crate::protocol::EncodedPacket;
use crate::room::Room;

use super::BroadcastOptions;

/// A socket that lost its connection, kept so that it can come back.
#[derive(Debug, Clone)]
pub struct SessionState {
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

/// A session found again, with the packets its socket missed, oldest first (each already
/// carries its offset as last argument).
#[derive(Debug, Clone)]
pub struct RestoredSession {
    /// The session as it was.
    pub state: SessionState,
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
