//! No sticky sessions: three chat nodes (`examples/chat` with `REDIS_URL`: the Redis adapter
//! and the `RedisEngine`) behind a real nginx doing plain round-robin, so every request of a
//! session may land on any node. The chat runs end to end through it with socket.io-client 4
//! (default polling then upgrade, WebSocket only, polling only) and python-socketio. When a
//! node dies, its members reconnect through nginx to the others and connection state recovery
//! (`RedisStreams`) gives them their session back.

mod common;

use std::time::Duration;

use common::chat::chat_nodes;
use common::node::{Clients, ensure_npm};
use common::{prefix, redis};
use fastsio::RecoveryConfig;
use fastsio::prelude::*;
use fastsio::service::serve;
use fastsio_examples::chat;
use fastsio_redis::{
    RedisCluster, RedisConfig, RedisEngine, RedisEngineConfig, RedisStreams, StreamsConfig,
};
use fastsio_tests::http::{get, post};
use fastsio_tests::nginx::Nginx;
use fastsio_tests::run_python;
use fastsio_tests::server::eventually;
use fastsio_tests::server::{TestServer, eventually_async};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// nginx round-robin over the chat nodes, on a free loopback port.
struct Balancer {
    url: String,
    _nginx: Nginx,
}

impl Balancer {
    /// `None` when nginx is not installed (said loudly; a failure with `CI=true`).
    async fn start(upstreams: &[String]) -> Option<Balancer> {
        if !Nginx::installed() {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("fastsio-nginx-{}", prefix()));
        let servers: String = upstreams
            .iter()
            .map(|a| format!("server {a} max_fails=0;\n"))
            .collect();
        let block = format!(
            "  upstream chat {{\n{servers}  }}\n  \
             map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n  \
             server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      \
             proxy_pass http://chat;\n      proxy_http_version 1.1;\n      \
             proxy_set_header Upgrade $http_upgrade;\n      \
             proxy_set_header Connection $connection_upgrade;\n      \
             proxy_buffering off;\n      proxy_read_timeout 60s;\n    }}\n  }}"
        );
        Some(Balancer {
            url: format!("http://127.0.0.1:{port}"),
            _nginx: Nginx::start(dir, &block, port).await,
        })
    }
}

/// A session opened on `first` whose requests every other node answers (forwarded to
/// `first`): the engines are subscribed to each other.
async fn forwarding_works(first: &TestServer, others: &[&TestServer]) -> bool {
    let open = get(&first.http("/socket.io/?EIO=4&transport=polling")).await;
    let Some(sid) = open.text().split('"').nth(3).map(str::to_string) else {
        return false;
    };
    for other in others {
        let url = other.http(&format!("/socket.io/?EIO=4&transport=polling&sid={sid}"));
        // A noop packet, applied by the node that holds the session.
        if post(&url, "6").await.text() != "ok" {
            return false;
        }
    }
    true
}

/// Member `name` joins the lobby; every member already there hears of it.
async fn join(clients: &mut Clients, name: &str, others: &[&str]) {
    let welcome = clients.wait(name, 1).await;
    assert_eq!(welcome[0][0], "welcome", "{name}: {welcome:?}");
    let ack = clients
        .emit(name, "join_room", json!([{"room": "lobby"}]))
        .await;
    assert_eq!(ack, json!({"ok": true, "room": "lobby"}), "{name}");
    for other in others {
        assert_eq!(
            clients.wait(other, 1).await,
            vec![json!(["user_joined", {"room": "lobby", "name": name}])],
            "{other} hears of {name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_through_round_robin_nginx_without_sticky_sessions() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let nodes = chat_nodes(&redis.url, &prefix(), 3).await;
    let servers: Vec<&TestServer> = nodes.iter().map(|(_, s)| s).collect();
    for i in 0..3 {
        let others: Vec<&TestServer> = (0..3).filter(|j| *j != i).map(|j| servers[j]).collect();
        eventually_async("engines forward to each other", || {
            forwarding_works(servers[i], &others)
        })
        .await;
    }
    let upstreams: Vec<String> = servers.iter().map(|s| s.addr.to_string()).collect();
    let Some(nginx) = Balancer::start(&upstreams).await else {
        return;
    };

    let mut clients = Clients::start();
    let members: [(&str, &[&str]); 3] = [
        ("default", &["polling", "websocket"]),
        ("websocket", &["websocket"]),
        ("polling", &["polling"]),
    ];
    let mut joined: Vec<&str> = Vec::new();
    for (name, transports) in members {
        clients
            .connect_over(name, &nginx.url, "/chat", json!({"name": name}), transports)
            .await;
        join(&mut clients, name, &joined).await;
        joined.push(name);
    }

    for from in joined.clone() {
        let text = format!("hi from {from}");
        let ack = clients
            .emit(
                from,
                "send_message",
                json!([{"room": "lobby", "text": text}]),
            )
            .await;
        assert_eq!(ack, json!({"ok": true}), "{from}");
        let message = json!(["new_message", {"room": "lobby", "name": from, "text": text}]);
        for to in &joined {
            assert_eq!(
                clients.wait(to, 1).await,
                vec![message.clone()],
                "{from} → {to}"
            );
        }
    }

    // python-socketio (polling, then upgrade) joins the same lobby through nginx.
    let out = run_python(
        "examples.py",
        &["chat", &nginx.url],
        Duration::from_secs(30),
    )
    .await;
    assert!(out.status.success(), "{out:?}");
    let details: Value =
        serde_json::from_str::<Value>(out.stdout.trim()).unwrap()["details"].clone();
    assert_eq!(
        details["join"],
        json!({"ok": true, "room": "lobby"}),
        "{details}"
    );
    assert_eq!(details["send"], json!({"ok": true}), "{details}");
    let from_py = json!({"room": "lobby", "name": "py", "text": "hi from py"});
    assert_eq!(details["new_message"], from_py, "{details}");
    for to in &joined {
        let events = clients.wait(to, 3).await;
        assert_eq!(
            events,
            vec![
                json!(["user_joined", {"room": "lobby", "name": "py"}]),
                json!(["new_message", from_py]),
                json!(["user_left", {"room": "lobby", "name": "py"}]),
            ],
            "{to} hears of py"
        );
    }
}

/// An event's name and first argument (with recovery on, its offset follows).
fn event(event: &Value) -> [Value; 2] {
    [event[0].clone(), event[1].clone()]
}

/// A chat node with connection state recovery on a Redis stream, that can die.
struct RecoveringNode {
    io: Io,
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl RecoveringNode {
    async fn start(url: &str, prefix: &str) -> RecoveringNode {
        let cluster = RedisCluster::new(RedisConfig::new(url).prefix(prefix)).unwrap();
        let streams = RedisStreams::new(
            &cluster,
            StreamsConfig::default()
                .stream_name(format!("{prefix}-stream"))
                .record_key_prefix(format!("{prefix}-session:")),
        )
        .unwrap();
        let engine = RedisEngine::new(
            RedisEngineConfig::new(url).channel_prefix(format!("{prefix}-engine")),
        )
        .unwrap();
        let io = Server::builder()
            .router(chat::Chat)
            .adapter(streams.adapters())
            .connection_state_recovery(RecoveryConfig::default())
            .session_cluster(engine.clone())
            .build()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve(listener, chat::service(&io), async move {
            let _ = stopped.await;
        }));
        eventually("engine subscribed, stream read", || {
            engine.is_subscribed() && streams.is_reading()
        })
        .await;
        RecoveringNode {
            io,
            addr,
            stop: Some(stop),
        }
    }

    fn holds(&self, id: &str) -> bool {
        let chat = self.io.of("/chat").unwrap();
        chat.sockets().iter().any(|s| s.id().as_str() == id)
    }

    /// Closes every session (kept for recovery: "server shutting down") and stops listening.
    fn die(&mut self) {
        self.io.close();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_nodes_members_come_back_on_the_others_and_are_recovered() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let prefix = prefix();
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(RecoveringNode::start(&redis.url, &prefix).await);
    }
    let ops = nodes[0].io.of("/chat").unwrap();
    eventually_async("three chat nodes subscribed", || {
        let ops = ops.clone();
        async move { ops.server_count().await.ok() == Some(3) }
    })
    .await;
    let upstreams: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
    let Some(nginx) = Balancer::start(&upstreams).await else {
        return;
    };

    let mut clients = Clients::start();
    let id = clients
        .connect_reconnecting("ada", &nginx.url, "/chat", json!({"name": "ada"}))
        .await;
    join(&mut clients, "ada", &[]).await;
    let dying = nodes
        .iter()
        .position(|n| n.holds(&id))
        .expect("a node holds ada");
    nodes[dying].die();
    assert!(clients.disconnected("ada").await);

    // Said in the lobby while ada is away, on a node that lives.
    let living = &nodes[(dying + 1) % 3];
    let said = json!({"room": "lobby", "name": "bob", "text": "while you were away"});
    living
        .io
        .of("/chat")
        .unwrap()
        .to("lobby")
        .emit_raw("new_message", &said)
        .unwrap();

    let back = clients.reconnected("ada").await;
    assert_eq!(back["connected"], true, "{back}");
    assert_eq!(back["recovered"], true, "{back}");
    assert_eq!(back["id"], id.as_str(), "{back}");
    assert!(!nodes[dying].holds(&id));
    assert!(nodes.iter().any(|n| n.holds(&id)));
    // What was said while away, and the welcome of the connect handler, which runs for a
    // recovered connection too (as in socket.io).
    let mut back_events: Vec<[Value; 2]> = clients.wait("ada", 2).await.iter().map(event).collect();
    back_events.sort_by_key(|e| e[0].to_string());
    assert_eq!(
        back_events[0],
        [json!("new_message"), said],
        "{back_events:?}"
    );
    assert_eq!(back_events[1][0], "welcome", "{back_events:?}");
    assert_eq!(back_events[1][1]["sid"], id.as_str(), "{back_events:?}");

    // Still in the lobby, without joining again.
    let text = "welcome back";
    let ack = clients
        .emit(
            "ada",
            "send_message",
            json!([{"room": "lobby", "text": text}]),
        )
        .await;
    assert_eq!(ack, json!({"ok": true}));
    let echo = clients.wait("ada", 1).await;
    assert_eq!(
        event(&echo[0]),
        [
            json!("new_message"),
            json!({"room": "lobby", "name": "ada", "text": text})
        ]
    );
}
