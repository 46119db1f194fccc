//! A raw WebSocket client for protocol tests.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// How long a test waits for one frame before failing (a bound, not an assertion on speed).
const FRAME_WAIT: Duration = Duration::from_secs(5);

/// A WebSocket connection to the server under test.
pub struct WsClient(WebSocketStream<MaybeTlsStream<TcpStream>>);

/// What arrived next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsEvent {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Bytes),
    /// The server closed the connection (close frame or end of stream).
    Closed,
}

impl WsClient {
    /// Connects; panics if the handshake fails.
    pub async fn connect(url: &str) -> WsClient {
        let (ws, _) = connect_async(url).await.expect("websocket handshake");
        WsClient(ws)
    }

    /// Connects, returning the handshake error instead of panicking.
    pub async fn try_connect(url: &str) -> Result<WsClient, String> {
        connect_async(url)
            .await
            .map(|(ws, _)| WsClient(ws))
            .map_err(|e| e.to_string())
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.0
            .send(Message::Text(text.into()))
            .await
            .expect("send text");
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, data: &[u8]) {
        self.0
            .send(Message::Binary(Bytes::copy_from_slice(data)))
            .await
            .expect("send binary");
    }

    /// The next text/binary frame, or `Closed`.
    pub async fn next(&mut self) -> WsEvent {
        loop {
            let msg = tokio::time::timeout(FRAME_WAIT, self.0.next())
                .await
                .expect("a frame within the wait bound");
            match msg {
                Some(Ok(Message::Text(t))) => return WsEvent::Text(t.to_string()),
                Some(Ok(Message::Binary(b))) => return WsEvent::Binary(b),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return WsEvent::Closed,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next frame, which must be text.
    pub async fn next_text(&mut self) -> String {
        match self.next().await {
            WsEvent::Text(t) => t,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The next frame that is not an Engine.IO ping (`"2"`).
    pub async fn next_skipping_pings(&mut self) -> WsEvent {
        loop {
            match self.next().await {
                WsEvent::Text(t) if t == "2" => continue,
                other => return other,
            }
        }
    }

    /// Waits until the server closes the connection, skipping whatever arrives before.
    pub async fn expect_closed(&mut self) {
        while self.next().await != WsEvent::Closed {}
    }

    /// Closes from the client side.
    pub async fn close(mut self) {
        let _ = self.0.close(None).await;
    }
}
