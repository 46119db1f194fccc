//! The fuzz harnesses: one `pub fn <target>(data: &[u8])` per fuzz target.
//!
//! Every function must return normally for any input; a panic (including a failed
//! `assert!` on an invariant) is a finding. The same file is compiled into
//! `tests/tests/fuzz_regressions.rs` (via `#[path]`), which replays the saved corpora and
//! crash inputs through it in the normal `cargo test`, so it may only use `fastsio_protocol`,
//! `bytes` and `serde_json`.

#![forbid(unsafe_code)]

use bytes::Bytes;
use fastsio_protocol::eio::payload;
use fastsio_protocol::eio::{Frame, Packet as EioPacket, ProtocolVersion, Str};
use fastsio_protocol::sio::{
    self, Completion, EncodedPacket, EventArgs, Header, PacketKind, PartialBinary, msgpack,
};
use serde_json::Value;
use serde_json::value::RawValue;

/// The names of every target, as used for the directories under `fuzz/corpus/` and
/// `fuzz/regressions/`.
pub const TARGETS: &[&str] = &[
    "engine_packet",
    "payload_v4",
    "payload_v3_text",
    "payload_v3_binary",
    "payload_roundtrip",
    "sio_packet",
    "event_args",
    "sio_msgpack",
    "msgpack_transcode",
];

/// Runs the harness of `target` on `data`.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "engine_packet" => engine_packet(data),
        "payload_v4" => payload_v4(data),
        "payload_v3_text" => payload_v3_text(data),
        "payload_v3_binary" => payload_v3_binary(data),
        "payload_roundtrip" => payload_roundtrip(data),
        "sio_packet" => sio_packet(data),
        "event_args" => event_args(data),
        "sio_msgpack" => sio_msgpack(data),
        "msgpack_transcode" => msgpack_transcode(data),
        _ => panic!("unknown fuzz target {target}"),
    }
}

/// Engine.IO single packets: `Packet::decode_text` (both base64 modes) on the input as text,
/// and `Packet::decode_binary` (v3 and v4) on the input as bytes.
pub fn engine_packet(data: &[u8]) {
    let bytes = Bytes::copy_from_slice(data);
    for version in [ProtocolVersion::V3, ProtocolVersion::V4] {
        match EioPacket::decode_binary(bytes.clone(), version) {
            Ok(EioPacket::Binary(b)) => {
                let skip = usize::from(version == ProtocolVersion::V3);
                assert_eq!(&b[..], &data[skip..]);
            }
            Ok(other) => panic!("decode_binary gave {other:?}"),
            Err(_) => assert_eq!(version, ProtocolVersion::V3),
        }
    }
    let Ok(text) = Str::try_from(bytes) else {
        return;
    };
    for base64 in [false, true] {
        if let Ok(packet) = EioPacket::decode_text(text.clone(), base64) {
            match packet {
                EioPacket::Message(m) => assert_eq!(&*m, &text[1..]),
                EioPacket::Binary(_) => assert!(base64 && text.starts_with('b')),
                _ => {}
            }
        }
    }
}

fn payload_decode(data: &[u8], version: ProtocolVersion, binary_body: bool) {
    if let Ok(packets) = payload::decode(Bytes::copy_from_slice(data), version, binary_body) {
        // Every record takes at least one byte (v4: its type; v3: a length and a packet).
        assert!(packets.len() <= data.len().max(1));
        for packet in packets {
            if let EioPacket::Binary(b) = packet {
                assert!(b.len() <= data.len());
            }
        }
    }
}

/// v4 polling payloads (`\x1e`-separated records).
pub fn payload_v4(data: &[u8]) {
    payload_decode(data, ProtocolVersion::V4, false);
}

/// v3 text polling payloads (`<utf16 length>:<packet>` records).
pub fn payload_v3_text(data: &[u8]) {
    payload_decode(data, ProtocolVersion::V3, false);
}

/// v3 binary polling payloads (`<kind><digits>\xff<packet>` records).
pub fn payload_v3_binary(data: &[u8]) {
    payload_decode(data, ProtocolVersion::V3, true);
}

/// A tiny reader over the fuzz input.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
}

/// Builds frames as a server would send them from the input, encodes them with
/// `payload::encode` for the version the first byte selects, decodes the body with
/// `payload::decode` and checks the packets are the frames.
///
/// Input: `[mode]` then records `[tag] ...`: `tag % 4 == 0` a binary frame (`[len] data`),
/// `1` a bodiless text frame (type chosen by `tag / 4`), `2`/`3` a message (`[len] text`).
pub fn payload_roundtrip(data: &[u8]) {
    let mut input = Input(data);
    let Some(mode) = input.byte() else {
        return;
    };
    let version = if mode & 1 == 0 {
        ProtocolVersion::V4
    } else {
        ProtocolVersion::V3
    };
    let supports_binary = mode & 2 != 0;
    let mut frames = Vec::new();
    while let Some(tag) = input.byte() {
        match tag % 4 {
            0 => {
                let len = usize::from(input.byte().unwrap_or(0));
                frames.push(Frame::Binary(Bytes::copy_from_slice(input.take(len))));
            }
            1 => {
                const BODILESS: [&str; 6] = ["1", "2", "3", "3probe", "5", "6"];
                let kind = BODILESS[usize::from(tag / 4) % BODILESS.len()];
                frames.push(Frame::Text(Str::from_static(kind)));
            }
            _ => {
                let len = usize::from(input.byte().unwrap_or(0));
                let mut text = String::from_utf8_lossy(input.take(len)).into_owned();
                if version == ProtocolVersion::V4 {
                    // The v4 separator can't appear in a text packet (servers never send one).
                    text = text.replace('\x1e', " ");
                }
                frames.push(Frame::message(&text));
            }
        }
    }
    if frames.is_empty() {
        return;
    }
    let encoded = payload::encode(&frames, version, supports_binary);
    let binary_body = encoded.content_type == "application/octet-stream";
    let packets = payload::decode(encoded.body.clone(), version, binary_body)
        .unwrap_or_else(|e| panic!("{frames:?} encoded as {:?}: {e}", encoded.body));
    assert_eq!(packets.len(), frames.len(), "{frames:?} -> {packets:?}");
    for (frame, packet) in frames.iter().zip(&packets) {
        let expected = match frame {
            Frame::Text(s) => EioPacket::decode_text(s.clone(), false).expect("valid frame"),
            Frame::Binary(b) => EioPacket::Binary(b.clone()),
        };
        assert_eq!(&expected, packet);
    }
}

/// Checks what a handler would do with a packet's arguments.
fn exercise_args(args: &EventArgs) {
    for i in 0..args.len() {
        let arg = args.get(i).expect("argument in range");
        assert_eq!(args.get_str(i).as_deref(), Some(arg));
        // Valid JSON, though `Value` refuses some of it (numbers out of `f64` range): an
        // error, never a panic.
        let _ = serde_json::from_str::<Value>(arg);
    }
    assert!(args.get(args.len()).is_none());
    for from in 0..=args.len() + 1 {
        let Ok(value) = args.deserialize::<Value>(from) else {
            continue;
        };
        let rest = args.len().saturating_sub(from);
        match (rest, &value) {
            (0, Value::Null) | (1, _) => {}
            (n, Value::Array(items)) => assert_eq!(items.len(), n),
            _ => panic!("{from}: {value:?}"),
        }
        let _ = args.tail(from);
    }
}

/// Socket.IO packets and binary reassembly.
///
/// Input: `[max_attachments]` (bit 7 set: `usize::MAX`), then the packet text and its
/// attachments separated by `0xff` (never part of UTF-8): the first part goes through
/// `sio::decode`, the rest are pushed into a `PartialBinary` as `client.rs` does.
pub fn sio_packet(data: &[u8]) {
    let Some((&limit, rest)) = data.split_first() else {
        return;
    };
    let max_attachments = if limit & 0x80 != 0 {
        usize::MAX
    } else {
        usize::from(limit)
    };
    let mut parts = rest.split(|b| *b == 0xff);
    let Some(text) = parts.next() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(packet) = sio::decode(Str::from(text), max_attachments) else {
        return;
    };
    assert!(packet.ns.starts_with('/'));
    assert!(packet.attachments <= max_attachments);
    if !packet.kind.is_binary() {
        assert_eq!(packet.attachments, 0);
    }
    match packet.kind {
        PacketKind::Event | PacketKind::BinaryEvent => {
            assert!(packet.args.get(0).is_some_and(|name| name.starts_with('"')));
        }
        PacketKind::Ack | PacketKind::BinaryAck => assert!(packet.id.is_some()),
        _ => assert!(packet.args.is_empty()),
    }
    exercise_args(&packet.args);
    if packet.attachments == 0 {
        return;
    }
    let expected = packet.attachments;
    let mut partial = PartialBinary::new(packet);
    for (pushed, attachment) in parts.enumerate() {
        match partial.push(Bytes::copy_from_slice(attachment)) {
            Ok(Completion::Pending(next)) => {
                assert!(pushed + 1 < expected);
                partial = next;
            }
            Ok(Completion::Done(packet, attachments)) => {
                assert_eq!(pushed + 1, expected);
                assert_eq!(attachments.len(), packet.attachments);
                exercise_args(&packet.args);
                return;
            }
            Err(_) => return,
        }
    }
}

/// `EventArgs::parse`, which must accept exactly what serde_json reads as an array of raw
/// values and find the same elements, then `deserialize` into `serde_json::Value`.
pub fn event_args(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = EventArgs::parse(Str::from(text));
    let reference = serde_json::from_str::<Vec<&RawValue>>(text);
    assert_eq!(parsed.is_ok(), reference.is_ok(), "{text:?}");
    let (Ok(args), Ok(items)) = (parsed, reference) else {
        return;
    };
    assert_eq!(args.len(), items.len());
    for (i, item) in items.iter().enumerate() {
        assert_eq!(args.get(i), Some(item.get()));
    }
    assert_eq!(&**args.raw(), text);
    exercise_args(&args);
}

/// Msgpack packets (`socket.io-msgpack-parser`): `sio::msgpack::decode`, then the packet
/// encoded back as the server would (`sio::encode`, `msgpack::encode`) and decoded again.
///
/// Input: `[max_attachments]` (bit 7 set: `usize::MAX`), then one binary message.
pub fn sio_msgpack(data: &[u8]) {
    let Some((&limit, frame)) = data.split_first() else {
        return;
    };
    let max_attachments = if limit & 0x80 != 0 {
        usize::MAX
    } else {
        usize::from(limit)
    };
    let frame = Bytes::copy_from_slice(frame);
    let Ok((packet, attachments)) = msgpack::decode(frame.clone(), max_attachments) else {
        return;
    };
    assert!(attachments.len() <= max_attachments);
    assert_eq!(packet.attachments, attachments.len());
    assert!(attachments.iter().map(|a| a.len()).sum::<usize>() <= frame.len());
    assert!(packet.ns.starts_with('/'));
    if !packet.data.is_empty() {
        // What the decoder writes is JSON every handler can read.
        serde_json::from_str::<Value>(&packet.data).expect("the decoder writes valid JSON");
    }
    match packet.kind {
        PacketKind::Event => {
            assert!(packet.args.get(0).is_some_and(|name| name.starts_with('"')));
        }
        PacketKind::Ack => assert!(packet.id.is_some()),
        PacketKind::Connect | PacketKind::Disconnect => assert!(packet.args.is_empty()),
        other => panic!("decoded a {other:?} packet"),
    }
    exercise_args(&packet.args);
    let header = Header {
        kind: packet.kind,
        ns: &packet.ns,
        id: packet.id,
    };
    let text: EncodedPacket = sio::encode(header, &packet.data, attachments);
    let again = msgpack::encode(&text).expect("the server encodes what it decoded");
    let (back, _) = msgpack::decode(again, usize::MAX).expect("the server's packets decode");
    assert_eq!(
        (back.kind, &back.ns, back.id),
        (packet.kind, &packet.ns, packet.id)
    );
}

/// The transcoders the Redis adapter relays packets with: `msgpack::transcode_value` on the
/// input (one msgpack value, maybe followed by more bytes) must write JSON that parses, with
/// its attachments inside the input; `msgpack::transcode_json` must take that JSON back to
/// msgpack, and from there one more round must give the same JSON (the text is a fixpoint).
pub fn msgpack_transcode(data: &[u8]) {
    let input = Bytes::copy_from_slice(data);
    let (mut json, mut bins) = (Vec::new(), Vec::new());
    let Ok(end) = msgpack::transcode_value(&input, 0, &mut json, &mut bins, usize::MAX) else {
        return;
    };
    assert!(end <= input.len());
    assert!(bins.iter().map(|b| b.len()).sum::<usize>() <= end);
    let text = std::str::from_utf8(&json).expect("the transcoder writes UTF-8");
    serde_json::from_str::<Value>(text).expect("the transcoder writes valid JSON");
    let round = |text: &str, bins: &[Bytes]| {
        let mut mp = Vec::new();
        msgpack::transcode_json(text, bins, &mut mp).expect("its JSON transcodes back");
        let mp = Bytes::from(mp);
        let (mut json, mut again) = (Vec::new(), Vec::new());
        let end = msgpack::transcode_value(&mp, 0, &mut json, &mut again, usize::MAX)
            .expect("what it wrote reads again");
        assert_eq!(end, mp.len());
        (String::from_utf8(json).expect("UTF-8"), again)
    };
    let (once, once_bins) = round(text, &bins);
    let (twice, twice_bins) = round(&once, &once_bins);
    assert_eq!((&once, &once_bins), (&twice, &twice_bins));
}
