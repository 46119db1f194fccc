//! [`PlainWs`]: the server side of a WebSocket connection without extensions (RFC 6455), read
//! and written by the connection's task.
//!
//! Its own frames rather than tungstenite's, for what one small message costs: tungstenite
//! zero-fills the free part of its read buffer before every read attempt (a kilobyte per echo
//! on average with the default 2 KiB buffer: at a thousand connections, a dozen cache lines
//! fetched only to be overwritten), and its tokio adapter registers the task's waker in two
//! allocations of its own on every poll. Here a read fills the buffer's spare capacity as it
//! is, and the stream gets the task's waker itself.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWrite;
use tokio_util::io::poll_read_buf;

use super::outbox::Outbox;
use super::ws_io::WsIo;
use super::ws_socket::Incoming;
use super::{Frame, ProtocolVersion, Str};

const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

const FIN: u8 = 0x80;
const MASKED: u8 = 0x80;

/// The largest payload of a control frame (RFC 6455, 5.5).
const MAX_CONTROL: usize = 125;

/// Frames gathered before they are written even without a flush; a feed beyond it first waits
/// until they are written (the bound of the write buffer: this plus one frame).
const WRITE_BUFFER: usize = 8 * 1024;

/// A write buffer larger than this (a large message went out) is shrunk once written.
const KEEP_WRITE: usize = 4 * WRITE_BUFFER;

/// Reads go into at least this much spare room: the buffer is compacted or grown below it.
const MIN_READ: usize = 256;

/// A plain WebSocket connection.
pub(crate) struct PlainWs {
    io: WsIo,
    /// What was read and not yet taken as frames.
    read: BytesMut,
    /// Room made for each read when the buffer runs short (the configured read buffer size).
    read_size: usize,
    /// Frames waiting to be written; `written` of its bytes already are.
    write: Vec<u8>,
    written: usize,
    /// A fragmented message being gathered: its opcode (text or binary) and what came so far.
    partial: Option<(u8, BytesMut)>,
    /// The largest message (or frame) accepted.
    max_payload: usize,
    /// The head of the frame being read is in, and room was made for all of it.
    frame_started: bool,
    /// A close frame was queued: nothing is sent after it.
    close_sent: bool,
    /// Reads are over: the client closed, or a read failed.
    ended: bool,
}

impl PlainWs {
    /// The server side of a WebSocket over `io`, `read` being the first bytes the client sent;
    /// reads make room for `read_size` bytes at a time, messages are at most `max_payload`.
    pub(crate) fn new(io: WsIo, read: Vec<u8>, read_size: usize, max_payload: usize) -> Self {
        let read_size = read_size.max(2 * MIN_READ);
        let mut buffer = BytesMut::with_capacity(read_size.max(read.len()));
        buffer.extend_from_slice(&read);
        PlainWs {
            io,
            read: buffer,
            read_size,
            write: Vec::new(),
            written: 0,
            partial: None,
            max_payload,
            frame_started: false,
            close_sent: false,
            ended: false,
        }
    }

    /// The next message; `None` once the client closed the connection (after its close frame
    /// was returned) or a read failed before. Pings are answered here.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Incoming>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let read = self.poll_read_message(cx);
        if let Poll::Ready(Some(Err(_))) = read {
            self.ended = true;
        }
        read
    }

    fn poll_read_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Incoming>>> {
        loop {
            if let Some((head, payload)) = self.take_frame()? {
                if let Some(message) = self.on_frame(head, payload, cx)? {
                    return Poll::Ready(Some(Ok(message)));
                }
                continue;
            }
            if !self.frame_started && self.read.capacity() - self.read.len() < MIN_READ {
                // Half the buffer's size: what is left of a frame moves back to the start of
                // the same allocation, once the messages read before it are dropped.
                self.read.reserve(self.read_size / 2);
            }
            if ready!(poll_read_buf(Pin::new(&mut self.io), cx, &mut self.read))? == 0 {
                self.ended = true;
                return Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "websocket: connection reset without a closing handshake",
                ))));
            }
        }
    }

    /// The next whole frame read, its first byte and its unmasked payload; `None` if more must
    /// be read first (room for it is then made).
    fn take_frame(&mut self) -> io::Result<Option<(u8, BytesMut)>> {
        let Some(&[head, second]) = self.read.get(..2) else {
            return Ok(None);
        };
        if head & 0x70 != 0 {
            return Err(protocol("reserved bits set"));
        }
        if second & MASKED == 0 {
            return Err(protocol("unmasked frame from a client"));
        }
        let (len, at) = match second & 0x7F {
            126 => match self.read.get(2..4) {
                Some(n) => (u64::from(u16::from_be_bytes([n[0], n[1]])), 4),
                None => return Ok(None),
            },
            127 => match self.read.get(2..10) {
                Some(n) => (u64::from_be_bytes(n.try_into().unwrap_or([0xFF; 8])), 10),
                None => return Ok(None),
            },
            n => (u64::from(n), 2),
        };
        // A data frame adds to the message being gathered; a control frame stands alone.
        let gathered = match (head & 0x08, &self.partial) {
            (0, Some((_, partial))) => partial.len(),
            _ => 0,
        };
        let Some(len) = usize::try_from(len)
            .ok()
            .filter(|len| gathered.saturating_add(*len) <= self.max_payload)
        else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "websocket: message too long",
            ));
        };
        let Some(mask) = self.read.get(at..at + 4) else {
            return Ok(None);
        };
        let mask = [mask[0], mask[1], mask[2], mask[3]];
        let total = at + 4 + len;
        if self.read.len() < total {
            self.read.reserve(total - self.read.len());
            self.frame_started = true;
            return Ok(None);
        }
        self.frame_started = false;
        let mut payload = self.read.split_to(total);
        payload.advance(at + 4);
        unmask(&mut payload, mask);
        Ok(Some((head, payload)))
    }

    /// What frame `head`/`payload` makes: a message, or `None` for a part of one.
    fn on_frame(
        &mut self,
        head: u8,
        payload: BytesMut,
        cx: &mut Context<'_>,
    ) -> io::Result<Option<Incoming>> {
        let fin = head & FIN != 0;
        match head & 0x0F {
            op @ (CLOSE | PING | PONG) if !fin || payload.len() > MAX_CONTROL => {
                Err(protocol(if op == CLOSE {
                    "bad close frame"
                } else {
                    "bad control frame"
                }))
            }
            CLOSE => self.on_close(&payload, cx).map(Some),
            PING => {
                // A client that pings without reading gets no more answers than the write
                // buffer holds (answering only the latest ping is allowed).
                if !self.close_sent && self.buffered() < WRITE_BUFFER {
                    put_frame(&mut self.write, PONG, &[&payload]);
                    // Written now if it can be; the next flush writes it otherwise.
                    if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
                        return Err(e);
                    }
                }
                Ok(Some(Incoming::Control))
            }
            PONG => Ok(Some(Incoming::Control)),
            op @ (TEXT | BINARY) => match (self.partial.is_some(), fin) {
                (true, _) => Err(protocol("new message inside a fragmented one")),
                (false, true) => message(op, payload.freeze()).map(Some),
                (false, false) => {
                    self.partial = Some((op, payload));
                    Ok(None)
                }
            },
            CONTINUATION => {
                let Some((_, gathered)) = &mut self.partial else {
                    return Err(protocol("continuation outside a fragmented message"));
                };
                gathered.extend_from_slice(&payload);
                match (fin, self.partial.take()) {
                    (true, Some((op, gathered))) => message(op, gathered.freeze()).map(Some),
                    (_, partial) => {
                        self.partial = partial;
                        Ok(None)
                    }
                }
            }
            _ => Err(protocol("unknown opcode")),
        }
    }

    /// The client's close frame: checked, answered with its code, and reads end.
    fn on_close(&mut self, payload: &[u8], cx: &mut Context<'_>) -> io::Result<Incoming> {
        let code = match payload {
            [] => None,
            [_] => return Err(protocol("bad close frame")),
            [a, b, reason @ ..] => {
                let code = u16::from_be_bytes([*a, *b]);
                if !matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
                    || std::str::from_utf8(reason).is_err()
                {
                    return Err(protocol("bad close frame"));
                }
                Some([*a, *b])
            }
        };
        self.ended = true;
        if !self.close_sent {
            self.close_sent = true;
            let code: &[u8] = match &code {
                Some(code) => code,
                None => &[],
            };
            put_frame(&mut self.write, CLOSE, &[code]);
            // The answer goes out now if it can; the loop's closing flush sends it otherwise.
            if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
                return Err(e);
            }
        }
        Ok(Incoming::Close)
    }

    /// Queues `frame`, after writing out what is queued if that is a full buffer already.
    pub(crate) fn poll_feed(
        &mut self,
        cx: &mut Context<'_>,
        frame: &Frame,
        version: ProtocolVersion,
    ) -> Poll<io::Result<()>> {
        if self.buffered() >= WRITE_BUFFER {
            ready!(self.poll_write_out(cx))?;
        }
        Poll::Ready(self.queue(frame, version))
    }

    /// Writes `first` and, while `outbox` had `more` behind the last frame taken, the next
    /// ones (at most `batch` in all), then flushes: the write of the connection loop, done
    /// where it polls. `Pending` if the stream cannot take them all now: what was taken stays
    /// queued here for [`PlainWs::poll_flush`], the rest in the outbox.
    pub(crate) fn poll_write_batch(
        &mut self,
        cx: &mut Context<'_>,
        first: Frame,
        mut more: bool,
        outbox: &Outbox,
        version: ProtocolVersion,
        batch: usize,
    ) -> Poll<io::Result<()>> {
        self.queue(&first, version)?;
        for _ in 1..batch {
            if !more {
                break;
            }
            if self.buffered() >= WRITE_BUFFER {
                ready!(self.poll_write_out(cx))?;
            }
            let Some((frame, rest)) = outbox.try_pop_more() else {
                break;
            };
            more = rest;
            self.queue(&frame, version)?;
        }
        self.poll_flush(cx)
    }

    /// Bytes queued and not yet written.
    fn buffered(&self) -> usize {
        self.write.len() - self.written
    }

    /// Appends `frame` to the write buffer.
    fn queue(&mut self, frame: &Frame, version: ProtocolVersion) -> io::Result<()> {
        if self.close_sent {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "websocket: frame after the close frame",
            ));
        }
        match (frame, version) {
            (Frame::Text(text), _) => {
                put_frame(&mut self.write, TEXT, &[text.as_str().as_bytes()]);
            }
            (Frame::Binary(data), ProtocolVersion::V4) => {
                put_frame(&mut self.write, BINARY, &[data]);
            }
            // Engine.IO v3 puts the packet type before a binary frame's bytes.
            (Frame::Binary(data), ProtocolVersion::V3) => {
                put_frame(&mut self.write, BINARY, &[&[4], data]);
            }
        }
        Ok(())
    }

    /// Writes out what was queued.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_write_out(cx))?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// Queues a close frame (unless one was) and writes out what was queued.
    pub(crate) fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.close_sent {
            self.close_sent = true;
            put_frame(&mut self.write, CLOSE, &[]);
        }
        self.poll_flush(cx)
    }

    /// Writes the write buffer out, all of it.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.write.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.write[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.write.clear();
        self.written = 0;
        if self.write.capacity() > KEEP_WRITE {
            self.write.shrink_to(WRITE_BUFFER);
        }
        Poll::Ready(Ok(()))
    }
}

/// A whole message of opcode `op` (text or binary).
fn message(op: u8, payload: Bytes) -> io::Result<Incoming> {
    match op {
        TEXT => Str::try_from(payload)
            .map(Incoming::Text)
            .map_err(|_| protocol("text message not UTF-8")),
        _ => Ok(Incoming::Binary(payload)),
    }
}

fn protocol(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("websocket: {what}"))
}

/// Appends `text` to `out` as one text frame of a server (unmasked): for a frame written on the
/// stream before the WebSocket is set up (the open packet, with the `101` answer).
pub(crate) fn put_text_frame(out: &mut Vec<u8>, text: &[u8]) {
    put_frame(out, TEXT, &[text]);
}

/// Appends to `out` one whole server frame (unmasked) of opcode `op`, its payload `parts` one
/// after the other.
fn put_frame(out: &mut Vec<u8>, op: u8, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.reserve(len + 10);
    out.push(FIN | op);
    match len {
        0..126 => out.push(len as u8),
        126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    for part in parts {
        out.extend_from_slice(part);
    }
}

/// Undoes the client's masking of `payload` (RFC 6455, 5.3), eight bytes at a time.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; 8])) ^ wide;
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= mask[i % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// A server side over loopback, `max_payload` 64, and the client's end of it.
    async fn pair() -> (PlainWs, TcpStream) {
        pair_of(64).await
    }

    /// [`pair`] with messages of at most `max_payload`.
    async fn pair_of(max_payload: usize) -> (PlainWs, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (
            PlainWs::new(WsIo::Tcp(server), Vec::new(), 0, max_payload),
            client,
        )
    }

    /// A client frame: first byte `head`, masked `payload`.
    fn masked(head: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut out = vec![head];
        match payload.len() {
            len @ 0..126 => out.push(MASKED | len as u8),
            len => {
                out.push(MASKED | 126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    async fn next(ws: &mut PlainWs) -> Option<io::Result<Incoming>> {
        poll_fn(|cx| ws.poll_next(cx)).await
    }

    async fn read_exact(client: &mut TcpStream, len: usize) -> Vec<u8> {
        let mut buf = vec![0; len];
        client.read_exact(&mut buf).await.unwrap();
        buf
    }

    #[tokio::test]
    async fn fragments_split_reads_and_pings_make_whole_messages() {
        let (mut ws, mut client) = pair().await;
        let mut bytes = masked(TEXT, b"hello, ");
        bytes.extend(masked(FIN | PING, b"p"));
        bytes.extend(masked(FIN | CONTINUATION, "wörld".as_bytes()));
        bytes.extend(masked(FIN | BINARY, &[0; 40]));
        let writer = tokio::spawn(async move {
            for byte in bytes {
                client.write_all(&[byte]).await.unwrap();
                client.flush().await.unwrap();
            }
            client
        });
        assert!(matches!(next(&mut ws).await, Some(Ok(Incoming::Control))));
        match next(&mut ws).await {
            Some(Ok(Incoming::Text(text))) => assert_eq!(text.as_str(), "hello, wörld"),
            _ => panic!("a text message"),
        }
        match next(&mut ws).await {
            Some(Ok(Incoming::Binary(data))) => assert_eq!(&data[..], &[0; 40]),
            _ => panic!("a binary message"),
        }
        let mut client = writer.await.unwrap();
        assert_eq!(read_exact(&mut client, 3).await, [FIN | PONG, 1, b'p']);
    }

    #[tokio::test]
    async fn messages_larger_than_the_read_buffer_arrive_whole() {
        let (mut ws, mut client) = pair_of(1 << 16).await;
        let big: Vec<u8> = (0..20_000u32).map(|i| i as u8).collect();
        let mut bytes = masked(FIN | BINARY, &big);
        bytes.extend(masked(FIN | TEXT, b"after"));
        let writer = tokio::spawn(async move {
            for part in bytes.chunks(3_000) {
                client.write_all(part).await.unwrap();
                tokio::task::yield_now().await;
            }
            client
        });
        match next(&mut ws).await {
            Some(Ok(Incoming::Binary(data))) => assert_eq!(data, big),
            _ => panic!("the large message"),
        }
        match next(&mut ws).await {
            Some(Ok(Incoming::Text(text))) => assert_eq!(text.as_str(), "after"),
            _ => panic!("the message after it"),
        }
        drop(writer.await.unwrap());
    }

    #[tokio::test]
    async fn a_close_frame_is_answered_with_its_code_and_ends_reads() {
        let (mut ws, mut client) = pair().await;
        client
            .write_all(&masked(FIN | CLOSE, &[0x03, 0xE9, b'x']))
            .await
            .unwrap();
        assert!(matches!(next(&mut ws).await, Some(Ok(Incoming::Close))));
        assert!(next(&mut ws).await.is_none());
        assert_eq!(
            read_exact(&mut client, 4).await,
            [FIN | CLOSE, 2, 0x03, 0xE9]
        );
        // The close frame was sent: the server's own close sends no second one.
        poll_fn(|cx| ws.poll_close(cx)).await.unwrap();
        drop(ws);
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
    }

    #[tokio::test]
    async fn frames_a_server_must_refuse_end_reads_with_an_error() {
        let unmasked = vec![FIN | TEXT, 1, b'a'];
        let too_long = masked(FIN | BINARY, &[0; 65]);
        let too_long_in_parts = [masked(BINARY, &[0; 40]), masked(FIN, &[0; 40])].concat();
        let not_utf8 = masked(FIN | TEXT, &[0xFF]);
        let reserved = masked(FIN | 0x40 | TEXT, b"a");
        let stray_continuation = masked(FIN | CONTINUATION, b"a");
        let long_ping = masked(FIN | PING, &[0; 126]);
        let bad_code = masked(FIN | CLOSE, &[0x03, 0xED]);
        for bytes in [
            unmasked,
            too_long,
            too_long_in_parts,
            not_utf8,
            reserved,
            stray_continuation,
            long_ping,
            bad_code,
        ] {
            let (mut ws, mut client) = pair().await;
            client.write_all(&bytes).await.unwrap();
            assert!(matches!(next(&mut ws).await, Some(Err(_))), "{bytes:?}");
            assert!(next(&mut ws).await.is_none());
        }
    }

    #[tokio::test]
    async fn a_connection_dropped_without_a_close_frame_is_an_error() {
        let (mut ws, client) = pair().await;
        drop(client);
        assert!(matches!(next(&mut ws).await, Some(Err(_))));
        assert!(next(&mut ws).await.is_none());
    }

    #[tokio::test]
    async fn fed_frames_go_out_at_the_flush() {
        let (mut ws, mut client) = pair().await;
        let long = "x".repeat(300);
        let frames = [
            (Frame::Text(Str::from("4hi")), ProtocolVersion::V4),
            (
                Frame::Binary(Bytes::from_static(b"\x01\x02")),
                ProtocolVersion::V3,
            ),
            (Frame::Text(Str::from(long.as_str())), ProtocolVersion::V4),
        ];
        for (frame, version) in &frames {
            poll_fn(|cx| ws.poll_feed(cx, frame, *version))
                .await
                .unwrap();
        }
        poll_fn(|cx| ws.poll_flush(cx)).await.unwrap();
        let mut expected = vec![FIN | TEXT, 3, b'4', b'h', b'i', FIN | BINARY, 3, 4, 1, 2];
        expected.extend_from_slice(&[FIN | TEXT, 126, 1, 44]);
        expected.extend_from_slice(long.as_bytes());
        assert_eq!(read_exact(&mut client, expected.len()).await, expected);
    }
}
