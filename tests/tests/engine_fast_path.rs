//! The fast paths of the engine's own server (`serve_engine`, which `Io::serve` uses): WebSocket
//! handshakes, and the plain requests of long-polling, read and answered off the TCP stream;
//! everything else handed to hyper with the bytes already read. Raw loopback sockets, so that
//! the bytes on the wire are the test's.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fastsio::engine::{Engine, EngineConfig};
use fastsio::service::{EngineService, serve_engine};
use fastsio::{Routes, Server, SocketRef};
use fastsio_examples::conformance::{Echo, echo_engine, engine_config};
use fastsio_tests::server::TestServer;
use fastsio_tests::token_gate::token_gate;
use fastsio_tests::ws::WsClient;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// How long a test waits for the server before failing (a bound, not an assertion on speed).
const WAIT: Duration = Duration::from_secs(5);

/// A WebSocket handshake for `path_query`, with `extra` header lines.
fn ws_head(path_query: &str, extra: &str) -> String {
    format!(
        "GET {path_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

const ENGINE_WS: &str = "/engine.io/?EIO=4&transport=websocket";

/// A raw client connection: what it read and has not consumed yet.
struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    async fn connect(server: &TestServer) -> Raw {
        let stream = TcpStream::connect(server.addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Reads more; false at the end of the stream.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(WAIT, self.stream.read(&mut chunk))
            .await
            .expect("the server answers")
            .unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    /// The next answer's head (status line and headers), lowercase, and its body (by its
    /// content-length; none for a 101).
    async fn answer(&mut self) -> (String, String) {
        let end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            assert!(self.fill().await, "the connection ended before an answer");
        };
        let head = String::from_utf8(self.buf.drain(..end).collect())
            .unwrap()
            .to_ascii_lowercase();
        let len = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map_or(0, |v| v.trim().parse().unwrap());
        while self.buf.len() < len {
            assert!(self.fill().await, "the connection ended mid-body");
        }
        let body = String::from_utf8(self.buf.drain(..len).collect()).unwrap();
        (head, body)
    }

    /// The next text frame from the server that is not a ping.
    async fn text(&mut self) -> String {
        loop {
            let frame = self.frame().await;
            if frame != "2" {
                return frame;
            }
        }
    }

    async fn frame(&mut self) -> String {
        loop {
            if self.buf.len() >= 2 {
                assert_eq!(self.buf[0], 0x81, "a final, unmasked text frame");
                let (len, at) = match self.buf[1] {
                    126 if self.buf.len() >= 4 => {
                        (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4)
                    }
                    n if n < 126 => (n as usize, 2),
                    _ => (usize::MAX, 0),
                };
                if len != usize::MAX && self.buf.len() >= at + len {
                    let frame: Vec<u8> = self.buf.drain(..at + len).skip(at).collect();
                    return String::from_utf8(frame).unwrap();
                }
            }
            assert!(self.fill().await, "the connection ended before a frame");
        }
    }

    /// Whether the server closed the connection (reads until the end, within the bound).
    async fn closed(&mut self) -> bool {
        for _ in 0..64 {
            if !self.fill().await {
                return true;
            }
        }
        false
    }
}

/// A masked text frame, as a client sends it.
fn client_text(text: &str) -> Vec<u8> {
    assert!(text.len() < 126);
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | text.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(text.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// The sid of an open packet.
fn sid_of(open: &str) -> String {
    let open: Value =
        serde_json::from_str(open.strip_prefix('0').expect("an open packet")).unwrap();
    open["sid"].as_str().unwrap().to_string()
}

async fn echo_server() -> (TestServer, Arc<Engine<Echo>>) {
    let engine = echo_engine();
    let server = TestServer::start(EngineService::new(engine.clone())).await;
    (server, engine)
}

#[tokio::test]
async fn a_handshake_split_over_several_writes_opens_a_session() {
    let (server, engine) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    let head = ws_head(ENGINE_WS, "");
    let (a, rest) = head.as_bytes().split_at(5);
    let (b, c) = rest.split_at(rest.len() / 2);
    for part in [a, b, c] {
        raw.send(part).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (answer, _) = raw.answer().await;
    assert!(answer.starts_with("http/1.1 101 switching protocols\r\n"));
    assert!(answer.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"));
    let sid = sid_of(&raw.text().await);
    assert!(engine.session(sid.parse().unwrap()).is_some());
    raw.send(&client_text("4hello")).await;
    assert_eq!(raw.text().await, "4hello");
}

#[tokio::test]
async fn frames_sent_with_the_handshake_reach_the_session() {
    let (server, _) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    let mut bytes = ws_head(ENGINE_WS, "").into_bytes();
    bytes.extend(client_text("4early"));
    bytes.extend(client_text("4second"));
    raw.send(&bytes).await;
    assert!(raw.answer().await.0.starts_with("http/1.1 101 "));
    assert!(raw.text().await.starts_with("0{\"sid\":"));
    assert_eq!(raw.text().await, "4early");
    assert_eq!(raw.text().await, "4second");
}

#[tokio::test]
async fn a_head_over_the_fast_path_limit_still_opens_a_session() {
    let (server, engine) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    let big = "b".repeat(12 * 1024);
    raw.send(ws_head(ENGINE_WS, &format!("X-Big: {big}\r\n")).as_bytes())
        .await;
    assert!(raw.answer().await.0.starts_with("http/1.1 101 "));
    let sid = sid_of(&raw.text().await);
    let session = engine.session(sid.parse().unwrap()).unwrap();
    assert_eq!(session.request().headers["x-big"], big.as_str());
    raw.send(&client_text("4big")).await;
    assert_eq!(raw.text().await, "4big");
}

#[tokio::test]
async fn headers_query_and_peer_address_reach_the_session() {
    let (server, engine) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    let local = raw.stream.local_addr().unwrap();
    let path = format!("{ENGINE_WS}&name=J%C3%BCrgen+B");
    raw.send(ws_head(&path, "X-Token: t1\r\nX-Token: t2\r\n").as_bytes())
        .await;
    assert!(raw.answer().await.0.starts_with("http/1.1 101 "));
    let sid = sid_of(&raw.text().await);
    let session = engine.session(sid.parse().unwrap()).unwrap();
    let request = session.request();
    assert_eq!(request.method, http::Method::GET);
    assert_eq!(request.uri.path(), "/engine.io/");
    assert_eq!(request.query_param("name").as_deref(), Some("Jürgen B"));
    let tokens: Vec<_> = request.headers.get_all("x-token").iter().collect();
    assert_eq!(tokens, ["t1", "t2"]);
    assert_eq!(request.headers["host"], "127.0.0.1");
    assert_eq!(request.remote_addr, Some(local));
}

/// The Socket.IO server of the handshake test: emits `seen` with what the handshake carried.
async fn report_handshake(socket: SocketRef) {
    let request = socket.request();
    let seen = json!({
        "token": request.headers.get("x-token").and_then(|v| v.to_str().ok()),
        "name": request.query_param("name"),
        "peer": request.remote_addr.map(|a| a.to_string()),
    });
    let _ = socket.emit_raw("seen", &seen);
}

async fn next_text<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    match tokio::time::timeout(WAIT, ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => t.to_string(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

#[tokio::test]
async fn the_socket_io_handshake_carries_headers_query_and_peer() {
    let io = Server::builder()
        .routes(Routes::new("/").on_connect(report_handshake))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let url = server.ws("/socket.io/?EIO=4&transport=websocket&name=Ada");
    let mut request = url.as_str().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("x-token", "secret".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let local = match ws.get_ref() {
        tokio_tungstenite::MaybeTlsStream::Plain(s) => s.local_addr().unwrap(),
        _ => unreachable!("a plain connection"),
    };
    assert!(next_text(&mut ws).await.starts_with("0{"));
    ws.send(Message::Text("40".into())).await.unwrap();
    assert!(next_text(&mut ws).await.starts_with("40{\"sid\":"));
    let event = next_text(&mut ws).await;
    let event: Value = serde_json::from_str(event.strip_prefix("42").unwrap()).unwrap();
    assert_eq!(
        event,
        json!(["seen", {"token": "secret", "name": "Ada", "peer": local.to_string()}])
    );
}

#[tokio::test]
async fn a_refused_handshake_is_checked_once_and_the_connection_stays_usable() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut config = engine_config();
    config.allow_request = Some(token_gate(calls.clone()));
    let server = TestServer::start(EngineService::new(Engine::new(config, Echo))).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(ws_head(ENGINE_WS, "").as_bytes()).await;
    let (answer, body) = raw.answer().await;
    assert!(answer.starts_with("http/1.1 403 forbidden\r\n"), "{answer}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"code": 4, "message": "Forbidden"})
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // The same connection, kept alive: a polling handshake with the token.
    raw.send(
        b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nX-Token: let-me-in\r\n\r\n",
    )
    .await;
    let (answer, body) = raw.answer().await;
    assert!(answer.starts_with("http/1.1 200 ok\r\n"), "{answer}");
    assert!(body.starts_with("0{\"sid\":"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// Opens a polling session on `raw`; its sid.
async fn polling_session(raw: &mut Raw) -> String {
    raw.send(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (answer, body) = raw.answer().await;
    assert!(answer.starts_with("http/1.1 200 ok\r\n"), "{answer}");
    sid_of(&body)
}

/// A POST of `payload` to the session at `url`, as written on the wire.
fn post(url: &str, payload: &str) -> String {
    format!(
        "POST {url} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain;charset=UTF-8\r\n\
         Content-Length: {}\r\n\r\n{payload}",
        payload.len()
    )
}

#[tokio::test]
async fn a_polling_connection_is_served_request_after_request() {
    let (server, _) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    let sid = polling_session(&mut raw).await;
    let url = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    for round in 0..3 {
        raw.send(post(&url, &format!("4again {round}")).as_bytes())
            .await;
        let (answer, body) = raw.answer().await;
        assert!(answer.starts_with("http/1.1 200 ok\r\n"), "{answer}");
        assert!(answer.contains("\r\ndate: "), "{answer}");
        assert!(!answer.contains("connection: close"), "{answer}");
        assert_eq!(body, "ok");
        raw.send(format!("GET {url} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await;
        assert_eq!(raw.answer().await.1, format!("4again {round}"));
    }
    // Then a WebSocket on a new connection takes the fast path.
    let mut ws = Raw::connect(&server).await;
    ws.send(ws_head(ENGINE_WS, "").as_bytes()).await;
    assert!(ws.answer().await.0.starts_with("http/1.1 101 "));
    assert!(ws.text().await.starts_with("0{\"sid\":"));
}

#[tokio::test]
async fn pipelined_polling_requests_are_answered_in_order() {
    let (server, _) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    let sid = polling_session(&mut raw).await;
    let url = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let get = format!("GET {url} HTTP/1.1\r\nHost: x\r\n\r\n");
    raw.send(format!("{}{}{get}", post(&url, "4one"), post(&url, "4two")).as_bytes())
        .await;
    assert_eq!(raw.answer().await.1, "ok");
    assert_eq!(raw.answer().await.1, "ok");
    assert_eq!(raw.answer().await.1, "4one\u{1e}4two");
}

#[tokio::test]
async fn requests_the_fast_path_does_not_take_hand_the_connection_to_hyper() {
    let (server, _) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    let sid = polling_session(&mut raw).await;
    let url = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    // A chunked body, then `Expect: 100-continue`: hyper's to read, on the same connection.
    raw.send(
        format!(
            "POST {url} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
             3\r\n4ch\r\n4\r\nunks\r\n0\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(raw.answer().await.1, "ok");
    raw.send(
        format!(
            "POST {url} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\
             Content-Length: 7\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert!(raw.answer().await.0.starts_with("http/1.1 100 continue"));
    raw.send(b"4expect").await;
    assert_eq!(raw.answer().await.1, "ok");
    raw.send(format!("GET {url} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await;
    assert_eq!(raw.answer().await.1, "4chunks\u{1e}4expect");
    // Another path: the server's 404, from hyper too.
    raw.send(b"GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert!(raw.answer().await.0.starts_with("http/1.1 404 "));
}

#[tokio::test]
async fn connection_close_is_answered_then_the_connection_closes() {
    let (server, _) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(
        b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\
          Connection: close\r\n\r\n",
    )
    .await;
    let (answer, body) = raw.answer().await;
    assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
    assert!(body.starts_with("0{\"sid\":"));
    assert!(raw.closed().await);
}

#[tokio::test]
async fn a_long_poll_whose_client_left_frees_the_session_for_the_next_poll() {
    let (server, _) = echo_server().await;
    let mut raw = Raw::connect(&server).await;
    let sid = polling_session(&mut raw).await;
    let url = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let get = format!("GET {url} HTTP/1.1\r\nHost: x\r\n\r\n");
    raw.send(get.as_bytes()).await;
    drop(raw);
    // Had the server kept that poll, it would take this message and lose it on the closed
    // connection, and the next poll would be refused as an overlapping one.
    let mut sender = Raw::connect(&server).await;
    sender.send(post(&url, "4after").as_bytes()).await;
    assert_eq!(sender.answer().await.1, "ok");
    let mut next = Raw::connect(&server).await;
    next.send(get.as_bytes()).await;
    let (answer, body) = next.answer().await;
    assert!(answer.starts_with("http/1.1 200 "), "{answer}");
    assert_eq!(body, "4after");
}

#[tokio::test]
async fn websocket_requests_outside_the_engine_or_refused_get_the_engines_answers() {
    let (server, _) = echo_server().await;
    let cases = [
        ("/elsewhere", "http/1.1 404 not found\r\n", "Not Found"),
        (
            "/engine.io/?EIO=9&transport=websocket",
            "http/1.1 400 bad request\r\n",
            r#"{"code":5,"message":"Unsupported protocol version"}"#,
        ),
        (
            "/engine.io/?EIO=4&transport=websocket&sid=unknown",
            "http/1.1 400 bad request\r\n",
            r#"{"code":1,"message":"Session ID unknown"}"#,
        ),
    ];
    for (path, status, expected) in cases {
        let mut raw = Raw::connect(&server).await;
        raw.send(ws_head(path, "").as_bytes()).await;
        let (answer, body) = raw.answer().await;
        assert!(answer.starts_with(status), "{path}: {answer}");
        assert_eq!(body, expected, "{path}");
    }
}

#[tokio::test]
async fn a_polling_session_upgrades_over_the_fast_path() {
    let (server, engine) = echo_server().await;
    let mut http = Raw::connect(&server).await;
    http.send(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let sid = sid_of(&http.answer().await.1);
    let mut ws = Raw::connect(&server).await;
    ws.send(ws_head(&format!("{ENGINE_WS}&sid={sid}"), "").as_bytes())
        .await;
    assert!(ws.answer().await.0.starts_with("http/1.1 101 "));
    ws.send(&client_text("2probe")).await;
    assert_eq!(ws.text().await, "3probe");
    ws.send(&client_text("5")).await;
    ws.send(&client_text("4upgraded")).await;
    assert_eq!(ws.text().await, "4upgraded");
    let session = engine.session(sid.parse().unwrap()).unwrap();
    assert_eq!(
        session.transport(),
        fastsio::engine::TransportKind::Websocket
    );
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_leaves_websockets_to_the_engine() {
    let engine = echo_engine();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(serve_engine(listener, engine.clone(), async {
        let _ = stopped.await;
    }));
    let server = TestServer { addr };
    let mut ws = Raw::connect(&server).await;
    ws.send(ws_head(ENGINE_WS, "").as_bytes()).await;
    assert!(ws.answer().await.0.starts_with("http/1.1 101 "));
    assert!(ws.text().await.starts_with("0{"));
    let mut idle = Raw::connect(&server).await;
    let mut partial = Raw::connect(&server).await;
    partial.send(b"GET /engine.io/?EIO=4&tra").await;
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
    assert!(idle.closed().await);
    assert!(partial.closed().await);
    ws.send(&client_text("4still")).await;
    assert_eq!(ws.text().await, "4still");
    assert!(WsClient::try_connect(&server.ws(ENGINE_WS)).await.is_err());
}

#[tokio::test]
async fn compression_offers_are_served_by_hyper_when_enabled() {
    let mut config: EngineConfig = engine_config();
    config.per_message_deflate = Some(Default::default());
    let server = TestServer::start(EngineService::new(Engine::new(config, Echo))).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(
        ws_head(
            ENGINE_WS,
            "Sec-WebSocket-Extensions: permessage-deflate\r\n",
        )
        .as_bytes(),
    )
    .await;
    let (answer, _) = raw.answer().await;
    assert!(answer.starts_with("http/1.1 101 "), "{answer}");
    assert!(
        answer.contains("sec-websocket-extensions: permessage-deflate"),
        "{answer}"
    );
}
