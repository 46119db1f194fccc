//! [`PartialBinary`]: a binary packet waiting for its attachments.

use bytes::Bytes;

use super::{Packet, ParseError};

/// A `5`/`6` packet whose announced attachments are still arriving.
#[derive(Debug)]
pub struct PartialBinary {
    packet: Packet,
    attachments: Vec<Bytes>,
}

impl PartialBinary {
    /// Starts collecting for `packet` (which announced at least one attachment).
    pub fn new(packet: Packet) -> Self {
        let expected = packet.attachments;
        PartialBinary {
            packet,
            attachments: Vec::with_capacity(expected),
        }
    }

    /// Adds the next attachment; returns the packet and all its attachments once complete.
    pub fn push(mut self, data: Bytes) -> Result<Completion, ParseError> {
        self.attachments.push(data);
        Ok(if self.attachments.len() == self.packet.attachments {
            Completion::Done(self.packet, self.attachments)
        } else {
            Completion::Pending(self)
        })
    }
}

/// What [`PartialBinary::push`] gives back.
#[derive(Debug)]
pub enum Completion {
    /// Every attachment arrived.
    Done(Packet, Vec<Bytes>),
    /// More are expected.
    Pending(PartialBinary),
}
