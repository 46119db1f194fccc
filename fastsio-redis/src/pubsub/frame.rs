//! [`Frames`]: the RESP2 frames a subscribed connection receives, cut from its read buffer.
//! A published message comes out as its channel and payload, each a [`Bytes`] view of the
//! buffer: no copy, no tree of values. Only the shapes a subscribed connection gets are read:
//! `message`, `pmessage` and `smessage` (sharded), the confirmations of (un)subscriptions,
//! `pong`, and the status and error replies (to `AUTH`, or a `MOVED` redirection); anything
//! else is an error, and so is a frame over the size bound.

use std::fmt;

use bytes::{Bytes, BytesMut};

/// The longest status or error line read (Redis's are a few dozen bytes): a partial one is
/// scanned again on each read, so it is kept short.
const MAX_LINE: usize = 4096;

/// How a message starts, how a message to a pattern's subscriber does, and a sharded one.
const MESSAGE: &[u8] = b"*3\r\n$7\r\nmessage\r\n";
const PMESSAGE: &[u8] = b"*4\r\n$8\r\npmessage\r\n";
const SMESSAGE: &[u8] = b"*3\r\n$8\r\nsmessage\r\n";

/// One frame received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Push {
    /// A message published on `channel` (`message`, `pmessage` for a pattern's, `smessage`
    /// for a sharded channel's).
    Message {
        /// The channel it was published on.
        channel: Bytes,
        /// What was published.
        payload: Bytes,
    },
    /// One channel or pattern (un)subscribed, as asked.
    Confirmed,
    /// A sharded channel subscribed (`ssubscribe`), or unsubscribed (`sunsubscribe`: as
    /// asked, or by the server when the channel's slot left it).
    Sharded {
        /// The channel.
        channel: Bytes,
        /// Subscribed (true) or unsubscribed.
        on: bool,
    },
    /// The answer to a `PING`.
    Pong,
    /// A status reply (`+OK` to `AUTH`).
    Status,
    /// An error reply, its text.
    Error(String),
}

/// Why a frame cannot be read: the connection is unusable past it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// Not a frame a subscribed connection receives.
    Malformed(&'static str),
    /// A frame longer than the bound.
    TooLarge {
        /// The bound, in bytes.
        max: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Malformed(what) => write!(f, "malformed pub/sub frame: {what}"),
            FrameError::TooLarge { max } => {
                write!(f, "pub/sub frame over the {max}-byte bound")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// The read buffer of a subscribed connection and the frames in it.
pub(crate) struct Frames {
    buf: BytesMut,
    max_frame: usize,
}

/// Where the parts of a complete frame lie in the buffer.
enum Shape {
    Message {
        channel: (usize, usize),
        payload: (usize, usize),
    },
    Confirmed,
    Sharded((usize, usize), bool),
    Pong,
    Status,
    Error(usize, usize),
}

impl Frames {
    /// An empty buffer for frames of at most `max_frame` bytes (the payload of a message and
    /// its framing).
    pub(crate) fn new(max_frame: usize) -> Frames {
        Frames {
            buf: BytesMut::new(),
            max_frame,
        }
    }

    /// Where received bytes go, with at least `chunk` bytes free: what a reader appends to it
    /// is read by [`next`](Self::next).
    pub(crate) fn space(&mut self, chunk: usize) -> &mut BytesMut {
        self.buf.reserve(chunk);
        &mut self.buf
    }

    /// The next frame, if the buffer holds all of it; its bytes leave the buffer.
    pub(crate) fn next(&mut self) -> Result<Option<Push>, FrameError> {
        let Some((shape, len)) = self.parse()? else {
            return Ok(None);
        };
        let frame = self.buf.split_to(len).freeze();
        let slice = |(start, end): (usize, usize)| frame.slice(start..end);
        Ok(Some(match shape {
            Shape::Message { channel, payload } => Push::Message {
                channel: slice(channel),
                payload: slice(payload),
            },
            Shape::Confirmed => Push::Confirmed,
            Shape::Sharded(channel, on) => Push::Sharded {
                channel: slice(channel),
                on,
            },
            Shape::Pong => Push::Pong,
            Shape::Status => Push::Status,
            Shape::Error(start, end) => {
                Push::Error(String::from_utf8_lossy(&frame[start..end]).into_owned())
            }
        }))
    }

    /// The shape and length of the frame at the start of the buffer; `None` while incomplete.
    fn parse(&self) -> Result<Option<(Shape, usize)>, FrameError> {
        let mut r = Reader {
            input: &self.buf,
            pos: 0,
            max_frame: self.max_frame,
        };
        let Some(kind) = r.input.first().copied() else {
            return Ok(None);
        };
        let shape = match kind {
            b'+' | b'-' => {
                r.pos = 1;
                match r.line()? {
                    None => return Ok(None),
                    Some(_) if kind == b'+' => Shape::Status,
                    Some((start, end)) => Shape::Error(start, end),
                }
            }
            b'*' => match r.push()? {
                None => return Ok(None),
                Some(shape) => shape,
            },
            _ => return Err(FrameError::Malformed("unexpected frame type")),
        };
        Ok(Some((shape, r.pos)))
    }
}

/// A cursor over the buffer; every read gives `Ok(None)` when the buffer ends first.
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    max_frame: usize,
}

type Read<T> = Result<Option<T>, FrameError>;

impl Reader<'_> {
    /// A line before its `\r\n` (a status or an error, at most [`MAX_LINE`] bytes): where it
    /// lies.
    fn line(&mut self) -> Read<(usize, usize)> {
        let start = self.pos;
        let rest = &self.input[start..];
        let too_long = FrameError::Malformed("status or error line too long");
        let Some(end) = rest.iter().take(MAX_LINE + 1).position(|&b| b == b'\r') else {
            return match rest.len() > MAX_LINE {
                true => Err(too_long),
                false => Ok(None),
            };
        };
        match rest.get(end + 1) {
            None => Ok(None),
            Some(b'\n') => {
                self.pos = start + end + 2;
                Ok(Some((start, start + end)))
            }
            Some(_) => Err(FrameError::Malformed("a line without its \\n")),
        }
    }

    /// A number after its type byte: `kind`, an optional `-`, then at most 18 decimal digits
    /// and `\r\n`; read in one pass.
    fn number(&mut self, kind: u8) -> Read<i64> {
        let input = self.input;
        let mut at = self.pos;
        match input.get(at) {
            None => return Ok(None),
            Some(&b) if b == kind => at += 1,
            Some(_) => return Err(FrameError::Malformed("unexpected element type")),
        }
        let negative = input.get(at) == Some(&b'-');
        at += usize::from(negative);
        let digits = at;
        let mut n = 0i64;
        loop {
            match input.get(at) {
                None => return Ok(None),
                Some(&d @ b'0'..=b'9') if at - digits < 18 => {
                    n = n * 10 + i64::from(d - b'0');
                    at += 1;
                }
                Some(b'\r') if at > digits => break,
                Some(_) => return Err(FrameError::Malformed("not a number")),
            }
        }
        match input.get(at + 1) {
            None => Ok(None),
            Some(b'\n') => {
                self.pos = at + 2;
                Ok(Some(if negative { -n } else { n }))
            }
            Some(_) => Err(FrameError::Malformed("a line without its \\n")),
        }
    }

    /// A bulk string, or `None` inside for nil: where its bytes lie.
    fn bulk(&mut self) -> Read<Option<(usize, usize)>> {
        let Some(len) = self.number(b'$')? else {
            return Ok(None);
        };
        if len == -1 {
            return Ok(Some(None));
        }
        let len = usize::try_from(len).map_err(|_| FrameError::Malformed("negative length"))?;
        let start = self.pos;
        if len > self.max_frame.saturating_sub(start) {
            return Err(FrameError::TooLarge {
                max: self.max_frame,
            });
        }
        let end = start + len;
        match self.input.get(end..end + 2) {
            None => Ok(None),
            Some(b"\r\n") => {
                self.pos = end + 2;
                Ok(Some(Some((start, end))))
            }
            Some(_) => Err(FrameError::Malformed("a bulk string without its \\r\\n")),
        }
    }

    /// The rest of a message after its kind: the pattern if `to_pattern`, the channel, the
    /// payload.
    fn message(&mut self, to_pattern: bool) -> Read<Shape> {
        if to_pattern && self.text()?.is_none() {
            return Ok(None);
        }
        let Some(channel) = self.text()? else {
            return Ok(None);
        };
        let Some(payload) = self.text()? else {
            return Ok(None);
        };
        Ok(Some(Shape::Message { channel, payload }))
    }

    /// A bulk string that must not be nil.
    fn text(&mut self) -> Read<(usize, usize)> {
        match self.bulk()? {
            None => Ok(None),
            Some(Some(span)) => Ok(Some(span)),
            Some(None) => Err(FrameError::Malformed("nil where a string is due")),
        }
    }

    /// An array: one of the pushes of a subscribed connection.
    fn push(&mut self) -> Read<Shape> {
        // The usual frames, recognised at once.
        let rest = &self.input[self.pos..];
        if rest.starts_with(PMESSAGE) {
            self.pos += PMESSAGE.len();
            return self.message(true);
        }
        if rest.starts_with(MESSAGE) {
            self.pos += MESSAGE.len();
            return self.message(false);
        }
        if rest.starts_with(SMESSAGE) {
            self.pos += SMESSAGE.len();
            return self.message(false);
        }
        let Some(len) = self.number(b'*')? else {
            return Ok(None);
        };
        let Some(kind) = self.text()? else {
            return Ok(None);
        };
        let kind = &self.input[kind.0..kind.1];
        match (kind, len) {
            (b"message" | b"smessage", 3) => self.message(false),
            (b"pmessage", 4) => self.message(true),
            (b"subscribe" | b"psubscribe" | b"unsubscribe" | b"punsubscribe", 3) => {
                if self.bulk()?.is_none() || self.number(b':')?.is_none() {
                    return Ok(None);
                }
                Ok(Some(Shape::Confirmed))
            }
            (b"ssubscribe" | b"sunsubscribe", 3) => {
                let on = kind == b"ssubscribe";
                let Some(channel) = self.text()? else {
                    return Ok(None);
                };
                if self.number(b':')?.is_none() {
                    return Ok(None);
                }
                Ok(Some(Shape::Sharded(channel, on)))
            }
            (b"pong", 2) => match self.bulk()? {
                None => Ok(None),
                Some(_) => Ok(Some(Shape::Pong)),
            },
            _ => Err(FrameError::Malformed("unexpected push")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::prefixes_and_corruptions;

    fn message(channel: &str, payload: &[u8]) -> Vec<u8> {
        let mut frame = format!(
            "*3\r\n$7\r\nmessage\r\n${}\r\n{channel}\r\n${}\r\n",
            channel.len(),
            payload.len()
        )
        .into_bytes();
        frame.extend_from_slice(payload);
        frame.extend_from_slice(b"\r\n");
        frame
    }

    /// A stream of every kind of frame, and what it reads as.
    fn stream() -> (Vec<u8>, Vec<Push>) {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"+OK\r\n");
        bytes.extend_from_slice(b"*3\r\n$10\r\npsubscribe\r\n$5\r\na#/#*\r\n:1\r\n");
        bytes.extend_from_slice(b"*3\r\n$9\r\nsubscribe\r\n$2\r\nr1\r\n:2\r\n");
        bytes.extend_from_slice(&message("r1", b"\x93\xa2id\x00\r\n\xff"));
        bytes.extend_from_slice(
            b"*4\r\n$8\r\npmessage\r\n$5\r\na#/#*\r\n$6\r\na#/#x#\r\n$0\r\n\r\n",
        );
        bytes.extend_from_slice(b"*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        bytes.extend_from_slice(b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
        bytes.extend_from_slice(b"-NOAUTH Authentication required.\r\n");
        bytes.extend_from_slice(b"*3\r\n$10\r\nssubscribe\r\n$4\r\na#/#\r\n:1\r\n");
        bytes.extend_from_slice(b"*3\r\n$8\r\nsmessage\r\n$4\r\na#/#\r\n$2\r\n\x81\x00\r\n");
        bytes.extend_from_slice(b"*3\r\n$12\r\nsunsubscribe\r\n$4\r\na#/#\r\n:0\r\n");
        bytes.extend_from_slice(b"-MOVED 3999 127.0.0.1:6381\r\n");
        let pushes = vec![
            Push::Status,
            Push::Confirmed,
            Push::Confirmed,
            Push::Message {
                channel: Bytes::from_static(b"r1"),
                payload: Bytes::from_static(b"\x93\xa2id\x00\r\n\xff"),
            },
            Push::Message {
                channel: Bytes::from_static(b"a#/#x#"),
                payload: Bytes::new(),
            },
            Push::Pong,
            Push::Confirmed,
            Push::Error("NOAUTH Authentication required.".into()),
            Push::Sharded {
                channel: Bytes::from_static(b"a#/#"),
                on: true,
            },
            Push::Message {
                channel: Bytes::from_static(b"a#/#"),
                payload: Bytes::from_static(b"\x81\x00"),
            },
            Push::Sharded {
                channel: Bytes::from_static(b"a#/#"),
                on: false,
            },
            Push::Error("MOVED 3999 127.0.0.1:6381".into()),
        ];
        (bytes, pushes)
    }

    /// Feeds `bytes` in pieces of the given sizes (cycled), reading every frame as soon as it
    /// is whole.
    fn read_split(
        bytes: &[u8],
        sizes: &[usize],
        max_frame: usize,
    ) -> Result<Vec<Push>, FrameError> {
        let mut frames = Frames::new(max_frame);
        let mut got = Vec::new();
        let mut at = 0;
        for &size in sizes.iter().cycle() {
            if at == bytes.len() {
                break;
            }
            let end = (at + size.max(1)).min(bytes.len());
            frames.space(size).extend_from_slice(&bytes[at..end]);
            at = end;
            while let Some(push) = frames.next()? {
                got.push(push);
            }
        }
        Ok(got)
    }

    #[test]
    fn every_frame_kind_reads_whatever_the_reads_split_it_into() {
        let (bytes, pushes) = stream();
        for sizes in [
            vec![bytes.len()],
            vec![1],
            vec![2],
            vec![3, 1, 7],
            vec![5, 11, 2, 13],
            vec![64],
        ] {
            assert_eq!(
                read_split(&bytes, &sizes, 1024),
                Ok(pushes.clone()),
                "{sizes:?}"
            );
        }
        for cut in 0..bytes.len() {
            let sizes = [cut.max(1), bytes.len()];
            assert_eq!(read_split(&bytes, &sizes, 1024), Ok(pushes.clone()));
        }
    }

    #[test]
    fn a_frame_over_the_bound_is_refused_before_it_is_buffered() {
        let big = message("r1", &[7; 200]);
        let mut frames = Frames::new(100);
        frames.space(64).extend_from_slice(&big[..40]);
        assert_eq!(frames.next(), Err(FrameError::TooLarge { max: 100 }));
        assert_eq!(
            read_split(&message("r1", &[7; 60]), &[9], 100).map(|p| p.len()),
            Ok(1)
        );
        let long_status = [b"+".as_slice(), &[b'x'; MAX_LINE + 1]].concat();
        assert_eq!(
            read_split(&long_status, &[50], 100),
            Err(FrameError::Malformed("status or error line too long"))
        );
    }

    #[test]
    fn frames_a_subscribed_connection_never_gets_are_refused() {
        for bad in [
            b"$3\r\nabc\r\n".as_slice(),
            b"*3\r\n$3\r\nget\r\n$1\r\na\r\n$1\r\nb\r\n",
            b"*2\r\n$7\r\nmessage\r\n$1\r\na\r\n",
            b"*3\r\n$7\r\nmessage\r\n$-1\r\n$1\r\na\r\n",
            b"*3\r\n$7\r\nmessage\r\n$1\r\nab\r\n$1\r\na\r\n",
            b"*3\r\n$7\r\nmessage\r\n$x\r\n",
            b"*3\r\n$7\r\nmessage\r\n$99999999999999999999\r\n",
            b"*3\r\n$7\r\nmessage\r\n$-5\r\n",
            b"*3\r\n:7\r\n",
            b"*3\r\n$123456789012345678901234567890",
            b"+OK\rX",
        ] {
            assert!(
                read_split(bad, &[bad.len()], 1 << 20).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// Every prefix of a good stream and thousands of corruptions of it: never a panic, never
    /// more than the bound buffered, and a message read is a message of the stream or a frame
    /// whose bytes were corrupted in place.
    #[test]
    fn corrupted_streams_never_panic() {
        let (bytes, _) = stream();
        prefixes_and_corruptions(&bytes, 31, |input| {
            let mut frames = Frames::new(64);
            for piece in input.chunks(5) {
                frames.space(5).extend_from_slice(piece);
                loop {
                    match frames.next() {
                        Ok(Some(_)) => continue,
                        Ok(None) => break,
                        Err(_) => return,
                    }
                }
                assert!(frames.buf.len() <= 64 + 32, "{input:?}");
            }
        });
    }
}
