//! The fuzz harnesses: one `pub fn <target>(data: &[u8])` per fuzz target.
//!
//! Every function must return normally for any input; a panic (including a failed
//! `assert!` on an invariant) is a finding. The same file is compiled into
//! `tests/tests/fuzz_regressions.rs` (via `#[path]`), which replays the saved corpora and
//! crash inputs through it in the normal `cargo test`, so it may only use `fastsio_protocol`,
//! `bytes` and `serde_json`.

#![forbid(unsafe_code)]

use bytes::{Bytes, BytesMut};
use fastsio_protocol::eio::payload;
use fastsio_protocol::eio::{Frame, Packet as EioPacket, ProtocolVersion, Str};
use fastsio_protocol::sio::{
    self, Completion, EncodedPacket, EventArgs, Header, PacketKind, PartialBinary, msgpack,
};
use fastsio_protocol::ws::{Decoded, Decoder, WsError};
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
    "ws_frames",
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
        "ws_frames" => ws_frames(data),
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

/// The `max_payload`s of `ws_frames`, picked by the low half of its first byte: small ones
/// so the bound is reached, those around a control frame's 125 and the 16-bit length, and
/// `usize::MAX` for lengths near overflow.
const WS_MAX_PAYLOADS: [usize; 16] = [
    0,
    1,
    2,
    5,
    8,
    16,
    31,
    64,
    125,
    126,
    127,
    200,
    1000,
    0xFFFF,
    0x10000,
    usize::MAX,
];

/// The sizes of the reads of `ws_frames`, picked by the high half of its first byte.
const WS_READ_SIZES: [usize; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 16, 31, 64, 127, 1024];

/// The server's WebSocket frame reader, `ws::Decoder`, on what a client sends.
///
/// Input: `[config]` then the bytes of the stream: `config & 0x0F` picks `max_payload`,
/// `config >> 4` the size of each read. The stream decoded as it arrives read by read must
/// give what it gives decoded in one piece, every message within the bounds; then the stream
/// is read as records of frames to build (see [`ws_round_trip`]), which must decode to what
/// they were built from.
pub fn ws_frames(data: &[u8]) {
    let Some((&config, stream)) = data.split_first() else {
        return;
    };
    let max_payload = WS_MAX_PAYLOADS[usize::from(config & 0x0F)];
    let read_size = WS_READ_SIZES[usize::from(config >> 4)];
    let whole = ws_decode(stream, stream.len().max(1), max_payload);
    let in_reads = ws_decode(stream, read_size, max_payload);
    assert_eq!(whole, in_reads);
    ws_round_trip(stream);
}

/// What `stream` decodes to when it arrives `read_size` bytes at a time, up to the first
/// error (the last outcome then).
fn ws_decode(stream: &[u8], read_size: usize, max_payload: usize) -> Vec<Result<Decoded, WsError>> {
    let mut decoder = Decoder::new(max_payload);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for read in stream.chunks(read_size) {
        buf.extend_from_slice(read);
        loop {
            let before = buf.len();
            match decoder.decode(&mut buf) {
                Ok(Decoded::Incomplete { frame }) => {
                    assert!(buf.len() <= before);
                    if let Some(frame) = frame {
                        // The room to make: more than is in, and never beyond one frame.
                        assert!(frame > buf.len(), "{frame} <= {}", buf.len());
                        assert!(frame <= max_payload.saturating_add(14));
                    }
                    break;
                }
                Ok(decoded) => {
                    assert!(buf.len() < before);
                    ws_check(&decoded, max_payload);
                    out.push(Ok(decoded));
                }
                Err(error) => {
                    out.push(Err(error));
                    return out;
                }
            }
        }
    }
    out
}

/// The bounds of what the decoder gives.
fn ws_check(decoded: &Decoded, max_payload: usize) {
    match decoded {
        Decoded::Incomplete { .. } => panic!("not a message"),
        Decoded::Text(text) => {
            assert!(text.len() <= max_payload);
            assert!(std::str::from_utf8(text.as_bytes()).is_ok());
        }
        Decoded::Binary(data) => assert!(data.len() <= max_payload),
        Decoded::Ping(payload) => assert!(payload.len() <= max_payload.min(125)),
        Decoded::Close(Some(code)) => assert!(matches!(
            u16::from_be_bytes(*code),
            1000..=1003 | 1007..=1014 | 3000..=4999
        )),
        Decoded::Close(None) | Decoded::Pong => {}
    }
}

/// Close codes a client may send.
const WS_CLOSE_CODES: [u16; 8] = [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999];

/// Masked client frames built from `data`, decoded with `max_payload` the largest payload
/// among them (the bound is inclusive), must give their messages back.
///
/// Input: records `[tag] [len] payload`: `tag & 7` the kind (0–1 text, as UTF-8 made of the
/// payload; 2–3 binary; 4 ping and 5 pong, of the first 125 bytes; 6 close with a code and a
/// reason; 7 close without), `(tag >> 3) & 3` plus one the fragments of a text or binary
/// message, `(tag >> 5) & 3` the length's form (0: the shortest, 1: 16 bits, 2 and 3: 64 bits),
/// `tag >> 7` a ping between the fragments.
fn ws_round_trip(data: &[u8]) {
    let mut input = Input(data);
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    // The largest payload of a message or a control frame: the bound they must all pass.
    let mut largest = 0;
    while let Some(tag) = input.byte() {
        let len = usize::from(input.byte().unwrap_or(0));
        let raw = input.take(len);
        let mask = [tag, raw.len() as u8, !tag, 0x5A];
        let form = (tag >> 5) & 3;
        let control = &raw[..raw.len().min(125)];
        let (op, payload, decoded) = match tag & 7 {
            0 | 1 => {
                let text = String::from_utf8_lossy(raw).into_owned();
                (
                    0x1,
                    text.clone().into_bytes(),
                    Decoded::Text(Str::from(text.as_str())),
                )
            }
            2 | 3 => (
                0x2,
                raw.to_vec(),
                Decoded::Binary(Bytes::copy_from_slice(raw)),
            ),
            4 => (
                0x9,
                control.to_vec(),
                Decoded::Ping(Bytes::copy_from_slice(control)),
            ),
            5 => (0xA, control.to_vec(), Decoded::Pong),
            6 => {
                let code = WS_CLOSE_CODES[raw.len() % WS_CLOSE_CODES.len()].to_be_bytes();
                let mut payload = code.to_vec();
                payload.extend(raw.iter().take(123).map(|b| b'a' + b % 26));
                (0x8, payload, Decoded::Close(Some(code)))
            }
            _ => (0x8, Vec::new(), Decoded::Close(None)),
        };
        largest = largest.max(payload.len());
        let fragments = if op < 0x8 {
            usize::from((tag >> 3) & 3) + 1
        } else {
            1
        };
        let mut from = 0;
        for i in 1..=fragments {
            let to = payload.len() * i / fragments;
            let fin = if i == fragments { 0x80 } else { 0 };
            let op = if i == 1 { op } else { 0 };
            ws_client_frame(&mut stream, fin | op, &payload[from..to], mask, form);
            if tag & 0x80 != 0 && i < fragments {
                ws_client_frame(&mut stream, 0x89, b"between", mask, form);
                expected.push(Decoded::Ping(Bytes::from_static(b"between")));
                largest = largest.max(b"between".len());
            }
            from = to;
        }
        expected.push(decoded);
    }
    let decoded = ws_decode(&stream, stream.len().max(1), largest);
    let expected: Vec<_> = expected.into_iter().map(Ok).collect();
    assert_eq!(decoded, expected);
}

/// Appends to `out` a client frame: first byte `head`, `payload` masked with `mask`, its length
/// in the shortest form (`form` 0), or 16 bits (1) if it fits, or 64 bits.
fn ws_client_frame(out: &mut Vec<u8>, head: u8, payload: &[u8], mask: [u8; 4], form: u8) {
    const MASKED: u8 = 0x80;
    out.push(head);
    let len = payload.len();
    match (form, u16::try_from(len)) {
        (0, _) if len < 126 => out.push(MASKED | len as u8),
        (0 | 1, Ok(short)) => {
            out.push(MASKED | 126);
            out.extend_from_slice(&short.to_be_bytes());
        }
        _ => {
            out.push(MASKED | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
}
