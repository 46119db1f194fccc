//! WebSocket: new sessions opened over WebSocket, upgrades from polling, and the connection
//! loop that reads packets and writes queued frames.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

use super::server::EngineQuery;
use super::{
    Backpressure, CloseReason, Engine, EngineBody, EngineHandler, Frame, HandshakeError, Packet,
    ProtocolVersion, RequestInfo, Session, Str, TransportKind,
};

type Ws = WebSocketStream<TokioIo<Upgraded>>;

/// Frames written per flush at most, so one busy session cannot starve its own reads.
const WRITE_BATCH: usize = 64;

/// Bytes gathered before tungstenite writes to the socket: a batch of small frames goes out in
/// one write (each batch is flushed at its end anyway).
const WRITE_BUFFER: usize = 8 * 1024;

/// A WebSocket request without a sid: a new session over WebSocket.
pub(crate) fn accept_new<H, B>(
    engine: &Arc<Engine<H>>,
    mut req: Request<B>,
    info: RequestInfo,
    query: EngineQuery,
) -> Result<Response<EngineBody>, HandshakeError>
where
    H: EngineHandler,
{
    let (response, on_upgrade) = handshake(&mut req)?;
    let engine = engine.clone();
    tokio::spawn(async move {
        let Some(mut ws) = upgrade(&engine, on_upgrade).await else {
            // The slot taken for this session (see `Engine::reserve_slot`).
            engine.release_slot();
            return;
        };
        let session = engine.open_session(info, &query);
        let open = engine.open_packet(session.id(), TransportKind::Websocket);
        if write(&mut ws, open, session.version()).await.is_err() {
            session.close(CloseReason::TransportError);
            return;
        }
        engine.handler.on_open(&session);
        let mut rx = session.rx.lock().await;
        run(&engine, &session, &mut ws, &mut rx).await;
    });
    Ok(response)
}

/// A WebSocket request with the sid of a polling session: the upgrade.
pub(crate) fn accept_upgrade<H, B>(
    engine: &Arc<Engine<H>>,
    mut req: Request<B>,
    session: Arc<Session<H::Data>>,
) -> Result<Response<EngineBody>, HandshakeError>
where
    H: EngineHandler,
{
    if !engine.config.allow_upgrades {
        return Err(HandshakeError::BadRequest);
    }
    let (response, on_upgrade) = handshake(&mut req)?;
    let engine = engine.clone();
    tokio::spawn(async move {
        let Some(mut ws) = upgrade(&engine, on_upgrade).await else {
            return;
        };
        if !session.begin_upgrade() {
            tracing::debug!(sid = %session.id(), "second upgrade refused");
            let _ = ws.close(None).await;
            return;
        }
        let probed =
            tokio::time::timeout(engine.config.upgrade_timeout, probe(&mut ws, &session)).await;
        if probed != Ok(true) {
            tracing::debug!(sid = %session.id(), "upgrade failed: staying on polling");
            session.abort_upgrade();
            let _ = ws.close(None).await;
            return;
        }
        session.finish_upgrade();
        engine.handler.on_upgrade(&session);
        tracing::debug!(sid = %session.id(), "upgraded to websocket");
        let mut rx = session.rx.lock().await;
        run(&engine, &session, &mut ws, &mut rx).await;
    });
    Ok(response)
}

/// `2probe` → `3probe` (and the pending poll is released), then `5`.
async fn probe<D>(ws: &mut Ws, session: &Session<D>) -> bool {
    let mut probed = false;
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(text) = msg else {
            return false;
        };
        match Packet::decode_text(Str::from(text), false) {
            Ok(Packet::PingProbe) if !probed => {
                if write(ws, Frame::PONG_PROBE, session.version())
                    .await
                    .is_err()
                {
                    return false;
                }
                probed = true;
                session.transport_change.notify_waiters();
            }
            Ok(Packet::Upgrade) if probed => return true,
            _ => return false,
        }
    }
    false
}

/// Checks the WebSocket handshake headers and builds the `101 Switching Protocols` answer.
fn handshake<B>(req: &mut Request<B>) -> Result<(Response<EngineBody>, OnUpgrade), HandshakeError> {
    let key = req
        .headers()
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or(HandshakeError::BadRequest)?;
    if req
        .headers()
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v != "13")
    {
        return Err(HandshakeError::BadRequest);
    }
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(req);
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = res.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept).map_err(|_| HandshakeError::BadRequest)?,
    );
    Ok((res, on_upgrade))
}

async fn upgrade<H: EngineHandler>(engine: &Engine<H>, on_upgrade: OnUpgrade) -> Option<Ws> {
    let io = match on_upgrade.await {
        Ok(io) => io,
        Err(e) => {
            tracing::debug!(error = %e, "websocket upgrade failed");
            return None;
        }
    };
    let max = engine.config.max_payload;
    let config = WebSocketConfig::default()
        .read_buffer_size(engine.config.ws_read_buffer_size)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(max))
        .max_frame_size(Some(max));
    Some(WebSocketStream::from_raw_socket(TokioIo::new(io), Role::Server, Some(config)).await)
}

/// The connection loop: packets in, queued frames out, until the session closes.
async fn run<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Arc<Session<H::Data>>,
    ws: &mut Ws,
    rx: &mut mpsc::Receiver<Frame>,
) {
    let version = session.version();
    loop {
        tokio::select! {
            biased;
            _ = session.closed() => break,
            incoming = ws.next() => match incoming {
                Some(Ok(msg)) => {
                    on_message(engine, session, msg);
                    if let Some(wait) = engine.handler.backpressure(session)
                        && !write_while(ws, rx, version, session, wait).await
                    {
                        break;
                    }
                }
                Some(Err(e)) => {
                    tracing::debug!(sid = %session.id(), error = %e, "websocket read failed");
                    session.close(CloseReason::TransportError);
                }
                None => session.close(CloseReason::TransportClose),
            },
            Some(frame) = rx.recv() => {
                let written = tokio::select! {
                    r = write_batch(ws, frame, rx, version) => r,
                    _ = session.closed() => break,
                };
                if let Err(e) = written {
                    tracing::debug!(sid = %session.id(), error = %e, "websocket write failed");
                    session.close(CloseReason::TransportError);
                }
            }
        }
    }
    if session.close_reason().is_some_and(|r| r.by_server()) {
        let flush = async {
            while let Ok(frame) = rx.try_recv() {
                ws.feed(ws_message(frame, version)).await?;
            }
            ws.close(None).await
        };
        let _ = tokio::time::timeout(engine.config.ping_timeout, flush).await;
    } else {
        let _ = tokio::time::timeout(engine.config.ping_timeout, ws.close(None)).await;
    }
}

/// Keeps writing queued frames (reading nothing) until `wait` resolves; false if the session
/// closed or the write failed meanwhile.
async fn write_while<D>(
    ws: &mut Ws,
    rx: &mut mpsc::Receiver<Frame>,
    version: ProtocolVersion,
    session: &Session<D>,
    wait: Backpressure,
) -> bool {
    tokio::pin!(wait);
    loop {
        tokio::select! {
            biased;
            _ = session.closed() => return false,
            _ = &mut wait => return true,
            Some(frame) = rx.recv() => {
                if let Err(e) = write_batch(ws, frame, rx, version).await {
                    tracing::debug!(sid = %session.id(), error = %e, "websocket write failed");
                    session.close(CloseReason::TransportError);
                    return false;
                }
            }
        }
    }
}

fn on_message<H: EngineHandler>(engine: &Engine<H>, session: &Arc<Session<H::Data>>, msg: Message) {
    let packet = match msg {
        Message::Text(text) => Packet::decode_text(Str::from(text), false),
        Message::Binary(data) => Packet::decode_binary(data, session.version()),
        Message::Close(_) => {
            session.close(CloseReason::TransportClose);
            return;
        }
        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => return,
    };
    match packet {
        Ok(packet) => engine.on_packet(session, packet),
        Err(e) => {
            tracing::debug!(sid = %session.id(), error = %e, "invalid packet: closing");
            session.close(CloseReason::ParseError);
        }
    }
}

async fn write_batch(
    ws: &mut Ws,
    first: Frame,
    rx: &mut mpsc::Receiver<Frame>,
    version: ProtocolVersion,
) -> Result<(), tungstenite::Error> {
    ws.feed(ws_message(first, version)).await?;
    for _ in 1..WRITE_BATCH {
        let Ok(frame) = rx.try_recv() else { break };
        ws.feed(ws_message(frame, version)).await?;
    }
    ws.flush().await
}

async fn write(
    ws: &mut Ws,
    frame: Frame,
    version: ProtocolVersion,
) -> Result<(), tungstenite::Error> {
    ws.send(ws_message(frame, version)).await
}

fn ws_message(frame: Frame, version: ProtocolVersion) -> Message {
    match (frame, version) {
        (Frame::Text(text), _) => Message::Text(text.into()),
        (Frame::Binary(data), ProtocolVersion::V4) => Message::Binary(data),
        (Frame::Binary(data), ProtocolVersion::V3) => {
            let mut out = BytesMut::with_capacity(data.len() + 1);
            out.put_u8(4);
            out.put_slice(&data);
            Message::Binary(out.freeze())
        }
    }
}
