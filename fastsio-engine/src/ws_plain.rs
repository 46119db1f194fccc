//! [`PlainWs`]: the server side of a WebSocket connection without extensions (RFC 6455), read
//! and written by the connection's task.
//!
//! Its own frames rather than tungstenite's, for what one small message costs: tungstenite
//! zero-fills the free part of its read buffer before every read attempt (a kilobyte per echo
//! on average with the default 2 KiB buffer: at a thousand connections, a dozen cache lines
//! fetched only to be overwritten), and its tokio adapter registers the task's waker in two
//! allocations of its own on every poll. Here a read fills the buffer's spare capacity as it
//! is, and the stream gets the task's waker itself.
//!
//! The frames themselves are read and written by [`fastsio_protocol::ws`] (no I/O, fuzzed on
//! its own); here are the reads, the write buffer and the answers to pings and to the close.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::BytesMut;
use fastsio_protocol::ws::{Decoded, Decoder, OpCode, WsError, put_frame};
use tokio::io::AsyncWrite;
use tokio_util::io::poll_read_buf;

use super::outbox::Outbox;
use super::ws_io::WsIo;
use super::ws_socket::Incoming;
use super::{Frame, ProtocolVersion};

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
    /// Takes the client's frames off `read`.
    decoder: Decoder,
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
            decoder: Decoder::new(max_payload),
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
            match self.decoder.decode(&mut self.read).map_err(protocol)? {
                Decoded::Incomplete { frame: Some(len) } => {
                    // The head of the frame being read is in: room for all of it.
                    self.read.reserve(len.saturating_sub(self.read.len()));
                }
                Decoded::Incomplete { frame: None } => {
                    if self.read.capacity() - self.read.len() < MIN_READ {
                        // Half the buffer's size: what is left of a frame moves back to the
                        // start of the same allocation, once the messages read before it are
                        // dropped.
                        self.read.reserve(self.read_size / 2);
                    }
                }
                Decoded::Text(text) => return Poll::Ready(Some(Ok(Incoming::Text(text)))),
                Decoded::Binary(data) => return Poll::Ready(Some(Ok(Incoming::Binary(data)))),
                Decoded::Ping(payload) => {
                    self.on_ping(&payload, cx)?;
                    return Poll::Ready(Some(Ok(Incoming::Control)));
                }
                Decoded::Pong => return Poll::Ready(Some(Ok(Incoming::Control))),
                Decoded::Close(code) => {
                    self.on_close(code, cx)?;
                    return Poll::Ready(Some(Ok(Incoming::Close)));
                }
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

    /// A client's ping: answered with a pong of its `payload`.
    fn on_ping(&mut self, payload: &[u8], cx: &mut Context<'_>) -> io::Result<()> {
        // A client that pings without reading gets no more answers than the write buffer
        // holds (answering only the latest ping is allowed).
        if !self.close_sent && self.buffered() < WRITE_BUFFER {
            put_frame(&mut self.write, OpCode::Pong, &[payload]);
            // Written now if it can be; the next flush writes it otherwise.
            if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
                return Err(e);
            }
        }
        Ok(())
    }

    /// The client's close frame, with status `code`: answered with it, and reads end.
    fn on_close(&mut self, code: Option<[u8; 2]>, cx: &mut Context<'_>) -> io::Result<()> {
        self.ended = true;
        if !self.close_sent {
            self.close_sent = true;
            let code: &[u8] = match &code {
                Some(code) => code,
                None => &[],
            };
            put_frame(&mut self.write, OpCode::Close, &[code]);
            // The answer goes out now if it can; the loop's closing flush sends it otherwise.
            if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
                return Err(e);
            }
        }
        Ok(())
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
                put_frame(&mut self.write, OpCode::Text, &[text.as_str().as_bytes()]);
            }
            (Frame::Binary(data), ProtocolVersion::V4) => {
                put_frame(&mut self.write, OpCode::Binary, &[data]);
            }
            // Engine.IO v3 puts the packet type before a binary frame's bytes.
            (Frame::Binary(data), ProtocolVersion::V3) => {
                put_frame(&mut self.write, OpCode::Binary, &[&[4], data]);
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
            put_frame(&mut self.write, OpCode::Close, &[]);
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

/// The error that fails the connection for a client's protocol violation.
fn protocol(error: WsError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Str;
    use bytes::Bytes;
    use fastsio_protocol::ws::put_client_frame;
    use std::future::poll_fn;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    const CONTINUATION: u8 = 0x0;
    const TEXT: u8 = 0x1;
    const BINARY: u8 = 0x2;
    const CLOSE: u8 = 0x8;
    const PING: u8 = 0x9;
    const PONG: u8 = 0xA;
    const FIN: u8 = 0x80;

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
        let mut out = Vec::new();
        put_client_frame(&mut out, head, payload, [0x12, 0x34, 0x56, 0x78]);
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
            match next(&mut ws).await {
                Some(Err(e)) => {
                    assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{bytes:?}");
                    assert!(e.to_string().starts_with("websocket: "), "{e}");
                }
                _ => panic!("an error for {bytes:?}"),
            }
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
