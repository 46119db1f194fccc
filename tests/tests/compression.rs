//! Compression over real loopback sockets: WebSocket `permessage-deflate` (negotiated when the
//! server enables it, with a size threshold) seen on the wire by a raw client and used by the
//! official engine.io-client; gzip/deflate polling answers by `Accept-Encoding`, read raw and
//! by engine.io-client over fetch.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use fastsio::engine::{Engine, EngineConfig, HttpCompression, PerMessageDeflate};
use fastsio::extract::RawArgs;
use fastsio::service::EngineService;
use fastsio::{Routes, Server, SocketRef};
use fastsio_examples::conformance::{Echo, engine_config};
use fastsio_tests::http::request;
use fastsio_tests::run_node;
use fastsio_tests::server::TestServer;
use flate2::read::{GzDecoder, ZlibDecoder};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use http::{HeaderMap, Method, StatusCode, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const STEP: Duration = Duration::from_secs(5);

async fn start(config: EngineConfig) -> TestServer {
    let engine: Arc<Engine<Echo>> = Engine::new(config, Echo);
    TestServer::start(EngineService::new(engine)).await
}

/// The conformance engine's settings with a relaxed heartbeat: these tests are about payloads,
/// and a loaded machine must not time a session out mid-test.
fn test_config() -> EngineConfig {
    let mut config = engine_config();
    config.ping_interval = Duration::from_secs(20);
    config.ping_timeout = Duration::from_secs(20);
    config
}

fn with_deflate(threshold: usize) -> EngineConfig {
    let mut config = test_config();
    config.per_message_deflate = Some(PerMessageDeflate { threshold });
    config
}

/// A WebSocket client that writes and reads frames byte by byte, so the tests see the RSV1
/// (compressed) bit the server sets.
struct RawWs {
    tcp: TcpStream,
    /// The server's deflate stream (it keeps its context between messages).
    inflate: Decompress,
}

/// One frame from the server.
struct RawFrame {
    compressed: bool,
    opcode: u8,
    payload: Vec<u8>,
}

impl RawWs {
    /// Opens a WebSocket session, offering `extensions`; returns the client and the
    /// `101` answer's headers.
    async fn connect(server: &TestServer, extensions: Option<&str>) -> (RawWs, String) {
        let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
        let offer = extensions
            .map(|e| format!("Sec-WebSocket-Extensions: {e}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {}\r\n\
             Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{offer}\r\n",
            server.addr
        );
        tcp.write_all(request.as_bytes())
            .await
            .expect("write handshake");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            assert!(head.len() < 4096, "handshake answer too long");
            let byte = tokio::time::timeout(STEP, tcp.read_u8())
                .await
                .expect("handshake answer in time")
                .expect("handshake answer");
            head.push(byte);
        }
        let head = String::from_utf8(head).expect("UTF-8 head");
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        let ws = RawWs {
            tcp,
            inflate: Decompress::new(false),
        };
        (ws, head.to_ascii_lowercase())
    }

    async fn read_frame(&mut self) -> RawFrame {
        tokio::time::timeout(STEP, self.read_frame_now())
            .await
            .expect("a frame in time")
    }

    async fn read_frame_now(&mut self) -> RawFrame {
        let b0 = self.tcp.read_u8().await.expect("frame header");
        let b1 = self.tcp.read_u8().await.expect("frame header");
        assert_eq!(b1 & 0x80, 0, "server frames are not masked");
        assert_ne!(b0 & 0x80, 0, "the server sends whole messages");
        let len = match b1 & 0x7f {
            126 => u64::from(self.tcp.read_u16().await.expect("length")),
            127 => self.tcp.read_u64().await.expect("length"),
            n => u64::from(n),
        };
        let mut payload = vec![0; usize::try_from(len).expect("length fits")];
        self.tcp.read_exact(&mut payload).await.expect("payload");
        RawFrame {
            compressed: b0 & 0x40 != 0,
            opcode: b0 & 0x0f,
            payload,
        }
    }

    /// The next data message, inflated if it came compressed.
    async fn read_message(&mut self) -> RawFrame {
        let mut frame = self.read_frame().await;
        if frame.compressed {
            frame.payload.extend_from_slice(&[0, 0, 0xff, 0xff]);
            let start = self.inflate.total_in();
            let used = |inflate: &Decompress| usize::try_from(inflate.total_in() - start).unwrap();
            let mut out = Vec::with_capacity(frame.payload.len() * 4 + 64);
            // Each round doubles the room for the output: a few rounds cover any test message.
            for _ in 0..32 {
                let from = used(&self.inflate);
                self.inflate
                    .decompress_vec(&frame.payload[from..], &mut out, FlushDecompress::Sync)
                    .expect("valid deflate data");
                if used(&self.inflate) == frame.payload.len() && out.len() < out.capacity() {
                    break;
                }
                out.reserve(out.capacity());
            }
            assert_eq!(used(&self.inflate), frame.payload.len(), "message inflated");
            frame.payload = out;
        }
        frame
    }

    /// Sends one masked frame; `compressed` sets RSV1 (the payload must then be deflated).
    async fn send(&mut self, opcode: u8, payload: &[u8], compressed: bool) {
        let mut frame = vec![0x80 | opcode | if compressed { 0x40 } else { 0 }];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= usize::from(u16::MAX) => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x12, 0x34, 0x56, 0x78];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.tcp.write_all(&frame).await.expect("write frame");
    }

    /// Reads the open packet; checks it came uncompressed (it is below any threshold).
    async fn read_open(&mut self) {
        let open = self.read_frame().await;
        assert!(!open.compressed, "a small open packet is not compressed");
        assert_eq!(open.payload.first(), Some(&b'0'));
    }
}

/// `payload` deflated the way a permessage-deflate client sends it (sync flush, tail cut).
fn deflate(payload: &[u8]) -> Vec<u8> {
    let mut compress = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(payload.len() + 64);
    compress
        .compress_vec(payload, &mut out, FlushCompress::Sync)
        .expect("deflate");
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

#[tokio::test]
async fn websocket_negotiates_permessage_deflate_and_compresses_above_the_threshold() {
    let server = start(with_deflate(1024)).await;
    let (mut ws, head) =
        RawWs::connect(&server, Some("permessage-deflate; client_max_window_bits")).await;
    assert!(
        head.contains("sec-websocket-extensions: permessage-deflate"),
        "{head}"
    );
    ws.read_open().await;

    let large = format!("4{}", "compress me ".repeat(500));
    ws.send(1, large.as_bytes(), false).await;
    let echo = ws.read_message().await;
    assert!(echo.compressed, "a 6 KB message goes out compressed");
    assert_eq!((echo.opcode, echo.payload), (1, large.into_bytes()));

    ws.send(1, b"4small", false).await;
    let echo = ws.read_message().await;
    assert!(
        !echo.compressed,
        "a message under the threshold goes out as is"
    );
    assert_eq!(echo.payload, b"4small");

    let binary = vec![7u8; 4000];
    ws.send(2, &deflate(&binary), true).await;
    let echo = ws.read_message().await;
    assert!(echo.compressed);
    assert_eq!((echo.opcode, echo.payload), (2, binary));

    let text = format!("4{}", "héllo ✓ ".repeat(300));
    ws.send(1, &deflate(text.as_bytes()), true).await;
    let echo = ws.read_message().await;
    assert_eq!((echo.opcode, echo.payload), (1, text.into_bytes()));
}

#[tokio::test]
async fn websocket_deflate_threshold_is_configurable() {
    let server = start(with_deflate(10_000)).await;
    let (mut ws, _) = RawWs::connect(&server, Some("permessage-deflate")).await;
    ws.read_open().await;
    let under = format!("4{}", "a".repeat(5000));
    ws.send(1, under.as_bytes(), false).await;
    let echo = ws.read_message().await;
    assert!(!echo.compressed, "5 KB is under a 10 KB threshold");
    assert_eq!(echo.payload, under.into_bytes());
    let over = format!("4{}", "a".repeat(20_000));
    ws.send(1, over.as_bytes(), false).await;
    let echo = ws.read_message().await;
    assert!(echo.compressed);
    assert_eq!(echo.payload, over.into_bytes());
}

#[tokio::test]
async fn websocket_declines_deflate_unless_enabled() {
    let server = start(test_config()).await;
    let (mut ws, head) = RawWs::connect(&server, Some("permessage-deflate")).await;
    assert!(!head.contains("sec-websocket-extensions"), "{head}");
    ws.read_open().await;
    let large = format!("4{}", "a".repeat(5000));
    ws.send(1, large.as_bytes(), false).await;
    let echo = ws.read_frame().await;
    assert!(!echo.compressed);
    assert_eq!(echo.payload, large.into_bytes());
}

#[tokio::test]
async fn websocket_deflate_refuses_a_message_that_inflates_past_max_payload() {
    let mut config = with_deflate(1024);
    config.max_payload = 10_000;
    let server = start(config).await;
    let (mut ws, _) = RawWs::connect(&server, Some("permessage-deflate")).await;
    ws.read_open().await;
    let largest = format!("4{}", "a".repeat(9_999));
    ws.send(1, &deflate(largest.as_bytes()), true).await;
    assert_eq!(
        ws.read_message().await.payload,
        largest.as_bytes(),
        "max_payload itself is fine"
    );
    let bomb = deflate(&vec![b'a'; 1_000_000]);
    assert!(
        bomb.len() < 10_000,
        "the compressed frame itself is within limits"
    );
    ws.send(1, &bomb, true).await;
    // The server closes the connection: a close frame, then EOF.
    let mut buf = vec![0; 1024];
    let closed = tokio::time::timeout(STEP, async {
        for _ in 0..1000 {
            if matches!(ws.tcp.read(&mut buf).await, Ok(0) | Err(_)) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(closed, Ok(true), "the connection is closed");

    // Others are still served.
    let (mut other, _) = RawWs::connect(&server, Some("permessage-deflate")).await;
    other.read_open().await;
    other.send(1, b"4still here", false).await;
    assert_eq!(other.read_message().await.payload, b"4still here");
}

async fn poll(server: &TestServer, sid: &str, accept: Option<&str>) -> (HeaderMap, Vec<u8>) {
    let url = server.http(&format!("/engine.io/?EIO=4&transport=polling&sid={sid}"));
    let headers: Vec<(&str, &str)> = accept.map(|a| ("accept-encoding", a)).into_iter().collect();
    let reply = request(Method::GET, &url, &headers, "").await;
    assert_eq!(reply.status, StatusCode::OK);
    (reply.headers, reply.body.to_vec())
}

async fn post(server: &TestServer, sid: &str, body: &str) {
    let url = server.http(&format!("/engine.io/?EIO=4&transport=polling&sid={sid}"));
    let reply = request(Method::POST, &url, &[], body.to_owned()).await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// Opens a polling session asking for gzip; checks the small open packet came as is.
async fn open_polling(server: &TestServer) -> String {
    let url = server.http("/engine.io/?EIO=4&transport=polling");
    let reply = request(Method::GET, &url, &[("accept-encoding", "gzip")], "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.headers.contains_key(header::CONTENT_ENCODING));
    let open: serde_json::Value = serde_json::from_str(&reply.text()[1..]).expect("open packet");
    open["sid"].as_str().expect("sid").to_owned()
}

fn encoding(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().expect("ASCII header"))
}

fn gunzip(body: &[u8]) -> String {
    let mut out = String::new();
    GzDecoder::new(body)
        .read_to_string(&mut out)
        .expect("gzip body");
    out
}

fn unzlib(body: &[u8]) -> String {
    let mut out = String::new();
    ZlibDecoder::new(body)
        .read_to_string(&mut out)
        .expect("deflate body");
    out
}

#[tokio::test]
async fn polling_answers_are_compressed_by_accept_encoding_above_the_threshold() {
    let server = start(test_config()).await;
    let sid = open_polling(&server).await;
    let large = format!("4{}", "polling ".repeat(400));

    post(&server, &sid, &large).await;
    let (headers, body) = poll(&server, &sid, Some("gzip, deflate, br")).await;
    assert_eq!(encoding(&headers), Some("gzip"));
    assert!(body.len() < large.len());
    assert_eq!(gunzip(&body), large);

    post(&server, &sid, &large).await;
    let (headers, body) = poll(&server, &sid, Some("deflate")).await;
    assert_eq!(encoding(&headers), Some("deflate"));
    assert_eq!(unzlib(&body), large);

    post(&server, &sid, &large).await;
    let (headers, body) = poll(&server, &sid, Some("gzip;q=0, identity")).await;
    assert_eq!(
        encoding(&headers),
        None,
        "gzip refused, deflate not offered"
    );
    assert_eq!(body, large.as_bytes());

    post(&server, &sid, &large).await;
    let (headers, body) = poll(&server, &sid, None).await;
    assert_eq!(encoding(&headers), None, "not asked");
    assert_eq!(body, large.as_bytes());

    post(&server, &sid, "4small").await;
    let (headers, body) = poll(&server, &sid, Some("gzip")).await;
    assert_eq!(encoding(&headers), None, "under the 1024-byte threshold");
    assert_eq!(body, b"4small");
}

#[tokio::test]
async fn polling_compression_threshold_and_switch_are_configurable() {
    let mut config = test_config();
    config.http_compression = Some(HttpCompression { threshold: 10 });
    let server = start(config).await;
    let sid = open_polling_plain(&server).await;
    post(&server, &sid, "4hello world").await;
    let (headers, body) = poll(&server, &sid, Some("gzip")).await;
    assert_eq!(encoding(&headers), Some("gzip"));
    assert_eq!(gunzip(&body), "4hello world");

    let mut config = test_config();
    config.http_compression = None;
    let server = start(config).await;
    let sid = open_polling_plain(&server).await;
    let large = format!("4{}", "polling ".repeat(400));
    post(&server, &sid, &large).await;
    let (headers, body) = poll(&server, &sid, Some("gzip")).await;
    assert_eq!(encoding(&headers), None, "compression off");
    assert_eq!(body, large.as_bytes());
}

async fn open_polling_plain(server: &TestServer) -> String {
    let url = server.http("/engine.io/?EIO=4&transport=polling");
    let reply = request(Method::GET, &url, &[], "").await;
    let open: serde_json::Value = serde_json::from_str(&reply.text()[1..]).expect("open packet");
    open["sid"].as_str().expect("sid").to_owned()
}

async fn node_client(config: EngineConfig, scenario: &str) -> serde_json::Value {
    let details = run_client(&start(config).await, scenario).await;
    assert_eq!(details["echoed"], 5, "{details}");
    details
}

/// Runs a `compression.mjs` scenario against `server`; returns its details.
async fn run_client(server: &TestServer, scenario: &str) -> serde_json::Value {
    let out = run_node(
        "compression.mjs",
        &[scenario, &server.http("")],
        Duration::from_secs(60),
    )
    .await;
    out.passed()["details"].clone()
}

#[tokio::test]
async fn engine_io_client_negotiates_permessage_deflate() {
    let details = node_client(with_deflate(1024), "websocket").await;
    assert_eq!(details["extensions"], "permessage-deflate", "{details}");
}

#[tokio::test]
async fn engine_io_client_upgrades_to_a_deflate_websocket() {
    let details = node_client(with_deflate(1024), "upgrade").await;
    assert_eq!(details["transport"], "websocket", "{details}");
    assert_eq!(details["extensions"], "permessage-deflate", "{details}");
}

#[tokio::test]
async fn engine_io_client_gets_a_plain_websocket_by_default() {
    let details = node_client(test_config(), "websocket").await;
    assert_eq!(details["extensions"], "", "{details}");
}

#[tokio::test]
async fn engine_io_client_over_fetch_gets_gzip_polling_answers() {
    let details = node_client(test_config(), "polling-fetch").await;
    let encodings: Vec<&str> = details["contentEncodings"]
        .as_array()
        .expect("encodings")
        .iter()
        .map(|e| e.as_str().expect("string"))
        .collect();
    assert!(encodings.contains(&"gzip"), "{details}");
    assert!(
        encodings.contains(&""),
        "small answers are not compressed: {details}"
    );
}

async fn message_back(socket: SocketRef, args: RawArgs) {
    let attachments = args.attachments.clone();
    let _ = socket.emit_binary("message-back", &args, attachments);
}

#[tokio::test]
async fn socket_io_client_uses_deflate_enabled_on_the_builder() {
    let io = Server::builder()
        .per_message_deflate(PerMessageDeflate::default())
        .routes(Routes::new("/").on("message", message_back))
        .build()
        .expect("valid server");
    let server = TestServer::start(io.service()).await;
    let details = run_client(&server, "socket.io").await;
    assert_eq!(details["extensions"], "permessage-deflate", "{details}");
    assert_eq!(details["echoed"], 3, "{details}");
}
