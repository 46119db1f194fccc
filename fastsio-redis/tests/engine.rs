//! The `RedisEngine` at the Engine.IO level, over raw HTTP and WebSocket on two nodes: a
//! polling session opened on A is served by B (requests forwarded to A, heartbeats included),
//! a WebSocket upgrade on B during the connect delay moves the session to B, and one after it
//! is refused (the client stays on polling, forwarded).

mod common;

use std::time::Duration;

use common::{prefix, redis};
use fastsio::prelude::*;
use fastsio_redis::{RedisEngine, RedisEngineConfig};
use fastsio_tests::http::{get, post};
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::ws::WsClient;

/// A bare Socket.IO node on a `RedisEngine` with this connect delay.
async fn node(url: &str, prefix: &str, delay: Duration) -> (Io, TestServer) {
    let engine = RedisEngine::new(
        RedisEngineConfig::new(url)
            .channel_prefix(prefix)
            .connect_delay(delay),
    )
    .unwrap();
    let io = Server::builder()
        .ping_interval(Duration::from_millis(300))
        .session_cluster(engine.clone())
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    eventually("engine subscribed", || engine.is_subscribed()).await;
    (io, server)
}

/// Opens a polling session on `server`; its sid.
async fn open(server: &TestServer) -> String {
    let open = get(&server.http("/socket.io/?EIO=4&transport=polling")).await;
    let text = open.text();
    assert!(text.starts_with("0{"), "{text}");
    text.split('"').nth(3).unwrap().to_string()
}

fn polling(server: &TestServer, sid: &str) -> String {
    server.http(&format!("/socket.io/?EIO=4&transport=polling&sid={sid}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_during_the_delay_moves_the_session_to_its_node() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    // A delay far longer than the test: the session cannot connect on A before B asks.
    let (io_a, a) = node(&redis.url, &prefix, Duration::from_secs(30)).await;
    let (io_b, b) = node(&redis.url, &prefix, Duration::from_secs(30)).await;
    let sid = open(&a).await;
    // The CONNECT goes through B to A, where it waits for the delay to end.
    assert_eq!(post(&polling(&b, &sid), "40").await.text(), "ok");
    assert!(io_a.sockets().is_empty());

    let mut ws =
        WsClient::connect(&b.ws(&format!("/socket.io/?EIO=4&transport=websocket&sid={sid}"))).await;
    ws.send_text("2probe").await;
    assert_eq!(ws.next_text().await, "3probe");
    ws.send_text("5").await;
    // B took the session over, with the CONNECT that waited on A: answered here.
    let connected = ws.next_text().await;
    assert!(connected.starts_with("40{\"sid\":"), "{connected}");
    assert_eq!(io_b.sockets().len(), 1);
    assert_eq!(io_a.connection_count(), 0);
    // A no longer holds it: a poll there is forwarded to B, where the session is on WebSocket.
    assert_eq!(get(&polling(&a, &sid)).await.status, 400);
    ws.send_text("42[\"still\",\"here\"]").await;
    ws.send_text("1").await;
    eventually("session closed on B", || io_b.connection_count() == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_delay_polling_is_forwarded_and_upgrades_elsewhere_are_refused() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let (io_a, a) = node(&redis.url, &prefix, Duration::ZERO).await;
    let (io_b, b) = node(&redis.url, &prefix, Duration::ZERO).await;
    let sid = open(&a).await;
    let on_b = polling(&b, &sid);
    assert_eq!(post(&on_b, "40").await.text(), "ok");
    // A's answers, through B: the CONNECT reply, then a ping, answered through B too.
    let connected = get(&on_b).await;
    assert!(
        connected.text().starts_with("40{\"sid\":"),
        "{}",
        connected.text()
    );
    assert_eq!(io_a.sockets().len(), 1);
    assert_eq!(get(&on_b).await.text(), "2");
    assert_eq!(post(&on_b, "3").await.text(), "ok");
    // The session is connected on A: it cannot move to B.
    let upgrade = fastsio_tests::http::request(
        http::Method::GET,
        &b.http(&format!("/socket.io/?EIO=4&transport=websocket&sid={sid}")),
        &[
            ("upgrade", "websocket"),
            ("connection", "Upgrade"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("sec-websocket-version", "13"),
        ],
        bytes::Bytes::new(),
    )
    .await;
    assert_eq!(upgrade.status, 400);
    assert_eq!(io_b.connection_count(), 0);
    // Still served on polling through B: the next ping, and the client's close.
    assert_eq!(get(&on_b).await.text(), "2");
    assert_eq!(post(&on_b, "3").await.text(), "ok");
    assert_eq!(post(&on_b, "1").await.text(), "ok");
    // The poll that goes with the client's close gets its noop, as on a single node.
    assert_eq!(get(&on_b).await.text(), "6");
    eventually("session closed on A", || io_a.connection_count() == 0).await;
    // Nobody holds it any more: 400, as on a single node.
    assert_eq!(get(&on_b).await.status, 400);
}
