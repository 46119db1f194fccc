//! Extractors over real sockets: `State` (with `FromRef`), `Valid` for payloads and auth,
//! `Session`, `Io`, `Handshake`, `SocketId`, and extraction errors answered as acks. Most run
//! in-process with `fastsio_client::testing`; the handshake's remote address is tested through
//! fastsio's `serve` and both of `testing`'s servers.

use std::time::Duration;

use fastsio::prelude::*;
use fastsio_client::ConnectError;
use fastsio_client::testing::{TestClient, TestServer as InProcess};
use fastsio_tests::server::TestServer;
use fastsio_tests::ws::WsClient;
use serde::Deserialize;
use serde_json::{Value, json};
use validator::Validate;

/// Bound on every wait: only a broken build gets near it.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct AppState {
    greeting: String,
    limit: Limit,
}

#[derive(Clone, Copy)]
struct Limit(usize);

impl FromRef<AppState> for Limit {
    fn from_ref(state: &AppState) -> Limit {
        state.limit
    }
}

#[derive(Deserialize, Validate)]
struct Join {
    #[validate(length(min = 1, max = 8))]
    room: String,
}

#[derive(Deserialize, Validate)]
struct Login {
    #[validate(length(min = 1, max = 32))]
    name: String,
}

#[derive(Clone)]
struct Name(String);

async fn on_connect(socket: SocketRef, Valid(Auth(login)): Valid<Auth<Login>>) {
    socket.insert(Name(login.name));
}

async fn whoami(
    Session(Name(name)): Session<Name>,
    State(state): State<AppState>,
    State(Limit(limit)): State<Limit>,
) -> Ack<(String, usize)> {
    Ack((format!("{}, {name}", state.greeting), limit))
}

async fn join(socket: SocketRef, io: Io, Valid(req): Valid<Join>) -> Ack<usize> {
    socket.join(req.room.as_str());
    Ack(io.to(req.room.as_str()).sockets().len())
}

async fn meta(id: SocketId, hs: Handshake) -> Ack<Value> {
    Ack(json!({
        "id": id.as_str(),
        "query": hs.query_param("EIO"),
        "addr": hs.remote_addr.map(|a| a.to_string()),
    }))
}

fn app() -> Io {
    Server::builder()
        .ping_interval(Duration::from_secs(10))
        .routes(
            Routes::new("/")
                .on_connect(on_connect)
                .on("whoami", whoami)
                .on("join", join)
                .on("meta", meta),
        )
        .with_state(AppState {
            greeting: "hello".into(),
            limit: Limit(3),
        })
        .build()
        .unwrap()
}

/// Opens a WebSocket and sends CONNECT with `auth`; returns the connection and the reply.
async fn connect(server: &TestServer, auth: &str) -> (WsClient, String) {
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text(&format!("40{auth}")).await;
    let reply = ws.next_text().await;
    (ws, reply)
}

#[tokio::test]
async fn state_session_and_validated_auth_reach_the_handler() {
    let server = InProcess::in_process(app().service());
    let client = TestClient::connect_with(&server, "/", json!({"name": "ada"}))
        .await
        .unwrap();
    let ack: (String, usize) = client
        .socket()
        .emit_raw_with_ack("whoami", &(), WAIT)
        .await
        .unwrap();
    assert_eq!(ack, ("hello, ada".to_string(), 3));
}

#[tokio::test]
async fn invalid_auth_is_refused_with_validation_details() {
    let server = InProcess::in_process(app().service());
    let long = "0123456789012345678901234567890123";
    for auth in [json!({"name": ""}), json!({"name": long})] {
        let refused = TestClient::connect_with(&server, "/", auth).await.err();
        let Some(ConnectError::Refused { message, data }) = refused else {
            panic!("not refused: {refused:?}");
        };
        assert_eq!(data["code"], "validation_failed", "{data}");
        assert!(data["details"]["name"].is_array(), "{data}");
        assert!(!message.is_empty());
    }
    let refused = TestClient::connect(&server, "/").await.err();
    let Some(ConnectError::Refused { data, .. }) = refused else {
        panic!("not refused: {refused:?}");
    };
    assert_eq!(data["code"], "validation_failed", "{data}");
}

#[tokio::test]
async fn invalid_payloads_get_validation_error_acks() {
    let server = InProcess::in_process(app().service());
    let client = TestClient::connect_with(&server, "/", json!({"name": "bob"}))
        .await
        .unwrap();
    let socket = client.socket();
    let reply: Value = socket
        .emit_raw_with_ack("join", &json!({"room": "far too long"}), WAIT)
        .await
        .unwrap();
    assert_eq!(reply["error"]["code"], "validation_failed");
    assert!(reply["error"]["details"]["room"].is_array());
    let reply: Value = socket
        .emit_raw_with_ack("join", &json!({"room": 7}), WAIT)
        .await
        .unwrap();
    assert_eq!(reply["error"]["code"], "validation_failed");
    let members: usize = socket
        .emit_raw_with_ack("join", &json!({"room": "lobby"}), WAIT)
        .await
        .unwrap();
    assert_eq!(members, 1);
}

#[tokio::test]
async fn socket_id_and_handshake_describe_the_connection() {
    let server = TestServer::start(app().service()).await;
    let (mut ws, reply) = connect(&server, r#"{"name":"cy"}"#).await;
    let sid: Value = serde_json::from_str(&reply[2..]).unwrap();
    ws.send_text(r#"421["meta"]"#).await;
    let meta: Value = serde_json::from_str(&ws.next_text().await["431".len()..]).unwrap();
    assert_eq!(meta[0]["id"], sid["sid"]);
    assert_eq!(meta[0]["query"], "4");
    let addr: std::net::SocketAddr = meta[0]["addr"].as_str().unwrap().parse().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
}

#[tokio::test]
async fn the_test_servers_report_the_peer_address() {
    use fastsio_client::testing::{IN_PROCESS_PEER, TestServer as Served};
    let loopback = Served::start(app().service()).await;
    let in_process = Served::in_process(app().service());
    for (server, expected) in [(&loopback, None), (&in_process, Some(IN_PROCESS_PEER))] {
        let client = TestClient::connect_with(server, "/", json!({"name": "di"}))
            .await
            .unwrap();
        let meta: Value = client
            .socket()
            .emit_raw_with_ack("meta", &(), WAIT)
            .await
            .unwrap();
        let addr: std::net::SocketAddr = meta["addr"].as_str().unwrap().parse().unwrap();
        match expected {
            // The client's end of the loopback connection.
            None => assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}"),
            Some(peer) => assert_eq!(addr, peer),
        }
    }
}
