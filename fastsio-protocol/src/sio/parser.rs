//! [`Parser`]: how Socket.IO packets are put on the wire, chosen once for the whole server.

use bytes::Bytes;

use super::EncodedPacket;
use crate::eio::Frame;

/// The wire format of Socket.IO packets. A server speaks one parser to every client, as node's
/// server does: clients must be configured with the matching one.
///
/// Handlers, extractors and emits are the same whichever parser is chosen: packets are decoded
/// into, and encoded from, the runtime's own representation (JSON arguments with binary
/// attachments).
///
/// ```
/// use fastsio_protocol::sio::Parser;
/// assert_eq!(Parser::default(), Parser::Json);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Parser {
    /// The default parser of every Socket.IO client: text packets with JSON payloads, binary
    /// values sent as attachments after their packet.
    #[default]
    Json,
    /// The parser of `socket.io-msgpack-parser` (npm): each packet is one binary message, a
    /// MessagePack map `{type, nsp, data, id}`, binary values inline as MessagePack `bin`.
    /// Needs the `msgpack` cargo feature.
    #[cfg(feature = "msgpack")]
    MsgPack,
}

impl Parser {
    /// Puts `packet` in this parser's wire format, once for all its targets.
    pub fn wire<'a>(self, packet: &'a EncodedPacket) -> Result<Wire<'a>, WireError> {
        match self {
            Parser::Json => Ok(Wire {
                first: Frame::Text(packet.text.clone()),
                rest: &packet.attachments,
            }),
            #[cfg(feature = "msgpack")]
            Parser::MsgPack => Ok(Wire {
                first: Frame::Binary(super::msgpack::encode(packet)?),
                rest: &[],
            }),
        }
    }
}

/// A packet ready for the transport: its first frame, then its binary attachments. Cloning
/// the frames shares their buffers.
#[derive(Debug)]
pub struct Wire<'a> {
    first: Frame,
    rest: &'a [Bytes],
}

impl Wire<'_> {
    /// Its only frame, when it has no attachments (the usual broadcast): what
    /// [`frames`](Self::frames) would give, without the chain.
    pub fn single(&self) -> Option<&Frame> {
        self.rest.is_empty().then_some(&self.first)
    }

    /// The frames to queue, in order.
    pub fn frames(&self) -> impl Iterator<Item = Frame> + '_ {
        std::iter::once(self.first.clone()).chain(self.rest.iter().cloned().map(Frame::Binary))
    }
}

/// A packet the parser could not encode (its JSON payload was not valid JSON).
pub type WireError = serde_json::Error;
