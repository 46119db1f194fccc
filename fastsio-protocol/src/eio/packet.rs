//! Engine.IO packets: [`Packet`] (decoded from a client) and [`Frame`] (encoded for a client).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

use super::{ProtocolVersion, Str};

/// A packet received from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0`: only servers send it; a client sending one is an error the session handles.
    Open,
    /// `1`: the client closes the session.
    Close,
    /// `2`: a heartbeat ping (v3 clients send these).
    Ping,
    /// `3`: a heartbeat pong (v4 clients answer the server's pings with these).
    Pong,
    /// `2probe`: the first step of the upgrade to WebSocket.
    PingProbe,
    /// `3probe`: only servers send it.
    PongProbe,
    /// `4…`: a text message, without its type character.
    Message(Str),
    /// A binary message (a WebSocket binary frame, or `b…` base64 in a v4 polling payload).
    Binary(Bytes),
    /// `5`: completes the upgrade to WebSocket.
    Upgrade,
    /// `6`: does nothing.
    Noop,
}

/// Why a packet could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketError {
    /// Empty text.
    Empty,
    /// The first character is not a packet type.
    UnknownType,
    /// A `b` packet whose base64 does not decode.
    InvalidBase64,
    /// A v3 binary frame not starting with the message type byte.
    InvalidBinary,
}

impl std::fmt::Display for PacketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PacketError::Empty => "empty packet",
            PacketError::UnknownType => "unknown packet type",
            PacketError::InvalidBase64 => "invalid base64 in binary packet",
            PacketError::InvalidBinary => "invalid binary packet",
        })
    }
}

impl std::error::Error for PacketError {}

impl Packet {
    /// Decodes a text packet, as sent in a WebSocket text frame or one record of a polling
    /// payload. `b`-prefixed base64 binary is accepted when `base64_binary` is set (polling).
    pub fn decode_text(text: Str, base64_binary: bool) -> Result<Packet, PacketError> {
        let Some(&kind) = text.as_bytes().first() else {
            return Err(PacketError::Empty);
        };
        let rest = || text.slice(1..);
        Ok(match kind {
            b'0' => Packet::Open,
            b'1' => Packet::Close,
            b'2' if &text[1..] == "probe" => Packet::PingProbe,
            b'2' => Packet::Ping,
            b'3' if &text[1..] == "probe" => Packet::PongProbe,
            b'3' => Packet::Pong,
            b'4' => Packet::Message(rest()),
            b'5' => Packet::Upgrade,
            b'6' => Packet::Noop,
            b'b' if base64_binary => Packet::Binary(
                STANDARD
                    .decode(&text.as_bytes()[1..])
                    .map_err(|_| PacketError::InvalidBase64)?
                    .into(),
            ),
            _ => return Err(PacketError::UnknownType),
        })
    }

    /// Decodes a WebSocket binary frame: raw data in v4, type byte `4` then data in v3.
    pub fn decode_binary(data: Bytes, version: ProtocolVersion) -> Result<Packet, PacketError> {
        match version {
            ProtocolVersion::V4 => Ok(Packet::Binary(data)),
            ProtocolVersion::V3 if data.first() == Some(&4) => Ok(Packet::Binary(data.slice(1..))),
            ProtocolVersion::V3 => Err(PacketError::InvalidBinary),
        }
    }
}

/// A packet on its way to a client, already encoded: cheap to clone and share between the
/// sessions of a broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A whole text packet, type character included (`"4hello"`, `"2"`, `"6"`).
    Text(Str),
    /// The data of a binary message (the transport adds any framing).
    Binary(Bytes),
}

impl Frame {
    /// `1`.
    pub const CLOSE: Frame = Frame::Text(Str::from_static("1"));
    /// `2`.
    pub const PING: Frame = Frame::Text(Str::from_static("2"));
    /// `3`.
    pub const PONG: Frame = Frame::Text(Str::from_static("3"));
    /// `3probe`.
    pub const PONG_PROBE: Frame = Frame::Text(Str::from_static("3probe"));
    /// `6`.
    pub const NOOP: Frame = Frame::Text(Str::from_static("6"));

    /// A text message: `4` followed by `text` (allocates once; broadcasters that share one
    /// encoding build the `4…` text themselves and use [`Frame::Text`]).
    pub fn message(text: &str) -> Frame {
        let mut s = String::with_capacity(text.len() + 1);
        s.push('4');
        s.push_str(text);
        Frame::Text(s.into())
    }

    /// The encoded size, as counted against a polling response's budget.
    pub fn encoded_len(&self) -> usize {
        match self {
            Frame::Text(s) => s.len(),
            Frame::Binary(b) => 1 + b.len().div_ceil(3) * 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Result<Packet, PacketError> {
        Packet::decode_text(Str::from(s), true)
    }

    #[test]
    fn decodes_every_text_type() {
        assert_eq!(text("0"), Ok(Packet::Open));
        assert_eq!(text("1"), Ok(Packet::Close));
        assert_eq!(text("2"), Ok(Packet::Ping));
        assert_eq!(text("2probe"), Ok(Packet::PingProbe));
        assert_eq!(text("3"), Ok(Packet::Pong));
        assert_eq!(text("3probe"), Ok(Packet::PongProbe));
        assert_eq!(text("4héllo"), Ok(Packet::Message("héllo".into())));
        assert_eq!(text("4"), Ok(Packet::Message("".into())));
        assert_eq!(text("5"), Ok(Packet::Upgrade));
        assert_eq!(text("6"), Ok(Packet::Noop));
        assert_eq!(
            text("bAQIDBA=="),
            Ok(Packet::Binary(vec![1, 2, 3, 4].into()))
        );
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(text(""), Err(PacketError::Empty));
        assert_eq!(text("abc"), Err(PacketError::UnknownType));
        assert_eq!(text("7"), Err(PacketError::UnknownType));
        assert_eq!(text("b!!"), Err(PacketError::InvalidBase64));
        assert_eq!(
            Packet::decode_text(Str::from("bAQ=="), false),
            Err(PacketError::UnknownType)
        );
    }

    #[test]
    fn decodes_binary_per_version() {
        let data = Bytes::from_static(&[4, 1, 2]);
        assert_eq!(
            Packet::decode_binary(data.clone(), ProtocolVersion::V4),
            Ok(Packet::Binary(data.clone()))
        );
        assert_eq!(
            Packet::decode_binary(data, ProtocolVersion::V3),
            Ok(Packet::Binary(Bytes::from_static(&[1, 2])))
        );
        assert_eq!(
            Packet::decode_binary(Bytes::from_static(&[1]), ProtocolVersion::V3),
            Err(PacketError::InvalidBinary)
        );
    }
}
