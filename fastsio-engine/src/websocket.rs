//! WebSocket: new sessions opened over WebSocket, upgrades from polling, and the connection
//! loop that reads packets and writes queued frames.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};

use super::lanes;
use super::server::EngineQuery;
use super::wake_flag::WakeFlag;
use super::ws_socket::{Incoming, PendingWs, Switch, WsSocket, handshake};
use super::{
    Backpressure, CloseReason, Connection, Engine, EngineBody, EngineHandler, Frame,
    HandshakeError, Packet, ProtocolVersion, RequestInfo, TransportKind,
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
    let (response, switch) = handshake(&mut req, &engine.config)?;
    Ok(switch_to(
        engine,
        response,
        switch,
        Opening::New(info, query),
    ))
}

/// A WebSocket request with the sid of a polling session: the upgrade.
pub(crate) fn accept_upgrade<H, B>(
    engine: &Arc<Engine<H>>,
    mut req: Request<B>,
    session: Arc<Connection<H::Data>>,
) -> Result<Response<EngineBody>, HandshakeError>
where
    H: EngineHandler,
{
    if !engine.config.allow_upgrades {
        return Err(HandshakeError::BadRequest);
    }
    let (response, switch) = handshake(&mut req, &engine.config)?;
    Ok(switch_to(
        engine,
        response,
        switch,
        Opening::Upgrade(session),
    ))
}

/// What a WebSocket the engine accepted opens once its connection is switched: a new session
/// (from its request and query), or the upgrade of a polling one.
///
/// For a request marked [`DirectSwitch`](super::direct::DirectSwitch), it travels back to the
/// caller in the `101` answer's extensions.
#[expect(
    clippy::large_enum_variant,
    reason = "one per WebSocket being opened, dropped once it is open"
)]
pub(crate) enum Opening<D> {
    New(RequestInfo, EngineQuery),
    Upgrade(Arc<Connection<D>>),
}

impl<D> Clone for Opening<D> {
    fn clone(&self) -> Self {
        match self {
            Opening::New(info, query) => Opening::New(info.clone(), query.clone()),
            Opening::Upgrade(session) => Opening::Upgrade(session.clone()),
        }
    }
}

/// Runs `opening` once the connection is switched: on a lane when hyper switches it; in the
/// answer's extensions, for the caller, when it switches the connection itself.
fn switch_to<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    mut response: Response<EngineBody>,
    switch: Switch,
    opening: Opening<H::Data>,
) -> Response<EngineBody> {
    match switch {
        Switch::Hyper(pending) => {
            // The opening (hyper's hand-over, the request kept for the session, the open
            // packet, or the upgrade's probe) is a boxed future of its own, freed once the
            // session is open: the connection's future, kept for the connection's whole life,
            // holds only what its loop needs.
            let opening = Box::pin(open(engine.clone(), pending, opening));
            engine.lanes.spawn(connection(engine.clone(), opening));
        }
        Switch::Direct => {
            response.extensions_mut().insert(opening);
        }
    }
    response
}

/// A WebSocket connection: `opening`, then the connection loop.
pub(crate) async fn connection<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    opening: impl Future<Output = Option<(WsSocket, Arc<Connection<H::Data>>)>>,
) {
    let Some((mut ws, session)) = opening.await else {
        return;
    };
    run(&engine, &session, &mut ws).await;
}

/// Switches the connection of an accepted WebSocket and opens what it opens; `None` if either
/// failed (the session, if any, is closed or stays on polling).
pub(crate) async fn open<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    pending: PendingWs,
    opening: Opening<H::Data>,
) -> Option<(WsSocket, Arc<Connection<H::Data>>)> {
    match opening {
        Opening::New(info, query) => open_new(engine, pending, info, query).await,
        // Boxed: rare, and inline it would grow every opening.
        Opening::Upgrade(session) => Box::pin(upgrade_session(engine, pending, session)).await,
    }
}

/// A new session over WebSocket: the connection, the session, its open packet, and the
/// handler told.
async fn open_new<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    pending: PendingWs,
    info: RequestInfo,
    query: EngineQuery,
) -> Option<(WsSocket, Arc<Connection<H::Data>>)> {
    let Some(mut ws) = upgrade(&engine, pending).await else {
        // The slot taken for this session (see `Engine::reserve_slot`).
        engine.release_slot();
        return None;
    };
    let session = engine.open_session(info, &query);
    let open = engine.open_packet(session.id(), TransportKind::Websocket);
    if ws.send(open, session.version()).await.is_err() {
        session.close(CloseReason::TransportError);
        return None;
    }
    engine.handler.on_open(&session);
    Some((ws, session))
}

/// A polling session's upgrade: the connection, the probe, the switch.
async fn upgrade_session<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    pending: PendingWs,
    session: Arc<Connection<H::Data>>,
) -> Option<(WsSocket, Arc<Connection<H::Data>>)> {
    let mut ws = upgrade(&engine, pending).await?;
    if !session.begin_upgrade() {
        tracing::debug!(sid = %session.id(), "second upgrade refused");
        let _ = ws.close().await;
        return None;
    }
    let probed =
        tokio::time::timeout(engine.config.upgrade_timeout, probe(&mut ws, &session)).await;
    if probed != Ok(true) {
        tracing::debug!(sid = %session.id(), "upgrade failed: staying on polling");
        session.abort_upgrade();
        let _ = ws.close().await;
        return None;
    }
    session.finish_upgrade();
    engine.end_delay(&session);
    engine.handler.on_upgrade(&session);
    tracing::debug!(sid = %session.id(), "upgraded to websocket");
    Some((ws, session))
}

/// `2probe` → `3probe` (and the pending poll is released), then `5`.
async fn probe<D>(ws: &mut WsSocket, session: &Connection<D>) -> bool {
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
///
/// Reading and writing take turns (the first look alternates), so a client that keeps sending
/// cannot hold back what the server has for it, nor a busy outbox the client's packets. The
/// read side is polled only once its own waker fired ([`WakeFlag`]): a frame queued wakes the
/// loop, and must not cost a read attempt too.
async fn run<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Arc<Connection<H::Data>>,
    ws: &mut WsSocket,
) {
    let version = session.version();
    let _writer = session.writer.lock().await;
    let readable = WakeFlag::new();
    let mut read_first = false;
    while !session.is_closed() {
        read_first = !read_first;
        let turn = poll_fn(|cx| {
            let read = |ws: &mut WsSocket, cx: &mut Context<'_>| {
                readable
                    .poll(cx, |cx| pin!(ws.next()).poll(cx))
                    .map(Turn::Read)
            };
            if read_first && let Poll::Ready(turn) = read(ws, cx) {
                return Poll::Ready(turn);
            }
            if let Poll::Ready(popped) = session.outbox.poll_pop_more(cx) {
                return Poll::Ready(match (popped, &mut *ws) {
                    // Written here, in this poll: no future of its own for the usual write,
                    // which the stream takes at once.
                    (Some((frame, more)), WsSocket::Plain(plain)) => {
                        Turn::Wrote(plain.poll_write_batch(
                            cx,
                            frame,
                            more,
                            &session.outbox,
                            version,
                            WRITE_BATCH,
                        ))
                    }
                    (popped, _) => Turn::Write(popped),
                });
            }
            if read_first {
                Poll::Pending
            } else {
                read(ws, cx)
            }
        })
        .await;
        match turn {
            Turn::Read(Some(Ok(msg))) => {
                // The loop looks at the outbox before it waits again: what the handling
                // queues for this client (an ack, say) need not have the lane poll it again.
                lanes::rechecked(|| on_message(engine, session, msg));
                // Boxed: rare, and inline it would grow every connection's future.
                if let Some(wait) = engine.handler.backpressure(session)
                    && !Box::pin(write_while(ws, version, session, wait)).await
                {
                    break;
                }
            }
            Turn::Read(Some(Err(e))) => {
                tracing::debug!(sid = %session.id(), error = %e, "websocket read failed");
                session.close(CloseReason::TransportError);
            }
            Turn::Read(None) => session.close(CloseReason::TransportClose),
            Turn::Write(None) => break,
            Turn::Wrote(Poll::Ready(Ok(()))) => {}
            Turn::Wrote(Poll::Ready(Err(e))) => {
                write_failed(session, &e.into());
                break;
            }
            // Boxed: rare, and inline it would grow every connection's future.
            Turn::Wrote(Poll::Pending) => {
                if !Box::pin(flush_or_close(ws, session)).await {
                    break;
                }
            }
            Turn::Write(Some((frame, more))) => {
                if !write_or_close(ws, frame, more, version, session).await {
                    break;
                }
            }
        }
    }
    Box::pin(finish(engine, session, ws)).await;
}

/// After the loop: what is still queued when the server closed the session, then the close
/// frame, for at most `ping_timeout`. Boxed by [`run`]: it runs once, at the end.
async fn finish<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Connection<H::Data>,
    ws: &mut WsSocket,
) {
    let version = session.version();
    if session.close_reason().is_some_and(|r| r.by_server()) {
        let flush = async {
            while let Some(frame) = session.outbox.try_pop() {
                ws.feed(frame, version).await?;
            }
            ws.close().await
        };
        let _ = tokio::time::timeout(engine.config.ping_timeout, flush).await;
    } else {
        let _ = tokio::time::timeout(engine.config.ping_timeout, ws.close()).await;
    }
}

/// What the connection loop does next: handle what the client sent, or write a queued frame
/// and whether more were queued behind it (`None`: the outbox closed); or what it did: wrote
/// queued frames (plain connections), `Pending` if they are not all out yet.
enum Turn {
    Read(Option<Result<Incoming, BoxError>>),
    Write(Option<(Frame, bool)>),
    Wrote(Poll<std::io::Result<()>>),
}

/// Keeps writing queued frames (reading nothing) until `wait` resolves; false if the session
/// closed or the write failed meanwhile.
async fn write_while<D>(
    ws: &mut WsSocket,
    version: ProtocolVersion,
    session: &Connection<D>,
    wait: Backpressure,
) -> bool {
    tokio::pin!(wait);
    loop {
        tokio::select! {
            biased;
            _ = &mut wait => return true,
            frame = session.outbox.pop() => {
                let Some(frame) = frame else { return false };
                if !write_or_close(ws, frame, true, version, session).await {
                    return false;
                }
            }
        }
    }
}

/// Writes `first` and, if `more` were queued behind it, what else is queued (a batch); false
/// if the session closed meanwhile (a client that does not read) or the write failed (the
/// session is then closed).
async fn write_or_close<D>(
    ws: &mut WsSocket,
    first: Frame,
    more: bool,
    version: ProtocolVersion,
    session: &Connection<D>,
) -> bool {
    let written = tokio::select! {
        biased;
        written = write_batch(ws, first, more, session, version) => written,
        _ = session.closed() => return false,
    };
    if let Err(e) = written {
        write_failed(session, &e);
        return false;
    }
    true
}

/// Writes out what was written into the connection's buffer; false if the session closed
/// meanwhile (a client that does not read) or the write failed (the session is then closed).
async fn flush_or_close<D>(ws: &mut WsSocket, session: &Connection<D>) -> bool {
    let flushed = tokio::select! {
        biased;
        flushed = ws.flush() => flushed,
        _ = session.closed() => return false,
    };
    if let Err(e) = flushed {
        write_failed(session, &e);
        return false;
    }
    true
}

/// Closes the session whose write failed with `e`.
fn write_failed<D>(session: &Connection<D>, e: &BoxError) {
    tracing::debug!(sid = %session.id(), error = %e, "websocket write failed");
    session.close(CloseReason::TransportError);
}

fn on_message<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Arc<Connection<H::Data>>,
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

/// Feeds `first`, then, while the outbox had `more` behind the last frame taken, the next ones
/// (at most [`WRITE_BATCH`] in all), and flushes. A frame queued after the last one taken is
/// left for the loop's next turn.
async fn write_batch<D>(
    ws: &mut WsSocket,
    first: Frame,
    mut more: bool,
    session: &Connection<D>,
    version: ProtocolVersion,
) -> Result<(), BoxError> {
    ws.feed(first, version).await?;
    for _ in 1..WRITE_BATCH {
        if !more {
            break;
        }
        let Some((frame, rest)) = session.outbox.try_pop_more() else {
            break;
        };
        more = rest;
        ws.feed(frame, version).await?;
    }
    ws.flush().await
}
