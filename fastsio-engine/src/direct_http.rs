//! The keep-alive HTTP/1.1 connections of the engine's own server
//! ([`serve_engine`](crate::service::serve_engine)) whose requests are plain `GET`s and `POST`s
//! for the engine, as long-polling sends them: each request is read off the TCP stream, goes
//! through [`Engine::handle`] like any other, and its answer is written back in one write, with
//! no hyper connection.
//!
//! The first request this loop does not take (another path, a chunked body, `Expect`, a body
//! over the engine's `max_payload`, a WebSocket handshake, a head over 8 KiB, anything malformed)
//! hands the connection over to hyper for the rest of its life, the bytes read so far replayed
//! first: hyper answers it and whatever follows, as it does for every connection of [`serve`].
//!
//! [`serve`]: crate::service::serve

use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt;
use http::{Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};
use tokio_util::io::poll_read_buf;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use super::direct::{HEAD_TIMEOUT, put_head, to_hyper};
use super::http_date;
use super::request_head::{self, HEAD_LIMIT, Parsed, Spans};
use super::{Engine, EngineBody, EngineHandler, RemoteAddr};

/// The bytes a connection's buffer grows by when it is full.
const READ_CHUNK: usize = 1024;

/// Serves the connection whose bytes read so far are `buf` (a plain request head at its
/// start), request after request, until the client or the server closes it or a request goes to
/// hyper; `stop` is cancelled when the server shuts down.
pub(crate) async fn serve<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    stream: TcpStream,
    buf: BytesMut,
    remote: SocketAddr,
    stop: CancellationToken,
) {
    let mut conn = Conn {
        stopped: Box::pin(stop.clone().cancelled_owned()),
        idle: Box::pin(tokio::time::sleep(HEAD_TIMEOUT)),
        stream,
        buf,
    };
    let mut spans = Spans::new();
    let mut out = Vec::new();
    loop {
        let (body, close) = match conn.next_head(&mut spans).await {
            Some(Parsed::Plain { body, close }) if takes(&engine, &conn.buf, &spans, body) => {
                (body, close)
            }
            Some(_) => {
                to_hyper(engine, conn.stream, conn.buf.freeze(), remote, stop, None);
                return;
            }
            None => return,
        };
        if !conn.read_to(spans.len + body).await {
            return;
        }
        let head = conn.buf.split_to(spans.len).freeze();
        let payload = conn.buf.split_to(body).freeze();
        let Some(request) = request_head::request(&head, &spans, ()) else {
            // A head httparse took and `http` does not: hyper answers it.
            let mut replay = BytesMut::with_capacity(head.len() + payload.len() + conn.buf.len());
            for part in [&head[..], &payload[..], &conn.buf[..]] {
                replay.extend_from_slice(part);
            }
            to_hyper(engine, conn.stream, replay.freeze(), remote, stop, None);
            return;
        };
        drop(head);
        let mut request = request.map(|()| Full::new(payload));
        request.extensions_mut().insert(RemoteAddr(remote));
        let answer = engine.handle(request);
        tokio::pin!(answer);
        let Some(answer) = conn.answer_or_gone(answer).await else {
            return;
        };
        let close = close || stop.is_cancelled();
        encode(answer, close, &mut out);
        if conn.stream.write_all(&out).await.is_err() {
            return;
        }
        if close {
            let _ = conn.stream.shutdown().await;
            return;
        }
    }
}

/// Whether this loop serves the plain request `spans` describes: one for the engine's path
/// whose body is within `max_payload`.
fn takes<H: EngineHandler>(engine: &Engine<H>, buf: &[u8], spans: &Spans, body: usize) -> bool {
    let target = spans.path(buf);
    let path = target.split(|&b| b == b'?').next().unwrap_or(target);
    path.starts_with(engine.config.path.as_bytes()) && body <= engine.config.max_payload
}

/// A connection served here: its stream, the bytes read off it and not yet taken, and what
/// ends a wait for the next request (the server's shutdown, the idle timeout), made once.
struct Conn {
    stream: TcpStream,
    buf: BytesMut,
    stopped: Pin<Box<WaitForCancellationFutureOwned>>,
    idle: Pin<Box<Sleep>>,
}

impl Conn {
    /// Reads until the buffer starts with a whole request head (or one that is not plain), its
    /// parts in `spans`; `None` when the connection ended, failed, sent nothing for
    /// [`HEAD_TIMEOUT`], or the server is shutting down while no whole head is in.
    async fn next_head(&mut self, spans: &mut Spans) -> Option<Parsed> {
        loop {
            if !self.buf.is_empty() {
                match request_head::parse(&self.buf, spans) {
                    Parsed::Partial if self.buf.len() < HEAD_LIMIT => {}
                    // A head over the limit is left to hyper, as on a connection's first request.
                    Parsed::Partial => return Some(Parsed::Other),
                    parsed => return Some(parsed),
                }
            }
            if !self.fill(true).await {
                return None;
            }
        }
    }

    /// Reads until the buffer holds `len` bytes (a head and its body); false when the
    /// connection ended, failed, or sent nothing for [`HEAD_TIMEOUT`].
    async fn read_to(&mut self, len: usize) -> bool {
        if self.buf.len() < len {
            self.buf.reserve(len - self.buf.len());
        }
        while self.buf.len() < len {
            if !self.fill(false).await {
                return false;
            }
        }
        true
    }

    /// Reads more into the buffer; false when the connection ended or failed, nothing came for
    /// [`HEAD_TIMEOUT`], or (`watch_stop`) the server is shutting down. The timer is set only
    /// when the read has to wait.
    async fn fill(&mut self, watch_stop: bool) -> bool {
        if self.buf.len() == self.buf.capacity() {
            self.buf.reserve(READ_CHUNK);
        }
        let mut armed = false;
        poll_fn(|cx| {
            if let Poll::Ready(read) = poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.buf)
            {
                return Poll::Ready(matches!(read, Ok(n) if n > 0));
            }
            if watch_stop && self.stopped.as_mut().poll(cx).is_ready() {
                return Poll::Ready(false);
            }
            if !armed {
                self.idle.as_mut().reset(Instant::now() + HEAD_TIMEOUT);
                armed = true;
            }
            self.idle.as_mut().poll(cx).map(|()| false)
        })
        .await
    }

    /// The engine's answer; `None` if the client closed the connection first (the answer, a
    /// long-poll say, is then dropped, as hyper drops the request of a connection that
    /// ended). What the client sends meanwhile (its next request) is kept, up to a head's
    /// worth.
    ///
    /// An answer that had to wait (a long-poll) is looked at again only after the task has
    /// gone once to the back of the run queue: what else was woken with it (the rest of a
    /// broadcast, the next emits) runs first, and the answer carries all it queued.
    async fn answer_or_gone(
        &mut self,
        mut answer: Pin<&mut impl Future<Output = Response<EngineBody>>>,
    ) -> Option<Response<EngineBody>> {
        let mut wait = Wait::None;
        poll_fn(|cx: &mut Context<'_>| {
            if wait == Wait::Waited {
                wait = Wait::Yielded;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Poll::Ready(answer) = answer.as_mut().poll(cx) {
                return Poll::Ready(Some(answer));
            }
            while self.buf.len() < HEAD_LIMIT {
                if self.buf.len() == self.buf.capacity() {
                    self.buf.reserve(READ_CHUNK);
                }
                match poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.buf) {
                    Poll::Ready(Ok(0) | Err(_)) => return Poll::Ready(None),
                    Poll::Ready(Ok(_)) => {}
                    Poll::Pending => break,
                }
            }
            if wait == Wait::None {
                wait = Wait::Waited;
            }
            Poll::Pending
        })
        .await
    }
}

/// Where [`Conn::answer_or_gone`] is in its one yield.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    None,
    Waited,
    Yielded,
}

/// `answer` as written on the wire into `out`: its status line and headers, `content-length`,
/// `date`, `connection: close` when `close`, and its body.
fn encode(answer: Response<EngineBody>, close: bool, out: &mut Vec<u8>) {
    let (parts, mut body) = answer.into_parts();
    // A `Full` body is one frame, ready at once.
    let body = match body.frame().now_or_never().flatten() {
        Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    };
    out.clear();
    put_head(
        out,
        parts.status,
        &parts.headers,
        &[http::header::CONTENT_LENGTH, http::header::CONNECTION],
    );
    let bodiless = parts.status.is_informational()
        || parts.status == StatusCode::NO_CONTENT
        || parts.status == StatusCode::NOT_MODIFIED;
    if !bodiless {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(itoa::Buffer::new().format(body.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    http_date::put_header(out);
    out.extend_from_slice(b"\r\n");
    if !bodiless {
        out.extend_from_slice(&body);
    }
}
