//! The connections of the engine's own server ([`serve_engine`](crate::service::serve_engine)):
//! the first request head of each one is read here, and a WebSocket handshake for the engine is
//! answered straight off the TCP stream, whose WebSocket then runs on a lane, with no HTTP
//! connection, upgrade or task of its own. A connection whose first request is a plain `GET` or
//! `POST` (long-polling) is served by [`direct_http`], with no hyper connection either. Every
//! other connection goes to hyper, the bytes read so far replayed first.
//!
//! The request goes through [`Engine::handle`] like any other, marked [`DirectSwitch`]: the
//! checks and the answers are the engine's, whichever way the request came. A refused request
//! (a `400`, a `403`...) is answered by hyper too, which reads it again and writes the answer
//! the engine already made for it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fastsio_protocol::ws::{OpCode, put_frame};
use http::{HeaderMap, HeaderName, Request, Response, StatusCode};
use http_body_util::{Either, Empty};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use super::request_head::{self, Head};
use super::rewind::Rewind;
use super::server::EngineQuery;
use super::websocket::{self, Opening};
use super::ws_io::WsIo;
use super::ws_socket::{PendingWs, WsSocket, plain};
use super::{
    CloseReason, Connection, Engine, EngineBody, EngineHandler, PerMessageDeflate, RemoteAddr,
    RequestInfo, TransportKind, direct_http, service,
};

/// How long a new connection may take to send its first request head: hyper's header read
/// timeout, after which the connection is closed without an answer, as hyper does.
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Marks a request read by the engine's own server: a WebSocket it is answered with is left to
/// that server to switch (see [`Switch::Direct`](super::ws_socket::Switch::Direct)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DirectSwitch;

/// Serves one connection the engine's own server accepted from `remote`; `stop` is cancelled
/// when the server shuts down.
pub(crate) fn serve_connection<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    stream: TcpStream,
    remote: SocketAddr,
    stop: CancellationToken,
) {
    // Boxed and freed once the WebSocket is open, as the openings of `websocket` are.
    let opening = Box::pin(open(engine.clone(), stream, remote, stop));
    engine
        .lanes
        .spawn(websocket::connection(engine.clone(), opening));
}

/// Reads the first request of the connection; a WebSocket for the engine is switched and
/// opened here, anything else handed to hyper.
async fn open<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    mut stream: TcpStream,
    remote: SocketAddr,
    stop: CancellationToken,
) -> Option<(WsSocket, Arc<Connection<H::Data>>)> {
    // An idle connection closes at shutdown, as hyper closes its idle ones.
    let head = tokio::select! {
        head = tokio::time::timeout(HEAD_TIMEOUT, request_head::read(&mut stream)) => head.ok()?,
        () = stop.cancelled() => return None,
    };
    let (mut request, read, len) = match head {
        Head::WebSocket { request, read, len } if is_direct(&engine, &request) => {
            (request, read, len)
        }
        Head::Plain(read) => {
            tokio::spawn(direct_http::serve(engine, stream, read, remote, stop));
            return None;
        }
        Head::WebSocket { read, .. } | Head::Other(read) => {
            to_hyper(engine, stream, read, remote, stop, None);
            return None;
        }
        Head::Closed => return None,
    };
    request.extensions_mut().insert(RemoteAddr(remote));
    request.extensions_mut().insert(DirectSwitch);
    let mut answer = engine.handle(request).await;
    let Some(opening) = answer.extensions_mut().remove::<Opening<H::Data>>() else {
        to_hyper(engine, stream, read, remote, stop, Some(answer));
        return None;
    };
    let head = head_of(&answer);
    let read = read[len..].to_vec();
    match opening {
        Opening::New(info, query) => open_new(engine, stream, head, read, info, query).await,
        Opening::Upgrade(session) => {
            let pending = PendingWs::Direct {
                stream,
                answer: head,
                read,
            };
            // Boxed: rare, and inline it would grow every opening.
            Box::pin(websocket::open(engine, pending, Opening::Upgrade(session))).await
        }
    }
}

/// A new session over WebSocket: its `101` answer (`head`) and its open packet written
/// together, then the WebSocket on the stream, `read` being what the client sent after its
/// request.
async fn open_new<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    mut stream: TcpStream,
    mut head: Vec<u8>,
    read: Vec<u8>,
    info: RequestInfo,
    query: EngineQuery,
) -> Option<(WsSocket, Arc<Connection<H::Data>>)> {
    let session = engine.open_session(info, &query);
    let open = engine.open_packet_text(session.id(), TransportKind::Websocket);
    put_frame(&mut head, OpCode::Text, &[open.as_bytes()]);
    if stream.write_all(&head).await.is_err() {
        session.close(CloseReason::TransportError);
        return None;
    }
    let ws = plain(WsIo::Tcp(stream), read, &engine.config).await;
    engine.handler.on_open(&session);
    Some((ws, session))
}

/// Whether a WebSocket request is switched here: one for the engine's path that does not ask
/// for `permessage-deflate` the engine would agree to (hyper serves those).
fn is_direct<H: EngineHandler>(engine: &Engine<H>, request: &Request<Empty<Bytes>>) -> bool {
    engine.matches(request.uri().path())
        && !(engine.config.per_message_deflate.is_some()
            && PerMessageDeflate::offered(request.headers()))
}

/// Serves the connection with hyper, `read` (what was read off it) first; `first`, when given,
/// is the engine's answer to the request `read` starts with.
pub(crate) fn to_hyper<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    stream: TcpStream,
    read: Bytes,
    remote: SocketAddr,
    stop: CancellationToken,
    first: Option<Response<EngineBody>>,
) {
    let stream = Rewind::new(read, stream);
    let service = service::EngineService::new(engine);
    let stop = stop.cancelled_owned();
    match first {
        None => tokio::spawn(service::serve_connection(
            stream,
            Some(remote),
            service,
            stop,
        )),
        Some(answer) => tokio::spawn(service::serve_answered(
            stream,
            Some(remote),
            service,
            stop,
            answer.map(Either::Left),
        )),
    };
}

/// The head of an answer with no body (the `101`), as written on the wire.
fn head_of(answer: &Response<EngineBody>) -> Vec<u8> {
    let mut head = Vec::with_capacity(256);
    put_head(&mut head, answer.status(), answer.headers(), &[]);
    head.extend_from_slice(b"\r\n");
    head
}

/// Appends an answer's status line and its headers but `skip` to `out`, as written on the
/// wire (the blank line that ends the head is the caller's).
pub(crate) fn put_head(
    out: &mut Vec<u8>,
    status: StatusCode,
    headers: &HeaderMap,
    skip: &[HeaderName],
) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        if skip.contains(name) {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}
