//! Encoding packets for clients, once per emit: the result is shared by every target.

use bytes::{Buf, Bytes};
use serde::Serialize;

use super::{PacketKind, into_args};
use crate::eio::Str;

/// A packet encoded once for all its targets, in the runtime's representation: the text frame
/// (`4` + the Socket.IO packet) and its binary attachments. The server's
/// [`Parser`](super::Parser) puts it on the wire (as is for JSON). Cloning shares the buffers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPacket {
    /// The text frame, Engine.IO message prefix included.
    pub text: Str,
    /// Binary attachments, sent as binary frames right after the text.
    pub attachments: Vec<Bytes>,
}

/// What precedes the payload of a packet.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    /// The type (the binary type is chosen when attachments are present).
    pub kind: PacketKind,
    /// The namespace.
    pub ns: &'a str,
    /// The ack id.
    pub id: Option<u64>,
}

/// The packet type on the wire: the binary one when attachments are present.
fn wire_kind(kind: PacketKind, attachments: usize) -> PacketKind {
    match (kind, attachments) {
        (PacketKind::Event, n) if n > 0 => PacketKind::BinaryEvent,
        (PacketKind::Ack, n) if n > 0 => PacketKind::BinaryAck,
        (kind, _) => kind,
    }
}

/// The bytes [`write_header`] writes.
fn header_len(header: Header<'_>, attachments: usize) -> usize {
    let mut len = 2;
    if wire_kind(header.kind, attachments).is_binary() {
        len += decimal_len(attachments as u64) + 1;
    }
    if header.ns != "/" {
        len += header.ns.len() + 1;
    }
    len + header.id.map_or(0, decimal_len)
}

/// The digits of `n` in decimal.
fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

fn write_header(out: &mut impl HeaderOut, header: Header<'_>, attachments: usize) {
    out.push_ascii(b'4');
    let kind = wire_kind(header.kind, attachments);
    out.push_ascii(kind.digit());
    if kind.is_binary() {
        out.push_text(itoa::Buffer::new().format(attachments));
        out.push_ascii(b'-');
    }
    if header.ns != "/" {
        out.push_text(header.ns);
        out.push_ascii(b',');
    }
    if let Some(id) = header.id {
        out.push_text(itoa::Buffer::new().format(id));
    }
}

/// Where [`write_header`] writes: a `String` (the packet's text) or the bytes of a payload
/// already in its own buffer ([`encode_in_place`]).
trait HeaderOut {
    /// Appends one ASCII byte.
    fn push_ascii(&mut self, byte: u8);
    /// Appends `text`.
    fn push_text(&mut self, text: &str);
}

impl HeaderOut for String {
    fn push_ascii(&mut self, byte: u8) {
        self.push(char::from(byte));
    }

    fn push_text(&mut self, text: &str) {
        self.push_str(text);
    }
}

impl HeaderOut for Vec<u8> {
    fn push_ascii(&mut self, byte: u8) {
        self.push(byte);
    }

    fn push_text(&mut self, text: &str) {
        self.extend_from_slice(text.as_bytes());
    }
}

/// A buffer of `capacity` bytes that starts with the header.
fn with_header(capacity: usize, header: Header<'_>, attachments: usize) -> Vec<u8> {
    let mut out = String::with_capacity(capacity);
    write_header(&mut out, header, attachments);
    out.into_bytes()
}

/// Encodes a packet whose payload is already JSON text (connect replies, errors, relayed
/// events): `payload` is written as is.
pub fn encode(header: Header<'_>, payload: &str, attachments: Vec<Bytes>) -> EncodedPacket {
    encode_parts(header, &[payload], attachments)
}

/// Encodes a packet whose payload is `parts` one after the other, each JSON text written as
/// is: an ack's arguments and their brackets, without joining them first.
///
/// The text is allocated once, at its exact size, so the frame shares that allocation as is.
///
/// ```
/// use fastsio_protocol::sio::{encode_parts, Header, PacketKind};
/// let header = Header { kind: PacketKind::Ack, ns: "/", id: Some(12) };
/// let p = encode_parts(header, &["[", r#"1,"a""#, "]"], vec![]);
/// assert_eq!(&*p.text, r#"4312[1,"a"]"#);
/// ```
pub fn encode_parts(header: Header<'_>, parts: &[&str], attachments: Vec<Bytes>) -> EncodedPacket {
    let len = header_len(header, attachments.len()) + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut out = String::with_capacity(len);
    write_header(&mut out, header, attachments.len());
    for part in parts {
        out.push_str(part);
    }
    debug_assert_eq!(out.len(), len, "header_len agrees with write_header");
    EncodedPacket {
        text: out.into(),
        attachments,
    }
}

/// Encodes a packet whose payload, JSON text, is already in a buffer of its own (an event
/// relayed from another server and transcoded from msgpack, say): `buffer[room..]` is the
/// payload, and the `room` bytes before it are space for the header, whatever they hold. A
/// header that fits there is written in place and the text starts where it does: the payload
/// is neither copied nor moved. A longer one goes in front of the payload in the same buffer.
/// `None` if the payload is not UTF-8, or `room` is past the buffer's end.
///
/// ```
/// use fastsio_protocol::sio::{Header, PacketKind, encode_in_place};
/// let header = Header { kind: PacketKind::Event, ns: "/chat", id: None };
/// let buffer = [&[0; 8][..], br#"["hi",1]"#].concat();
/// let packet = encode_in_place(header, buffer, 8, vec![]).unwrap();
/// assert_eq!(&*packet.text, r#"42/chat,["hi",1]"#);
/// let packet = encode_in_place(header, br#"["hi",1]"#.to_vec(), 0, vec![]).unwrap();
/// assert_eq!(&*packet.text, r#"42/chat,["hi",1]"#);
/// ```
pub fn encode_in_place(
    header: Header<'_>,
    mut buffer: Vec<u8>,
    room: usize,
    attachments: Vec<Bytes>,
) -> Option<EncodedPacket> {
    if room > buffer.len() {
        return None;
    }
    // Written after the payload first, then moved to its place: a few bytes, not the payload.
    let end = buffer.len();
    write_header(&mut buffer, header, attachments.len());
    let len = buffer.len() - end;
    let start = match room.checked_sub(len) {
        Some(start) => {
            buffer.copy_within(end.., start);
            buffer.truncate(end);
            start
        }
        None => {
            buffer[room..].rotate_right(len);
            room
        }
    };
    let mut text = Bytes::from(buffer);
    text.advance(start);
    Some(EncodedPacket {
        text: Str::try_from(text).ok()?,
        attachments,
    })
}

fn finish(out: Vec<u8>, attachments: Vec<Bytes>) -> EncodedPacket {
    let text = String::from_utf8(out).expect("encoder writes UTF-8 only");
    EncodedPacket {
        text: text.into(),
        attachments,
    }
}

impl EncodedPacket {
    /// An event: `["event", ...args]`, with `args` spread as [`into_args`] does.
    pub fn event<T: Serialize + ?Sized>(
        ns: &str,
        event: &str,
        id: Option<u64>,
        args: &T,
        attachments: Vec<Bytes>,
    ) -> Result<EncodedPacket, serde_json::Error> {
        let header = Header {
            kind: PacketKind::Event,
            ns,
            id,
        };
        let mut out = with_header(64 + event.len(), header, attachments.len());
        out.push(b'[');
        serde_json::to_writer(&mut out, event)?;
        let mark = out.len();
        out.push(b',');
        if into_args(args, &mut out)? == 0 {
            out.truncate(mark);
        }
        out.push(b']');
        Ok(finish(out, attachments))
    }

    /// This event with `offset` added as its last argument, as connection state recovery
    /// sends it (the client remembers the last one it got and claims it on reconnection).
    ///
    /// ```
    /// use fastsio_protocol::sio::EncodedPacket;
    /// let p = EncodedPacket::event("/", "e", None, &(1, 2), vec![]).unwrap();
    /// assert_eq!(&*p.with_offset("7").text, r#"42["e",1,2,"7"]"#);
    /// ```
    pub fn with_offset(&self, offset: &str) -> EncodedPacket {
        let text = self.text.as_str();
        let body = text.strip_suffix(']').unwrap_or(text);
        let mut out = Vec::with_capacity(text.len() + offset.len() + 4);
        out.extend_from_slice(body.as_bytes());
        out.push(b',');
        serde_json::to_writer(&mut out, offset).expect("a string always serialises");
        out.push(b']');
        finish(out, self.attachments.clone())
    }

    /// An ack: `[...args]`.
    pub fn ack<T: Serialize + ?Sized>(
        ns: &str,
        id: u64,
        args: &T,
        attachments: Vec<Bytes>,
    ) -> Result<EncodedPacket, serde_json::Error> {
        let header = Header {
            kind: PacketKind::Ack,
            ns,
            id: Some(id),
        };
        let mut out = with_header(64, header, attachments.len());
        out.push(b'[');
        into_args(args, &mut out)?;
        out.push(b']');
        Ok(finish(out, attachments))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_events_acks_and_headers() {
        let p = EncodedPacket::event("/", "hi", None, &(1, "2"), vec![]).unwrap();
        assert_eq!(&*p.text, r#"42["hi",1,"2"]"#);
        let p = EncodedPacket::event("/chat", "q\"uote", Some(7), &(), vec![]).unwrap();
        assert_eq!(&*p.text, r#"42/chat,7["q\"uote"]"#);
        let bin = vec![Bytes::from_static(&[1]), Bytes::from_static(&[2])];
        let p = EncodedPacket::event(
            "/",
            "b",
            None,
            &serde_json::json!({"_placeholder": true, "num": 0}),
            bin,
        )
        .unwrap();
        assert_eq!(&*p.text, r#"452-["b",{"_placeholder":true,"num":0}]"#);
        assert_eq!(p.attachments.len(), 2);
        let p = EncodedPacket::ack("/x", 3, &(), vec![]).unwrap();
        assert_eq!(&*p.text, "43/x,3[]");
        let header = Header {
            kind: PacketKind::Connect,
            ns: "/",
            id: None,
        };
        assert_eq!(
            &*encode(header, r#"{"sid":"a"}"#, vec![]).text,
            r#"40{"sid":"a"}"#
        );
    }

    #[test]
    fn the_text_is_allocated_at_its_exact_size() {
        let kinds = [PacketKind::Event, PacketKind::Ack, PacketKind::Connect];
        for kind in kinds {
            for ns in ["/", "/chat"] {
                for id in [None, Some(0), Some(9), Some(10), Some(u64::MAX)] {
                    for attachments in [0, 1, 10] {
                        let header = Header { kind, ns, id };
                        let bin = vec![Bytes::new(); attachments];
                        let mut expected = String::new();
                        write_header(&mut expected, header, attachments);
                        expected.push_str("[1]");
                        let p = encode_parts(header, &["[", "1", "]"], bin);
                        assert_eq!(p.text.as_str(), expected);
                        assert_eq!(header_len(header, attachments) + 3, expected.len());
                    }
                }
            }
        }
    }
}
