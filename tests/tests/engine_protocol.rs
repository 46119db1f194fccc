//! Engine.IO v4 over real loopback sockets: handshake, polling, WebSocket, upgrade, heartbeat,
//! close, limits and hooks.

use std::sync::Arc;
use std::time::Duration;

use fastsio::engine::{CookieConfig, Engine, EngineConfig, Frame};
use fastsio::service::EngineService;
use fastsio_examples::conformance::{Echo, echo_engine, engine_config};
use fastsio_tests::http::{HttpReply, get, post, request};
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::token_gate::{TOKEN, token_gate};
use fastsio_tests::ws::{WsClient, WsEvent};
use http::{Method, StatusCode};
use serde_json::json;

async fn start(config: EngineConfig) -> (TestServer, Arc<Engine<Echo>>) {
    let engine = Engine::new(config, Echo);
    let server = TestServer::start(EngineService::new(engine.clone())).await;
    (server, engine)
}

async fn echo_server() -> (TestServer, Arc<Engine<Echo>>) {
    let engine = echo_engine();
    let server = TestServer::start(EngineService::new(engine.clone())).await;
    (server, engine)
}

/// A polling session on a server.
struct Polling {
    server: TestServer,
    engine: Arc<Engine<Echo>>,
    sid: String,
    /// Its polling URL.
    url: String,
}

impl Polling {
    /// Opens a polling session on `server`.
    async fn open((server, engine): (TestServer, Arc<Engine<Echo>>)) -> Polling {
        let reply = get(&server.http("/engine.io/?EIO=4&transport=polling")).await;
        assert_eq!(reply.status, StatusCode::OK);
        let open: serde_json::Value = serde_json::from_str(&reply.text()[1..]).unwrap();
        let sid = open["sid"].as_str().unwrap().to_string();
        let url = server.http(&format!("/engine.io/?EIO=4&transport=polling&sid={sid}"));
        Polling {
            server,
            engine,
            sid,
            url,
        }
    }

    /// A poll waiting in a task.
    fn spawn_poll(&self) -> tokio::task::JoinHandle<HttpReply> {
        let url = self.url.clone();
        tokio::spawn(async move { get(&url).await })
    }

    /// A WebSocket asking to upgrade the session.
    async fn upgrade(&self) -> WsClient {
        let path = format!("/engine.io/?EIO=4&transport=websocket&sid={}", self.sid);
        WsClient::connect(&self.server.ws(&path)).await
    }

    /// The session is gone: polls are refused and the engine frees it.
    async fn assert_closed(&self) {
        assert_eq!(get(&self.url).await.status, StatusCode::BAD_REQUEST);
        eventually("session freed", || self.engine.session_count() == 0).await;
    }
}

/// A WebSocket session on `server`, past its open packet.
async fn open_websocket(server: &TestServer) -> WsClient {
    let mut ws = WsClient::connect(&server.ws("/engine.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws
}

/// `ws` is closed and the engine frees its session.
async fn assert_ws_closed(ws: &mut WsClient, engine: &Engine<Echo>) {
    ws.expect_closed().await;
    eventually("session freed", || engine.session_count() == 0).await;
}

#[tokio::test]
async fn polling_handshake_sends_exactly_the_open_fields() {
    let (server, engine) = echo_server().await;
    let reply = get(&server.http("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().starts_with('0'));
    let open: serde_json::Value = serde_json::from_str(&reply.text()[1..]).unwrap();
    let sid = open["sid"].as_str().unwrap();
    assert_eq!(sid.len(), 22);
    assert!(
        sid.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(
        open,
        json!({"sid": sid, "upgrades": ["websocket"], "pingInterval": 300, "pingTimeout": 200, "maxPayload": 1000000})
    );
    assert_eq!(engine.session_count(), 1);
}

#[tokio::test]
async fn bad_handshakes_get_nodes_error_bodies() {
    let (server, _) = echo_server().await;
    let cases = [
        (
            "/engine.io/?transport=polling",
            Method::GET,
            5,
            "Unsupported protocol version",
        ),
        (
            "/engine.io/?EIO=abc&transport=polling",
            Method::GET,
            5,
            "Unsupported protocol version",
        ),
        (
            "/engine.io/?EIO=5&transport=polling",
            Method::GET,
            5,
            "Unsupported protocol version",
        ),
        ("/engine.io/?EIO=4", Method::GET, 0, "Transport unknown"),
        (
            "/engine.io/?EIO=4&transport=abc",
            Method::GET,
            0,
            "Transport unknown",
        ),
        (
            "/engine.io/?EIO=4&transport=polling",
            Method::POST,
            2,
            "Bad handshake method",
        ),
        (
            "/engine.io/?EIO=4&transport=polling",
            Method::PUT,
            2,
            "Bad handshake method",
        ),
        (
            "/engine.io/?EIO=4&transport=polling&sid=nope",
            Method::GET,
            1,
            "Session ID unknown",
        ),
        (
            "/engine.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAAAA",
            Method::GET,
            1,
            "Session ID unknown",
        ),
        (
            "/engine.io/?EIO=4&transport=websocket",
            Method::GET,
            3,
            "Bad request",
        ),
    ];
    for (path, method, code, message) in cases {
        let reply = request(method.clone(), &server.http(path), &[], "").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {path}");
        assert_eq!(reply.headers["content-type"], "application/json");
        assert_eq!(
            reply.json(),
            json!({"code": code, "message": message}),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn v3_is_refused_unless_enabled() {
    let mut config = engine_config();
    config.allow_eio3 = false;
    let (server, _) = start(config).await;
    let reply = get(&server.http("/engine.io/?EIO=3&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["code"], 5);
}

#[tokio::test]
async fn other_paths_fall_through_to_the_inner_service() {
    let (server, _) = echo_server().await;
    assert_eq!(
        get(&server.http("/elsewhere")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn polling_echoes_text_and_binary_in_one_payload() {
    let p = Polling::open(echo_server().await).await;
    let pushed = post(&p.url, "4hello\x1e4h\u{e9}llo \u{1F600}\x1ebAQIDBA==").await;
    assert_eq!(pushed.status, StatusCode::OK);
    assert_eq!(pushed.text(), "ok");
    let polled = get(&p.url).await;
    assert_eq!(polled.status, StatusCode::OK);
    assert_eq!(
        polled.text(),
        "4hello\x1e4h\u{e9}llo \u{1F600}\x1ebAQIDBA=="
    );
}

#[tokio::test]
async fn an_invalid_packet_closes_the_polling_session() {
    let p = Polling::open(echo_server().await).await;
    assert_eq!(post(&p.url, "abc").await.status, StatusCode::BAD_REQUEST);
    p.assert_closed().await;
}

#[tokio::test]
async fn a_second_concurrent_poll_closes_the_session() {
    let p = Polling::open(echo_server().await).await;
    let first = p.spawn_poll();
    eventually("the first poll is waiting", || {
        p.engine
            .session(p.sid.parse().unwrap())
            .is_some_and(|s| s.queued() == 0)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = get(&p.url).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    let first = first.await.unwrap();
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.text(), "1");
    p.assert_closed().await;
}

#[tokio::test]
async fn polling_bodies_over_max_payload_close_the_session() {
    let mut config = engine_config();
    config.max_payload = 100;
    let p = Polling::open(start(config).await).await;
    assert_eq!(post(&p.url, "4".repeat(80)).await.status, StatusCode::OK);
    let refused = post(&p.url, "4".repeat(101)).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    eventually("session freed", || p.engine.session_count() == 0).await;
}

#[tokio::test]
async fn polling_ping_pong_keeps_the_session() {
    let p = Polling::open(echo_server().await).await;
    for _ in 0..3 {
        let polled = get(&p.url).await;
        assert_eq!(polled.text(), "2");
        assert_eq!(post(&p.url, "3").await.status, StatusCode::OK);
    }
    assert_eq!(p.engine.session_count(), 1);
}

#[tokio::test]
async fn polling_sessions_without_pong_time_out() {
    let p = Polling::open(echo_server().await).await;
    eventually("session timed out", || p.engine.session_count() == 0).await;
    assert_eq!(get(&p.url).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn client_close_over_polling_answers_the_pending_poll_with_noop() {
    let p = Polling::open(echo_server().await).await;
    let pending = p.spawn_poll();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(post(&p.url, "1").await.status, StatusCode::OK);
    let pending = pending.await.unwrap();
    assert_eq!(pending.text(), "6");
    p.assert_closed().await;
}

/// Settings under which no ping comes and nothing times out while a test runs: what a poll
/// gets is decided by the close alone.
fn quiet_config() -> EngineConfig {
    let mut config = engine_config();
    config.ping_interval = Duration::from_secs(30);
    config.ping_timeout = Duration::from_secs(30);
    config
}

/// The suite's "forcefully closes the session" sends a poll and the close POST at the same
/// moment, and the server may see either first. Seen after the close, the poll still gets its
/// noop (once; the next poll finds the session gone).
#[tokio::test]
async fn a_poll_seen_after_the_clients_close_gets_a_noop_once() {
    let p = Polling::open(start(quiet_config()).await).await;
    assert_eq!(post(&p.url, "1").await.status, StatusCode::OK);
    let last = get(&p.url).await;
    assert_eq!((last.status, last.text()), (StatusCode::OK, "6"));
    p.assert_closed().await;
}

/// The suite's test itself, many times over: whichever of the poll and the close the server
/// sees first, the poll is answered with a noop and the session is then gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_sent_with_the_close_is_always_answered() {
    let (server, engine) = start(quiet_config()).await;
    for _ in 0..100 {
        let p = Polling::open((TestServer { addr: server.addr }, engine.clone())).await;
        let (poll, close) = tokio::join!(get(&p.url), post(&p.url, "1"));
        assert_eq!(close.status, StatusCode::OK);
        assert_eq!((poll.status, poll.text()), (StatusCode::OK, "6"));
        assert_eq!(get(&p.url).await.status, StatusCode::BAD_REQUEST);
    }
    eventually("sessions freed", || engine.session_count() == 0).await;
}

#[tokio::test]
async fn server_close_over_polling_delivers_a_close_packet() {
    let p = Polling::open(echo_server().await).await;
    assert_eq!(
        post(&p.url, "4before\x1e4close-me").await.status,
        StatusCode::OK
    );
    let last = get(&p.url).await;
    assert_eq!(last.text(), "4before\x1e1");
    p.assert_closed().await;
}

#[tokio::test]
async fn websocket_handshake_and_echo() {
    let (server, engine) = echo_server().await;
    let mut ws = WsClient::connect(&server.ws("/engine.io/?EIO=4&transport=websocket")).await;
    let open = ws.next_text().await;
    let open: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    assert_eq!(open["upgrades"], json!([]));
    assert_eq!(open["maxPayload"], 1_000_000);
    ws.send_text("4h\u{e9}llo").await;
    assert_eq!(
        ws.next_skipping_pings().await,
        WsEvent::Text("4h\u{e9}llo".into())
    );
    ws.send_binary(&[1, 2, 3, 4]).await;
    assert_eq!(
        ws.next_skipping_pings().await,
        WsEvent::Binary(vec![1, 2, 3, 4].into())
    );
    ws.send_binary(&[]).await;
    assert_eq!(
        ws.next_skipping_pings().await,
        WsEvent::Binary(vec![].into())
    );
    ws.send_text("1").await;
    assert_ws_closed(&mut ws, &engine).await;
}

#[tokio::test]
async fn websocket_messages_over_max_payload_close_the_session() {
    let mut config = engine_config();
    config.max_payload = 1000;
    let (server, engine) = start(config).await;
    let mut ws = open_websocket(&server).await;
    ws.send_text(&format!("4{}", "x".repeat(900))).await;
    assert!(matches!(ws.next_skipping_pings().await, WsEvent::Text(t) if t.len() == 901));
    ws.send_binary(&vec![7u8; 1001]).await;
    assert_ws_closed(&mut ws, &engine).await;
}

#[tokio::test]
async fn websocket_invalid_packet_closes() {
    let (server, engine) = echo_server().await;
    let mut ws = open_websocket(&server).await;
    ws.send_text("abc").await;
    assert_ws_closed(&mut ws, &engine).await;
}

#[tokio::test]
async fn websocket_ping_pong_then_timeout() {
    let (server, engine) = echo_server().await;
    let mut ws = open_websocket(&server).await;
    for _ in 0..3 {
        assert_eq!(ws.next_text().await, "2");
        ws.send_text("3").await;
    }
    assert_eq!(ws.next_text().await, "2");
    assert_ws_closed(&mut ws, &engine).await;
}

/// While the server keeps queueing frames for a client (each one wakes its connection loop),
/// the loop still reads every message the client sends, pongs included: 300 echoes answered
/// across several heartbeats, and the session is still open at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_flooded_by_the_server_still_reads_the_client() {
    let (server, engine) = echo_server().await;
    let mut ws = WsClient::connect(&server.ws("/engine.io/?EIO=4&transport=websocket")).await;
    let open: serde_json::Value = serde_json::from_str(&ws.next_text().await[1..]).unwrap();
    let sid = open["sid"].as_str().unwrap().parse().unwrap();
    let session = engine.session(sid).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood = tokio::spawn({
        let stop = stop.clone();
        async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if session.queued() < 8 && session.send(Frame::message("flood")).is_err() {
                    return;
                }
                tokio::task::yield_now().await;
            }
        }
    });
    let (mut floods, mut pings) = (0, 0);
    for i in 0..300 {
        let echo = format!("4m{i}");
        ws.send_text(&echo).await;
        loop {
            match ws.next_text().await {
                t if t == echo => break,
                t if t == "2" => {
                    pings += 1;
                    ws.send_text("3").await;
                }
                t if t == "4flood" => floods += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        if i % 50 == 0 {
            // Long enough for a heartbeat to need its pong.
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    flood.await.unwrap();
    assert!(floods > 0 && pings > 0, "floods {floods}, pings {pings}");
    assert_eq!(engine.session_count(), 1, "the session is still open");
}

#[tokio::test]
async fn websocket_errors_refuse_the_upgrade() {
    let (server, _) = echo_server().await;
    for path in [
        "/engine.io/?transport=websocket",
        "/engine.io/?EIO=abc&transport=websocket",
        "/engine.io/?EIO=4",
        "/engine.io/?EIO=4&transport=abc",
        "/engine.io/?EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let err = WsClient::try_connect(&server.ws(path)).await.err();
        assert!(err.is_some_and(|e| e.contains("400")), "{path}");
    }
}

#[tokio::test]
async fn upgrade_releases_the_pending_poll_and_moves_to_websocket() {
    let p = Polling::open(echo_server().await).await;
    let pending = p.spawn_poll();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut ws = p.upgrade().await;
    ws.send_text("2probe").await;
    assert_eq!(ws.next_text().await, "3probe");
    let released = pending.await.unwrap();
    assert_eq!(released.status, StatusCode::OK);
    assert_eq!(released.text(), "6");
    ws.send_text("5").await;
    ws.send_text("4hello").await;
    assert_eq!(
        ws.next_skipping_pings().await,
        WsEvent::Text("4hello".into())
    );
    assert_eq!(get(&p.url).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(post(&p.url, "4x").await.status, StatusCode::BAD_REQUEST);
    let mut second = p.upgrade().await;
    second.expect_closed().await;
    ws.send_text("4still here").await;
    assert_eq!(
        ws.next_skipping_pings().await,
        WsEvent::Text("4still here".into())
    );
    assert_eq!(p.engine.session_count(), 1);
}

#[tokio::test]
async fn frames_queued_during_the_upgrade_arrive_over_websocket() {
    let p = Polling::open(echo_server().await).await;
    let mut ws = p.upgrade().await;
    ws.send_text("2probe").await;
    assert_eq!(ws.next_text().await, "3probe");
    assert_eq!(post(&p.url, "4queued").await.status, StatusCode::OK);
    ws.send_text("5").await;
    assert_eq!(
        ws.next_skipping_pings().await,
        WsEvent::Text("4queued".into())
    );
}

#[tokio::test]
async fn a_failed_upgrade_leaves_the_session_on_polling() {
    let p = Polling::open(echo_server().await).await;
    let mut ws = p.upgrade().await;
    ws.send_text("4not a probe").await;
    ws.expect_closed().await;
    assert_eq!(post(&p.url, "4polling works").await.status, StatusCode::OK);
    assert_eq!(get(&p.url).await.text(), "4polling works");
    assert_eq!(p.engine.session_count(), 1);
}

#[tokio::test]
async fn upgrade_times_out_without_a_probe() {
    let mut config = engine_config();
    config.upgrade_timeout = Duration::from_millis(100);
    config.ping_interval = Duration::from_secs(10);
    let p = Polling::open(start(config).await).await;
    p.upgrade().await.expect_closed().await;
    assert_eq!(post(&p.url, "4after").await.status, StatusCode::OK);
    assert_eq!(get(&p.url).await.text(), "4after");
}

#[tokio::test]
async fn allow_request_refuses_with_403() {
    let mut config = engine_config();
    config.allow_request = Some(token_gate(Arc::default()));
    let (server, _) = start(config).await;
    let url = server.http("/engine.io/?EIO=4&transport=polling");
    let refused = get(&url).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json(), json!({"code": 4, "message": "Forbidden"}));
    let allowed = request(Method::GET, &url, &[("x-token", TOKEN)], "").await;
    assert_eq!(allowed.status, StatusCode::OK);
    let ws = WsClient::try_connect(&server.ws("/engine.io/?EIO=4&transport=websocket")).await;
    assert!(ws.err().is_some_and(|e| e.contains("403")));
}

#[tokio::test]
async fn the_io_cookie_carries_the_sid_when_enabled() {
    let mut config = engine_config();
    config.cookie = Some(CookieConfig::default());
    let (server, _) = start(config).await;
    let reply = get(&server.http("/engine.io/?EIO=4&transport=polling")).await;
    let open: serde_json::Value = serde_json::from_str(&reply.text()[1..]).unwrap();
    let cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert_eq!(
        cookie,
        format!(
            "io={}; Path=/; HttpOnly; SameSite=Lax",
            open["sid"].as_str().unwrap()
        )
    );
    let (plain, _) = echo_server().await;
    let reply = get(&plain.http("/engine.io/?EIO=4&transport=polling")).await;
    assert!(reply.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn a_full_outgoing_queue_closes_the_session() {
    let mut config = engine_config();
    config.max_buffered_frames = 4;
    let p = Polling::open(start(config).await).await;
    assert_eq!(post(&p.url, "4a\x1e4b\x1e4c").await.status, StatusCode::OK);
    assert_eq!(p.engine.session_count(), 1);
    assert_eq!(post(&p.url, "4d\x1e4e").await.status, StatusCode::OK);
    eventually("session closed on overflow", || {
        p.engine.session_count() == 0
    })
    .await;
}

#[tokio::test]
async fn close_all_disconnects_every_transport() {
    let p = Polling::open(echo_server().await).await;
    let mut ws = open_websocket(&p.server).await;
    assert_eq!(p.engine.session_count(), 2);
    p.engine.close_all();
    ws.expect_closed().await;
    assert_eq!(get(&p.url).await.text(), "1");
    eventually("sessions freed", || p.engine.session_count() == 0).await;
}

/// Writes one HTTP/1.1 request on a kept-alive connection and reads its response body.
async fn keep_alive_get(stream: &mut tokio::net::TcpStream, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .expect("a content-length")
                .trim()
                .parse()
                .unwrap();
            if received.len() >= end + 4 + length {
                return text[end + 4..end + 4 + length].to_owned();
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("a response within 5 s")
            .unwrap();
        assert!(n > 0, "connection closed before the response: {text}");
        received.extend_from_slice(&chunk[..n]);
    }
}

/// Reads until the server closes the connection (bounded): what arrived meanwhile.
async fn read_to_close(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection")
        .unwrap();
    String::from_utf8_lossy(&rest).into_owned()
}

#[tokio::test]
async fn shutdown_closes_kept_alive_connections_so_no_request_reaches_the_old_server() {
    let engine = echo_engine();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(fastsio::service::serve(
        listener,
        EngineService::new(engine.clone()),
        async move {
            let _ = stopped.await;
        },
    ));

    // A client keeps its connection open after a handshake, as browsers do.
    let mut kept = tokio::net::TcpStream::connect(addr).await.unwrap();
    let open = keep_alive_get(&mut kept, "/engine.io/?EIO=4&transport=polling").await;
    assert!(open.starts_with("0{"), "{open}");
    assert_eq!(engine.session_count(), 1);

    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
    assert_eq!(
        read_to_close(&mut kept).await,
        "",
        "the kept connection closes"
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the listener is gone"
    );
    assert_eq!(
        engine.session_count(),
        1,
        "no handshake reached the old server"
    );
}
