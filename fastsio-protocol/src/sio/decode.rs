//! Decoding a client's text packet: `<type>[<n>-][/<ns>,][<id>][<json>]`.

use super::{EventArgs, Packet, PacketKind, ParseError};
use crate::eio::Str;

/// The most digits accepted in an ack id or attachment count.
const MAX_DIGITS: usize = 15;

/// Decodes one text packet. `max_attachments` bounds what a binary packet may announce.
///
/// The payload is checked for the shape its type requires (an object or nothing for CONNECT,
/// nothing for DISCONNECT, an array starting with a string for events, an array for acks) but
/// stays raw JSON: handlers deserialise it straight into their own types.
///
/// ```
/// use fastsio_protocol::sio::{decode, PacketKind};
/// let p = decode("2/chat,12[\"hello\",1]".into(), 10).unwrap();
/// assert_eq!((p.kind, &*p.ns, p.id), (PacketKind::Event, "/chat", Some(12)));
/// assert_eq!(&*p.data, "[\"hello\",1]");
/// ```
pub fn decode(text: Str, max_attachments: usize) -> Result<Packet, ParseError> {
    decode_from(Sender::Client, text, max_attachments)
}

/// Decodes one text packet a server sent (the client's direction): as [`decode`], and a
/// CONNECT_ERROR (`4`) is accepted with an object payload (`{"message", "data"}`).
///
/// ```
/// use fastsio_protocol::sio::{decode_from_server, PacketKind};
/// let p = decode_from_server("4/chat,{\"message\":\"no\"}".into(), 10).unwrap();
/// assert_eq!((p.kind, &*p.ns, &*p.data), (PacketKind::ConnectError, "/chat", "{\"message\":\"no\"}"));
/// ```
pub fn decode_from_server(text: Str, max_attachments: usize) -> Result<Packet, ParseError> {
    decode_from(Sender::Server, text, max_attachments)
}

/// Which side sent the packet: each may send packet types the other may not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sender {
    Client,
    Server,
}

fn decode_from(sender: Sender, text: Str, max_attachments: usize) -> Result<Packet, ParseError> {
    let bytes = text.as_bytes();
    let kind = bytes
        .first()
        .and_then(|d| PacketKind::from_digit(*d))
        .ok_or(ParseError::UnknownType)?;
    let mut pos = 1;

    let mut attachments = 0;
    if kind.is_binary() {
        let digits = count_digits(&bytes[pos..]);
        if digits == 0 || digits > MAX_DIGITS || bytes.get(pos + digits) != Some(&b'-') {
            return Err(ParseError::InvalidAttachments);
        }
        attachments = parse_digits(&bytes[pos..pos + digits]);
        if attachments > max_attachments as u64 {
            return Err(ParseError::TooManyAttachments);
        }
        pos += digits + 1;
    }

    let (ns, query) = if bytes.get(pos) == Some(&b'/') {
        let end = bytes[pos..]
            .iter()
            .position(|b| *b == b',')
            .map_or(bytes.len(), |i| pos + i);
        let full = text.slice(pos..end);
        pos = (end + 1).min(bytes.len());
        match full.find('?') {
            Some(q) => (full.slice(..q), Some(full.slice(q + 1..))),
            None => (full, None),
        }
    } else {
        (Str::from_static("/"), None)
    };
    if ns.is_empty() || ns.bytes().any(|b| b.is_ascii_control()) {
        return Err(ParseError::InvalidNamespace);
    }

    let digits = count_digits(&bytes[pos..]);
    let id = if digits > 0 {
        if digits > MAX_DIGITS {
            return Err(ParseError::InvalidAckId);
        }
        let id = parse_digits(&bytes[pos..pos + digits]);
        pos += digits;
        Some(id)
    } else {
        None
    };

    let data = text.slice(pos..);
    let args = check_payload(sender, kind, &data, id)?;
    Ok(Packet {
        kind,
        ns,
        query,
        id,
        attachments: attachments as usize,
        data,
        args,
    })
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

fn parse_digits(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
}

fn check_payload(
    sender: Sender,
    kind: PacketKind,
    data: &Str,
    id: Option<u64>,
) -> Result<EventArgs, ParseError> {
    let first = data.bytes().find(|b| !b.is_ascii_whitespace());
    match kind {
        PacketKind::Connect if id.is_some() => Err(ParseError::InvalidAckId),
        PacketKind::Connect if data.is_empty() => Ok(EventArgs::default()),
        PacketKind::Connect if first == Some(b'{') => valid_json(data),
        PacketKind::Connect => Err(ParseError::InvalidPayload),
        PacketKind::Disconnect if id.is_none() && data.is_empty() => Ok(EventArgs::default()),
        PacketKind::Disconnect => Err(ParseError::InvalidPayload),
        PacketKind::Event | PacketKind::BinaryEvent => {
            let args = EventArgs::parse(data.clone())?;
            match args.get(0) {
                Some(name) if name.starts_with('"') => Ok(args),
                _ => Err(ParseError::InvalidPayload),
            }
        }
        PacketKind::Ack | PacketKind::BinaryAck if id.is_none() => Err(ParseError::InvalidAckId),
        PacketKind::Ack | PacketKind::BinaryAck if first == Some(b'[') => {
            EventArgs::parse(data.clone())
        }
        PacketKind::Ack | PacketKind::BinaryAck => Err(ParseError::InvalidPayload),
        PacketKind::ConnectError if sender == Sender::Server && first == Some(b'{') => {
            valid_json(data)
        }
        PacketKind::ConnectError if sender == Sender::Server => Err(ParseError::InvalidPayload),
        PacketKind::ConnectError => Err(ParseError::UnexpectedPacket),
    }
}

fn valid_json(data: &str) -> Result<EventArgs, ParseError> {
    serde_json::from_str::<serde::de::IgnoredAny>(data)
        .map(|_| EventArgs::default())
        .map_err(|_| ParseError::InvalidPayload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Packet {
        decode(s.into(), 10).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn decodes_the_spec_examples() {
        let p = ok("0");
        assert_eq!((p.kind, &*p.ns, &*p.data), (PacketKind::Connect, "/", ""));
        let p = ok("0/admin,{\"token\":\"123\"}");
        assert_eq!((&*p.ns, &*p.data), ("/admin", "{\"token\":\"123\"}"));
        let p = ok("40/random".strip_prefix('4').unwrap());
        assert_eq!(&*p.ns, "/random");
        let p = ok("1/admin,");
        assert_eq!((p.kind, &*p.ns), (PacketKind::Disconnect, "/admin"));
        let p = ok("2[\"foo\"]");
        assert_eq!((p.kind, p.id), (PacketKind::Event, None));
        let p = ok("2/admin,456[\"project:delete\",123]");
        assert_eq!((&*p.ns, p.id), ("/admin", Some(456)));
        let p = ok("3/admin,456[]");
        assert_eq!((p.kind, p.id), (PacketKind::Ack, Some(456)));
        let p = ok("51-[\"baz\",{\"_placeholder\":true,\"num\":0}]");
        assert_eq!((p.kind, p.attachments), (PacketKind::BinaryEvent, 1));
        let p = ok("61-/admin,456[{\"_placeholder\":true,\"num\":0}]");
        assert_eq!(
            (p.kind, p.attachments, p.id),
            (PacketKind::BinaryAck, 1, Some(456))
        );
        let p = ok("0/nsp?token=abc,");
        assert_eq!((&*p.ns, p.query.as_deref()), ("/nsp", Some("token=abc")));
    }

    #[test]
    fn refuses_malformed_packets() {
        let cases = [
            ("", ParseError::UnknownType),
            ("abc", ParseError::UnknownType),
            ("7", ParseError::UnknownType),
            ("2{}", ParseError::InvalidPayload),
            ("2abc[\"a\"]", ParseError::InvalidPayload),
            ("2[]", ParseError::InvalidPayload),
            ("2[1]", ParseError::InvalidPayload),
            ("2[\"a\",}", ParseError::InvalidPayload),
            ("2\"a\"", ParseError::InvalidPayload),
            ("2", ParseError::InvalidPayload),
            ("2[\"a\"]trailing", ParseError::InvalidPayload),
            ("21234567890123456[\"a\"]", ParseError::InvalidAckId),
            ("3[]", ParseError::InvalidAckId),
            ("31{}", ParseError::InvalidPayload),
            ("5[\"a\"]", ParseError::InvalidAttachments),
            ("5x-[\"a\"]", ParseError::InvalidAttachments),
            ("511-[\"a\"]", ParseError::TooManyAttachments),
            ("59999999999999999-[\"a\"]", ParseError::InvalidAttachments),
            ("0[]", ParseError::InvalidPayload),
            ("0\"x\"", ParseError::InvalidPayload),
            ("0{bad", ParseError::InvalidPayload),
            ("01{}", ParseError::InvalidAckId),
            ("1{}", ParseError::InvalidPayload),
            ("4{\"message\":\"x\"}", ParseError::UnexpectedPacket),
            ("2/a\u{1},[\"a\"]", ParseError::InvalidNamespace),
        ];
        for (input, expected) in cases {
            assert_eq!(decode(input.into(), 10), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn accepts_connect_errors_from_servers_only() {
        let p = decode_from_server("4{\"message\":\"x\",\"data\":1}".into(), 10).unwrap();
        assert_eq!((p.kind, &*p.ns), (PacketKind::ConnectError, "/"));
        assert_eq!(
            decode_from_server("4\"x\"".into(), 10),
            Err(ParseError::InvalidPayload)
        );
        assert_eq!(decode("4{}".into(), 10), Err(ParseError::UnexpectedPacket));
    }
}
