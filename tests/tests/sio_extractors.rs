//! Extractors over real sockets: `State` (with `FromRef`), `Valid` for payloads and auth,
//! `Session`, `Io`, `Handshake`, `SocketId`, and extraction errors answered as acks.

use std::time::Duration;

use fastsio::prelude::*;
use fastsio_tests::server::TestServer;
use fastsio_tests::ws::WsClient;
use serde::Deserialize;
use serde_json::{Value, json};
use validator::Validate;

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
        "has_addr": hs.remote_addr.is_some(),
    }))
}

async fn start() -> TestServer {
    let io = Server::builder()
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
        .unwrap();
    TestServer::start(io.service()).await
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
    let server = start().await;
    let (mut ws, reply) = connect(&server, r#"{"name":"ada"}"#).await;
    assert!(reply.starts_with(r#"40{"sid":""#), "{reply}");
    ws.send_text(r#"421["whoami"]"#).await;
    assert_eq!(ws.next_text().await, r#"431["hello, ada",3]"#);
}

#[tokio::test]
async fn invalid_auth_is_refused_with_validation_details() {
    let server = start().await;
    for auth in [
        r#"{"name":""}"#,
        r#"{"name":"0123456789012345678901234567890123"}"#,
    ] {
        let (_, reply) = connect(&server, auth).await;
        let body: Value = serde_json::from_str(reply.strip_prefix("44").unwrap()).unwrap();
        assert_eq!(body["data"]["code"], "validation_failed", "{reply}");
        assert!(body["data"]["details"]["name"].is_array(), "{reply}");
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    let (_, reply) = connect(&server, "").await;
    let body: Value = serde_json::from_str(reply.strip_prefix("44").unwrap()).unwrap();
    assert_eq!(body["data"]["code"], "validation_failed", "{reply}");
}

#[tokio::test]
async fn invalid_payloads_get_validation_error_acks() {
    let server = start().await;
    let (mut ws, _) = connect(&server, r#"{"name":"bob"}"#).await;
    ws.send_text(r#"421["join",{"room":"far too long"}]"#).await;
    let reply: Value = serde_json::from_str(&ws.next_text().await["431".len()..]).unwrap();
    assert_eq!(reply[0]["error"]["code"], "validation_failed");
    assert!(reply[0]["error"]["details"]["room"].is_array());
    ws.send_text(r#"422["join",{"room":7}]"#).await;
    let reply: Value = serde_json::from_str(&ws.next_text().await["432".len()..]).unwrap();
    assert_eq!(reply[0]["error"]["code"], "validation_failed");
    ws.send_text(r#"423["join",{"room":"lobby"}]"#).await;
    assert_eq!(ws.next_text().await, "433[1]");
}

#[tokio::test]
async fn socket_id_and_handshake_describe_the_connection() {
    let server = start().await;
    let (mut ws, reply) = connect(&server, r#"{"name":"cy"}"#).await;
    let sid: Value = serde_json::from_str(&reply[2..]).unwrap();
    ws.send_text(r#"421["meta"]"#).await;
    let meta: Value = serde_json::from_str(&ws.next_text().await["431".len()..]).unwrap();
    assert_eq!(meta[0]["id"], sid["sid"]);
    assert_eq!(meta[0]["query"], "4");
    assert_eq!(meta[0]["has_addr"], true);
}
