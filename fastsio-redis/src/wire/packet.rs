//! Packets: fastsio's encoded text ⇄ socket.io-parser packet objects (`{type, data, nsp}`).
//! The data goes from the packet's JSON text to msgpack and back in one pass each way
//! (`fastsio::protocol::msgpack`), so a remote delivery carries the text a local one does.

use bytes::Bytes;
use fastsio::ack::AckResponse;
use fastsio::protocol::msgpack::transcode_json;
use fastsio::protocol::{EncodedPacket, Header, PacketKind, encode};
use rmpv::Value as Mp;
use serde_json::Value as Json;

use super::{map, raw};

/// The JSON text of an encoded event's data (`4<type>[<n>-][<nsp>,][<id>]<json>`).
fn event_data(packet: &EncodedPacket) -> Option<&str> {
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
    Some(&rest[digits..])
}

/// msgpack of the JSON text `json`, placeholders replaced by `attachments` as bin.
fn transcoded(json: &str, attachments: &[Bytes]) -> Option<Mp> {
    let binary: usize = attachments.iter().map(Bytes::len).sum();
    let mut out = Vec::with_capacity(json.len() + binary);
    transcode_json(json, attachments, &mut out).ok()?;
    Some(raw(out))
}

/// The packet object of an encoded event, with the attachments as msgpack bin in their
/// placeholders' place.
pub(crate) fn packet_mp(nsp: &str, packet: &EncodedPacket) -> Option<Mp> {
    let data = transcoded(event_data(packet)?, &packet.attachments)?;
    Some(map(vec![
        ("type", Mp::from(2)),
        ("data", data),
        ("nsp", Mp::from(nsp)),
    ]))
}

/// The packet object of an encoded event without attachments, as JSON text.
pub(crate) fn packet_json(nsp: &str, packet: &EncodedPacket) -> Option<String> {
    let data = event_data(packet)?;
    let nsp = Json::from(nsp);
    Some(format!(r#"{{"type":2,"data":{data},"nsp":{nsp}}}"#))
}

/// A client's ack as node's `emitWithAck` passes it on: one argument as itself, several
/// as an array, in msgpack, binaries as bin.
pub(crate) fn ack_mp(ack: &AckResponse) -> Option<Mp> {
    let args = &ack.args;
    match args.len() {
        0 => Some(Mp::Nil),
        1 => transcoded(args.get(0)?, &ack.attachments),
        _ => transcoded(&format!("[{}]", args.tail(0)), &ack.attachments),
    }
}

/// An event another node broadcasts, ready to encode for this node's sockets.
pub(crate) struct RemotePacket {
    /// `[event, ...args]` as JSON text, binaries as placeholders.
    payload: String,
    attachments: Vec<Bytes>,
    nsp: String,
}

impl RemotePacket {
    /// Reads a packet object whose `data` is `[event, ...args]`: as its JSON text (how
    /// [`decode`](super::decode) leaves it), or as a JSON array; `bins` are the binaries its
    /// placeholders stand for.
    pub(crate) fn from_json(packet: &Json, bins: Vec<Bytes>) -> Option<RemotePacket> {
        let payload = match packet.get("data")? {
            Json::String(text) if text.starts_with("[\"") => text.clone(),
            data @ Json::Array(items) if items.first().is_some_and(Json::is_string) => {
                data.to_string()
            }
            _ => return None,
        };
        Some(RemotePacket {
            payload,
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
    use crate::wire::{decode, encode_mp};

    /// `data` sent as a packet object and read back on another node.
    fn relayed(data: &str, bins: Vec<Bytes>) -> EncodedPacket {
        let header = Header {
            kind: PacketKind::Event,
            ns: "/chat",
            id: None,
        };
        let sent = encode(header, data, bins);
        let message = Mp::Array(vec![Mp::from("uid"), packet_mp("/chat", &sent).unwrap()]);
        let (json, got) = decode(Bytes::from(encode_mp(&message))).unwrap();
        let received = RemotePacket::from_json(&json[1], got).unwrap();
        assert_eq!(received.nsp(), "/chat");
        let received = received.encode(None);
        assert_eq!(received, sent, "{data}");
        received
    }

    #[test]
    fn tricky_payloads_come_back_byte_for_byte() {
        for data in [
            r#"["new_message",{"room":"r","name":"n","text":"t"}]"#,
            r#"["n",9007199254740993,18446744073709551615,-9223372036854775808,-1,0]"#,
            // As fastsio's emit writes floats.
            serde_json::to_string(&("f", 0.1, 1e300, -0.0, 1.0, 5e-324, f64::MAX, -2.5e-7, 2e64))
                .unwrap()
                .as_str(),
            "[\"s\",\"\u{2028}\u{2029}\",\"😀\",\"\\\"\\\\\",\"\\n\\t\\u0001\\u001f\u{7f}\",\"é\",\"\",null,true,false]",
            r#"["deep",[[[{"b":[{}],"a":[]}]]],{"":{"z":{"y":1}}}]"#,
        ] {
            relayed(data, Vec::new());
        }
        let long = format!(
            r#"["long","{}",[{}]]"#,
            "x".repeat(70_000),
            "1,".repeat(70_000) + "2"
        );
        relayed(&long, Vec::new());
    }

    #[test]
    fn binaries_go_as_bin_and_come_back_as_placeholders() {
        let bins = vec![Bytes::from_static(b"\x00\xff"), Bytes::from(vec![7; 300])];
        let data =
            r#"["file",{"b":{"_placeholder":true,"num":0},"a":{"_placeholder":true,"num":1}}]"#;
        assert_eq!(relayed(data, bins.clone()).attachments, bins);
    }
}
