//! Engine.IO v3 (socket.io 2.x clients) over real loopback sockets: length-prefixed payloads,
//! binary payloads, client-initiated heartbeat, `\x04`-prefixed WebSocket binary.

use std::time::Duration;

use fastsio::engine::Engine;
use fastsio::service::EngineService;
use fastsio_examples::conformance::{Echo, echo_engine, engine_config};
use fastsio_tests::http::{get, post, request};
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::ws::{WsClient, WsEvent};
use http::{Method, StatusCode};

async fn open_v3(server: &TestServer, extra: &str) -> String {
    let reply = get(&server.http(&format!("/engine.io/?EIO=3&transport=polling{extra}"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let text = reply.text();
    let (len, rest) = text.split_once(':').expect("length-prefixed open packet");
    assert_eq!(len.parse::<usize>().unwrap(), rest.encode_utf16().count());
    let open: serde_json::Value = serde_json::from_str(&rest[1..]).unwrap();
    open["sid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn v3_polling_uses_length_prefixes_and_client_pings() {
    let server = TestServer::start(EngineService::new(echo_engine())).await;
    let sid = open_v3(&server, "").await;
    let url = server.http(&format!("/engine.io/?EIO=3&transport=polling&sid={sid}"));
    let pushed = post(&url, "2:4\u{e9}3:4\u{1F600}1:2").await;
    assert_eq!(pushed.status, StatusCode::OK);
    assert_eq!(get(&url).await.text(), "2:4\u{e9}3:4\u{1F600}1:3");
    assert_eq!(
        post(&url, "9:4missing").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn v3_binary_goes_as_base64_or_binary_payload() {
    let server = TestServer::start(EngineService::new(echo_engine())).await;
    let sid = open_v3(&server, "&b64=1").await;
    let url = server.http(&format!(
        "/engine.io/?EIO=3&transport=polling&sid={sid}&b64=1"
    ));
    assert_eq!(post(&url, "6:b4AQID").await.status, StatusCode::OK);
    assert_eq!(get(&url).await.text(), "6:b4AQID");

    let sid = open_v3(&server, "").await;
    let url = server.http(&format!("/engine.io/?EIO=3&transport=polling&sid={sid}"));
    let body = vec![1u8, 4, 255, 4, 1, 2, 3, 0, 3, 255, b'4', b'h', b'i'];
    let pushed = request(
        Method::POST,
        &url,
        &[("content-type", "application/octet-stream")],
        body.clone(),
    )
    .await;
    assert_eq!(pushed.status, StatusCode::OK);
    let polled = get(&url).await;
    assert_eq!(polled.headers["content-type"], "application/octet-stream");
    assert_eq!(&polled.body[..], &body[..]);
}

#[tokio::test]
async fn v3_sessions_close_without_client_pings() {
    let engine = echo_engine();
    let server = TestServer::start(EngineService::new(engine.clone())).await;
    open_v3(&server, "").await;
    eventually("v3 session timed out", || engine.session_count() == 0).await;
}

#[tokio::test]
async fn v3_websocket_binary_has_a_type_byte_and_pings_get_pongs() {
    let engine = echo_engine();
    let server = TestServer::start(EngineService::new(engine.clone())).await;
    let mut ws = WsClient::connect(&server.ws("/engine.io/?EIO=3&transport=websocket")).await;
    assert!(ws.next_text().await.starts_with("0{"));
    ws.send_text("2").await;
    assert_eq!(ws.next_text().await, "3");
    ws.send_binary(&[4, 9, 8]).await;
    assert_eq!(ws.next().await, WsEvent::Binary(vec![4, 9, 8].into()));
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        ws.send_text("2").await;
        assert_eq!(ws.next_text().await, "3");
    }
    assert_eq!(engine.session_count(), 1);
    ws.send_binary(&[5, 1]).await;
    ws.expect_closed().await;
}

#[tokio::test]
async fn v3_upgrade_from_polling() {
    let mut config = engine_config();
    config.ping_interval = Duration::from_secs(5);
    let engine = Engine::new(config, Echo);
    let server = TestServer::start(EngineService::new(engine)).await;
    let sid = open_v3(&server, "").await;
    let mut ws =
        WsClient::connect(&server.ws(&format!("/engine.io/?EIO=3&transport=websocket&sid={sid}")))
            .await;
    ws.send_text("2probe").await;
    assert_eq!(ws.next_text().await, "3probe");
    ws.send_text("5").await;
    ws.send_text("4over ws").await;
    assert_eq!(ws.next_text().await, "4over ws");
}
