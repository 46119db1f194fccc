//! [`PartialBinary`]: a binary packet waiting for its attachments.

use bytes::Bytes;

use super::{Packet, ParseError};

/// The most attachment slots reserved up front: the count is the client's claim (bounded only
/// by `max_attachments`, which may be set very high), so memory grows with what arrives.
const PREALLOCATED: usize = 16;

/// A `5`/`6` packet whose announced attachments are still arriving.
#[derive(Debug)]
pub struct PartialBinary {
    packet: Packet,
    attachments: Vec<Bytes>,
    received: usize,
}

impl PartialBinary {
    /// Starts collecting for `packet` (which announced at least one attachment).
    pub fn new(packet: Packet) -> Self {
        let expected = packet.attachments;
        PartialBinary {
            packet,
            attachments: Vec::with_capacity(expected.min(PREALLOCATED)),
            received: 0,
        }
    }

    /// Adds the next attachment; returns the packet and all its attachments once complete.
    pub fn push(mut self, data: Bytes) -> Result<Completion, ParseError> {
        self.received += data.len();
        self.attachments.push(data);
        Ok(if self.attachments.len() == self.packet.attachments {
            Completion::Done(self.packet, self.attachments)
        } else {
            Completion::Pending(self)
        })
    }
}

impl PartialBinary {
    /// Bytes of attachments received so far (what the connection holds for this packet).
    pub fn received_bytes(&self) -> usize {
        self.received
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sio::decode;

    /// Fuzz finding (`fuzz/regressions/sio_packet/`): with `max_attachments` set to
    /// `usize::MAX`, `5999999999999-["a"]` made `new` reserve 10^12 slots up front.
    #[test]
    fn a_huge_announced_count_reserves_little() {
        let packet = decode("5999999999999-[\"a\"]".into(), usize::MAX).unwrap();
        assert_eq!(packet.attachments, 999_999_999_999);
        let partial = PartialBinary::new(packet);
        assert!(partial.attachments.capacity() <= PREALLOCATED);
        assert!(matches!(
            partial.push(Bytes::from_static(b"x")),
            Ok(Completion::Pending(_))
        ));
    }

    #[test]
    fn completes_after_the_announced_count() {
        let packet = decode("52-[\"a\"]".into(), 10).unwrap();
        let Ok(Completion::Pending(partial)) = PartialBinary::new(packet).push(Bytes::new()) else {
            panic!("completed early");
        };
        let Ok(Completion::Done(_, attachments)) = partial.push(Bytes::from_static(b"b")) else {
            panic!("not completed");
        };
        assert_eq!(attachments.len(), 2);
    }
}
