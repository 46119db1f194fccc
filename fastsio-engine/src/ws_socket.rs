//! [`WsSocket`]: one WebSocket connection, plain ([`PlainWs`], the engine's own frames) or with
//! `permessage-deflate` (yawc) when the client offered it and the server enabled it.

use std::future::poll_fn;

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::SinkExt;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::direct::DirectSwitch;
use super::ws_io::WsIo;
use super::ws_plain::PlainWs;
use super::{
    EngineBody, EngineConfig, Frame, HandshakeError, PerMessageDeflate, ProtocolVersion, Str,
};
use crate::BoxError;

/// An open WebSocket connection.
pub(crate) enum WsSocket {
    Plain(PlainWs),
    Deflate(Box<yawc::HttpWebSocket>),
}

/// How the connection of a WebSocket request the engine accepted comes to it.
pub(crate) enum Switch {
    /// From hyper, once it has written the `101` answer.
    Hyper(PendingWs),
    /// From whoever read the request off its stream ([`DirectSwitch`]): it writes the answer
    /// and sets the WebSocket up itself.
    Direct,
}

/// A WebSocket accepted with its `101` answer, until its connection is switched.
pub(crate) enum PendingWs {
    /// Hyper's upgrade.
    Plain(OnUpgrade),
    /// Hyper's upgrade, to a connection with `permessage-deflate`.
    Deflate(yawc::UpgradeFut),
    /// A TCP stream whose request was read off it: `answer` (the `101` head) is written on it,
    /// and `read` (what the client sent after its request) is the start of the WebSocket.
    Direct {
        stream: TcpStream,
        answer: Vec<u8>,
        read: Vec<u8>,
    },
}

/// A message read from the client.
pub(crate) enum Incoming {
    Text(Str),
    Binary(Bytes),
    Close,
    /// Ping, pong: answered by the WebSocket library itself.
    Control,
}

/// Checks the WebSocket handshake headers and builds the `101 Switching Protocols` answer,
/// agreeing to `permessage-deflate` when the client offers it and `config` enables it (over
/// hyper only: a request marked [`DirectSwitch`] gets a plain WebSocket, and the engine's own
/// server leaves requests that offer it to hyper).
pub(crate) fn handshake<B>(
    req: &mut Request<B>,
    config: &EngineConfig,
) -> Result<(Response<EngineBody>, Switch), HandshakeError> {
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
    let direct = req.extensions().get::<DirectSwitch>().is_some();
    if !direct
        && let Some(deflate) = &config.per_message_deflate
        && PerMessageDeflate::offered(req.headers())
    {
        let options = deflate.options(config.max_payload, config.ws_read_buffer_size);
        let (res, pending) = yawc::WebSocket::upgrade_with_options(&mut *req, options)
            .map_err(|_| HandshakeError::BadRequest)?;
        return Ok((
            res.map(|_| Full::new(Bytes::new())),
            Switch::Hyper(PendingWs::Deflate(pending)),
        ));
    }
    let accept = derive_accept_key(key.as_bytes());
    let switch = match direct {
        true => Switch::Direct,
        false => Switch::Hyper(PendingWs::Plain(hyper::upgrade::on(req))),
    };
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = res.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept).map_err(|_| HandshakeError::BadRequest)?,
    );
    Ok((res, switch))
}

impl PendingWs {
    /// The connection, once switched: by hyper, or here by writing the `101` answer.
    pub(crate) async fn open(self, config: &EngineConfig) -> Result<WsSocket, BoxError> {
        match self {
            PendingWs::Plain(on_upgrade) => {
                let io = WsIo::Upgraded(TokioIo::new(on_upgrade.await?));
                Ok(plain(io, Vec::new(), config).await)
            }
            PendingWs::Deflate(pending) => Ok(WsSocket::Deflate(Box::new(pending.await?))),
            PendingWs::Direct {
                mut stream,
                answer,
                read,
            } => {
                stream.write_all(&answer).await?;
                Ok(plain(WsIo::Tcp(stream), read, config).await)
            }
        }
    }
}

/// A plain WebSocket over `io`, `read` being the first bytes the client sent on it.
pub(crate) async fn plain(io: WsIo, read: Vec<u8>, config: &EngineConfig) -> WsSocket {
    WsSocket::Plain(PlainWs::new(
        io,
        read,
        config.ws_read_buffer_size,
        config.max_payload,
    ))
}

impl WsSocket {
    /// The next message; `None` once the connection is gone.
    pub(crate) async fn next(&mut self) -> Option<Result<Incoming, BoxError>> {
        match self {
            WsSocket::Plain(ws) => poll_fn(|cx| ws.poll_next(cx))
                .await
                .map(|read| read.map_err(Into::into)),
            WsSocket::Deflate(ws) => Some(match ws.next_frame().await {
                Ok(frame) => match frame.opcode() {
                    yawc::OpCode::Text => Str::try_from(frame.into_payload())
                        .map(Incoming::Text)
                        .map_err(Into::into),
                    yawc::OpCode::Binary => Ok(Incoming::Binary(frame.into_payload())),
                    yawc::OpCode::Close => Ok(Incoming::Close),
                    _ => Ok(Incoming::Control),
                },
                Err(yawc::WebSocketError::ConnectionClosed) => return None,
                Err(e) => Err(e.into()),
            }),
        }
    }

    /// Queues `frame` without flushing.
    pub(crate) async fn feed(
        &mut self,
        frame: Frame,
        version: ProtocolVersion,
    ) -> Result<(), BoxError> {
        match self {
            WsSocket::Plain(ws) => Ok(poll_fn(|cx| ws.poll_feed(cx, &frame, version)).await?),
            WsSocket::Deflate(ws) => Ok(ws.feed(deflate_frame(frame, version)).await?),
        }
    }

    /// Writes out what was fed.
    pub(crate) async fn flush(&mut self) -> Result<(), BoxError> {
        match self {
            WsSocket::Plain(ws) => Ok(poll_fn(|cx| ws.poll_flush(cx)).await?),
            WsSocket::Deflate(ws) => Ok(SinkExt::<yawc::Frame>::flush(ws.as_mut()).await?),
        }
    }

    /// Writes `frame` now.
    pub(crate) async fn send(
        &mut self,
        frame: Frame,
        version: ProtocolVersion,
    ) -> Result<(), BoxError> {
        self.feed(frame, version).await?;
        self.flush().await
    }

    /// Sends a close frame and shuts the connection down.
    pub(crate) async fn close(&mut self) -> Result<(), BoxError> {
        match self {
            WsSocket::Plain(ws) => Ok(poll_fn(|cx| ws.poll_close(cx)).await?),
            WsSocket::Deflate(ws) => Ok(SinkExt::<yawc::Frame>::close(ws.as_mut()).await?),
        }
    }
}

/// A binary frame's bytes: as they are in v4, after the `4` type byte in v3.
fn binary_payload(data: Bytes, version: ProtocolVersion) -> Bytes {
    match version {
        ProtocolVersion::V4 => data,
        ProtocolVersion::V3 => {
            let mut out = BytesMut::with_capacity(data.len() + 1);
            out.put_u8(4);
            out.put_slice(&data);
            out.freeze()
        }
    }
}

fn deflate_frame(frame: Frame, version: ProtocolVersion) -> yawc::Frame {
    match frame {
        Frame::Text(text) => yawc::Frame::text(text.into_bytes()),
        Frame::Binary(data) => yawc::Frame::binary(binary_payload(data, version)),
    }
}
