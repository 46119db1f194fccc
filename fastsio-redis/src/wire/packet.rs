//! Packets: fastsio's encoded text ⇄ socket.io-parser packet objects (`{type, data, nsp}`).

use bytes::Bytes;
use fastsio::protocol::{EncodedPacket, Header, PacketKind, encode};
use rmpv::Value as Mp;
use serde_json::Value as Json;

use super::{json_to_mp, map};

/// The packet object of an encoded event (`4<type>[<n>-][<nsp>,][<id>]<json>`), with the
/// attachments as msgpack bin in their placeholders' place.
pub(crate) fn packet_mp(nsp: &str, packet: &EncodedPacket) -> Option<Mp> {
    let rest = packet.text.strip_prefix('4')?;
    let kind = rest.chars().next()?;
    let mut rest = &rest[kind.len_utf8()..];
    if kind == '5' || kind == '6' {
        rest = &rest[rest.find('-')? + 1..];
    }
    if rest.starts_with('/') {
        rest = &rest[rest.find(',')? + 1..];
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let data: Json = serde_json::from_str(&rest[digits..]).ok()?;
    Some(map(vec![
        ("type", Mp::from(2)),
        ("data", json_to_mp(&data, &packet.attachments)),
        ("nsp", Mp::from(nsp)),
    ]))
}

/// An event another node broadcasts, ready to encode for this node's sockets.
pub(crate) struct RemotePacket {
    /// `[event, ...args]` as JSON text, binaries as placeholders.
    payload: String,
    attachments: Vec<Bytes>,
    nsp: String,
}

impl RemotePacket {
    /// Reads a packet object (`data` must be `[event, ...args]`); `bins` are the binaries
    /// its placeholders stand for.
    pub(crate) fn from_json(packet: &Json, bins: Vec<Bytes>) -> Option<RemotePacket> {
        let data = packet.get("data")?;
        data.as_array()?.first()?.as_str()?;
        Some(RemotePacket {
            payload: data.to_string(),
            attachments: bins,
            nsp: packet
                .get("nsp")
                .and_then(Json::as_str)
                .unwrap_or("/")
                .to_string(),
        })
    }

    /// The namespace it is for.
    pub(crate) fn nsp(&self) -> &str {
        &self.nsp
    }

    /// The packet for clients, with ack id `id` if given.
    pub(crate) fn encode(&self, id: Option<u64>) -> EncodedPacket {
        let header = Header {
            kind: PacketKind::Event,
            ns: &self.nsp,
            id,
        };
        encode(header, &self.payload, self.attachments.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::decode;
    use crate::wire::encode_mp;

    #[test]
    fn an_encoded_binary_event_survives_the_trip_to_another_node() {
        let bins = vec![Bytes::from_static(b"\x00\xff")];
        let data = serde_json::json!({"_placeholder": true, "num": 0});
        let sent = EncodedPacket::event("/chat", "file", None, &data, bins.clone()).unwrap();
        let mp = packet_mp("/chat", &sent).unwrap();
        let (json, got) = decode(&encode_mp(&mp)).unwrap();
        let received = RemotePacket::from_json(&json, got).unwrap();
        assert_eq!(received.nsp(), "/chat");
        assert_eq!(received.encode(None), sent);
    }
}
