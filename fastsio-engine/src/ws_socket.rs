//! [`WsSocket`]: one WebSocket connection, plain (tungstenite) or with `permessage-deflate`
//! (yawc) when the client offered it and the server enabled it.
//!
//! tungstenite refuses compressed frames, so a connection that negotiates compression runs on
//! yawc, and every other connection keeps tungstenite's plain path unchanged.

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::direct::DirectSwitch;
use super::ws_io::WsIo;
use super::{
    EngineBody, EngineConfig, Frame, HandshakeError, PerMessageDeflate, ProtocolVersion, Str,
};
use crate::BoxError;

/// Bytes gathered before tungstenite writes to the socket: a batch of small frames goes out in
/// one write (each batch is flushed at its end anyway).
const WRITE_BUFFER: usize = 8 * 1024;

/// An open WebSocket connection.
#[expect(
    clippy::large_enum_variant,
    reason = "the plain connection, the common one, stays inline; it lives in its task's future"
)]
pub(crate) enum WsSocket {
    Plain(WebSocketStream<WsIo>),
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
    let max = config.max_payload;
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(config.ws_read_buffer_size)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(max))
        .max_frame_size(Some(max));
    let ws = WebSocketStream::from_partially_read(io, read, Role::Server, Some(ws_config)).await;
    WsSocket::Plain(ws)
}

impl WsSocket {
    /// The next message; `None` once the connection is gone.
    pub(crate) async fn next(&mut self) -> Option<Result<Incoming, BoxError>> {
        match self {
            WsSocket::Plain(ws) => Some(match ws.next().await? {
                Ok(Message::Text(text)) => Ok(Incoming::Text(str_of(text))),
                Ok(Message::Binary(data)) => Ok(Incoming::Binary(data)),
                Ok(Message::Close(_)) => Ok(Incoming::Close),
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {
                    Ok(Incoming::Control)
                }
                Err(e) => Err(e.into()),
            }),
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
            WsSocket::Plain(ws) => Ok(ws.feed(plain_message(frame, version)).await?),
            WsSocket::Deflate(ws) => Ok(ws.feed(deflate_frame(frame, version)).await?),
        }
    }

    /// Writes out what was fed.
    pub(crate) async fn flush(&mut self) -> Result<(), BoxError> {
        match self {
            WsSocket::Plain(ws) => Ok(SinkExt::<Message>::flush(ws).await?),
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
            WsSocket::Plain(ws) => Ok(ws.close(None).await?),
            WsSocket::Deflate(ws) => Ok(SinkExt::<yawc::Frame>::close(ws.as_mut()).await?),
        }
    }
}

/// Appends `text` to `out` as one text frame of a server (unmasked): for a frame written on the
/// stream before the WebSocket is set up (the open packet, with the `101` answer).
pub(crate) fn put_text_frame(out: &mut Vec<u8>, text: &[u8]) {
    const FIN_TEXT: u8 = 0x81;
    out.push(FIN_TEXT);
    match text.len() {
        len @ 0..126 => out.push(len as u8),
        len @ 126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(text);
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

/// A text frame tungstenite has checked, as a [`Str`] sharing its buffer.
#[expect(unsafe_code, reason = "tungstenite checked the UTF-8: no second check")]
fn str_of(text: Utf8Bytes) -> Str {
    // SAFETY: `Utf8Bytes` always holds valid UTF-8.
    unsafe { Str::from_utf8_unchecked(Bytes::from(text)) }
}

/// A [`Str`] as tungstenite's text, sharing its buffer.
#[expect(unsafe_code, reason = "a `Str` holds UTF-8: no second check")]
fn utf8_bytes_of(text: Str) -> Utf8Bytes {
    // SAFETY: a `Str` always holds valid UTF-8.
    unsafe { Utf8Bytes::from_bytes_unchecked(text.into_bytes()) }
}

fn plain_message(frame: Frame, version: ProtocolVersion) -> Message {
    match frame {
        Frame::Text(text) => Message::Text(utf8_bytes_of(text)),
        Frame::Binary(data) => Message::Binary(binary_payload(data, version)),
    }
}

fn deflate_frame(frame: Frame, version: ProtocolVersion) -> yawc::Frame {
    match frame {
        Frame::Text(text) => yawc::Frame::text(text.into_bytes()),
        Frame::Binary(data) => yawc::Frame::binary(binary_payload(data, version)),
    }
}
