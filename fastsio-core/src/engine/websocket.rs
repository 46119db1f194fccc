//! WebSocket: new sessions opened over WebSocket, upgrades from polling, and the connection
//! loop that reads packets and writes queued frames.

use std::sync::Arc;

use http::{Request, Response};
use tokio::sync::mpsc;

use super::server::EngineQuery;
use super::ws_socket::{Incoming, PendingWs, WsSocket, handshake};
use super::{
    Backpressure, CloseReason, Engine, EngineBody, EngineHandler, Frame, HandshakeError, Packet,
    ProtocolVersion, RequestInfo, Session, TransportKind,
};
use crate::BoxError;

/// Frames written per flush at most, so one busy session cannot starve its own reads.
const WRITE_BATCH: usize = 64;

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
    let (response, pending) = handshake(&mut req, &engine.config)?;
    let engine = engine.clone();
    tokio::spawn(async move {
        let Some(mut ws) = upgrade(&engine, pending).await else {
            // The slot taken for this session (see `Engine::reserve_slot`).
            engine.release_slot();
            return;
        };
        let session = engine.open_session(info, &query);
        let open = engine.open_packet(session.id(), TransportKind::Websocket);
        if ws.send(open, session.version()).await.is_err() {
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
    let (response, pending) = handshake(&mut req, &engine.config)?;
    let engine = engine.clone();
    tokio::spawn(async move {
        let Some(mut ws) = upgrade(&engine, pending).await else {
            return;
        };
        if !session.begin_upgrade() {
            tracing::debug!(sid = %session.id(), "second upgrade refused");
            let _ = ws.close().await;
            return;
        }
        let probed =
            tokio::time::timeout(engine.config.upgrade_timeout, probe(&mut ws, &session)).await;
        if probed != Ok(true) {
            tracing::debug!(sid = %session.id(), "upgrade failed: staying on polling");
            session.abort_upgrade();
            let _ = ws.close().await;
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
async fn probe<D>(ws: &mut WsSocket, session: &Session<D>) -> bool {
    let mut probed = false;
    while let Some(Ok(msg)) = ws.next().await {
        let Incoming::Text(text) = msg else {
            return false;
        };
        match Packet::decode_text(text, false) {
            Ok(Packet::PingProbe) if !probed => {
                if ws.send(Frame::PONG_PROBE, session.version()).await.is_err() {
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

async fn upgrade<H: EngineHandler>(engine: &Engine<H>, pending: PendingWs) -> Option<WsSocket> {
    match pending.open(&engine.config).await {
        Ok(ws) => Some(ws),
        Err(e) => {
            tracing::debug!(error = %e, "websocket upgrade failed");
            None
        }
    }
}

/// The connection loop: packets in, queued frames out, until the session closes.
async fn run<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Arc<Session<H::Data>>,
    ws: &mut WsSocket,
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
                ws.feed(frame, version).await?;
            }
            ws.close().await
        };
        let _ = tokio::time::timeout(engine.config.ping_timeout, flush).await;
    } else {
        let _ = tokio::time::timeout(engine.config.ping_timeout, ws.close()).await;
    }
}

/// Keeps writing queued frames (reading nothing) until `wait` resolves; false if the session
/// closed or the write failed meanwhile.
async fn write_while<D>(
    ws: &mut WsSocket,
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

fn on_message<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Arc<Session<H::Data>>,
    msg: Incoming,
) {
    let packet = match msg {
        Incoming::Text(text) => Packet::decode_text(text, false),
        Incoming::Binary(data) => Packet::decode_binary(data, session.version()),
        Incoming::Close => {
            session.close(CloseReason::TransportClose);
            return;
        }
        Incoming::Control => return,
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
    ws: &mut WsSocket,
    first: Frame,
    rx: &mut mpsc::Receiver<Frame>,
    version: ProtocolVersion,
) -> Result<(), BoxError> {
    ws.feed(first, version).await?;
    for _ in 1..WRITE_BATCH {
        let Ok(frame) = rx.try_recv() else { break };
        ws.feed(frame, version).await?;
    }
    ws.flush().await
}
