//! The WebSocket transport: opening it (with or without a session) and reading its packets.

use bytes::Bytes;
use fastsio_protocol::eio::{Frame, Packet, Str};
use futures_util::{SinkExt, StreamExt};
use http::HeaderMap;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{ClientRequestBuilder, Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

use super::Endpoint;
use crate::connector::Stream;
use crate::error::EngineError;

/// The WebSocket read buffer, per connection.
const READ_BUFFER: usize = 8 * 1024;

/// An open WebSocket to the server.
pub(crate) type Ws = WebSocketStream<Box<dyn Stream>>;

/// Opens a WebSocket to the Engine.IO endpoint, joining session `sid` when given.
pub async fn open(
    endpoint: &Endpoint,
    headers: &HeaderMap,
    sid: Option<&str>,
    max_incoming: usize,
) -> Result<Ws, EngineError> {
    let uri = format!(
        "ws://{}{}",
        endpoint.authority,
        endpoint.target("websocket", sid)
    )
    .parse()
    .map_err(|e: http::uri::InvalidUri| EngineError::InvalidUrl(e.to_string()))?;
    let mut request = ClientRequestBuilder::new(uri);
    for (k, v) in headers {
        if let Ok(v) = v.to_str() {
            request = request.with_header(k.as_str(), v);
        }
    }
    let stream = endpoint.dialer.dial(&endpoint.authority).await?;
    // An idle connection keeps its read buffer: 8 KiB instead of tungstenite's 128 KiB (bigger
    // messages take more reads).
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_message_size(Some(max_incoming))
        .max_frame_size(Some(max_incoming));
    let (ws, _) = client_async_with_config(request, stream, Some(config))
        .await
        .map_err(ws_error)?;
    Ok(ws)
}

/// The WebSocket message carrying `frame`.
fn message(frame: Frame) -> Result<Message, EngineError> {
    Ok(match frame {
        Frame::Text(s) => Message::Text(
            Utf8Bytes::try_from(s.into_bytes())
                .map_err(|e| EngineError::Protocol(e.to_string()))?,
        ),
        Frame::Binary(b) => Message::Binary(b),
    })
}

/// Sends one frame.
pub async fn send(ws: &mut Ws, frame: Frame) -> Result<(), EngineError> {
    ws.send(message(frame)?).await.map_err(ws_error)
}

/// Sends frames with one flush: the frames queued together leave in as few writes as the
/// socket takes, not one system call each.
pub async fn send_all(ws: &mut Ws, frames: &[Frame]) -> Result<(), EngineError> {
    for frame in frames {
        ws.feed(message(frame.clone())?).await.map_err(ws_error)?;
    }
    ws.flush().await.map_err(ws_error)
}

/// The next Engine.IO packet, or the text of an open packet (`0{..}`) as `Err(Ok(text))`.
pub async fn recv(ws: &mut Ws) -> Result<Received, EngineError> {
    loop {
        let message = match ws.next().await {
            Some(m) => m.map_err(ws_error)?,
            None => return Ok(Received::Closed),
        };
        return Ok(match message {
            Message::Text(text) => {
                let text = Str::try_from(Bytes::from(text))
                    .map_err(|e| EngineError::Protocol(e.to_string()))?;
                if text.starts_with('0') {
                    Received::Open(text)
                } else {
                    Received::Packet(
                        Packet::decode_text(text, false)
                            .map_err(|e| EngineError::Protocol(e.to_string()))?,
                    )
                }
            }
            Message::Binary(data) => Received::Packet(Packet::Binary(data)),
            Message::Close(_) => Received::Closed,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
        });
    }
}

/// What [`recv`] read.
pub(crate) enum Received {
    /// A packet.
    Packet(Packet),
    /// An open packet, whole.
    Open(Str),
    /// The server closed the WebSocket.
    Closed,
}

fn ws_error(e: WsError) -> EngineError {
    match e {
        WsError::Capacity(c) => EngineError::Protocol(format!("message over the limit: {c}")),
        WsError::Http(r) => EngineError::Status(r.status().as_u16(), "websocket refused".into()),
        other => EngineError::Io(other.to_string()),
    }
}
