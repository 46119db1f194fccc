//! The typed handler layer end to end: `#[event]`, `#[connect]`, `#[disconnect]`,
//! `#[derive(Router)]`, `#[fastsio::router] mod`, `#[derive(ServerEvent)]`, over real sockets.

use std::time::Duration;

use fastsio::prelude::*;
use fastsio_tests::server::TestServer;
use fastsio_tests::ws::WsClient;
use serde::{Deserialize, Serialize};
use validator::Validate;

#[derive(Clone)]
struct AppState {
    motd: &'static str,
}

#[derive(Deserialize, Validate)]
struct JoinRoom {
    #[validate(length(min = 1, max = 64))]
    room: String,
}

#[derive(Serialize, ServerEvent)]
#[server_event("joined")]
struct Joined {
    room: String,
}

#[derive(Serialize)]
struct JoinAck {
    ok: bool,
}

#[connect]
async fn on_connect(socket: SocketRef, State(state): State<AppState>) {
    socket.emit_raw("motd", &state.motd).unwrap();
}

#[event("join_room")]
async fn join_room(
    socket: SocketRef,
    Valid(req): Valid<JoinRoom>,
) -> Result<Ack<JoinAck>, AckErrorBody> {
    socket.join(req.room.as_str());
    socket
        .emit(&Joined { room: req.room })
        .map_err(|e| AckErrorBody::new("internal", e.to_string()))?;
    Ok(Ack(JoinAck { ok: true }))
}

#[event("ping")]
async fn ping() -> Ack<&'static str> {
    Ack("pong")
}

async fn motd_is_set(State(state): State<AppState>) -> Result<(), AckErrorBody> {
    if state.motd == "welcome" {
        Err(AckErrorBody::new("closed", "the shop is closed"))
    } else {
        Ok(())
    }
}

#[event(
    "limited",
    state = AppState,
    middleware(fastsio::middleware::RateLimit::per_second(1))
)]
async fn limited() -> Ack<u8> {
    Ack(1)
}

#[event("guarded", state = AppState, middleware(fastsio::middleware::before(motd_is_set)))]
async fn guarded() -> Ack<u8> {
    Ack(2)
}

#[disconnect]
async fn on_disconnect(_id: SocketId, Reason(_reason): Reason) {}

#[derive(Router)]
#[router(
    namespace = "/chat",
    state = AppState,
    connect = on_connect,
    disconnect = on_disconnect,
    events(join_room, ping, limited, guarded),
    middleware(fastsio::middleware::RateLimit::per_second(2).events(["ping"]))
)]
struct Chat;

#[fastsio::router(namespace = "/admin")]
mod admin {
    use fastsio::prelude::*;

    #[event("stats")]
    pub async fn stats(io: Io) -> Ack<usize> {
        Ack(io.connection_count())
    }

    #[connect]
    pub async fn hello(socket: SocketRef) {
        socket.emit_raw("hello", &"admin").unwrap();
    }
}

async fn start() -> TestServer {
    let io = Server::builder()
        .ping_interval(Duration::from_secs(10))
        .router(Chat)
        .with_state(AppState { motd: "welcome" })
        .router(admin::Router)
        .build()
        .unwrap();
    TestServer::start(io.service()).await
}

async fn connect(server: &TestServer, ns: &str) -> WsClient {
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text(&format!("40{ns},")).await;
    assert!(
        ws.next_text()
            .await
            .starts_with(&format!("40{ns},{{\"sid\""))
    );
    ws
}

#[tokio::test]
async fn a_derived_router_serves_its_events_with_state_and_validation() {
    let server = start().await;
    let mut ws = connect(&server, "/chat").await;
    assert_eq!(ws.next_text().await, r#"42/chat,["motd","welcome"]"#);
    ws.send_text(r#"42/chat,1["join_room",{"room":"lobby"}]"#)
        .await;
    assert_eq!(
        ws.next_text().await,
        r#"42/chat,["joined",{"room":"lobby"}]"#
    );
    assert_eq!(ws.next_text().await, r#"43/chat,1[{"ok":true}]"#);
    ws.send_text(r#"42/chat,2["join_room",{"room":""}]"#).await;
    let reply = ws.next_text().await;
    assert!(
        reply.starts_with(r#"43/chat,2[{"error":{"code":"validation_failed""#),
        "{reply}"
    );
    ws.send_text(r#"42/chat,3["ping"]"#).await;
    assert_eq!(ws.next_text().await, r#"43/chat,3["pong"]"#);
    ws.send_text(r#"42/chat,4["ping"]"#).await;
    assert_eq!(ws.next_text().await, r#"43/chat,4["pong"]"#);
    ws.send_text(r#"42/chat,5["ping"]"#).await;
    let limited = ws.next_text().await;
    assert!(
        limited.starts_with(r#"43/chat,5[{"error":{"code":"rate_limited""#),
        "{limited}"
    );
}

#[tokio::test]
async fn event_attributes_add_event_middleware() {
    let server = start().await;
    let mut ws = connect(&server, "/chat").await;
    ws.next_text().await;
    ws.send_text(r#"42/chat,1["limited"]"#).await;
    assert_eq!(ws.next_text().await, "43/chat,1[1]");
    ws.send_text(r#"42/chat,2["limited"]"#).await;
    assert!(
        ws.next_text()
            .await
            .starts_with(r#"43/chat,2[{"error":{"code":"rate_limited""#)
    );
    ws.send_text(r#"42/chat,3["guarded"]"#).await;
    assert_eq!(
        ws.next_text().await,
        r#"43/chat,3[{"error":{"code":"closed","message":"the shop is closed"}}]"#
    );
}

#[tokio::test]
async fn a_module_router_collects_its_handlers() {
    let server = start().await;
    let mut ws = connect(&server, "/admin").await;
    assert_eq!(ws.next_text().await, r#"42/admin,["hello","admin"]"#);
    ws.send_text(r#"42/admin,1["stats"]"#).await;
    assert_eq!(ws.next_text().await, "43/admin,1[1]");
}

#[tokio::test]
async fn handlers_stay_callable_and_proxies_carry_names() {
    use fastsio::handler::EventRoute;
    assert_eq!(<join_room as EventRoute>::EVENT, "join_room");
    assert_eq!(<admin::stats as EventRoute>::EVENT, "stats");
    assert_eq!(<Joined as fastsio::handler::ServerEvent>::NAME, "joined");
    assert_eq!(ping().await.0, "pong");
}

#[derive(Serialize, ServerEvent)]
#[server_event("confirm", ack = (bool, String))]
struct Confirm {
    question: &'static str,
}

#[event("ask")]
async fn ask(socket: SocketRef) -> Result<Ack<(bool, String)>, AckErrorBody> {
    socket
        .emit_with_ack(&Confirm { question: "sure?" }, Duration::from_secs(5))
        .await
        .map(Ack)
        .map_err(|e| AckErrorBody::new("no_answer", e.to_string()))
}

#[derive(Router)]
#[router(namespace = "/ask", events(ask))]
struct Asking;

#[tokio::test]
async fn typed_emits_with_ack_resolve_to_the_declared_type() {
    let io = Server::builder()
        .ping_interval(Duration::from_secs(10))
        .router(Asking)
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let mut ws = connect(&server, "/ask").await;
    ws.send_text(r#"42/ask,9["ask"]"#).await;
    let question = ws.next_text().await;
    let rest = question.strip_prefix("42/ask,").unwrap();
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(&rest[id.len()..], r#"["confirm",{"question":"sure?"}]"#);
    ws.send_text(&format!(r#"43/ask,{id}[true,"yes"]"#)).await;
    assert_eq!(ws.next_text().await, r#"43/ask,9[true,"yes"]"#);
}
