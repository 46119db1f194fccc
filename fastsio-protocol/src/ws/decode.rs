//! [`Decoder`]: the frames a client sent, read from a buffer, made into messages.

use bytes::{Buf, Bytes, BytesMut};

use super::error::WsError;
use super::frame::{
    BINARY, CLOSE, CONTINUATION, CONTROL, FIN, MASKED, MAX_CONTROL, OPCODE, PING, PONG, RESERVED,
    TEXT,
};
use super::mask::unmask;
use crate::eio::Str;

/// What [`Decoder::decode`] took from the start of the buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// The buffer ends inside a frame: read more after what it holds, then decode again.
    /// `frame` is the size of that frame in all, header included, once its header is in (always
    /// more than the buffer holds: room to reserve before reading), `None` before.
    Incomplete {
        /// The size of the frame being read, once known.
        frame: Option<usize>,
    },
    /// A whole text message, its fragments put together.
    Text(Str),
    /// A whole binary message, its fragments put together.
    Binary(Bytes),
    /// A ping: the pong answering it carries this payload (at most 125 bytes).
    Ping(Bytes),
    /// A pong.
    Pong,
    /// The client's close frame, with its status code (big-endian, as the answer echoes it) if
    /// it had one. The client sends nothing after it.
    Close(Option<[u8; 2]>),
}

/// The reading side of a server's WebSocket connection (RFC 6455, no extensions): takes the
/// client's frames off the front of a read buffer, checks them, unmasks their payloads where
/// they are and gathers fragmented messages.
///
/// Payloads are split off the buffer, not copied (but for the fragments of a message put
/// together). Once [`decode`](Decoder::decode) returned an error the connection must be
/// failed: the decoder is not meant to go on.
///
/// ```
/// use bytes::BytesMut;
/// use fastsio_protocol::ws::{Decoded, Decoder};
///
/// let mut decoder = Decoder::new(1024);
/// // "hi" in one final text frame, masked by the client with 1, 2, 3, 4.
/// let mut read = BytesMut::from(&[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2][..]);
/// match decoder.decode(&mut read) {
///     Ok(Decoded::Text(text)) => assert_eq!(text, "hi"),
///     other => panic!("{other:?}"),
/// }
/// assert!(read.is_empty());
/// assert_eq!(decoder.decode(&mut read), Ok(Decoded::Incomplete { frame: None }));
/// ```
#[derive(Debug)]
pub struct Decoder {
    /// The largest message (or frame) accepted.
    max_payload: usize,
    /// A fragmented message being gathered: its opcode (text or binary) and what came so far.
    partial: Option<(u8, BytesMut)>,
}

/// What [`Decoder::take_frame`] found.
enum Taken {
    /// A whole frame: its first byte and its unmasked payload.
    Frame(u8, BytesMut),
    /// Part of one: [`Decoded::Incomplete`]'s size.
    Short(Option<usize>),
}

impl Decoder {
    /// A decoder of messages of at most `max_payload` bytes (a frame's payload, or a
    /// fragmented message's so far, any longer is [`WsError::TooLong`]).
    pub fn new(max_payload: usize) -> Self {
        Decoder {
            max_payload,
            partial: None,
        }
    }

    /// The next message or control frame at the start of `buf`, which it is taken from; the
    /// fragments of a message before its last are taken and kept here.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Decoded, WsError> {
        loop {
            match self.take_frame(buf)? {
                Taken::Frame(head, payload) => {
                    if let Some(decoded) = self.on_frame(head, payload)? {
                        return Ok(decoded);
                    }
                }
                Taken::Short(frame) => return Ok(Decoded::Incomplete { frame }),
            }
        }
    }

    /// The next whole frame of `buf`, taken from it and unmasked.
    fn take_frame(&self, buf: &mut BytesMut) -> Result<Taken, WsError> {
        let Some(&[head, second]) = buf.get(..2) else {
            return Ok(Taken::Short(None));
        };
        if head & RESERVED != 0 {
            return Err(WsError::ReservedBits);
        }
        if second & MASKED == 0 {
            return Err(WsError::Unmasked);
        }
        let (len, at) = match second & !MASKED {
            126 => match buf.get(2..4) {
                Some(&[a, b]) => (u64::from(u16::from_be_bytes([a, b])), 4),
                _ => return Ok(Taken::Short(None)),
            },
            127 => match buf.get(2..10).and_then(|n| <[u8; 8]>::try_from(n).ok()) {
                Some(n) => (u64::from_be_bytes(n), 10),
                None => return Ok(Taken::Short(None)),
            },
            n => (u64::from(n), 2),
        };
        // A control frame is final and at most 125 bytes: refused from its header, before its
        // payload is waited for and buffered.
        if head & CONTROL != 0 && (head & FIN == 0 || len > MAX_CONTROL as u64) {
            return Err(match head & OPCODE {
                CLOSE => WsError::BadClose,
                PING | PONG => WsError::BadControl,
                _ => WsError::UnknownOpcode,
            });
        }
        // A data frame adds to the message being gathered; a control frame stands alone.
        let gathered = match (head & CONTROL, &self.partial) {
            (0, Some((_, partial))) => partial.len(),
            _ => 0,
        };
        let len = usize::try_from(len)
            .ok()
            .filter(|len| gathered.saturating_add(*len) <= self.max_payload)
            .ok_or(WsError::TooLong)?;
        let Some(&[m0, m1, m2, m3]) = buf.get(at..at + 4) else {
            return Ok(Taken::Short(None));
        };
        // Only a `max_payload` near `usize::MAX` lets the header and payload overflow.
        let total = (at + 4).checked_add(len).ok_or(WsError::TooLong)?;
        if buf.len() < total {
            return Ok(Taken::Short(Some(total)));
        }
        let mut payload = buf.split_to(total);
        payload.advance(at + 4);
        unmask(&mut payload, [m0, m1, m2, m3]);
        Ok(Taken::Frame(head, payload))
    }

    /// What frame `head`/`payload` makes: a message or control frame, or `None` for a part of
    /// a message.
    fn on_frame(&mut self, head: u8, payload: BytesMut) -> Result<Option<Decoded>, WsError> {
        let fin = head & FIN != 0;
        // Control frames were checked from their header (final, short) in `take_frame`.
        match head & OPCODE {
            CLOSE => close_code(&payload).map(|code| Some(Decoded::Close(code))),
            PING => Ok(Some(Decoded::Ping(payload.freeze()))),
            PONG => Ok(Some(Decoded::Pong)),
            op @ (TEXT | BINARY) => match (self.partial.is_some(), fin) {
                (true, _) => Err(WsError::NewInsideFragmented),
                (false, true) => message(op, payload.freeze()).map(Some),
                (false, false) => {
                    self.partial = Some((op, payload));
                    Ok(None)
                }
            },
            CONTINUATION => {
                let Some((op, mut gathered)) = self.partial.take() else {
                    return Err(WsError::StrayContinuation);
                };
                gathered.extend_from_slice(&payload);
                if fin {
                    return message(op, gathered.freeze()).map(Some);
                }
                self.partial = Some((op, gathered));
                Ok(None)
            }
            _ => Err(WsError::UnknownOpcode),
        }
    }
}

/// A whole message of opcode `op` (text or binary).
fn message(op: u8, payload: Bytes) -> Result<Decoded, WsError> {
    match op {
        TEXT => Str::try_from(payload)
            .map(Decoded::Text)
            .map_err(|_| WsError::NotUtf8),
        _ => Ok(Decoded::Binary(payload)),
    }
}

/// The status code of a close frame's `payload`, checked with its reason (RFC 6455, 7.4).
fn close_code(payload: &[u8]) -> Result<Option<[u8; 2]>, WsError> {
    match payload {
        [] => Ok(None),
        [_] => Err(WsError::BadClose),
        [a, b, reason @ ..] => {
            let code = u16::from_be_bytes([*a, *b]);
            if matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
                && std::str::from_utf8(reason).is_ok()
            {
                Ok(Some([*a, *b]))
            } else {
                Err(WsError::BadClose)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::put_client_frame;

    /// A client frame: first byte `head`, masked `payload`.
    fn masked(head: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        put_client_frame(&mut out, head, payload, [0x12, 0x34, 0x56, 0x78]);
        out
    }

    /// Everything `bytes` decodes to with `max_payload` 64, up to the first error.
    fn decode_all(bytes: &[u8]) -> (Vec<Decoded>, Option<WsError>) {
        let mut decoder = Decoder::new(64);
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        loop {
            match decoder.decode(&mut buf) {
                Ok(Decoded::Incomplete { .. }) => return (out, None),
                Ok(decoded) => out.push(decoded),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[test]
    fn fragments_around_a_ping_make_one_message() {
        let mut bytes = masked(TEXT, b"hello, ");
        bytes.extend(masked(FIN | PING, b"p"));
        bytes.extend(masked(FIN | CONTINUATION, "wörld".as_bytes()));
        bytes.extend(masked(FIN | BINARY, &[7; 40]));
        bytes.extend(masked(FIN | PONG, b""));
        bytes.extend(masked(FIN | CLOSE, &[0x03, 0xE8, b'o', b'k']));
        let (decoded, error) = decode_all(&bytes);
        assert_eq!(error, None);
        assert_eq!(
            decoded,
            [
                Decoded::Ping(Bytes::from_static(b"p")),
                Decoded::Text(Str::from("hello, wörld")),
                Decoded::Binary(Bytes::from_static(&[7; 40])),
                Decoded::Pong,
                Decoded::Close(Some([0x03, 0xE8])),
            ]
        );
    }

    #[test]
    fn a_partial_frame_asks_for_its_size_once_its_header_is_in() {
        let frame = masked(FIN | BINARY, &[1; 60]);
        let mut decoder = Decoder::new(64);
        for cut in 0..frame.len() {
            let mut buf = BytesMut::from(&frame[..cut]);
            let frame_len = (cut >= 6).then_some(frame.len());
            assert_eq!(
                decoder.decode(&mut buf),
                Ok(Decoded::Incomplete { frame: frame_len }),
                "{cut}"
            );
            assert_eq!(buf.len(), cut);
        }
        let long = masked(FIN | BINARY, &[1; 300]);
        let mut buf = BytesMut::from(&long[..8]);
        assert_eq!(
            Decoder::new(300).decode(&mut buf),
            Ok(Decoded::Incomplete { frame: Some(308) })
        );
    }

    #[test]
    fn frames_a_server_must_refuse_are_errors() {
        let cases = [
            (vec![FIN | TEXT, 1, b'a'], WsError::Unmasked),
            (masked(FIN | BINARY, &[0; 65]), WsError::TooLong),
            (
                [masked(BINARY, &[0; 40]), masked(FIN, &[0; 40])].concat(),
                WsError::TooLong,
            ),
            (masked(FIN | TEXT, &[0xFF]), WsError::NotUtf8),
            (
                [masked(TEXT, b"a"), masked(FIN, &[0xC3])].concat(),
                WsError::NotUtf8,
            ),
            (masked(FIN | 0x40 | TEXT, b"a"), WsError::ReservedBits),
            (masked(FIN | CONTINUATION, b"a"), WsError::StrayContinuation),
            (
                [masked(TEXT, b"a"), masked(FIN | BINARY, b"b")].concat(),
                WsError::NewInsideFragmented,
            ),
            (masked(FIN | 0x3, b""), WsError::UnknownOpcode),
            (masked(PING, b""), WsError::BadControl),
            (masked(FIN | PONG, &[0; 126]), WsError::BadControl),
            (masked(CLOSE, b""), WsError::BadClose),
            (masked(FIN | CLOSE, &[0x03]), WsError::BadClose),
            (masked(FIN | CLOSE, &[0x03, 0xED]), WsError::BadClose),
            (masked(FIN | CLOSE, &[0x03, 0xE8, 0xFF]), WsError::BadClose),
        ];
        for (bytes, error) in cases {
            assert_eq!(decode_all(&bytes), (Vec::new(), Some(error)), "{bytes:?}");
        }
        let mut long_ping = BytesMut::from(&masked(FIN | PING, &[0; 126])[..]);
        assert_eq!(
            Decoder::new(1000).decode(&mut long_ping),
            Err(WsError::BadControl)
        );
    }

    #[test]
    fn a_control_frame_too_long_is_refused_from_its_header() {
        // A ping announcing 1 MiB, with none of it sent: no wait for the payload.
        let head = [
            FIN | PING,
            MASKED | 127,
            0,
            0,
            0,
            0,
            0,
            0x10,
            0,
            0,
            1,
            2,
            3,
            4,
        ];
        let mut buf = BytesMut::from(&head[..]);
        assert_eq!(
            Decoder::new(2 << 20).decode(&mut buf),
            Err(WsError::BadControl)
        );
        let mut close = BytesMut::from(&[FIN | CLOSE, MASKED | 126, 0, 200][..]);
        assert_eq!(
            Decoder::new(1000).decode(&mut close),
            Err(WsError::BadClose)
        );
    }

    #[test]
    fn a_length_beyond_the_address_space_is_too_long() {
        let mut buf = BytesMut::from(
            &[
                FIN | BINARY,
                MASKED | 127,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                1,
                2,
                3,
                4,
            ][..],
        );
        assert_eq!(
            Decoder::new(usize::MAX).decode(&mut buf),
            Err(WsError::TooLong)
        );
    }
}
