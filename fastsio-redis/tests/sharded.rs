//! Sharded pub/sub: two fastsio nodes on `ShardedRedisCluster` and one node socket.io@4
//! server on @socket.io/redis-adapter@8's `createShardedAdapter`, on one Redis 7, with
//! socket.io-client@4 sockets on each, in each subscription mode.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use common::node::{Clients, NodeServer, ensure_npm};
use common::{prefix, redis};
use fastsio::prelude::*;
use fastsio_redis::{RedisConfig, ShardedRedisCluster, SubscriptionMode};
use fastsio_tests::server::{TestServer, eventually, eventually_async};
use serde_json::json;

/// One fastsio node on the sharded cluster.
struct Node {
    io: Io,
    server: TestServer,
    cluster: ShardedRedisCluster,
}

async fn node(url: &str, prefix: &str, mode: SubscriptionMode, name: &'static str) -> Node {
    let config = RedisConfig::new(url)
        .prefix(prefix)
        .request_timeout(Duration::from_secs(2));
    let cluster = ShardedRedisCluster::with_mode(config, mode).unwrap();
    cluster
        .on_server_side_emit(move |ev| ev.wants_ack.then(|| json!({"from": name, "got": ev.args})));
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

/// Makes the socket `id` of `node` join `room`.
async fn join(node: &Node, id: &str, room: &str) {
    let mut socket = None;
    for _ in 0..250 {
        socket = node
            .io
            .sockets()
            .into_iter()
            .find(|s| s.id().to_string() == id);
        if socket.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    socket.expect("the socket is on its node").join(room);
}

fn ids(sockets: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    sockets.into_iter().collect()
}

/// Polls node server `n` (bounded) until `fetchSockets` in `room` lists exactly `expected`.
async fn node_fetches(n: &mut NodeServer, room: &str, expected: &BTreeSet<String>) {
    let mut seen = BTreeSet::new();
    for _ in 0..100 {
        let fetched = n.run(json!({"cmd": "fetch", "rooms": [room]})).await;
        seen = fetched["sockets"]
            .as_array()
            .unwrap_or_else(|| panic!("{fetched}"))
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        if &seen == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("node fetched {seen:?} in {room}, expected {expected:?}");
}

/// How many servers subscribe to `channel`.
async fn subscribers(url: &str, channel: &str) -> usize {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut cmd = redis::cmd("PUBSUB");
    cmd.arg("SHARDNUMSUB").arg(channel);
    let (_, n): (String, usize) = cmd.query_async(&mut conn).await.unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_sharded_cluster_of_fastsio_and_node_servers() {
    one_cluster(SubscriptionMode::Static, "static").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamic_sharded_cluster_of_fastsio_and_node_servers() {
    one_cluster(SubscriptionMode::Dynamic, "dynamic").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamic_private_sharded_cluster_of_fastsio_and_node_servers() {
    one_cluster(SubscriptionMode::DynamicPrivate, "dynamic-private").await;
}

async fn one_cluster(mode: SubscriptionMode, node_mode: &str) {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let prefix = prefix();
    let nodes = [
        node(&redis.url, &prefix, mode, "a").await,
        node(&redis.url, &prefix, mode, "b").await,
    ];
    let mut n = NodeServer::start_sharded(&redis.url, &prefix, node_mode).await;
    let ops = nodes[0].io.of("/").unwrap();
    eventually_async("three servers counted", || {
        let ops = ops.clone();
        async move { ops.server_count().await.ok() == Some(3) }
    })
    .await;
    assert_eq!(n.run(json!({"cmd": "count"})).await, json!({"count": 3}));

    // One member of "r" and one non-member on every server.
    let mut clients = Clients::start();
    let mut members = Vec::new();
    let mut others = Vec::new();
    for (node, name) in nodes.iter().zip(["a", "b"]) {
        let url = format!("http://{}", node.server.addr);
        let member = clients.connect(&format!("{name}1"), &url, json!({})).await;
        join(node, &member, "r").await;
        members.push((format!("{name}1"), member));
        let other = clients.connect(&format!("{name}2"), &url, json!({})).await;
        others.push((format!("{name}2"), other));
    }
    let n1 = clients.connect("n1", &n.url(), json!({"room": "r"})).await;
    members.push(("n1".into(), n1));
    let n2 = clients.connect("n2", &n.url(), json!({})).await;
    others.push(("n2".into(), n2));
    for name in ["n1", "n2"] {
        let hello = clients.wait(name, 1).await;
        assert_eq!(hello[0][0], "hello", "{name}: {hello:?}");
    }

    // A room broadcast from any server reaches every member on every server exactly once,
    // and nobody else: each sender follows it with a marker to everyone (one sender's
    // messages keep their order), so a duplicate would show before the marker.
    for sender in ["a", "b", "n"] {
        let event = format!("to r from {sender}");
        let marker = format!("marker from {sender}");
        match sender {
            "n" => {
                n.run(json!({"cmd": "emit", "rooms": ["r"], "event": event, "args": [1]}))
                    .await;
                n.run(json!({"cmd": "emit", "event": marker, "args": []}))
                    .await;
            }
            _ => {
                let io = &nodes[(sender.as_bytes()[0] - b'a') as usize].io;
                io.to("r").emit_raw(&event, &1).unwrap();
                io.emit_raw(&marker, &()).unwrap();
            }
        }
        for (name, _) in &members {
            let got = clients.wait(name, 2).await;
            assert_eq!(got, vec![json!([event, 1]), json!([marker])], "{name}");
        }
        for (name, _) in &others {
            let got = clients.wait(name, 1).await;
            assert_eq!(got, vec![json!([marker])], "{name}");
        }
    }

    // In the dynamic mode, room "r" has a channel, subscribed on every server it has members
    // on; in the static mode, it has none.
    let room_channel = format!("{prefix}#/#r#");
    let expected = if mode == SubscriptionMode::Static {
        0
    } else {
        3
    };
    let ok = eventually_async("room channel subscribers", || {
        let (url, channel) = (redis.url.clone(), room_channel.clone());
        async move { subscribers(&url, &channel).await == expected }
    });
    ok.await;

    // To one socket by id, across servers both ways (node's ids go on the namespace channel,
    // fastsio's on their own channel in the dynamic mode).
    let (n2_id, a2_id) = (others[2].1.clone(), others[0].1.clone());
    nodes[0]
        .io
        .to(n2_id.as_str())
        .emit_raw("to n2", &())
        .unwrap();
    n.run(json!({"cmd": "emit", "rooms": [a2_id], "event": "to a2", "args": []}))
        .await;
    assert_eq!(clients.wait("n2", 1).await, vec![json!(["to n2"])]);
    assert_eq!(clients.wait("a2", 1).await, vec![json!(["to a2"])]);

    // Except, from a fastsio node and from the node server.
    nodes[1]
        .io
        .except("r")
        .emit_raw("not r", &"from b")
        .unwrap();
    n.run(json!({"cmd": "emit", "except": ["r"], "event": "not r", "args": ["from n"]}))
        .await;
    for (name, _) in &others {
        let mut got = clients.wait(name, 2).await;
        got.sort_by_key(|v| v.to_string());
        let expected = [json!(["not r", "from b"]), json!(["not r", "from n"])];
        assert_eq!(got, expected, "{name}");
    }

    // Binary, from a fastsio node and from the node server, arrives as binary everywhere.
    let file = json!({"name": "f", "bytes": {"_placeholder": true, "num": 0}});
    nodes[1]
        .io
        .to("r")
        .emit_binary("file", &file, vec![Bytes::from_static(&[1, 2, 255])])
        .unwrap();
    for (name, _) in &members {
        assert_eq!(
            clients.wait(name, 1).await,
            vec![json!(["file", {"name": "f", "bytes": {"bin": [1, 2, 255]}}])],
            "{name}"
        );
    }
    n.run(json!({"cmd": "emitbin", "rooms": ["r"], "event": "bin", "bytes": [3, 4]}))
        .await;
    for (name, _) in &members {
        assert_eq!(
            clients.wait(name, 1).await,
            vec![json!(["bin", {"bytes": {"bin": [3, 4]}}])],
            "{name}"
        );
    }

    // Broadcast acks, counted across every server, both ways.
    let acks = nodes[0]
        .io
        .to("r")
        .timeout(Duration::from_secs(3))
        .emit_raw_with_ack::<_, String>("question", &())
        .await
        .unwrap();
    let answers: BTreeSet<String> = acks.into_values().map(Result::unwrap).collect();
    assert_eq!(answers, ids(members.iter().map(|(name, _)| name.clone())));
    for (name, _) in &members {
        clients.wait(name, 1).await;
    }
    let answer = n
        .run(json!({"cmd": "ack", "rooms": ["r"], "event": "q", "args": [], "timeout": 3000}))
        .await;
    let answers: BTreeSet<String> = answer["acks"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(answers, ids(members.iter().map(|(name, _)| name.clone())));
    for (name, _) in &members {
        clients.wait(name, 1).await;
    }

    // fetchSockets, both ways.
    let member_ids = ids(members.iter().map(|(_, id)| id.clone()));
    let fetched = nodes[0]
        .io
        .of("/")
        .unwrap()
        .to("r")
        .fetch_remote_sockets()
        .await
        .unwrap();
    let mut expected = member_ids.clone();
    expected.remove(&members[0].1);
    assert_eq!(ids(fetched.iter().map(|s| s.id.clone())), expected);
    let from_node = fetched.iter().find(|s| s.id == members[2].1).unwrap();
    assert_eq!(from_node.data, json!({"node": "node"}));
    node_fetches(&mut n, "r", &member_ids).await;

    // socketsJoin / socketsLeave across servers, both ways.
    nodes[1].io.to("r").join("j");
    node_fetches(&mut n, "j", &member_ids).await;
    nodes[0].io.to("j").leave("j");
    node_fetches(&mut n, "j", &BTreeSet::new()).await;
    n.run(json!({"cmd": "join", "rooms": ["r"], "room": "from node"}))
        .await;
    for node in &nodes {
        eventually("a member joined from node", || {
            node.io
                .to("r")
                .sockets()
                .iter()
                .all(|s| s.rooms().iter().any(|r| &**r == "from node"))
        })
        .await;
    }

    // serverSideEmit both ways, with acks, and without.
    let mut answers = nodes[0]
        .cluster
        .server_side_emit_with_ack("/", "from rust", vec![json!(7)])
        .await
        .unwrap();
    answers.sort_by_key(|v| v.to_string());
    assert_eq!(
        answers,
        vec![
            json!({"from": "b", "got": [7]}),
            json!({"from": "node", "got": [7]}),
        ]
    );
    let answer = n
        .run(json!({"cmd": "sseack", "event": "from node", "args": ["x"]}))
        .await;
    let mut answers = answer["answers"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .clone();
    answers.sort_by_key(|v| v.to_string());
    assert_eq!(
        answers,
        vec![
            json!({"from": "a", "got": ["x"]}),
            json!({"from": "b", "got": ["x"]}),
        ]
    );
    nodes[1]
        .cluster
        .server_side_emit("/", "from rust", vec![json!("hi")])
        .await
        .unwrap();
    let mut seen = json!(null);
    for _ in 0..100 {
        seen = n.run(json!({"cmd": "received"})).await;
        if seen["received"].as_array().is_some_and(|r| r.len() == 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, json!({"received": [[7], ["hi"]]}));

    // disconnectSockets across servers: from a fastsio node, then from the node server.
    nodes[0].io.except("r").disconnect();
    for (name, _) in &others {
        assert!(clients.disconnected(name).await, "{name} disconnected");
    }
    n.run(json!({"cmd": "disconnect", "rooms": ["r"]})).await;
    for (name, _) in &members {
        assert!(clients.disconnected(name).await, "{name} disconnected");
    }
    for node in &nodes {
        eventually("every socket gone", || node.io.sockets().is_empty()).await;
    }
    let ok = eventually_async("room channel unsubscribed", || {
        let (url, channel) = (redis.url.clone(), room_channel.clone());
        async move { subscribers(&url, &channel).await == 0 }
    });
    ok.await;
    n.script.kill().await;
}
