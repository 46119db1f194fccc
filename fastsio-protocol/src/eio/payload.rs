//! Polling payloads: several packets in one HTTP body.
//!
//! - v4: text records separated by `\x1e`; binary as `b` + base64.
//! - v3, text: `<length>:<packet>` records, the length counted in UTF-16 code units (as
//!   JavaScript counts `string.length`); binary as `b4` + base64.
//! - v3, binary (when the client supports it and a binary packet is in the batch): records of a
//!   kind byte (`0` text, `1` binary), the length as one byte per decimal digit, `0xff`, then the
//!   packet (text as UTF-8; binary as type byte `4` and the data).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::{BufMut, Bytes, BytesMut};

use super::{Frame, Packet, PacketError, ProtocolVersion, Str};

const SEPARATOR: u8 = 0x1e;

/// Why a polling payload could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadError {
    /// The body is not valid UTF-8 where text was expected.
    InvalidUtf8,
    /// A v3 record's length prefix is missing, malformed or runs past the body.
    InvalidLength,
    /// One of the packets is invalid.
    Packet(PacketError),
}

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PayloadError::InvalidUtf8 => f.write_str("payload is not valid UTF-8"),
            PayloadError::InvalidLength => f.write_str("invalid length in payload"),
            PayloadError::Packet(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PayloadError {}

impl From<PacketError> for PayloadError {
    fn from(e: PacketError) -> Self {
        PayloadError::Packet(e)
    }
}

/// Decodes the body of a polling POST. `binary_body` is true when the request's content type
/// is `application/octet-stream` (v3 binary payloads).
pub fn decode(
    body: Bytes,
    version: ProtocolVersion,
    binary_body: bool,
) -> Result<Vec<Packet>, PayloadError> {
    match version {
        ProtocolVersion::V4 => decode_v4(body),
        ProtocolVersion::V3 if binary_body => decode_v3_binary(body),
        ProtocolVersion::V3 => decode_v3_text(body),
    }
}

fn decode_v4(body: Bytes) -> Result<Vec<Packet>, PayloadError> {
    records_v4(body)?
        .map(|record| Ok(Packet::decode_text(record, true)?))
        .collect()
}

/// Splits a v4 polling body into its text records, undecoded: a client reads the open packet's
/// JSON (`0{"sid":..}`) from the first record of the handshake response this way.
///
/// ```
/// use fastsio_protocol::eio::payload::records_v4;
/// let records: Vec<_> = records_v4("0{}\x1e40".into()).unwrap().collect();
/// assert_eq!(records, ["0{}", "40"]);
/// ```
pub fn records_v4(body: Bytes) -> Result<impl Iterator<Item = Str>, PayloadError> {
    let text = Str::try_from(body).map_err(|_| PayloadError::InvalidUtf8)?;
    let mut start = Some(0);
    Ok(std::iter::from_fn(move || {
        let from = start?;
        let end = positions(SEPARATOR, &text.as_bytes()[from..])
            .next()
            .map(|i| from + i);
        start = end.map(|e| e + 1);
        Some(text.slice(from..end.unwrap_or(text.len())))
    }))
}

fn positions(needle: u8, haystack: &[u8]) -> impl Iterator<Item = usize> + '_ {
    haystack
        .iter()
        .enumerate()
        .filter_map(move |(i, b)| (*b == needle).then_some(i))
}

fn decode_v3_text(body: Bytes) -> Result<Vec<Packet>, PayloadError> {
    let text = Str::try_from(body).map_err(|_| PayloadError::InvalidUtf8)?;
    let mut packets = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let colon = text[pos..].find(':').ok_or(PayloadError::InvalidLength)? + pos;
        let units: usize = parse_decimal(text[pos..colon].as_bytes())?;
        let start = colon + 1;
        let mut end = start;
        let mut counted = 0;
        for c in text[start..].chars() {
            if counted >= units {
                break;
            }
            counted += c.len_utf16();
            end += c.len_utf8();
        }
        if counted != units || units == 0 {
            return Err(PayloadError::InvalidLength);
        }
        packets.push(decode_v3_record(text.slice(start..end))?);
        pos = end;
    }
    Ok(packets)
}

fn decode_v3_record(record: Str) -> Result<Packet, PayloadError> {
    match record.as_bytes().first() {
        Some(b'b') => match record.as_bytes().get(1) {
            Some(b'4') => Ok(Packet::Binary(
                STANDARD
                    .decode(&record.as_bytes()[2..])
                    .map_err(|_| PacketError::InvalidBase64)?
                    .into(),
            )),
            _ => Err(PacketError::UnknownType.into()),
        },
        _ => Ok(Packet::decode_text(record, false)?),
    }
}

fn parse_decimal(digits: &[u8]) -> Result<usize, PayloadError> {
    if digits.is_empty() || digits.len() > 10 {
        return Err(PayloadError::InvalidLength);
    }
    digits.iter().try_fold(0usize, |n, d| match d {
        b'0'..=b'9' => Ok(n * 10 + usize::from(d - b'0')),
        _ => Err(PayloadError::InvalidLength),
    })
}

fn decode_v3_binary(body: Bytes) -> Result<Vec<Packet>, PayloadError> {
    let mut packets = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let is_binary = match body[pos] {
            0 => false,
            1 => true,
            _ => return Err(PayloadError::InvalidLength),
        };
        let digits_end = body[pos + 1..]
            .iter()
            .position(|b| *b == 0xff)
            .ok_or(PayloadError::InvalidLength)?
            + pos
            + 1;
        let len_digits: Vec<u8> = body[pos + 1..digits_end]
            .iter()
            .map(|d| d.wrapping_add(b'0'))
            .collect();
        let len = parse_decimal(&len_digits)?;
        let start = digits_end + 1;
        let end = start.checked_add(len).ok_or(PayloadError::InvalidLength)?;
        if end > body.len() || len == 0 {
            return Err(PayloadError::InvalidLength);
        }
        let record = body.slice(start..end);
        packets.push(if is_binary {
            Packet::decode_binary(record, ProtocolVersion::V3)?
        } else {
            let text = Str::try_from(record).map_err(|_| PayloadError::InvalidUtf8)?;
            decode_v3_record(text)?
        });
        pos = end;
    }
    Ok(packets)
}

/// An encoded polling response body and its content type.
pub struct EncodedPayload {
    /// The body.
    pub body: Bytes,
    /// `text/plain; charset=UTF-8` or `application/octet-stream`.
    pub content_type: &'static str,
}

const TEXT: &str = "text/plain; charset=UTF-8";
const BINARY: &str = "application/octet-stream";

/// Encodes frames into one polling response body. `supports_binary` is false when a v3 client
/// asked for base64 (`b64=1`).
pub fn encode(frames: &[Frame], version: ProtocolVersion, supports_binary: bool) -> EncodedPayload {
    match version {
        ProtocolVersion::V4 => encode_v4(frames),
        ProtocolVersion::V3
            if supports_binary && frames.iter().any(|f| matches!(f, Frame::Binary(_))) =>
        {
            encode_v3_binary(frames)
        }
        ProtocolVersion::V3 => encode_v3_text(frames),
    }
}

fn encode_v4(frames: &[Frame]) -> EncodedPayload {
    if let [Frame::Text(s)] = frames {
        return EncodedPayload {
            body: s.as_bytes().clone(),
            content_type: TEXT,
        };
    }
    let size = frames.iter().map(|f| f.encoded_len() + 1).sum();
    let mut out = BytesMut::with_capacity(size);
    for (i, frame) in frames.iter().enumerate() {
        if i > 0 {
            out.put_u8(SEPARATOR);
        }
        match frame {
            Frame::Text(s) => out.put_slice(s.as_bytes()),
            Frame::Binary(b) => {
                out.put_u8(b'b');
                put_base64(&mut out, b);
            }
        }
    }
    EncodedPayload {
        body: out.freeze(),
        content_type: TEXT,
    }
}

fn put_base64(out: &mut BytesMut, data: &[u8]) {
    let start = out.len();
    out.resize(start + data.len().div_ceil(3) * 4, 0);
    let written = STANDARD
        .encode_slice(data, &mut out[start..])
        .expect("buffer sized for base64");
    out.truncate(start + written);
}

fn encode_v3_text(frames: &[Frame]) -> EncodedPayload {
    let mut out = BytesMut::new();
    for frame in frames {
        match frame {
            Frame::Text(s) => {
                let units: usize = s.chars().map(char::len_utf16).sum();
                out.put_slice(units.to_string().as_bytes());
                out.put_u8(b':');
                out.put_slice(s.as_bytes());
            }
            Frame::Binary(b) => {
                let len = 2 + b.len().div_ceil(3) * 4;
                out.put_slice(len.to_string().as_bytes());
                out.put_slice(b":b4");
                put_base64(&mut out, b);
            }
        }
    }
    EncodedPayload {
        body: out.freeze(),
        content_type: TEXT,
    }
}

fn encode_v3_binary(frames: &[Frame]) -> EncodedPayload {
    let mut out = BytesMut::new();
    for frame in frames {
        let (kind, len) = match frame {
            Frame::Text(s) => (0u8, s.len()),
            Frame::Binary(b) => (1u8, b.len() + 1),
        };
        out.put_u8(kind);
        out.extend(len.to_string().bytes().map(|d| d - b'0'));
        out.put_u8(0xff);
        match frame {
            Frame::Text(s) => out.put_slice(s.as_bytes()),
            Frame::Binary(b) => {
                out.put_u8(4);
                out.put_slice(b);
            }
        }
    }
    EncodedPayload {
        body: out.freeze(),
        content_type: BINARY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(s: &str) -> Packet {
        Packet::Message(s.into())
    }

    #[test]
    fn v4_round_trip() {
        let frames = [
            Frame::message("hello"),
            Frame::Binary(Bytes::from_static(&[1, 2, 3, 4])),
            Frame::PING,
        ];
        let encoded = encode(&frames, ProtocolVersion::V4, true);
        assert_eq!(&encoded.body[..], b"4hello\x1ebAQIDBA==\x1e2");
        assert_eq!(
            decode(encoded.body, ProtocolVersion::V4, false),
            Ok(vec![
                msg("hello"),
                Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
                Packet::Ping
            ])
        );
    }

    #[test]
    fn v4_rejects_invalid_records() {
        for bad in [&b"abc"[..], b"4a\x1e", b"\x1e4a", b"\xff\xfe", b""] {
            assert!(
                decode(Bytes::copy_from_slice(bad), ProtocolVersion::V4, false).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn v3_text_counts_utf16_units() {
        let frames = [Frame::message("é😀"), Frame::PONG];
        let encoded = encode(&frames, ProtocolVersion::V3, false);
        assert_eq!(std::str::from_utf8(&encoded.body).unwrap(), "4:4é😀1:3");
        assert_eq!(
            decode(encoded.body, ProtocolVersion::V3, false),
            Ok(vec![msg("é😀"), Packet::Pong])
        );
    }

    #[test]
    fn v3_text_base64_binary() {
        let frames = [Frame::Binary(Bytes::from_static(&[1, 2, 3]))];
        let encoded = encode(&frames, ProtocolVersion::V3, false);
        assert_eq!(&encoded.body[..], b"6:b4AQID");
        assert_eq!(
            decode(encoded.body, ProtocolVersion::V3, false),
            Ok(vec![Packet::Binary(Bytes::from_static(&[1, 2, 3]))])
        );
    }

    #[test]
    fn v3_binary_round_trip() {
        let frames = [
            Frame::message("hi"),
            Frame::Binary(Bytes::from_static(&[9; 12])),
        ];
        let encoded = encode(&frames, ProtocolVersion::V3, true);
        assert_eq!(encoded.content_type, BINARY);
        let mut expected = vec![0, 3, 0xff, b'4', b'h', b'i', 1, 1, 3, 0xff, 4];
        expected.extend([9; 12]);
        assert_eq!(&encoded.body[..], &expected[..]);
        assert_eq!(
            decode(encoded.body, ProtocolVersion::V3, true),
            Ok(vec![
                msg("hi"),
                Packet::Binary(Bytes::from_static(&[9; 12]))
            ])
        );
    }

    #[test]
    fn v3_rejects_bad_lengths() {
        for bad in [
            "5:4ab",
            "x:4",
            ":4",
            "2:4a2",
            "0:",
            "99999999999:4",
            "3:4ab3",
        ] {
            assert!(
                decode(Bytes::from(bad), ProtocolVersion::V3, false).is_err(),
                "{bad}"
            );
        }
        for bad in [
            &[0u8, 9, 9][..],
            &[2, 1, 0xff, b'4'],
            &[0, 5, 0xff, b'4'],
            &[1, 1, 0xff, 5],
        ] {
            assert!(
                decode(Bytes::copy_from_slice(bad), ProtocolVersion::V3, true).is_err(),
                "{bad:?}"
            );
        }
    }
}
