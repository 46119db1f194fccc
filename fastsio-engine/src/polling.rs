//! HTTP long-polling: the handshake, the long GET that carries frames to the client and the POST
//! that carries packets from it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};

use super::http_compression::Encoding;
use super::server::EngineQuery;
use super::{
    CloseReason, Connection, Engine, EngineBody, EngineHandler, Frame, HandshakeError, Packet,
    RequestInfo, TransportKind, payload,
};

/// How long a poll that arrives in the middle of an upgrade waits for the upgrade to finish
/// before it is answered with a noop.
const UPGRADE_POLL_WAIT: Duration = Duration::from_millis(100);

/// `GET ?transport=polling` without a sid: opens a session and answers with the open packet.
pub(crate) fn open<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    request: RequestInfo,
    query: EngineQuery,
    encoding: Option<Encoding>,
) -> Response<EngineBody> {
    let session = engine.open_session(request, &query);
    let open = engine.open_packet(session.id(), TransportKind::Polling);
    engine.opened(&session);
    let mut res = respond(engine, &session, &[open], encoding);
    if let Some(cookie) = &engine.config.cookie
        && let Ok(value) = HeaderValue::from_str(&cookie.header_value(session.id().as_str()))
    {
        res.headers_mut().insert(header::SET_COOKIE, value);
    }
    res
}

/// The long GET: waits for frames, then answers with as many as fit in one payload.
pub(crate) async fn get<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    session: Arc<Connection<H::Data>>,
    encoding: Option<Encoding>,
) -> Response<EngineBody> {
    let Ok(_writer) = session.writer.try_lock() else {
        tracing::debug!(sid = %session.id(), "overlapping polls: closing the session");
        session.close(CloseReason::TransportError);
        return HandshakeError::BadRequest.into_response();
    };
    if session.is_handed_over() {
        // The session moved to another node: the client's next poll reaches it there.
        return respond(engine, &session, &[Frame::NOOP], encoding);
    }
    if session.is_closed() {
        return closing_poll(engine, &session, false, encoding);
    }
    let transport_change = session.transport_change.notified();
    tokio::pin!(transport_change);
    transport_change.as_mut().enable();
    if session.is_upgrading() {
        tokio::select! {
            _ = &mut transport_change => {}
            _ = tokio::time::sleep(UPGRADE_POLL_WAIT) => {}
            _ = session.closed() => {}
        }
        return if session.transport() == TransportKind::Websocket || session.is_closed() {
            HandshakeError::BadRequest.into_response()
        } else {
            respond(engine, &session, &[Frame::NOOP], encoding)
        };
    }
    let first = tokio::select! {
        frame = session.outbox.pop() => frame,
        _ = &mut transport_change => return respond(engine, &session, &[Frame::NOOP], encoding),
    };
    let Some(first) = first else {
        return closing_poll(engine, &session, true, encoding);
    };
    let mut frames = vec![first];
    let mut budget = engine
        .config
        .max_payload
        .saturating_sub(frames[0].encoded_len());
    drain(&session, &mut frames, &mut budget);
    respond(engine, &session, &frames, encoding)
}

/// Moves queued frames into `frames` while they fit in `budget` bytes.
fn drain<D>(session: &Connection<D>, frames: &mut Vec<Frame>, budget: &mut usize) {
    while *budget > 0 {
        let Some(frame) = session.outbox.try_pop() else {
            break;
        };
        *budget = budget.saturating_sub(frame.encoded_len() + 1);
        frames.push(frame);
    }
}

/// The poll of a closed session. After a server-side close, the client gets what was still
/// queued (a Socket.IO disconnect, say) and a close packet; after the client's own close packet,
/// a noop (the poll it sent along with the close, whichever of the two the server saw first).
/// Either is answered once; a later poll finds the session gone: 400. After a failure, only a
/// poll that was already waiting gets an answer (a close packet).
fn closing_poll<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Connection<H::Data>,
    pending: bool,
    encoding: Option<Encoding>,
) -> Response<EngineBody> {
    let Some(reason) = session.close_reason() else {
        return HandshakeError::BadRequest.into_response();
    };
    let mut frames = Vec::new();
    if reason.answers_last_poll() {
        if !session.mark_drained() {
            return HandshakeError::UnknownSid.into_response();
        }
        if reason.by_server() {
            let mut budget = usize::MAX;
            drain(session, &mut frames, &mut budget);
            frames.push(Frame::CLOSE);
        } else {
            frames.push(Frame::NOOP);
        }
    } else if pending {
        frames.push(Frame::CLOSE);
    } else {
        return HandshakeError::UnknownSid.into_response();
    }
    respond(engine, session, &frames, encoding)
}

/// The payload of `frames`, compressed when the client accepts an encoding and the payload
/// reaches the [`HttpCompression`](super::HttpCompression) threshold.
fn respond<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Connection<H::Data>,
    frames: &[Frame],
    encoding: Option<Encoding>,
) -> Response<EngineBody> {
    let encoded = payload::encode(frames, session.version(), session.supports_binary());
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoded.content_type),
    );
    let body = match &engine.config.http_compression {
        Some(compression) => compression.apply(encoded.body, encoding, &mut headers),
        None => encoded.body,
    };
    let mut res = Response::new(Full::new(body));
    *res.headers_mut() = headers;
    res
}

/// The POST: decodes the payload of `body` (bounded by `max_payload`; `binary` when its
/// content type says so) and applies each packet in order.
pub(crate) async fn post<H, B>(
    engine: &Arc<Engine<H>>,
    session: Arc<Connection<H::Data>>,
    body: B,
    binary: bool,
) -> Response<EngineBody>
where
    H: EngineHandler,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<crate::BoxError>,
{
    if !begin_post(&session) {
        return HandshakeError::BadRequest.into_response();
    }
    let result = read_and_apply(engine, &session, body, binary).await;
    session.posting.store(false, Ordering::Release);
    post_answer(result)
}

/// A POST another node forwarded, its body read: applied at once, in the order the cluster
/// delivered it (without waiting for the handler's backpressure between packets).
pub(crate) fn post_forwarded<H: EngineHandler>(
    engine: &Engine<H>,
    session: &Arc<Connection<H::Data>>,
    req: Request<Bytes>,
) -> Response<EngineBody> {
    if !begin_post(session) {
        return HandshakeError::BadRequest.into_response();
    }
    let binary = binary_body(req.headers());
    let result = if req.body().len() > engine.config.max_payload {
        session.close(CloseReason::TransportError);
        Err(StatusCode::PAYLOAD_TOO_LARGE)
    } else {
        decode(session, req.into_body(), binary).map(|packets| {
            for packet in packets {
                engine.on_packet(session, packet);
            }
        })
    };
    session.posting.store(false, Ordering::Release);
    post_answer(result)
}

/// Marks a POST in progress; false for an overlapping one, which closes the session.
fn begin_post<D>(session: &Connection<D>) -> bool {
    if session.posting.swap(true, Ordering::AcqRel) {
        tracing::debug!(sid = %session.id(), "overlapping posts: closing the session");
        session.close(CloseReason::TransportError);
        return false;
    }
    true
}

fn post_answer(result: Result<(), StatusCode>) -> Response<EngineBody> {
    match result {
        Ok(()) => {
            let mut res = Response::new(Full::new(Bytes::from_static(b"ok")));
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            res
        }
        Err(status) => {
            let mut res = HandshakeError::BadRequest.into_response();
            *res.status_mut() = status;
            res
        }
    }
}

/// Whether a POST's body is binary (`application/octet-stream`, Engine.IO v3's binary payload).
pub(crate) fn binary_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/octet-stream"))
}

/// The packets of a POST body; an invalid one closes the session.
fn decode<D>(
    session: &Connection<D>,
    body: Bytes,
    binary: bool,
) -> Result<Vec<Packet>, StatusCode> {
    payload::decode(body, session.version(), binary).map_err(|e| {
        tracing::debug!(sid = %session.id(), error = %e, "invalid polling payload: closing");
        session.close(CloseReason::ParseError);
        StatusCode::BAD_REQUEST
    })
}

async fn read_and_apply<H, B>(
    engine: &Arc<Engine<H>>,
    session: &Arc<Connection<H::Data>>,
    body: B,
    binary: bool,
) -> Result<(), StatusCode>
where
    H: EngineHandler,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<crate::BoxError>,
{
    let limit = engine.config.max_payload;
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let too_large = e.is::<http_body_util::LengthLimitError>();
            tracing::debug!(sid = %session.id(), error = %e, "polling body refused: closing");
            session.close(CloseReason::TransportError);
            return Err(if too_large {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            });
        }
    };
    for packet in decode(session, body, binary)? {
        engine.on_packet(session, packet);
        if let Some(wait) = engine.handler.backpressure(session) {
            tokio::select! {
                _ = wait => {}
                _ = session.closed() => return Ok(()),
            }
        }
    }
    Ok(())
}
