//! The chat demo scaled out: two chat servers (what `examples/chat` runs with `REDIS_URL`
//! set) on one Redis form one chat; socket.io-client members on each see each other.

mod common;

use common::chat::chat_nodes;
use common::node::{Clients, ensure_npm};
use common::{prefix, redis};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_chat_servers_on_one_redis_form_one_chat() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let servers = chat_nodes(&redis.url, &prefix(), 2).await;

    let mut clients = Clients::start();
    for (name, (_, server)) in ["ada", "bob"].iter().zip(&servers) {
        let url = format!("http://{}", server.addr);
        clients
            .connect_to(name, &url, "/chat", json!({"name": name}))
            .await;
        let welcome = clients.wait(name, 1).await;
        assert_eq!(welcome[0][0], "welcome", "{welcome:?}");
        let ack = clients
            .emit(name, "join_room", json!([{"room": "lobby"}]))
            .await;
        assert_eq!(ack, json!({"ok": true, "room": "lobby"}));
    }
    assert_eq!(
        clients.wait("ada", 1).await,
        vec![json!(["user_joined", {"room": "lobby", "name": "bob"}])]
    );

    for (from, to) in [("ada", "bob"), ("bob", "ada")] {
        let text = format!("hi from {from}");
        let ack = clients
            .emit(
                from,
                "send_message",
                json!([{"room": "lobby", "text": text}]),
            )
            .await;
        assert_eq!(ack, json!({"ok": true}));
        let message = json!(["new_message", {"room": "lobby", "name": from, "text": text}]);
        assert_eq!(clients.wait(from, 1).await, vec![message.clone()]);
        assert_eq!(clients.wait(to, 1).await, vec![message]);
    }
}
