//! Hostile clients over real loopback sockets: oversized messages, clients that never read,
//! connect-then-abandon cycles, ack timeouts, event floods, shutdown under load, and the
//! security guarantees (session ids, CORS, `allow_request`, namespace and session isolation).
//!
//! Every test is bounded in count and time and stops itself. The tests of this file run one at
//! a time (`SERIAL`): several of them read the process's resident memory, which the others
//! would disturb.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use fastsio::engine::{AllowRequest, Engine, EngineConfig, Frame, OverflowPolicy};
use fastsio::middleware::{MiddlewareScope, RateLimit};
use fastsio::prelude::*;
use fastsio::service::EngineService;
use fastsio_examples::conformance::Echo;
use fastsio_tests::http::{get, request};
use fastsio_tests::server::{TestServer, eventually, eventually_async};
use fastsio_tests::sio::connect;
use fastsio_tests::ws::{WsClient, WsEvent};
use futures_util::{SinkExt, StreamExt};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

/// One test of this file at a time (memory readings stay meaningful).
static SERIAL: Mutex<()> = Mutex::const_new(());

const MB: usize = 1024 * 1024;

/// The resident memory of this test process, in bytes (`VmRSS` of `/proc/self/status`).
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("a VmRSS line");
    let kb: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmRSS in kB");
    kb * 1024
}

#[track_caller]
fn assert_rss_growth_below(before: usize, after: usize, bound: usize, what: &str) {
    let grown = after.saturating_sub(before);
    assert!(
        grown < bound,
        "{what}: resident memory grew by {} KiB (from {} KiB to {} KiB), bound {} KiB",
        grown / 1024,
        before / 1024,
        after / 1024,
        bound / 1024
    );
}

/// Runs `count` copies of `job` (given their index), at most `width` at a time.
async fn run_many<F, Fut>(count: usize, width: usize, job: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..width)
        .map(|_| {
            let (job, next) = (job.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    job(i).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
}

/// A keep-alive HTTP client shared by many polling requests (one TCP connection per request
/// would exhaust the loopback ports over thousands of cycles).
type Http = Client<HttpConnector, Full<Bytes>>;

fn http_client() -> Http {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn send(
    client: &Http,
    method: Method,
    url: &str,
    body: impl Into<Bytes>,
) -> (StatusCode, Bytes) {
    let req = Request::builder()
        .method(method)
        .uri(url)
        .body(Full::new(body.into()))
        .expect("request");
    let res = client.request(req).await.expect("request sent");
    let status = res.status();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, body)
}

fn builder() -> fastsio::ServerBuilder {
    Server::builder()
        .ping_interval(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(5))
}

const WS_PATH: &str = "/socket.io/?EIO=4&transport=websocket";
const POLL_PATH: &str = "/socket.io/?EIO=4&transport=polling";

/// The Engine.IO session id of a polling handshake answer (`0{"sid":..}`).
fn open_sid(body: &[u8]) -> String {
    let text = std::str::from_utf8(body).expect("UTF-8 open packet");
    let open: Value = serde_json::from_str(text.strip_prefix('0').expect("open packet"))
        .unwrap_or_else(|e| panic!("open packet {text:?}: {e}"));
    open["sid"].as_str().expect("sid").to_string()
}

fn payload_packets(body: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(body)
        .split('\u{1e}')
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_messages_and_bodies_close_the_session_without_growing_memory() {
    let _serial = SERIAL.lock().await;
    const MAX: usize = 10_000;
    const ATTEMPTS: usize = 1000;
    let io = builder().max_payload(MAX).build().unwrap();
    let server = Arc::new(TestServer::start(io.service()).await);
    let client = http_client();
    let big = Arc::new("4".to_string() + &"x".repeat(2 * MAX));

    let ws_attempt = {
        let (server, big) = (server.clone(), big.clone());
        move |_| {
            let (server, big) = (server.clone(), big.clone());
            async move {
                let mut ws = WsClient::connect(&server.ws(WS_PATH)).await;
                assert!(ws.next_text().await.starts_with("0{"));
                ws.send_text(&big).await;
                ws.expect_closed().await;
            }
        }
    };
    let poll_attempt = {
        let (server, big, client) = (server.clone(), big.clone(), client.clone());
        move |_| {
            let (server, big, client) = (server.clone(), big.clone(), client.clone());
            async move {
                let (status, body) = send(&client, Method::GET, &server.http(POLL_PATH), "").await;
                assert_eq!(status, StatusCode::OK);
                let url = server.http(&format!("{POLL_PATH}&sid={}", open_sid(&body)));
                let (status, _) = send(&client, Method::POST, &url, big.as_bytes().to_vec()).await;
                assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
                let (status, _) = send(&client, Method::GET, &url, "").await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "the session is gone");
            }
        }
    };

    // Warm-up: allocator arenas, the runtime's and the client pool's buffers.
    run_many(50, 8, ws_attempt.clone()).await;
    run_many(50, 8, poll_attempt.clone()).await;
    eventually("warm-up sessions freed", || io.connection_count() == 0).await;
    let before = rss();

    run_many(ATTEMPTS, 16, ws_attempt).await;
    eventually("websocket sessions freed", || io.connection_count() == 0).await;
    run_many(ATTEMPTS, 16, poll_attempt).await;
    eventually("polling sessions freed", || io.connection_count() == 0).await;
    assert!(io.sockets().is_empty());
    assert_rss_growth_below(
        before,
        rss(),
        20 * MB,
        "1000 oversized WebSocket messages + 1000 oversized polling bodies",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_dropped_while_a_reader_gets_every_broadcast() {
    let _serial = SERIAL.lock().await;
    let io = builder()
        .ping_timeout(Duration::from_secs(2))
        .configure(|c| c.engine.max_buffered_frames = 64)
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut reader, _) = connect(&server, "/").await;
    let (mut stalled, _) = connect(&server, "/").await;
    assert_eq!(io.connection_count(), 2);
    let chunk = "y".repeat(32 * 1024);
    let before = rss();

    // In lockstep with the reader, so only the client that does not read falls behind. Its
    // kernel buffers (a few MB on loopback) fill first, then its 64-frame queue overflows.
    let mut sent = 0;
    while io.connection_count() == 2 {
        assert!(sent < 2000, "the stalled client was never dropped");
        io.emit_raw("b", &(sent, &chunk)).unwrap();
        let got = reader.next_skipping_pings().await;
        assert_eq!(got, WsEvent::Text(format!(r#"42["b",{sent},"{chunk}"]"#)));
        sent += 1;
    }
    eventually("the stalled client's socket is gone", || {
        io.sockets().len() == 1
    })
    .await;
    // The server keeps no more than its queue and the socket's buffers for the stalled client.
    assert_rss_growth_below(
        before,
        rss(),
        64 * MB,
        "broadcasts to a client that never reads",
    );
    for i in sent..sent + 20 {
        assert_eq!(io.emit_raw("b", &(i, "after")).unwrap(), 1);
        assert_eq!(
            reader.next_skipping_pings().await,
            WsEvent::Text(format!(r#"42["b",{i},"after"]"#))
        );
    }
    // What reached the stalled client's buffers is still readable, then the close.
    stalled.expect_closed().await;
    assert_eq!(io.connection_count(), 1);
    eprintln!("stalled client dropped after {sent} broadcasts of 32 KiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_newest_keeps_a_stalled_session_with_a_bounded_queue() {
    let _serial = SERIAL.lock().await;
    let mut config = EngineConfig::default();
    config.max_buffered_frames = 64;
    config.overflow = OverflowPolicy::DropNewest;
    config.ping_interval = Duration::from_secs(60);
    let engine = Engine::new(config, Echo);
    let server = TestServer::start(EngineService::new(engine.clone())).await;
    let mut stalled = WsClient::connect(&server.ws("/engine.io/?EIO=4&transport=websocket")).await;
    let open = stalled.next_text().await;
    let sid: Value = serde_json::from_str(&open[1..]).unwrap();
    let sid = sid["sid"].as_str().unwrap().parse().unwrap();
    let mut reader = WsClient::connect(&server.ws("/engine.io/?EIO=4&transport=websocket")).await;
    reader.next_text().await;

    let session = engine.session(sid).expect("the stalled session");
    let chunk = "z".repeat(32 * 1024);
    let (mut queued, mut dropped) = (0, 0);
    for i in 0..2000 {
        match session.send(Frame::message(&chunk)) {
            Ok(()) => queued += 1,
            Err(_) => dropped += 1,
        }
        assert!(session.queued() <= 64, "queue at {}", session.queued());
        if i % 50 == 0 {
            // Meanwhile the other session is served.
            reader.send_text(&format!("4ping {i}")).await;
            assert_eq!(
                reader.next_skipping_pings().await,
                WsEvent::Text(format!("4ping {i}"))
            );
            tokio::task::yield_now().await;
        }
    }
    assert!(dropped > 0, "the queue never filled ({queued} queued)");
    assert!(!session.is_closed(), "DropNewest keeps the session");
    assert_eq!(engine.session_count(), 2);
    drop(stalled);
    eventually("the stalled session is freed once it goes", || {
        engine.session_count() == 1
    })
    .await;
    eprintln!("DropNewest: {queued} frames queued, {dropped} dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_then_abandon_cycles_leave_no_session_or_socket_behind() {
    let _serial = SERIAL.lock().await;
    const CYCLES: usize = 10_000;
    const WARM_UP: usize = 1000;
    let connected = Arc::new(AtomicUsize::new(0));
    let on_connect = {
        let connected = connected.clone();
        move || {
            connected.fetch_add(1, Ordering::SeqCst);
            async {}
        }
    };
    let io = builder()
        .ping_interval(Duration::from_millis(400))
        .ping_timeout(Duration::from_millis(300))
        .routes(Routes::new("/").on_connect(on_connect))
        .build()
        .unwrap();
    let server = Arc::new(TestServer::start(io.service()).await);
    let client = http_client();

    // Polling: handshake, CONNECT (counted by the connect handler), then never poll again
    // (freed by the heartbeat).
    let poll_cycle = {
        let (server, client) = (server.clone(), client.clone());
        move |_| {
            let (server, client) = (server.clone(), client.clone());
            async move {
                let (status, body) = send(&client, Method::GET, &server.http(POLL_PATH), "").await;
                assert_eq!(status, StatusCode::OK);
                let url = server.http(&format!("{POLL_PATH}&sid={}", open_sid(&body)));
                let (status, _) = send(&client, Method::POST, &url, "40").await;
                assert_eq!(status, StatusCode::OK);
            }
        }
    };
    // WebSocket: handshake, CONNECT, reply, then the TCP connection just drops (no close).
    let ws_cycle = {
        let server = server.clone();
        move |_| {
            let server = server.clone();
            async move {
                let mut ws = WsClient::connect(&server.ws(WS_PATH)).await;
                assert!(ws.next_text().await.starts_with("0{"));
                ws.send_text("40").await;
                assert!(ws.next_skipping_pings().await != WsEvent::Closed);
                drop(ws);
            }
        }
    };
    let settled = || io.connection_count() == 0 && io.sockets().is_empty();

    // Warm-up, until the allocator's high-water mark for this many sessions in flight is
    // reached (abandoned polling sessions live until their heartbeat fails).
    run_many(WARM_UP, 32, poll_cycle.clone()).await;
    run_many(WARM_UP, 32, ws_cycle.clone()).await;
    eventually("warm-up freed", settled).await;
    let before_ws = rss();

    let started = std::time::Instant::now();
    run_many(CYCLES, 32, ws_cycle).await;
    eventually("websocket cycles freed", settled).await;
    let ws_time = started.elapsed();
    let after_ws = rss();
    let started = std::time::Instant::now();
    run_many(CYCLES, 32, poll_cycle).await;
    eventually("polling cycles freed", settled).await;
    let poll_time = started.elapsed();
    let after_poll = rss();
    assert_eq!(connected.load(Ordering::SeqCst), 2 * (WARM_UP + CYCLES));
    eprintln!(
        "{CYCLES} cycles each: websocket {ws_time:?} (rss {} -> {} KiB), polling {poll_time:?} \
         (rss -> {} KiB)",
        before_ws / 1024,
        after_ws / 1024,
        after_poll / 1024
    );
    // A WebSocket session is freed as soon as its connection drops: memory stays flat.
    assert_rss_growth_below(
        before_ws,
        after_ws,
        10 * MB,
        "10 000 WebSocket connect-then-abandon cycles",
    );
    // Abandoned polling sessions live until their heartbeat fails (0.7 s here), so how many
    // are alive at once, and the allocator's high-water mark with them, varies with the
    // machine's speed. A leak of one session per cycle would cost well over 100 MB.
    assert_rss_growth_below(
        after_ws,
        after_poll,
        40 * MB,
        "10 000 polling connect-then-abandon cycles",
    );
}

/// Polls `url` and answers pings until a payload carries the close packet (bounded); every
/// answer on the way is a 200.
async fn poll_until_closed(client: &Http, url: &str) {
    for _ in 0..200 {
        let (status, body) = send(client, Method::GET, url, "").await;
        assert_eq!(status, StatusCode::OK, "a poll of a live client");
        let packets = payload_packets(&body);
        if packets.last().is_some_and(|p| p == "1") {
            return;
        }
        if packets.iter().any(|p| p == "2") {
            let (status, _) = send(client, Method::POST, url, "3").await;
            assert_eq!(status, StatusCode::OK);
        }
    }
    panic!("no close packet for {url}");
}

/// 2000 polling handshakes, then nothing: no CONNECT, no further request. The connect timeout
/// closes them (a server close) after their first ping and before their heartbeat's deadline
/// (`ping_interval + ping_timeout` after the handshake); past that deadline every one of them
/// answers 400 and the session table is empty, as with node. Clients that keep polling (and
/// answering pings) still get their close packet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_polling_sessions_are_gone_by_their_heartbeat_deadline() {
    let _serial = SERIAL.lock().await;
    const ABANDONED: usize = 2000;
    const POLLING: usize = 20;
    let (interval, timeout) = (Duration::from_millis(300), Duration::from_millis(1500));
    let io = Server::builder()
        .ping_interval(interval)
        .ping_timeout(timeout)
        .connect_timeout(Duration::from_millis(1000))
        .build()
        .unwrap();
    let server = Arc::new(TestServer::start(io.service()).await);
    let client = http_client();

    let polling: Vec<_> = (0..POLLING)
        .map(|_| {
            let (server, client) = (server.clone(), client.clone());
            tokio::spawn(async move {
                let (_, body) = send(&client, Method::GET, &server.http(POLL_PATH), "").await;
                let url = server.http(&format!("{POLL_PATH}&sid={}", open_sid(&body)));
                poll_until_closed(&client, &url).await;
                url
            })
        })
        .collect();
    let sids = Arc::new(std::sync::Mutex::new(Vec::with_capacity(ABANDONED)));
    run_many(ABANDONED, 32, {
        let (server, client, sids) = (server.clone(), client.clone(), sids.clone());
        move |_| {
            let (server, client, sids) = (server.clone(), client.clone(), sids.clone());
            async move {
                let (status, body) = send(&client, Method::GET, &server.http(POLL_PATH), "").await;
                assert_eq!(status, StatusCode::OK);
                sids.lock().unwrap().push(open_sid(&body));
            }
        }
    })
    .await;
    // Every session was created before its handshake was answered, so this is past every
    // abandoned session's deadline.
    tokio::time::sleep_until(tokio::time::Instant::now() + interval + timeout).await;

    for url in polling {
        let url = url.await.expect("a polling client got its close packet");
        let (status, _) = send(&client, Method::GET, &url, "").await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "a poll after the close packet"
        );
    }
    let sids = std::mem::take(&mut *sids.lock().unwrap());
    assert_eq!(sids.len(), ABANDONED);
    // The most recent sessions first: they are the ones closest to their deadline.
    for sid in sids.iter().rev() {
        let url = server.http(&format!("{POLL_PATH}&sid={sid}"));
        let (status, body) = send(&client, Method::GET, &url, "").await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "abandoned session {sid} past its deadline answered {:?}",
            String::from_utf8_lossy(&body)
        );
    }
    eventually("every session freed", || io.connection_count() == 0).await;
}

/// Spawns `count` tasks that each wait a minute for an ack the client never sends, and
/// returns once every wait is registered on the socket.
async fn spawn_ack_waiters(
    socket: &SocketRef,
    count: usize,
) -> Vec<tokio::task::JoinHandle<Result<Value, fastsio::ack::AckError>>> {
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let socket = socket.clone();
            tokio::spawn(async move {
                socket
                    .emit_raw_with_ack::<_, Value>("q", &i, Duration::from_secs(60))
                    .await
            })
        })
        .collect();
    eventually("every waiter registered", || socket.pending_acks() == count).await;
    tasks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_timeouts_cancellations_and_disconnects_leave_no_waiters() {
    let _serial = SERIAL.lock().await;
    let io = builder().routes(Routes::new("/")).build().unwrap();
    let server = TestServer::start(io.service()).await;
    let (ws, _) = connect(&server, "/").await;
    let socket = io.sockets().remove(0);

    // Timeouts: the client never acks.
    let waits = (0..2000).map(|i| {
        let socket = socket.clone();
        async move {
            socket
                .emit_raw_with_ack::<_, Value>("q", &i, Duration::from_millis(20))
                .await
        }
    });
    let results = futures_util::future::join_all(waits).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(fastsio::ack::AckError::Timeout)))
    );
    assert_eq!(socket.pending_acks(), 0);

    // Cancelled waits (the waiting task is dropped).
    let tasks = spawn_ack_waiters(&socket, 200).await;
    for t in &tasks {
        t.abort();
    }
    for t in tasks {
        assert!(t.await.unwrap_err().is_cancelled());
    }
    assert_eq!(socket.pending_acks(), 0);

    // The client goes away while acks are awaited.
    let tasks = spawn_ack_waiters(&socket, 200).await;
    drop(ws);
    for t in tasks {
        let r = tokio::time::timeout(Duration::from_secs(5), t)
            .await
            .expect("a disconnect ends the wait")
            .unwrap();
        assert!(
            matches!(r, Err(fastsio::ack::AckError::Disconnected)),
            "{r:?}"
        );
    }
    assert_eq!(socket.pending_acks(), 0);
    eventually("connection freed", || io.connection_count() == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_flood_is_held_by_the_bounded_handler_queue_while_others_are_served() {
    let _serial = SERIAL.lock().await;
    const FLOOD: usize = 4000;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let handled = Arc::new(AtomicUsize::new(0));
    let slow = {
        let (gate, handled) = (gate.clone(), handled.clone());
        move || {
            let (gate, handled) = (gate.clone(), handled.clone());
            async move {
                gate.acquire().await.unwrap().forget();
                handled.fetch_add(1, Ordering::SeqCst);
            }
        }
    };
    async fn echo(Data(v): Data<Value>) -> Ack<Value> {
        Ack(v)
    }
    let io = builder()
        .configure(|c| c.max_pending_events = 16)
        .routes(Routes::new("/").on("slow", slow).on("echo", echo))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut bystander, _) = connect(&server, "/").await;
    let before = rss();

    // ~64 MB of events if the server buffered them all.
    let (mut flooder, _) = connect(&server, "/").await;
    let filler = "f".repeat(16 * 1024);
    let flood = tokio::spawn(async move {
        for _ in 0..FLOOD {
            flooder
                .send_text(&format!(r#"42["slow","{filler}"]"#))
                .await;
        }
        flooder
    });
    // The flooder's handler is stuck: the server stops reading from it, its sends back up.
    for i in 0..50 {
        bystander.send_text(&format!(r#"42{i}["echo",{i}]"#)).await;
        assert_eq!(
            bystander.next_skipping_pings().await,
            WsEvent::Text(format!("43{i}[{i}]"))
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !flood.is_finished(),
        "the server read the whole flood while its handler was stuck"
    );
    assert_eq!(handled.load(Ordering::SeqCst), 0);
    assert_rss_growth_below(before, rss(), 32 * MB, "a flood held by backpressure");

    // Released, every event is handled: backpressure loses nothing.
    gate.add_permits(FLOOD);
    let flooder = tokio::time::timeout(Duration::from_secs(60), flood)
        .await
        .expect("the flood drains once the handler runs")
        .unwrap();
    eventually_async("every flood event handled", || {
        let handled = handled.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(40)).await;
            handled.load(Ordering::SeqCst) == FLOOD
        }
    })
    .await;
    drop(flooder);
    eventually("flooder freed", || io.connection_count() == 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_flood_is_held_by_a_rate_limit() {
    let _serial = SERIAL.lock().await;
    let handled = Arc::new(AtomicUsize::new(0));
    let count = {
        let handled = handled.clone();
        move || {
            let handled = handled.clone();
            async move {
                handled.fetch_add(1, Ordering::SeqCst);
                Ack(true)
            }
        }
    };
    let io = builder()
        .routes(
            Routes::new("/")
                .middleware(RateLimit::new(10, Duration::from_secs(3600)).events(["count"]))
                .on("count", count),
        )
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, _) = connect(&server, "/").await;
    let (mut other, _) = connect(&server, "/").await;
    for id in 0..1000 {
        ws.send_text(&format!(r#"42{id}["count"]"#)).await;
    }
    let mut limited = 0;
    for id in 0..1000 {
        let reply = ws.next_skipping_pings().await;
        let WsEvent::Text(reply) = reply else {
            panic!("{reply:?}")
        };
        let body = reply
            .strip_prefix(&format!("43{id}"))
            .unwrap_or_else(|| panic!("{reply}"));
        let v: Value = serde_json::from_str(body).unwrap();
        if v[0]["error"]["code"] == "rate_limited" {
            limited += 1;
        } else {
            assert_eq!(v, json!([true]));
        }
    }
    assert_eq!(limited, 990);
    assert_eq!(handled.load(Ordering::SeqCst), 10);
    // The limit is per socket: another client still gets its own burst.
    other.send_text(r#"421["count"]"#).await;
    assert_eq!(other.next_text().await, "431[true]");
}

/// Counts panics from here on (any thread), keeping the default report.
fn panic_counter() -> &'static AtomicUsize {
    static PANICS: AtomicUsize = AtomicUsize::new(0);
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
    &PANICS
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_under_load_closes_every_client() {
    let _serial = SERIAL.lock().await;
    const WS_CLIENTS: usize = 24;
    const POLL_CLIENTS: usize = 8;
    let panics = panic_counter();
    let panics_before = panics.load(Ordering::SeqCst);
    let received = Arc::new(AtomicUsize::new(0));
    let on_n = {
        let received = received.clone();
        move |socket: SocketRef, Data(n): Data<u64>| {
            let received = received.clone();
            async move {
                received.fetch_add(1, Ordering::Relaxed);
                let _ = socket.broadcast().emit_raw("n", &n);
                Ack(n)
            }
        }
    };
    let io = builder()
        .ping_timeout(Duration::from_secs(2))
        .routes(Routes::new("/").on("n", on_n))
        .build()
        .unwrap();
    let server = Arc::new(TestServer::start(io.service()).await);
    let client = http_client();

    // Every client connects first; then they all load the server at once.
    let mut ws_clients = Vec::new();
    for _ in 0..WS_CLIENTS {
        ws_clients.push(raw_connect(&server).await);
    }
    let mut poll_urls = Vec::new();
    for _ in 0..POLL_CLIENTS {
        let (status, body) = send(&client, Method::GET, &server.http(POLL_PATH), "").await;
        assert_eq!(status, StatusCode::OK);
        let url = server.http(&format!("{POLL_PATH}&sid={}", open_sid(&body)));
        assert_eq!(
            send(&client, Method::POST, &url, "40").await.0,
            StatusCode::OK
        );
        poll_urls.push(url);
    }
    assert_eq!(io.connection_count(), WS_CLIENTS + POLL_CLIENTS);

    let mut clients = Vec::new();
    for (mut sink, mut stream) in ws_clients {
        let writer = tokio::spawn(async move {
            let mut n = 0u64;
            // Stops when the server has closed the connection.
            while sink
                .send(Message::Text(format!(r#"42{n}["n",{n}]"#).into()))
                .await
                .is_ok()
            {
                n += 1;
                tokio::task::yield_now().await;
            }
        });
        clients.push(tokio::spawn(async move {
            let closed = tokio::time::timeout(Duration::from_secs(20), async {
                while let Some(Ok(msg)) = stream.next().await {
                    if let Message::Close(_) = msg {
                        return true;
                    }
                }
                true
            })
            .await;
            let _ = writer.await;
            closed.is_ok()
        }));
    }
    for url in poll_urls {
        let client = client.clone();
        clients.push(tokio::spawn(async move {
            let mut n = 0u64;
            let poll = async {
                loop {
                    let (status, body) = send(&client, Method::GET, &url, "").await;
                    if status != StatusCode::OK {
                        return;
                    }
                    let packets = payload_packets(&body);
                    if packets.iter().any(|p| p == "1") {
                        return;
                    }
                    if packets.iter().any(|p| p == "2") {
                        let _ = send(&client, Method::POST, &url, "3").await;
                    }
                    let _ = send(&client, Method::POST, &url, format!(r#"42{n}["n",{n}]"#)).await;
                    n += 1;
                }
            };
            tokio::time::timeout(Duration::from_secs(20), poll)
                .await
                .is_ok()
        }));
    }
    eventually("the load is running", || {
        received.load(Ordering::Relaxed) > 1000
    })
    .await;

    io.close();
    for (i, c) in clients.into_iter().enumerate() {
        assert!(
            c.await.unwrap(),
            "client {i} never saw its connection closed"
        );
    }
    eventually_async("every session freed", || async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        io.connection_count() == 0 && io.sockets().is_empty()
    })
    .await;
    assert_eq!(
        panics.load(Ordering::SeqCst),
        panics_before,
        "something panicked during the shutdown"
    );
}

type WsSink = futures_util::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;
type WsStream = futures_util::stream::SplitStream<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
>;

/// A raw WebSocket connected to the main namespace, split in halves (to write while reading).
async fn raw_connect(server: &TestServer) -> (WsSink, WsStream) {
    let (ws, _) = connect_async(server.ws(WS_PATH)).await.expect("handshake");
    let (mut sink, mut stream) = ws.split();
    let mut next_text = async || match stream.next().await {
        Some(Ok(Message::Text(t))) => t.to_string(),
        other => panic!("expected a text frame, got {other:?}"),
    };
    assert!(next_text().await.starts_with("0{"));
    sink.send(Message::Text("40".into())).await.expect("send");
    assert!(next_text().await.starts_with("40{"));
    (sink, stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ids_are_22_url_safe_chars_and_distinct() {
    let _serial = SERIAL.lock().await;
    const HANDSHAKES: usize = 10_000;
    let io = builder()
        .ping_interval(Duration::from_millis(1000))
        .ping_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let server = Arc::new(TestServer::start(io.service()).await);
    let client = http_client();
    let sids = Arc::new(std::sync::Mutex::new(HashSet::new()));
    run_many(HANDSHAKES, 32, {
        let (server, client, sids) = (server.clone(), client.clone(), sids.clone());
        move |_| {
            let (server, client, sids) = (server.clone(), client.clone(), sids.clone());
            async move {
                let (status, body) = send(&client, Method::GET, &server.http(POLL_PATH), "").await;
                assert_eq!(status, StatusCode::OK);
                let sid = open_sid(&body);
                assert_eq!(sid.len(), 22, "{sid}");
                assert!(
                    sid.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                    "{sid}"
                );
                assert!(sids.lock().unwrap().insert(sid.clone()), "{sid} twice");
            }
        }
    })
    .await;
    assert_eq!(sids.lock().unwrap().len(), HANDSHAKES);
    eventually("abandoned handshakes freed", || io.connection_count() == 0).await;
}

#[tokio::test]
async fn cors_is_closed_until_configured() {
    let _serial = SERIAL.lock().await;
    let io = builder().build().unwrap();
    let server = TestServer::start(io.service()).await;
    let url = server.http(POLL_PATH);
    let origin = [("origin", "https://evil.example")];
    let reply = request(Method::GET, &url, &origin, "").await;
    assert_eq!(reply.status, StatusCode::OK);
    let sid = open_sid(&reply.body);
    let poll = format!("{url}&sid={sid}");
    let posted = request(Method::POST, &poll, &origin, "40").await;
    assert_eq!(posted.status, StatusCode::OK);
    let polled = request(Method::GET, &poll, &origin, "").await;
    let preflight = request(
        Method::OPTIONS,
        &url,
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "POST"),
        ],
        "",
    )
    .await;
    for reply in [&reply, &posted, &polled, &preflight] {
        for name in [
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-allow-methods",
            "access-control-allow-headers",
        ] {
            assert!(
                reply.headers.get(name).is_none(),
                "{name} in a default server's answer: {reply:?}"
            );
        }
    }
}

#[tokio::test]
async fn allow_request_refuses_by_origin() {
    let _serial = SERIAL.lock().await;
    let io = builder()
        .allow_request(AllowRequest::new(|req| {
            let ok = req
                .headers
                .get("origin")
                .is_some_and(|o| o == "https://app.example");
            async move {
                if ok {
                    Ok(())
                } else {
                    Err("origin not allowed".to_string())
                }
            }
        }))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let url = server.http(POLL_PATH);
    let refused = request(Method::GET, &url, &[("origin", "https://evil.example")], "").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json(), json!({"code": 4, "message": "Forbidden"}));
    assert_eq!(get(&url).await.status, StatusCode::FORBIDDEN, "no origin");
    let ws = WsClient::try_connect(&server.ws(WS_PATH)).await;
    assert!(ws.err().is_some_and(|e| e.contains("403")));
    assert_eq!(io.connection_count(), 0);
    let allowed = request(Method::GET, &url, &[("origin", "https://app.example")], "").await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(io.connection_count(), 1);
}

#[tokio::test]
async fn nothing_from_one_namespace_reaches_another() {
    let _serial = SERIAL.lock().await;
    async fn join(socket: SocketRef, Data(room): Data<String>) -> Ack<bool> {
        socket.join(room);
        Ack(true)
    }
    async fn shout(socket: SocketRef, Data(text): Data<String>) {
        socket.broadcast().emit_raw("shout", &text).unwrap();
        socket.within("r").emit_raw("room", &text).unwrap();
    }
    let admin_seen = Arc::new(AtomicUsize::new(0));
    let secret = {
        let admin_seen = admin_seen.clone();
        move || {
            let admin_seen = admin_seen.clone();
            async move {
                admin_seen.fetch_add(1, Ordering::SeqCst);
                Ack("secret")
            }
        }
    };
    let io = builder()
        .routes(Routes::new("/").on("join", join).on("shout", shout))
        .routes(
            Routes::new("/admin")
                .on("join", join)
                .on("shout", shout)
                .on("secret", secret),
        )
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut main, _) = connect(&server, "/").await;
    let (mut admin, _) = connect(&server, "/admin").await;
    main.send_text(r#"421["join","r"]"#).await;
    assert_eq!(main.next_text().await, "431[true]");
    admin.send_text(r#"42/admin,1["join","r"]"#).await;
    assert_eq!(admin.next_text().await, "43/admin,1[true]");

    // Server-side emits to a namespace, and to a room of the same name in another.
    assert_eq!(
        io.of("/admin").unwrap().emit_raw("to-admin", &1).unwrap(),
        1
    );
    assert_eq!(
        io.of("/admin")
            .unwrap()
            .to("r")
            .emit_raw("admin-room", &2)
            .unwrap(),
        1
    );
    assert_eq!(io.to("r").emit_raw("main-room", &3).unwrap(), 1);
    // A client's broadcasts stay in its namespace.
    admin.send_text(r#"42/admin,["shout","from admin"]"#).await;
    main.send_text(r#"42["shout","from main"]"#).await;
    // An event for a namespace the connection never joined reaches no handler.
    main.send_text(r#"42/admin,5["secret"]"#).await;
    main.send_text(r#"42/admin,["shout","sneaky"]"#).await;
    // Acks as sentinels: each socket's events are handled in order, so once the ack is in,
    // everything the earlier events emitted has been queued.
    main.send_text(r#"422["join","s"]"#).await;
    admin.send_text(r#"42/admin,2["join","s"]"#).await;
    let mut main_got = Vec::new();
    loop {
        let t = main.next_text().await;
        if t == "432[true]" {
            break;
        }
        main_got.push(t);
    }
    let mut admin_got = Vec::new();
    loop {
        let t = admin.next_text().await;
        if t == "43/admin,2[true]" {
            break;
        }
        admin_got.push(t);
    }
    assert_eq!(
        main_got,
        vec![r#"42["main-room",3]"#, r#"42["room","from main"]"#]
    );
    assert_eq!(
        admin_got,
        vec![
            r#"42/admin,["to-admin",1]"#,
            r#"42/admin,["admin-room",2]"#,
            r#"42/admin,["room","from admin"]"#,
        ]
    );
    // And nothing after: the next packets are server emits sent now.
    assert_eq!(io.emit_raw("last", &()).unwrap(), 1);
    assert_eq!(io.of("/admin").unwrap().emit_raw("last", &()).unwrap(), 1);
    assert_eq!(main.next_text().await, r#"42["last"]"#);
    assert_eq!(admin.next_text().await, r#"42/admin,["last"]"#);
    assert_eq!(admin_seen.load(Ordering::SeqCst), 0);
    assert_eq!(io.of("/admin").unwrap().sockets().len(), 1);
    assert_eq!(io.sockets().len(), 1);
}

#[tokio::test]
async fn one_socket_never_reads_another_sockets_session() {
    let _serial = SERIAL.lock().await;
    #[derive(Clone)]
    struct Secret(String);
    async fn set(socket: SocketRef, Data(v): Data<String>) -> Ack<bool> {
        socket.insert(Secret(v));
        Ack(true)
    }
    async fn read(Session(Secret(v)): Session<Secret>) -> Ack<String> {
        Ack(v)
    }
    async fn peek(socket: SocketRef) -> Ack<Option<String>> {
        Ack(socket.get::<Secret>().map(|s| s.0))
    }
    let io = builder()
        .routes(
            Routes::new("/")
                .on("set", set)
                .on("read", read)
                .on("peek", peek),
        )
        .routes(Routes::new("/other").on("peek", peek))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut alice, _) = connect(&server, "/").await;
    let (mut bob, _) = connect(&server, "/").await;
    alice.send_text(r#"421["set","alice's"]"#).await;
    assert_eq!(alice.next_text().await, "431[true]");
    bob.send_text(r#"421["peek"]"#).await;
    assert_eq!(bob.next_text().await, "431[null]");
    bob.send_text(r#"422["read"]"#).await;
    let reply = bob.next_text().await;
    assert!(
        reply.starts_with(r#"432[{"error":{"code":"session_missing""#),
        "{reply}"
    );
    bob.send_text(r#"423["set","bob's"]"#).await;
    assert_eq!(bob.next_text().await, "433[true]");
    alice.send_text(r#"422["read"]"#).await;
    assert_eq!(alice.next_text().await, r#"432["alice's"]"#);
    bob.send_text(r#"424["read"]"#).await;
    assert_eq!(bob.next_text().await, r#"434["bob's"]"#);
    // Even the same connection's socket in another namespace has its own session.
    alice.send_text("40/other,").await;
    assert!(alice.next_text().await.starts_with("40/other,"));
    alice.send_text(r#"42/other,5["peek"]"#).await;
    assert_eq!(alice.next_text().await, "43/other,5[null]");
}

#[tokio::test]
async fn max_connections_refuses_new_handshakes_with_503_until_a_slot_frees() {
    let _serial = SERIAL.lock().await;
    let io = builder()
        .configure(|c| c.engine.max_connections = Some(3))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (first, _) = connect(&server, "/").await;
    let (_second, _) = connect(&server, "/").await;
    let polling = get(&server.http(POLL_PATH)).await;
    assert_eq!(polling.status, StatusCode::OK);
    let sid = open_sid(&polling.body);
    assert_eq!(io.connection_count(), 3);

    for _ in 0..20 {
        let refused = get(&server.http(POLL_PATH)).await;
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            refused.json(),
            json!({"code": 3, "message": "Too many connections"})
        );
        let ws = WsClient::try_connect(&server.ws(WS_PATH)).await;
        assert!(ws.err().is_some_and(|e| e.contains("503")));
    }
    // The open sessions are not affected.
    let poll = server.http(&format!("{POLL_PATH}&sid={sid}"));
    assert_eq!(
        request(Method::POST, &poll, &[], "40").await.status,
        StatusCode::OK
    );
    assert_eq!(io.connection_count(), 3);

    // A session that goes gives its slot back.
    first.close().await;
    eventually("the closed session is freed", || io.connection_count() == 2).await;
    let (_third, _) = connect(&server, "/").await;
    assert_eq!(io.connection_count(), 3);
    let ws = WsClient::try_connect(&server.ws(WS_PATH)).await;
    assert!(ws.err().is_some_and(|e| e.contains("503")));
}
