//! Decoding a client's msgpack packet into a [`Packet`] with its attachments.

use bytes::Bytes;
use rmp::Marker;

use super::MAX_DEPTH;
use crate::eio::Str;
use crate::sio::{EventArgs, Packet, PacketKind, ParseError, plain};

/// Decodes one binary message sent by `socket.io-msgpack-parser`: the map
/// `{type, nsp, data?, id?}` (other keys, like the client's `options`, are ignored).
///
/// `data` becomes JSON text; each `bin` value (and each `ArrayBuffer`, which the client's
/// MessagePack library sends as extension type 0) becomes an attachment, shared with `frame`,
/// and a `{"_placeholder":true,"num":N}` in the JSON. `undefined` reads as `null`, a `Date` as
/// its milliseconds since the epoch. At most `max_attachments` binary values are accepted.
///
/// ```
/// use bytes::Bytes;
/// use fastsio_protocol::sio::{PacketKind, msgpack};
/// // {"type": 2, "nsp": "/", "data": ["hi", <bin 01 02>], "id": 7}
/// let frame = Bytes::from_static(&[
///     0x84, 0xa4, b't', b'y', b'p', b'e', 0x02, 0xa3, b'n', b's', b'p', 0xa1, b'/',
///     0xa4, b'd', b'a', b't', b'a', 0x92, 0xa2, b'h', b'i', 0xc4, 0x02, 1, 2,
///     0xa2, b'i', b'd', 0x07,
/// ]);
/// let (packet, attachments) = msgpack::decode(frame, 10).unwrap();
/// assert_eq!((packet.kind, &*packet.ns, packet.id), (PacketKind::Event, "/", Some(7)));
/// assert_eq!(&*packet.data, r#"["hi",{"_placeholder":true,"num":0}]"#);
/// assert_eq!(attachments, vec![Bytes::from_static(&[1, 2])]);
/// ```
pub fn decode(frame: Bytes, max_attachments: usize) -> Result<(Packet, Vec<Bytes>), ParseError> {
    decode_from(Sender::Client, frame, max_attachments)
}

/// Decodes one binary message a server sent (the client's direction): as [`decode`], and a
/// CONNECT_ERROR (type 4) is accepted with a map payload (`{message, data}`).
///
/// ```
/// use bytes::Bytes;
/// use fastsio_protocol::sio::{PacketKind, msgpack};
/// // {"type": 4, "nsp": "/", "data": {"message": "no"}}
/// let frame = Bytes::from_static(&[
///     0x83, 0xa4, b't', b'y', b'p', b'e', 0x04, 0xa3, b'n', b's', b'p', 0xa1, b'/',
///     0xa4, b'd', b'a', b't', b'a', 0x81, 0xa7, b'm', b'e', b's', b's', b'a', b'g', b'e',
///     0xa2, b'n', b'o',
/// ]);
/// let (packet, _) = msgpack::decode_from_server(frame, 10).unwrap();
/// assert_eq!((packet.kind, &*packet.data), (PacketKind::ConnectError, r#"{"message":"no"}"#));
/// ```
pub fn decode_from_server(
    frame: Bytes,
    max_attachments: usize,
) -> Result<(Packet, Vec<Bytes>), ParseError> {
    decode_from(Sender::Server, frame, max_attachments)
}

/// Which side sent the packet: only a server may send CONNECT_ERROR.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sender {
    Client,
    Server,
}

fn decode_from(
    sender: Sender,
    frame: Bytes,
    max_attachments: usize,
) -> Result<(Packet, Vec<Bytes>), ParseError> {
    let mut t = Transcoder {
        input: &frame,
        pos: 0,
        // A large frame is mostly binary, which stays out of the JSON.
        json: Vec::with_capacity(frame.len().min(4096) + 16),
        attachments: Vec::new(),
        max_attachments,
    };
    let entries = match t.marker()? {
        marker @ (Marker::FixMap(_) | Marker::Map16 | Marker::Map32) => t.len(marker)?,
        _ => return Err(ParseError::InvalidMsgPack),
    };
    let (mut kind, mut ns, mut id, mut data, mut seen_data) = (None, None, None, None, false);
    for _ in 0..entries {
        match t.str()? {
            b"type" => kind = Some(t.kind()?),
            b"nsp" => ns = Some(t.namespace()?),
            b"id" => id = t.ack_id()?,
            b"data" if seen_data => return Err(ParseError::InvalidPayload),
            b"data" => (data, seen_data) = (t.data()?, true),
            _ => t.skip()?,
        }
    }
    if t.pos != frame.len() {
        return Err(ParseError::InvalidMsgPack);
    }
    let kind = kind.ok_or(ParseError::UnknownType)?;
    let ns = ns.ok_or(ParseError::InvalidNamespace)?;
    let spans = check_payload(sender, kind, data, id, &t.json)?;
    let data = Str::from(String::from_utf8(t.json).map_err(|_| ParseError::InvalidMsgPack)?);
    let args = match spans {
        Some(spans) => EventArgs::from_spans(data.clone(), spans),
        None => EventArgs::default(),
    };
    let packet = Packet {
        kind,
        ns,
        query: None,
        id,
        attachments: t.attachments.len(),
        data,
        args,
    };
    Ok((packet, t.attachments))
}

/// Reads the one MessagePack value that starts at `pos` in `input` and appends its JSON to
/// `json`, as [`decode`] does for a packet's `data`: map keys and array items stay in order,
/// each `bin` (or extension type 0) is appended to `attachments`, shared with `input`, and
/// written as `{"_placeholder":true,"num":N}`. Returns where the value ends.
///
/// ```
/// use bytes::Bytes;
/// use fastsio_protocol::sio::msgpack;
/// // ["b", {"z": 1, "a": <bin 07>}] followed by another value
/// let input = Bytes::from_static(b"\x92\xa1b\x82\xa1z\x01\xa1a\xc4\x01\x07\xc0");
/// let (mut json, mut bins) = (Vec::new(), Vec::new());
/// let end = msgpack::transcode_value(&input, 0, &mut json, &mut bins, 10).unwrap();
/// assert_eq!(json, br#"["b",{"z":1,"a":{"_placeholder":true,"num":0}}]"#);
/// assert_eq!((end, bins), (input.len() - 1, vec![Bytes::from_static(&[7])]));
/// ```
pub fn transcode_value(
    input: &Bytes,
    pos: usize,
    json: &mut Vec<u8>,
    attachments: &mut Vec<Bytes>,
    max_attachments: usize,
) -> Result<usize, ParseError> {
    let mut t = Transcoder {
        input,
        pos,
        json: std::mem::take(json),
        attachments: std::mem::take(attachments),
        max_attachments,
    };
    let read = t.value(0);
    *json = t.json;
    *attachments = t.attachments;
    read.map(|()| t.pos)
}

/// What the `data` value was.
enum Shape {
    /// An array, with where each element lies in the JSON.
    Array(Vec<(u32, u32)>),
    Map,
    Other,
}

/// Checks `data` has the shape `kind` requires, as the client's own decoder does; gives the
/// argument spans of events and acks.
fn check_payload(
    sender: Sender,
    kind: PacketKind,
    data: Option<Shape>,
    id: Option<u64>,
    json: &[u8],
) -> Result<Option<Vec<(u32, u32)>>, ParseError> {
    match (kind, data) {
        (PacketKind::Connect, _) if id.is_some() => Err(ParseError::InvalidAckId),
        (PacketKind::Connect, None | Some(Shape::Map)) => Ok(None),
        (PacketKind::Disconnect, None) if id.is_none() => Ok(None),
        (PacketKind::Event, Some(Shape::Array(spans)))
            if spans
                .first()
                .is_some_and(|&(s, _)| json[s as usize] == b'"') =>
        {
            Ok(Some(spans))
        }
        (PacketKind::Ack, _) if id.is_none() => Err(ParseError::InvalidAckId),
        (PacketKind::Ack, Some(Shape::Array(spans))) => Ok(Some(spans)),
        (PacketKind::ConnectError, Some(Shape::Map))
            if sender == Sender::Server && id.is_none() =>
        {
            Ok(None)
        }
        (PacketKind::ConnectError, _) => Err(ParseError::UnexpectedPacket),
        _ => Err(ParseError::InvalidPayload),
    }
}

/// A MessagePack integer: its encodings span both `u64` and `i64`.
#[derive(Clone, Copy)]
enum Int {
    Unsigned(u64),
    Signed(i64),
}

impl Int {
    /// The value, if it is not negative.
    fn unsigned(self) -> Option<u64> {
        match self {
            Int::Unsigned(n) => Some(n),
            Int::Signed(n) => u64::try_from(n).ok(),
        }
    }
}

/// Reads MessagePack from `input` and writes the JSON of what it read.
struct Transcoder<'a> {
    input: &'a Bytes,
    pos: usize,
    json: Vec<u8>,
    attachments: Vec<Bytes>,
    max_attachments: usize,
}

impl<'a> Transcoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        let input: &'a [u8] = self.input;
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= input.len())
            .ok_or(ParseError::InvalidMsgPack)?;
        let bytes = &input[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ParseError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, ParseError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, ParseError> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, ParseError> {
        self.array().map(u32::from_be_bytes)
    }

    fn marker(&mut self) -> Result<Marker, ParseError> {
        self.u8().map(Marker::from_u8)
    }

    /// The length following a string, binary, extension, array or map marker.
    fn len(&mut self, marker: Marker) -> Result<usize, ParseError> {
        Ok(match marker {
            Marker::FixStr(n) | Marker::FixArray(n) | Marker::FixMap(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 | Marker::Ext8 => usize::from(self.u8()?),
            Marker::Str16 | Marker::Bin16 | Marker::Ext16 | Marker::Array16 | Marker::Map16 => {
                usize::from(self.u16()?)
            }
            Marker::Str32 | Marker::Bin32 | Marker::Ext32 | Marker::Array32 | Marker::Map32 => {
                self.u32()? as usize
            }
            _ => return Err(ParseError::InvalidMsgPack),
        })
    }

    /// A string's bytes (not yet checked as UTF-8).
    fn str(&mut self) -> Result<&'a [u8], ParseError> {
        let marker = self.marker()?;
        match marker {
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                let len = self.len(marker)?;
                self.take(len)
            }
            _ => Err(ParseError::InvalidMsgPack),
        }
    }

    /// An integer, whatever its width.
    fn int(&mut self, marker: Marker) -> Result<Option<Int>, ParseError> {
        Ok(Some(match marker {
            Marker::FixPos(n) => Int::Unsigned(u64::from(n)),
            Marker::U8 => Int::Unsigned(u64::from(self.u8()?)),
            Marker::U16 => Int::Unsigned(u64::from(self.u16()?)),
            Marker::U32 => Int::Unsigned(u64::from(self.u32()?)),
            Marker::U64 => Int::Unsigned(u64::from_be_bytes(self.array()?)),
            Marker::FixNeg(n) => Int::Signed(i64::from(n)),
            Marker::I8 => Int::Signed(i64::from(self.u8()? as i8)),
            Marker::I16 => Int::Signed(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => Int::Signed(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => Int::Signed(i64::from_be_bytes(self.array()?)),
            _ => return Ok(None),
        }))
    }

    fn write_int(&mut self, n: Int) {
        let mut buf = itoa::Buffer::new();
        let text = match n {
            Int::Unsigned(n) => buf.format(n),
            Int::Signed(n) => buf.format(n),
        };
        self.json.extend_from_slice(text.as_bytes());
    }

    fn kind(&mut self) -> Result<PacketKind, ParseError> {
        let marker = self.marker()?;
        match self.int(marker)?.and_then(Int::unsigned) {
            Some(0) => Ok(PacketKind::Connect),
            Some(1) => Ok(PacketKind::Disconnect),
            Some(2) => Ok(PacketKind::Event),
            Some(3) => Ok(PacketKind::Ack),
            Some(4) => Ok(PacketKind::ConnectError),
            _ => Err(ParseError::UnknownType),
        }
    }

    fn namespace(&mut self) -> Result<Str, ParseError> {
        let bytes = self.str().map_err(|_| ParseError::InvalidNamespace)?;
        let ns =
            Str::try_from(self.input.slice_ref(bytes)).map_err(|_| ParseError::InvalidNamespace)?;
        // As in the text format, where a namespace starts with `/` and ends at the first `,`.
        if !ns.starts_with('/') || ns.bytes().any(|b| b == b',' || b.is_ascii_control()) {
            return Err(ParseError::InvalidNamespace);
        }
        Ok(ns)
    }

    /// The ack id: a non-negative integer, or `nil`/`undefined` for none.
    fn ack_id(&mut self) -> Result<Option<u64>, ParseError> {
        let marker = self.marker()?;
        if let Some(n) = self.int(marker)? {
            return n.unsigned().map(Some).ok_or(ParseError::InvalidAckId);
        }
        match marker {
            Marker::Null => Ok(None),
            Marker::FixExt1 if self.array::<2>()? == [0, 0] => Ok(None),
            _ => Err(ParseError::InvalidAckId),
        }
    }

    /// The payload, written as JSON; `nil` and `undefined` are no payload.
    fn data(&mut self) -> Result<Option<Shape>, ParseError> {
        let start = self.pos;
        let len = match self.marker()? {
            Marker::Null => return Ok(None),
            Marker::FixExt1 if self.array::<2>()? == [0, 0] => return Ok(None),
            marker @ (Marker::FixArray(_) | Marker::Array16 | Marker::Array32) => {
                self.len(marker)?
            }
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                self.pos = start;
                self.value(0)?;
                return Ok(Some(Shape::Map));
            }
            _ => {
                self.pos = start;
                self.value(0)?;
                return Ok(Some(Shape::Other));
            }
        };
        // Each element takes at least one byte: a claimed length beyond the input is a lie.
        let mut spans = Vec::with_capacity(len.min(self.input.len() - self.pos));
        self.json.push(b'[');
        for i in 0..len {
            if i > 0 {
                self.json.push(b',');
            }
            let start = self.json.len();
            self.value(1)?;
            spans.push((span_offset(start)?, span_offset(self.json.len())?));
        }
        self.json.push(b']');
        Ok(Some(Shape::Array(spans)))
    }

    /// Reads a value the packet does not use, leaving nothing behind.
    fn skip(&mut self) -> Result<(), ParseError> {
        let (json, attachments) = (self.json.len(), self.attachments.len());
        self.value(0)?;
        self.json.truncate(json);
        self.attachments.truncate(attachments);
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::InvalidPayload);
        }
        // What an emit's data is mostly made of, read from the first byte alone: short
        // strings, small integers, small arrays and maps.
        let first = self.u8()?;
        match first {
            0xa0..=0xbf => {
                let s = self.take(usize::from(first & 0x1f))?;
                return self.string(s);
            }
            0x00..=0x7f => {
                self.write_int(Int::Unsigned(u64::from(first)));
                return Ok(());
            }
            0x90..=0x9f => return self.seq(usize::from(first & 0x0f), depth),
            0x80..=0x8f => return self.map(usize::from(first & 0x0f), depth),
            _ => {}
        }
        let marker = Marker::from_u8(first);
        if let Some(n) = self.int(marker)? {
            self.write_int(n);
            return Ok(());
        }
        match marker {
            Marker::Null => self.json.extend_from_slice(b"null"),
            Marker::True => self.json.extend_from_slice(b"true"),
            Marker::False => self.json.extend_from_slice(b"false"),
            Marker::F32 => {
                let f = f32::from_be_bytes(self.array()?);
                self.float(f64::from(f))?;
            }
            Marker::F64 => {
                let f = f64::from_be_bytes(self.array()?);
                self.float(f)?;
            }
            Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                let len = self.len(marker)?;
                let s = self.take(len)?;
                self.string(s)?;
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let len = self.len(marker)?;
                self.binary(len)?;
            }
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => {
                let len = self.len(marker)?;
                self.seq(len, depth)?;
            }
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                let len = self.len(marker)?;
                self.map(len, depth)?;
            }
            Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => {
                let len = self.len(marker)?;
                self.ext(len)?;
            }
            // `undefined`, as the client's MessagePack library writes it.
            Marker::FixExt1 if self.array::<2>()? == [0, 0] => self.json.extend_from_slice(b"null"),
            // A `Date`: its milliseconds since the epoch.
            Marker::FixExt8 if self.u8()? == 0 => {
                let hi = i64::from(i32::from_be_bytes(self.array()?));
                let lo = i64::from(self.u32()?);
                let ms = hi * (1 << 32) + lo;
                self.json
                    .extend_from_slice(itoa::Buffer::new().format(ms).as_bytes());
            }
            _ => return Err(ParseError::InvalidMsgPack),
        }
        Ok(())
    }

    /// NaN and the infinities read as `null`, as `JSON.stringify` writes them.
    fn float(&mut self, f: f64) -> Result<(), ParseError> {
        serde_json::to_writer(&mut self.json, &f).map_err(|_| ParseError::InvalidMsgPack)
    }

    fn string(&mut self, s: &[u8]) -> Result<(), ParseError> {
        // The usual string, ASCII that JSON writes as is: copied without a UTF-8 check or an
        // escape table.
        if plain::plain_len(s, true) == s.len() {
            self.json.reserve(s.len() + 2);
            self.json.push(b'"');
            self.json.extend_from_slice(s);
            self.json.push(b'"');
            return Ok(());
        }
        let s = std::str::from_utf8(s).map_err(|_| ParseError::InvalidMsgPack)?;
        serde_json::to_writer(&mut self.json, s).map_err(|_| ParseError::InvalidMsgPack)
    }

    fn binary(&mut self, len: usize) -> Result<(), ParseError> {
        if self.attachments.len() >= self.max_attachments {
            return Err(ParseError::TooManyAttachments);
        }
        let bytes = self.take(len)?;
        let num = self.attachments.len();
        self.attachments.push(self.input.slice_ref(bytes));
        self.json
            .extend_from_slice(br#"{"_placeholder":true,"num":"#);
        self.json
            .extend_from_slice(itoa::Buffer::new().format(num).as_bytes());
        self.json.push(b'}');
        Ok(())
    }

    /// An extension value: only type 0, an `ArrayBuffer` or typed array, is known.
    fn ext(&mut self, len: usize) -> Result<(), ParseError> {
        match self.u8()? {
            0 => self.binary(len),
            _ => Err(ParseError::InvalidMsgPack),
        }
    }

    fn seq(&mut self, len: usize, depth: usize) -> Result<(), ParseError> {
        self.json.push(b'[');
        for i in 0..len {
            if i > 0 {
                self.json.push(b',');
            }
            self.value(depth + 1)?;
        }
        self.json.push(b']');
        Ok(())
    }

    /// A map: string keys, or integer keys written as strings (as JavaScript reads them).
    fn map(&mut self, len: usize, depth: usize) -> Result<(), ParseError> {
        self.json.push(b'{');
        for i in 0..len {
            if i > 0 {
                self.json.push(b',');
            }
            let first = self.u8()?;
            if let 0xa0..=0xbf = first {
                let key = self.take(usize::from(first & 0x1f))?;
                self.string(key)?;
            } else if let Some(n) = self.int(Marker::from_u8(first))? {
                self.json.push(b'"');
                self.write_int(n);
                self.json.push(b'"');
            } else {
                self.pos -= 1;
                let key = self.str()?;
                self.string(key)?;
            }
            self.json.push(b':');
            self.value(depth + 1)?;
        }
        self.json.push(b'}');
        Ok(())
    }
}

fn span_offset(n: usize) -> Result<u32, ParseError> {
    u32::try_from(n).map_err(|_| ParseError::InvalidPayload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for text in [
            "plain ascii 0123 ~",
            "",
            "\"",
            "\\",
            "a\u{7f}b",
            "\u{1f}",
            "\n\t",
            "é",
            "\u{2028}",
            "😀",
            "<>&'/",
            "a string longer than eight bytes",
            "a string longer than eight bytes, with \"quotes\"",
            "past eight bytes: \u{1}",
            "past eight bytes: \\",
            "past eight bytes: é",
            "past eight bytes: \u{7f}",
        ] {
            let mut input = vec![0xd9, text.len() as u8];
            input.extend_from_slice(text.as_bytes());
            let (mut json, mut bins) = (Vec::new(), Vec::new());
            transcode_value(&Bytes::from(input), 0, &mut json, &mut bins, 0).unwrap();
            assert_eq!(json, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    /// `{"type": kind, "nsp": "/", "data": <data>}` with `extra` entries after.
    fn packet(kind: u8, data: &[u8], extra: &[u8], entries: u8) -> Bytes {
        let mut out = vec![0x80 | entries, 0xa4];
        out.extend_from_slice(b"type");
        out.push(kind);
        out.extend_from_slice(b"\xa3nsp\xa1/\xa4data");
        out.extend_from_slice(data);
        out.extend_from_slice(extra);
        Bytes::from(out)
    }

    fn event(data: &[u8]) -> Result<(Packet, Vec<Bytes>), ParseError> {
        decode(packet(2, data, b"", 3), 4)
    }

    #[test]
    fn reads_every_value_kind_as_json() {
        let data =
            b"\x9c\xa2ev\xc0\xc3\xc2\x7f\xe0\xcd\x01\x00\xd3\xff\xff\xff\xff\xff\xff\xff\xfe\
            \xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\
            \x81\x01\x91\xa1\"\xd4\x00\x00";
        let (p, bins) = event(data).unwrap();
        assert_eq!(
            &*p.data,
            r#"["ev",null,true,false,127,-32,256,-2,1.5,null,{"1":["\""]},null]"#
        );
        assert_eq!(p.args.len(), 12);
        assert_eq!(p.args.get(10), Some(r#"{"1":["\""]}"#));
        assert!(bins.is_empty());
    }

    #[test]
    fn binary_values_become_shared_attachments() {
        // bin8, ArrayBuffer (ext8 type 0), a Date (fixext8 type 0).
        let data =
            b"\x94\xa1b\xc4\x02\x01\x02\xc7\x01\x00\x09\xd7\x00\x00\x00\x00\x01\x00\x00\x00\x02";
        let frame = packet(2, data, b"", 3);
        let (p, bins) = decode(frame.clone(), 4).unwrap();
        assert_eq!(
            &*p.data,
            r#"["b",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},4294967298]"#
        );
        assert_eq!(bins, [&[1u8, 2][..], &[9][..]]);
        assert_eq!(p.attachments, 2);
        let within = frame.as_ptr_range();
        assert!(
            within.contains(&bins[0].as_ptr()),
            "attachments share the frame"
        );
    }

    #[test]
    fn ignores_other_keys_and_reads_ids_and_auth() {
        let options = b"\xa7options\x81\xa8compress\xc3\xa2id\x05";
        let (p, _) = decode(packet(2, b"\x91\xa1e", options, 5), 4).unwrap();
        assert_eq!((p.id, &*p.data), (Some(5), r#"["e"]"#));
        let (p, _) = decode(packet(0, b"\x81\xa1t\x01", b"", 3), 4).unwrap();
        assert_eq!((p.kind, &*p.data), (PacketKind::Connect, r#"{"t":1}"#));
        let (p, _) = decode(packet(0, b"\xd4\x00\x00", b"", 3), 4).unwrap();
        assert_eq!((p.kind, &*p.data), (PacketKind::Connect, ""));
    }

    #[test]
    fn refuses_malformed_packets() {
        let depth = [0x91u8; MAX_DEPTH + 2];
        let deep = [&b"\x92\xa1e"[..], &depth, b"\xc0"].concat();
        let bins = b"\x96\xa1e\xc4\x00\xc4\x00\xc4\x00\xc4\x00\xc4\x00";
        let cases: Vec<(Bytes, ParseError)> = vec![
            (Bytes::new(), ParseError::InvalidMsgPack),
            (
                Bytes::from_static(b"\x93\x01\x02\x03"),
                ParseError::InvalidMsgPack,
            ),
            (
                Bytes::from_static(b"\x81\xa4type"),
                ParseError::InvalidMsgPack,
            ),
            (
                Bytes::from_static(b"\x81\x01\x02"),
                ParseError::InvalidMsgPack,
            ),
            (
                Bytes::from_static(b"\xdf\xff\xff\xff\xff"),
                ParseError::InvalidMsgPack,
            ),
            (
                packet(2, b"\x91\xa1e", b"\x00", 3),
                ParseError::InvalidMsgPack,
            ),
            (
                packet(2, b"\xdd\xff\xff\xff\xff", b"", 3),
                ParseError::InvalidMsgPack,
            ),
            (
                packet(2, b"\x91\xa2\xff\xfe", b"", 3),
                ParseError::InvalidMsgPack,
            ),
            (packet(2, b"\x91\xc1", b"", 3), ParseError::InvalidMsgPack),
            (
                packet(2, b"\x92\xa1e\xd5\x01\x00\x00", b"", 3),
                ParseError::InvalidMsgPack,
            ),
            (
                packet(2, b"\x91\xc4\x05\x01", b"", 3),
                ParseError::InvalidMsgPack,
            ),
            (packet(2, b"\x90", b"", 3), ParseError::InvalidPayload),
            (packet(2, b"\x91\x01", b"", 3), ParseError::InvalidPayload),
            (
                packet(2, b"\x81\xa1a\x01", b"", 3),
                ParseError::InvalidPayload,
            ),
            (packet(2, &deep, b"", 3), ParseError::InvalidPayload),
            (
                packet(2, b"\x91\xa1e", b"\xa4data\x91\xa1e", 4),
                ParseError::InvalidPayload,
            ),
            (packet(2, bins, b"", 3), ParseError::TooManyAttachments),
            (packet(3, b"\x90", b"", 3), ParseError::InvalidAckId),
            (
                packet(3, b"\x90", b"\xa2id\xff", 4),
                ParseError::InvalidAckId,
            ),
            (
                packet(3, b"\x90", b"\xa2id\xa1x", 4),
                ParseError::InvalidAckId,
            ),
            (packet(0, b"\x90", b"", 3), ParseError::InvalidPayload),
            (packet(1, b"\x90", b"", 3), ParseError::InvalidPayload),
            (packet(4, b"\x80", b"", 3), ParseError::UnexpectedPacket),
            (packet(5, b"\x91\xa1e", b"", 3), ParseError::UnknownType),
            (packet(0xff, b"\x91\xa1e", b"", 3), ParseError::UnknownType),
            (
                Bytes::from_static(b"\x81\xa4type\x02"),
                ParseError::InvalidNamespace,
            ),
            (
                Bytes::from_static(b"\x82\xa4type\x02\xa3nsp\xa0"),
                ParseError::InvalidNamespace,
            ),
            (
                Bytes::from_static(b"\x82\xa4type\x02\xa3nsp\x01"),
                ParseError::InvalidNamespace,
            ),
            (
                Bytes::from_static(b"\x82\xa4type\x00\xa3nsp\xa1x"),
                ParseError::InvalidNamespace,
            ),
            (
                Bytes::from_static(b"\x82\xa4type\x00\xa3nsp\xa3/a,"),
                ParseError::InvalidNamespace,
            ),
            (
                Bytes::from_static(b"\x81\xa3nsp\xa1/"),
                ParseError::UnknownType,
            ),
        ];
        for (frame, expected) in cases {
            assert_eq!(
                decode(frame.clone(), 4).map(|_| ()),
                Err(expected),
                "{frame:?}"
            );
        }
    }
}
