//! The Redis adapters on a real Redis Cluster of 3 masters with a replica each, started by
//! the test (`redis-cli --cluster create`): broadcasts across 3 fastsio nodes, the server
//! count summed over the nodes, remote sockets, server-side emits with acks, connection
//! state recovery through a stream; then, under steady traffic, the slots of every channel
//! in use move to another master, a replica takes over by `CLUSTER FAILOVER`, and a master
//! is killed: nothing panics, the subscriptions are restored, deliveries resume, and no
//! message arrives twice.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::redis_cluster::{TestRedisCluster, within};
use common::scenario::ServerSide;
use common::{Client, Node, client, next, prefix, serve, wait_for_servers};
use fastsio::RecoveryConfig;
use fastsio::prelude::*;
use fastsio_redis::{
    RedisCluster, RedisConfig, RedisStreams, ShardedRedisCluster, StreamsConfig, SubscriptionMode,
};
use fastsio_tests::server::TestServer;
use fastsio_tests::ws::WsClient;
use serde_json::{Value, json};

fn config(cluster: &TestRedisCluster, prefix: &str) -> RedisConfig {
    RedisConfig::cluster(cluster.urls())
        .prefix(prefix)
        .request_timeout(Duration::from_secs(2))
}

async fn classic(cluster: &TestRedisCluster, prefix: &str, name: &'static str) -> Node {
    let redis = RedisCluster::new(config(cluster, prefix)).unwrap();
    redis.answer_as(name);
    let adapters = redis.adapters();
    serve(redis, adapters, |c| c.is_subscribed("/")).await
}

async fn sharded(
    cluster: &TestRedisCluster,
    prefix: &str,
    name: &'static str,
) -> Node<ShardedRedisCluster> {
    let config = config(cluster, prefix);
    let redis = ShardedRedisCluster::with_mode(config, SubscriptionMode::Dynamic).unwrap();
    redis.answer_as(name);
    let adapters = redis.adapters();
    serve(redis, adapters, |c| c.is_subscribed("/")).await
}

/// Broadcasts `traffic-N` to room `r` from `from` every 20 ms until dropped.
struct Traffic {
    stop: Arc<AtomicBool>,
}

impl Traffic {
    fn start(io: Io) -> Traffic {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        tokio::spawn(async move {
            let mut i: u64 = 0;
            while !s.load(Ordering::Relaxed) {
                let _ = io.to("r").emit_raw("traffic", &i);
                i += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Traffic { stop }
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads `client`'s frames until one is `42["mark",tag]`: every `traffic` frame read on the
/// way must be new (no message arrives twice); returns how many were read.
async fn until_mark(client: &mut Client, tag: &str, seen: &mut BTreeSet<u64>) -> usize {
    let mark = format!(r#"42["mark","{tag}"]"#);
    let mut read = 0;
    loop {
        let frame = next(client).await;
        if frame == mark {
            return read;
        }
        if let Some(i) = frame.strip_prefix(r#"42["traffic","#) {
            let i: u64 = i.trim_end_matches(']').parse().unwrap();
            assert!(seen.insert(i), "traffic {i} arrived twice");
            read += 1;
        }
    }
}

/// Deliveries from `from` resume: a `mark` broadcast (sent again every 300 ms, each with its
/// own tag, for up to 60 s) reaches every client; then a last one reaches each exactly once
/// and after everything before it.
async fn deliveries_resume<C>(
    from: &Node<C>,
    clients: &mut [&mut Client],
    seen: &mut [BTreeSet<u64>],
    what: &str,
) {
    for (k, c) in clients.iter_mut().enumerate() {
        let mut reached = false;
        for attempt in 0..200 {
            let tag = format!("{what}-{k}-{attempt}");
            from.io.to("r").emit_raw("mark", &tag).unwrap();
            let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
            while let Ok(frame) = tokio::time::timeout_at(deadline, c.ws.next_text()).await {
                if frame.starts_with(r#"42["mark","#) && frame.contains(&format!("{what}-{k}-")) {
                    reached = true;
                    break;
                }
                if let Some(i) = frame.strip_prefix(r#"42["traffic","#) {
                    let i: u64 = i.trim_end_matches(']').parse().unwrap();
                    assert!(seen[k].insert(i), "traffic {i} arrived twice");
                }
            }
            if reached {
                break;
            }
        }
        assert!(reached, "{what}: deliveries resumed for client {k}");
    }
    let tag = format!("{what}-done");
    from.io.to("r").emit_raw("mark", &tag).unwrap();
    for (k, c) in clients.iter_mut().enumerate() {
        // Earlier marks may still be on the way; skip them.
        loop {
            let frame = next(c).await;
            if frame == format!(r#"42["mark","{tag}"]"#) {
                break;
            }
            if let Some(i) = frame.strip_prefix(r#"42["traffic","#) {
                let i: u64 = i.trim_end_matches(']').parse().unwrap();
                assert!(seen[k].insert(i), "traffic {i} arrived twice");
            }
        }
    }
}

/// Every cluster operation across the 3 nodes, from node `from`.
async fn operations_work<C: ServerSide>(
    nodes: &[Node<C>],
    clients: &mut [&mut Client],
    seen: &mut [BTreeSet<u64>],
) {
    for (i, from) in nodes.iter().enumerate() {
        let tag = format!("from-{i}");
        from.io.to("r").emit_raw("mark", &tag).unwrap();
        for (k, c) in clients.iter_mut().enumerate() {
            until_mark(c, &tag, &mut seen[k]).await;
        }
    }
    let ops = nodes[0].io.of("/").unwrap();
    let remote = ops.clone().to("r").fetch_remote_sockets().await.unwrap();
    assert_eq!(remote.len(), 2, "{remote:?}");
    let answers = nodes[1].cluster.emit_with_ack("ping", vec![json!(1)]).await;
    let mut from: Vec<&str> = answers.iter().filter_map(|a| a["from"].as_str()).collect();
    from.sort();
    assert_eq!(from, ["a", "c"]);
}

/// The channels a node uses in namespace `/` and room `r`, on either wire.
fn channels(prefix: &str, uids: &[&str]) -> Vec<String> {
    let mut all = vec![
        format!("{prefix}#/#"),
        format!("{prefix}#/#r#"),
        format!("{prefix}-request#/#"),
        format!("{prefix}-response#/#"),
    ];
    for uid in uids {
        all.push(format!("{prefix}-response#/#{uid}#"));
        all.push(format!("{prefix}#/#{uid}#"));
        all.push(uid.to_string());
    }
    all
}

/// Moves the slot of each channel to the next master, while traffic flows.
fn reshard(cluster: &TestRedisCluster, channels: &[String]) {
    let masters = cluster.masters();
    let slots: BTreeSet<u16> = channels.iter().map(|c| cluster.slot(c)).collect();
    for slot in slots {
        let owner = cluster.owner(slot);
        let at = masters.iter().position(|m| *m == owner).unwrap();
        cluster.move_slot(slot, masters[(at + 1) % masters.len()]);
    }
}

/// The cluster life both adapters go through.
async fn survives<C: ServerSide>(
    mut cluster: TestRedisCluster,
    nodes: [Node<C>; 3],
    uids: [&str; 3],
    prefix: &str,
) {
    wait_for_servers(&nodes[0], 3).await;
    let mut a1 = client(&nodes[0], &["r"]).await;
    let mut b1 = client(&nodes[1], &["r"]).await;
    let mut c1 = client(&nodes[2], &["r"]).await;
    let mut seen = vec![BTreeSet::new(); 3];
    // With the sharded adapter, room `r` has a channel of its own, subscribed as its members
    // join.
    for (i, from) in nodes.iter().enumerate() {
        let what = format!("start-{i}");
        deliveries_resume(from, &mut [&mut a1, &mut b1, &mut c1], &mut seen, &what).await;
    }
    operations_work(&nodes, &mut [&mut a1, &mut b1, &mut c1], &mut seen).await;

    let traffic = Traffic::start(nodes[0].io.clone());
    let channels = channels(prefix, &uids);
    reshard(&cluster, &channels);
    deliveries_resume(
        &nodes[0],
        &mut [&mut a1, &mut b1, &mut c1],
        &mut seen,
        "resharded",
    )
    .await;

    let namespace_slot = cluster.slot(&channels[0]);
    cluster.failover(cluster.owner(namespace_slot)).await;
    deliveries_resume(
        &nodes[0],
        &mut [&mut a1, &mut b1, &mut c1],
        &mut seen,
        "failed-over",
    )
    .await;

    let room_slot = cluster.slot(&channels[1]);
    cluster.kill(cluster.owner(room_slot)).await;
    deliveries_resume(
        &nodes[0],
        &mut [&mut a1, &mut b1, &mut c1],
        &mut seen,
        "killed",
    )
    .await;
    drop(traffic);

    let ops = nodes[2].io.of("/").unwrap();
    within(30, "3 servers counted again", async || {
        ops.server_count().await.ok() == Some(3)
    })
    .await;
    operations_work(&nodes, &mut [&mut a1, &mut b1, &mut c1], &mut seen).await;
    assert!(
        seen.iter().all(|s| !s.is_empty()),
        "traffic reached every client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_classic_adapter_follows_a_redis_cluster_through_resharding_and_failover() {
    let Some(cluster) = TestRedisCluster::start(true).await else {
        return;
    };
    let prefix = prefix();
    let nodes = [
        classic(&cluster, &prefix, "a").await,
        classic(&cluster, &prefix, "b").await,
        classic(&cluster, &prefix, "c").await,
    ];
    let uids: Vec<String> = nodes.iter().map(|n| n.cluster.uid().to_string()).collect();
    let uids = [uids[0].as_str(), uids[1].as_str(), uids[2].as_str()];
    survives(cluster, nodes, uids, &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sharded_adapter_follows_a_redis_cluster_through_resharding_and_failover() {
    let Some(cluster) = TestRedisCluster::start(true).await else {
        return;
    };
    let prefix = prefix();
    let nodes = [
        sharded(&cluster, &prefix, "a").await,
        sharded(&cluster, &prefix, "b").await,
        sharded(&cluster, &prefix, "c").await,
    ];
    let uids: Vec<String> = nodes.iter().map(|n| n.cluster.uid().to_string()).collect();
    let uids = [uids[0].as_str(), uids[1].as_str(), uids[2].as_str()];
    survives(cluster, nodes, uids, &prefix).await;
}

/// A node with the streams adapter and recovery on: a fresh socket joins `r` and gets
/// `welcome`.
async fn streams_node(cluster: &TestRedisCluster, prefix: &str) -> (Node, RedisStreams) {
    let redis = RedisCluster::new(config(cluster, prefix)).unwrap();
    let streams = RedisStreams::new(
        &redis,
        StreamsConfig::default()
            .stream_name(format!("{prefix}-stream"))
            .session_key_prefix(format!("{prefix}-session:")),
    )
    .unwrap();
    let on_connect = |socket: SocketRef| async move {
        if !socket.recovered() {
            socket.join("r");
            socket.emit_raw("welcome", &()).unwrap();
        }
    };
    let io = Server::builder()
        .ping_interval(Duration::from_secs(20))
        .connection_state_recovery(RecoveryConfig::default())
        .adapter(streams.adapters())
        .routes(Routes::new("/").on_connect(on_connect))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    within(10, "subscribed and reading the stream", async || {
        redis.is_subscribed("/") && streams.is_reading()
    })
    .await;
    let node = Node {
        io,
        server,
        cluster: redis,
    };
    (node, streams)
}

/// A raw Socket.IO connection to `node` with this CONNECT auth: the client and the CONNECT
/// reply (`{"sid", "pid"}`).
async fn raw_connect(node: &Node, auth: &str) -> (WsClient, Value) {
    let mut ws = WsClient::connect(&node.server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text(&format!("40{auth}")).await;
    let reply = ws.next_text().await;
    let reply = serde_json::from_str(reply.strip_prefix("40").expect("a CONNECT reply")).unwrap();
    (ws, reply)
}

/// A frame `42[...,offset]`: the event with its arguments, and the offset.
fn event(frame: &str) -> (Value, String) {
    let mut items: Vec<Value> = serde_json::from_str(&frame["42".len()..]).unwrap();
    let offset = items
        .pop()
        .unwrap()
        .as_str()
        .expect("an offset")
        .to_string();
    (Value::Array(items), offset)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_lost_on_one_node_is_recovered_on_another_through_a_stream_on_a_redis_cluster() {
    let Some(cluster) = TestRedisCluster::start(false).await else {
        return;
    };
    let prefix = prefix();
    let (a, _sa) = streams_node(&cluster, &prefix).await;
    let (b, _sb) = streams_node(&cluster, &prefix).await;
    let mut member = client(&b, &["r"]).await;
    assert_eq!(event(&next(&mut member).await).0, json!(["welcome"]));

    let (mut ws, reply) = raw_connect(&a, "").await;
    let (welcome, offset) = event(
        &tokio::time::timeout(Duration::from_secs(5), ws.next_text())
            .await
            .unwrap(),
    );
    assert_eq!(welcome, json!(["welcome"]));
    ws.close().await;
    let pid = reply["pid"].as_str().unwrap().to_string();
    let key = format!("{prefix}-session:{pid}");
    within(10, "the lost session is kept", async || {
        cluster
            .masters()
            .iter()
            .any(|m| common::redis_cluster::cli(*m, &["EXISTS", &key]) == "1")
    })
    .await;

    // Missed while away, from the other node; seen by B's member with one offset.
    b.io.to("r").emit_raw("missed", &1).unwrap();
    assert_eq!(event(&next(&mut member).await).0, json!(["missed", 1]));

    // The stream and the session key move to other masters before the client comes back.
    reshard(&cluster, &[format!("{prefix}-stream"), key.clone()]);

    let claim = json!({"pid": pid, "offset": offset}).to_string();
    let (mut back, recovered) = raw_connect(&b, &claim).await;
    assert_eq!(
        recovered["sid"], reply["sid"],
        "recovered on the other node"
    );
    // What it missed (after a `welcome` if the connect handler ran again).
    let mut frame = next_text(&mut back).await;
    if event(&frame).0 == json!(["welcome"]) {
        frame = next_text(&mut back).await;
    }
    assert_eq!(event(&frame).0, json!(["missed", 1]));

    // The stream still carries broadcasts both ways after the move.
    a.io.to("r").emit_raw("after", &()).unwrap();
    assert_eq!(event(&next(&mut member).await).0, json!(["after"]));
    assert_eq!(event(&next_text(&mut back).await).0, json!(["after"]));
}

async fn next_text(ws: &mut WsClient) -> String {
    tokio::time::timeout(Duration::from_secs(5), ws.next_text())
        .await
        .expect("a message within 5 s")
}
