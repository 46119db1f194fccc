//! Shared test helpers: a Redis to talk to, fastsio nodes on it, raw WebSocket clients.

#![allow(dead_code, unused_imports)]

use std::time::Duration;

use fastsio::adapter::Adapter;
use fastsio::prelude::*;
use fastsio_redis::{RedisCluster, RedisConfig};
use fastsio_tests::server::{TestServer, eventually, eventually_async};
use fastsio_tests::ws::WsClient;

pub mod chat;
pub mod node;
pub mod redis_cluster;
pub mod scenario;

pub use fastsio_tests::redis::{redis, skip};

/// How many times the Redis at `url` ran `command` (`INFO commandstats`: `cmdstat_<command>`'s
/// `calls`, 0 before the first).
pub async fn calls(url: &str, command: &str) -> u64 {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    let line = format!("cmdstat_{command}:calls=");
    stats
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .map(|rest| rest.split(',').next().unwrap().parse().unwrap())
        .unwrap_or(0)
}

/// A unique channel prefix, so tests sharing one Redis do not see each other.
pub fn prefix() -> String {
    format!("test{}", fastsio::engine::Sid::new())
}

/// One fastsio node of the cluster (`C`: its cluster handle).
pub struct Node<C = RedisCluster> {
    pub io: Io,
    pub server: TestServer,
    pub cluster: C,
}

/// A node on a classic cluster, with a 2 s request timeout.
pub async fn node(url: &str, prefix: &str) -> Node {
    let cluster = RedisCluster::new(
        RedisConfig::new(url)
            .prefix(prefix)
            .request_timeout(Duration::from_secs(2)),
    )
    .unwrap();
    let adapters = cluster.adapters();
    serve(cluster, adapters, |c| c.is_subscribed("/")).await
}

/// A node serving on `cluster` through its `adapters`, once `subscribed` says that
/// messages for namespace `/` arrive.
pub async fn serve<C, A: Adapter>(
    cluster: C,
    adapters: impl Fn() -> A + Send + Sync + 'static,
    subscribed: impl Fn(&C) -> bool,
) -> Node<C> {
    let io = Server::builder()
        .ping_interval(Duration::from_secs(20))
        .adapter(adapters)
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    eventually("subscribed to Redis", || subscribed(&cluster)).await;
    Node {
        io,
        server,
        cluster,
    }
}

/// Waits until `n` servers share namespace `/`.
pub async fn wait_for_servers<C>(node: &Node<C>, n: usize) {
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

pub async fn client<C>(node: &Node<C>, rooms: &[&str]) -> Client {
    let client = raw_connect(&node.server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    let socket = socket(&node.io, &client.sid).await;
    for room in rooms {
        socket.join(*room);
    }
    client
}

/// A raw Socket.IO client of the WebSocket endpoint `url`, connected to namespace `/`.
pub async fn raw_connect(url: &str) -> Client {
    let mut ws = WsClient::connect(url).await;
    ws.next_text().await;
    ws.send_text("40").await;
    let connect = ws.next_text().await;
    let reply: serde_json::Value = serde_json::from_str(&connect["40".len()..]).unwrap();
    let sid = reply["sid"].as_str().unwrap().to_string();
    Client { ws, sid }
}

/// The socket `id` of server `io`, waiting for it (bounded): a connect reply may be on the
/// wire before the namespace lists the socket.
pub async fn socket(io: &Io, id: &str) -> SocketRef {
    for _ in 0..250 {
        if let Some(socket) = io.sockets().into_iter().find(|s| s.id().to_string() == id) {
            return socket;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the socket {id} is not on its node");
}

/// The next text frame within 5 s.
pub async fn next(client: &mut Client) -> String {
    tokio::time::timeout(Duration::from_secs(5), client.ws.next_text())
        .await
        .expect("a message within 5 s")
}
