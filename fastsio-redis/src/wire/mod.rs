//! What goes over Redis, in `@socket.io/redis-adapter` 8.x's shapes: request type numbers,
//! ids, msgpack ⇄ JSON values, packets and broadcast options.

mod broadcast;
#[cfg(test)]
mod corruptions;
mod envelope;
mod opts;
mod packet;
mod value;

pub(crate) use broadcast::{
    Broadcast, read_broadcast, read_broadcast_tree, read_sharded_broadcast,
};
#[cfg(test)]
pub(crate) use corruptions::prefixes_and_corruptions;
pub(crate) use envelope::decode;
pub(crate) use opts::{opts_from_json, opts_mp, opts_request_json, rooms_from_json, rooms_json};
pub(crate) use packet::{RemotePacket, ack_mp, packet_json, packet_mp};
pub(crate) use value::{encode_mp, json_to_mp, map, raw};

use rand::Rng;

/// Request types, numbered as in `@socket.io/redis-adapter`.
pub(crate) mod request_type {
    pub(crate) const SOCKETS: u64 = 0;
    pub(crate) const ALL_ROOMS: u64 = 1;
    pub(crate) const REMOTE_JOIN: u64 = 2;
    pub(crate) const REMOTE_LEAVE: u64 = 3;
    pub(crate) const REMOTE_DISCONNECT: u64 = 4;
    pub(crate) const REMOTE_FETCH: u64 = 5;
    pub(crate) const SERVER_SIDE_EMIT: u64 = 6;
    pub(crate) const BROADCAST: u64 = 7;
    pub(crate) const BROADCAST_CLIENT_COUNT: u64 = 8;
    pub(crate) const BROADCAST_ACK: u64 = 9;
}

/// A random id of `len` alphanumeric characters, as node's `uid2` makes for server uids and
/// request ids.
pub(crate) fn random_id(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}
