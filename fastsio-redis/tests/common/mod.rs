//! Shared test helpers: a Redis to talk to, fastsio nodes on it, raw WebSocket clients.

#![allow(dead_code)]

use std::time::Duration;

use fastsio::prelude::*;
use fastsio_redis::{RedisCluster, RedisConfig};
use fastsio_tests::server::{TestServer, eventually, eventually_async};
use fastsio_tests::ws::WsClient;

pub mod node;

pub use fastsio_tests::redis::{redis, skip};

/// A unique channel prefix, so tests sharing one Redis do not see each other.
pub fn prefix() -> String {
    format!("test{}", fastsio::engine::Sid::new())
}

/// One fastsio node of the cluster.
pub struct Node {
    pub io: Io,
    pub server: TestServer,
    pub cluster: RedisCluster,
}

pub async fn node(url: &str, prefix: &str) -> Node {
    let cluster = RedisCluster::new(
        RedisConfig::new(url)
            .prefix(prefix)
            .request_timeout(Duration::from_secs(2)),
    )
    .unwrap();
    let io = Server::builder()
        .ping_interval(Duration::from_secs(20))
        .adapter(cluster.adapters())
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    eventually("subscribed to Redis", || cluster.is_subscribed("/")).await;
    Node {
        io,
        server,
        cluster,
    }
}

/// Waits until `n` servers share namespace `/`.
pub async fn wait_for_servers(node: &Node, n: usize) {
    let ops = node.io.of("/").unwrap();
    eventually_async("servers counted", || {
        let ops = ops.clone();
        async move { ops.server_count().await.ok() == Some(n) }
    })
    .await;
}

/// A raw Socket.IO client on namespace `/`, with its sid.
pub struct Client {
    pub ws: WsClient,
    pub sid: String,
}

pub async fn client(node: &Node, rooms: &[&str]) -> Client {
    let mut ws = WsClient::connect(&node.server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text("40").await;
    let connect = ws.next_text().await;
    let reply: serde_json::Value = serde_json::from_str(&connect["40".len()..]).unwrap();
    let sid = reply["sid"].as_str().unwrap().to_string();
    // The connect reply may be on the wire before the namespace lists the socket.
    let mut socket = None;
    for _ in 0..250 {
        socket = node
            .io
            .sockets()
            .into_iter()
            .find(|s| s.id().to_string() == sid);
        if socket.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let socket = socket.expect("the socket is on its node");
    for room in rooms {
        socket.join(*room);
    }
    Client { ws, sid }
}

/// The next text frame within 5 s.
pub async fn next(client: &mut Client) -> String {
    tokio::time::timeout(Duration::from_secs(5), client.ws.next_text())
        .await
        .expect("a message within 5 s")
}
