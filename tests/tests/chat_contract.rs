//! The chat demo's contract, clause by clause, over real sockets.

use fastsio_examples::chat;
use fastsio_tests::http::get;
use fastsio_tests::server::TestServer;
use fastsio_tests::ws::WsClient;
use serde_json::{Value, json};

async fn start() -> TestServer {
    let io = chat::socket_io().expect("chat server builds");
    TestServer::start_http(chat::service(&io)).await
}

/// A connected `/chat` client.
struct Client {
    ws: WsClient,
    next_id: u64,
}

impl Client {
    /// Connects with `auth`; returns the client and the `welcome` payload.
    async fn join(server: &TestServer, auth: Value) -> (Client, Value) {
        let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
        ws.next_text().await;
        ws.send_text(&format!("40/chat,{auth}")).await;
        let reply = ws.next_text().await;
        assert!(reply.starts_with("40/chat,"), "refused: {reply}");
        let welcome = ws.next_text().await;
        let client = Client { ws, next_id: 0 };
        (client, event_of(&welcome, "welcome"))
    }

    /// Sends `event` with `data` (or none) and returns the ack's arguments, skipping events
    /// that arrive in between (they are returned too, in order).
    async fn ask(&mut self, event: &str, data: Option<Value>) -> (Value, Vec<String>) {
        self.next_id += 1;
        let id = self.next_id;
        let args = match data {
            Some(d) => json!([event, d]),
            None => json!([event]),
        };
        self.ws.send_text(&format!("42/chat,{id}{args}")).await;
        let prefix = format!("43/chat,{id}");
        let mut between = Vec::new();
        loop {
            let frame = self.ws.next_skipping_pings().await;
            let fastsio_tests::ws::WsEvent::Text(text) = frame else {
                panic!("unexpected {frame:?}");
            };
            if let Some(ack) = text.strip_prefix(&prefix) {
                return (serde_json::from_str(ack).unwrap(), between);
            }
            between.push(text);
        }
    }

    async fn next_event(&mut self, name: &str) -> Value {
        let text = self.ws.next_text().await;
        event_of(&text, name)
    }
}

fn event_of(frame: &str, name: &str) -> Value {
    let body = frame
        .strip_prefix("42/chat,")
        .unwrap_or_else(|| panic!("not a /chat event: {frame}"));
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v[0], name, "{frame}");
    v[1].clone()
}

async fn refusal(server: &TestServer, auth: &str) -> Value {
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text(&format!("40/chat,{auth}")).await;
    let reply = ws.next_text().await;
    serde_json::from_str(reply.strip_prefix("44/chat,").expect("a connect_error")).unwrap()
}

#[tokio::test]
async fn connect_validates_the_name_and_welcomes() {
    let server = start().await;
    for auth in [
        "",
        r#"{}"#,
        r#"{"name":""}"#,
        r#"{"name":"   "}"#,
        r#"{"name":7}"#,
        &format!(r#"{{"name":"{}"}}"#, "x".repeat(33)),
    ] {
        let err = refusal(&server, auth).await;
        assert!(
            !err["message"].as_str().unwrap().is_empty(),
            "{auth}: {err}"
        );
        assert_eq!(err["data"]["code"], "validation_failed", "{auth}: {err}");
    }
    let padded = format!("  {}  ", "y".repeat(32));
    let (_, welcome) = Client::join(&server, json!({ "name": padded })).await;
    assert_eq!(welcome["name"], "y".repeat(32));
    assert_eq!(welcome["sid"].as_str().unwrap().len(), 22);
}

#[tokio::test]
async fn rooms_messages_and_leaving_follow_the_contract() {
    let server = start().await;
    let (mut ada, _) = Client::join(&server, json!({"name": "ada"})).await;
    let (mut bob, _) = Client::join(&server, json!({"name": "bob"})).await;

    let (ack, _) = ada.ask("join_room", Some(json!({"room": "lobby"}))).await;
    assert_eq!(ack, json!([{"ok": true, "room": "lobby"}]));
    let (ack, _) = bob.ask("join_room", Some(json!({"room": "lobby"}))).await;
    assert_eq!(ack, json!([{"ok": true, "room": "lobby"}]));
    assert_eq!(
        ada.next_event("user_joined").await,
        json!({"room": "lobby", "name": "bob"})
    );

    let (ack, before) = ada
        .ask("send_message", Some(json!({"room": "lobby", "text": "hi"})))
        .await;
    assert_eq!(ack, json!([{"ok": true}]));
    assert_eq!(before.len(), 1);
    assert_eq!(
        event_of(&before[0], "new_message"),
        json!({"room": "lobby", "name": "ada", "text": "hi"})
    );
    assert_eq!(
        bob.next_event("new_message").await,
        json!({"room": "lobby", "name": "ada", "text": "hi"})
    );

    let (ack, _) = ada.ask("join_room", Some(json!({"room": "a-room"}))).await;
    assert_eq!(ack[0]["ok"], true);
    let (ack, _) = ada.ask("list_rooms", None).await;
    assert_eq!(ack, json!([{"rooms": ["a-room", "lobby"]}]));

    let (ack, _) = bob.ask("leave_room", Some(json!({"room": "lobby"}))).await;
    assert_eq!(ack, json!([{"ok": true, "room": "lobby"}]));
    assert_eq!(
        ada.next_event("user_left").await,
        json!({"room": "lobby", "name": "bob"})
    );
    let (ack, _) = bob
        .ask(
            "send_message",
            Some(json!({"room": "lobby", "text": "back?"})),
        )
        .await;
    assert_eq!(ack[0]["error"]["code"], "not_in_room");
    let (ack, _) = bob.ask("list_rooms", None).await;
    assert_eq!(ack, json!([{"rooms": []}]));

    bob.ask("join_room", Some(json!({"room": "lobby"}))).await;
    assert_eq!(ada.next_event("user_joined").await["name"], "bob");
    bob.ws.close().await;
    assert_eq!(
        ada.next_event("user_left").await,
        json!({"room": "lobby", "name": "bob"})
    );
}

#[tokio::test]
async fn invalid_payloads_are_answered_with_validation_errors() {
    let server = start().await;
    let (mut ada, _) = Client::join(&server, json!({"name": "ada"})).await;
    let cases = [
        ("join_room", json!({"room": ""})),
        ("join_room", json!({"room": "r".repeat(65)})),
        ("join_room", json!({"room": 5})),
        ("join_room", json!({})),
        ("leave_room", json!({"nope": 1})),
        ("send_message", json!({"room": "lobby", "text": ""})),
        (
            "send_message",
            json!({"room": "lobby", "text": "t".repeat(1001)}),
        ),
        ("send_message", json!({"room": "lobby"})),
    ];
    for (event, data) in cases {
        let (ack, between) = ada.ask(event, Some(data.clone())).await;
        assert!(between.is_empty(), "{event} {data}: emitted {between:?}");
        let error = &ack[0]["error"];
        assert_eq!(error["code"], "validation_failed", "{event} {data}: {ack}");
        assert!(error["message"].is_string(), "{ack}");
        assert!(error.get("details").is_some(), "{ack}");
        assert_eq!(ack.as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn send_message_is_rate_limited_per_socket() {
    let server = start().await;
    let (mut ada, _) = Client::join(&server, json!({"name": "ada"})).await;
    ada.ask("join_room", Some(json!({"room": "r"}))).await;
    for i in 0..20 {
        let (ack, _) = ada
            .ask(
                "send_message",
                Some(json!({"room": "r", "text": format!("m{i}")})),
            )
            .await;
        assert_eq!(ack, json!([{"ok": true}]), "message {i}");
    }
    let (ack, between) = ada
        .ask(
            "send_message",
            Some(json!({"room": "r", "text": "one too many"})),
        )
        .await;
    assert_eq!(ack[0]["error"]["code"], "rate_limited");
    assert!(between.is_empty());
    let (ack, _) = ada.ask("list_rooms", None).await;
    assert_eq!(ack, json!([{"rooms": ["r"]}]));
}

#[tokio::test]
async fn the_page_is_served_beside_socket_io() {
    tokio::task::spawn_blocking(fastsio_tests::ensure_chat_bundle)
        .await
        .unwrap();
    let server = start().await;
    let page = get(&server.http("/")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("socket.io.min.js"));
    let bundle = get(&server.http("/socket.io.min.js")).await;
    assert_eq!(bundle.status, 200, "{}", bundle.text());
    assert!(bundle.text().contains("io"));
}
