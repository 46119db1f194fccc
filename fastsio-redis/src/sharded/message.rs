//! Cluster messages as socket.io-adapter's `ClusterAdapter` writes them:
//! `{uid, nsp, type, data}`, msgpack on the wire (node reads JSON or msgpack).

use rmpv::Value as Mp;

use crate::wire::{encode_mp, map};

/// Message types, numbered as in socket.io-adapter's `MessageType`.
pub(crate) mod message_type {
    pub(crate) const BROADCAST: u64 = 3;
    pub(crate) const SOCKETS_JOIN: u64 = 4;
    pub(crate) const SOCKETS_LEAVE: u64 = 5;
    pub(crate) const DISCONNECT_SOCKETS: u64 = 6;
    pub(crate) const FETCH_SOCKETS: u64 = 7;
    pub(crate) const FETCH_SOCKETS_RESPONSE: u64 = 8;
    pub(crate) const SERVER_SIDE_EMIT: u64 = 9;
    pub(crate) const SERVER_SIDE_EMIT_RESPONSE: u64 = 10;
    pub(crate) const BROADCAST_CLIENT_COUNT: u64 = 11;
    pub(crate) const BROADCAST_ACK: u64 = 12;
}

/// `{uid, nsp, type, data}` in msgpack.
pub(crate) fn encode(uid: &str, nsp: &str, kind: u64, data: Mp) -> Vec<u8> {
    encode_mp(&map(vec![
        ("uid", Mp::from(uid)),
        ("nsp", Mp::from(nsp)),
        ("type", Mp::from(kind)),
        ("data", data),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::decode;

    #[test]
    fn a_message_reads_back_as_node_sends_it() {
        let bytes = encode(
            "abc",
            "/",
            message_type::SOCKETS_JOIN,
            map(vec![("rooms", Mp::Array(vec![Mp::from("r")]))]),
        );
        let (json, _) = decode(bytes.into()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"uid": "abc", "nsp": "/", "type": 4, "data": {"rooms": ["r"]}})
        );
    }
}
