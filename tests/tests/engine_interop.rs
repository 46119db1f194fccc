//! The official engine.io-client (npm, v6) against the conformance echo server: polling,
//! WebSocket, the upgrade, text and binary both ways, short heartbeats, server close.

use std::time::Duration;

use fastsio_examples::conformance::{echo_engine, service, socket_io};
use fastsio_tests::run_node;
use fastsio_tests::server::TestServer;

async fn scenario(name: &str) {
    let io = socket_io().expect("valid server");
    let server = TestServer::start_http(service(&io, echo_engine())).await;
    let base = server.http("");
    let out = run_node("eio_interop.mjs", &[name, &base], Duration::from_secs(60)).await;
    out.passed();
}

#[tokio::test]
async fn engine_io_client_over_polling() {
    scenario("polling").await;
}

#[tokio::test]
async fn engine_io_client_over_websocket() {
    scenario("websocket").await;
}

#[tokio::test]
async fn engine_io_client_upgrades_to_websocket() {
    scenario("upgrade").await;
}

#[tokio::test]
async fn engine_io_client_sees_a_server_close() {
    scenario("server-close").await;
}
