//! [`Packet`] and [`PacketKind`].

use super::EventArgs;
use crate::eio::Str;

/// The seven Socket.IO packet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketKind {
    /// `0`: connect to a namespace (client), or its acceptance (server).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event.
    Event,
    /// `3`: an acknowledgement.
    Ack,
    /// `4`: a refused connect (server only).
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an acknowledgement with binary attachments.
    BinaryAck,
}

impl PacketKind {
    /// The type digit.
    pub fn digit(self) -> u8 {
        match self {
            PacketKind::Connect => b'0',
            PacketKind::Disconnect => b'1',
            PacketKind::Event => b'2',
            PacketKind::Ack => b'3',
            PacketKind::ConnectError => b'4',
            PacketKind::BinaryEvent => b'5',
            PacketKind::BinaryAck => b'6',
        }
    }

    pub(crate) fn from_digit(d: u8) -> Option<Self> {
        Some(match d {
            b'0' => PacketKind::Connect,
            b'1' => PacketKind::Disconnect,
            b'2' => PacketKind::Event,
            b'3' => PacketKind::Ack,
            b'4' => PacketKind::ConnectError,
            b'5' => PacketKind::BinaryEvent,
            b'6' => PacketKind::BinaryAck,
            _ => return None,
        })
    }

    /// Whether attachments follow (`5`, `6`).
    pub fn is_binary(self) -> bool {
        matches!(self, PacketKind::BinaryEvent | PacketKind::BinaryAck)
    }
}

/// A decoded packet header with its raw JSON payload; binary attachments, if announced, arrive
/// as the next binary messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The type.
    pub kind: PacketKind,
    /// The namespace (`/` when absent); for v4 clients it may carry a `?query`, split off into
    /// `query`.
    pub ns: Str,
    /// The query string a v4 client appended to the namespace, if any.
    pub query: Option<Str>,
    /// The ack id.
    pub id: Option<u64>,
    /// Binary attachments announced (`5`, `6`).
    pub attachments: usize,
    /// The raw JSON payload, validated; empty when absent.
    pub data: Str,
    /// For events and acks: the payload split into its arguments (the event name first).
    pub args: EventArgs,
}

/// Why a packet was refused. Any of these closes the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Empty or unknown packet type.
    UnknownType,
    /// A binary packet without a valid attachment count.
    InvalidAttachments,
    /// Too many attachments announced.
    TooManyAttachments,
    /// The ack id is not a number.
    InvalidAckId,
    /// The namespace is not valid.
    InvalidNamespace,
    /// The payload is not valid JSON, or not the shape the packet type requires.
    InvalidPayload,
    /// A packet type a client may not send.
    UnexpectedPacket,
    /// A binary message arrived when no attachment was expected.
    UnexpectedBinary,
    /// A text packet arrived while attachments were still expected.
    MissingAttachments,
    /// A binary message that is not a valid msgpack packet (with the msgpack parser).
    #[cfg(feature = "msgpack")]
    InvalidMsgPack,
    /// A text message arrived, which the msgpack parser never sends.
    #[cfg(feature = "msgpack")]
    UnexpectedText,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ParseError::UnknownType => "unknown packet type",
            ParseError::InvalidAttachments => "invalid attachment count",
            ParseError::TooManyAttachments => "too many attachments",
            ParseError::InvalidAckId => "invalid ack id",
            ParseError::InvalidNamespace => "invalid namespace",
            ParseError::InvalidPayload => "invalid payload",
            ParseError::UnexpectedPacket => "unexpected packet type",
            ParseError::UnexpectedBinary => "unexpected binary attachment",
            ParseError::MissingAttachments => "attachments missing",
            #[cfg(feature = "msgpack")]
            ParseError::InvalidMsgPack => "invalid msgpack packet",
            #[cfg(feature = "msgpack")]
            ParseError::UnexpectedText => "text message with the msgpack parser",
        })
    }
}

impl std::error::Error for ParseError {}
