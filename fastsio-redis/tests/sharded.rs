//! Sharded pub/sub: two fastsio nodes on `ShardedRedisCluster` and one node socket.io@4
//! server on @socket.io/redis-adapter@8's `createShardedAdapter`, on one Redis 7, with
//! socket.io-client@4 sockets on each, in each subscription mode.

mod common;

use std::time::Duration;

use common::node::{NodeServer, ensure_npm};
use common::scenario::{Scenario, ServerSide};
use common::{Node, prefix, redis, serve, wait_for_servers};
use fastsio_redis::{RedisConfig, ShardedRedisCluster, SubscriptionMode};
use fastsio_tests::server::eventually_async;
use serde_json::json;

/// One fastsio node on the sharded cluster, answering server-side emits as `name`.
async fn node(
    url: &str,
    prefix: &str,
    mode: SubscriptionMode,
    name: &'static str,
) -> Node<ShardedRedisCluster> {
    let config = RedisConfig::new(url)
        .prefix(prefix)
        .request_timeout(Duration::from_secs(2));
    let cluster = ShardedRedisCluster::with_mode(config, mode).unwrap();
    cluster.answer_as(name);
    let adapters = cluster.adapters();
    serve(cluster, adapters, |c| c.is_subscribed("/")).await
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
    wait_for_servers(&nodes[0], 3).await;
    assert_eq!(n.run(json!({"cmd": "count"})).await, json!({"count": 3}));

    let mut s = Scenario::connect(&nodes, &n).await;
    s.room_broadcasts_reach_each_member_once(&nodes, &mut n)
        .await;

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
    let (n2_id, a2_id) = (s.others[2].1.clone(), s.others[0].1.clone());
    nodes[0]
        .io
        .to(n2_id.as_str())
        .emit_raw("to n2", &())
        .unwrap();
    n.run(json!({"cmd": "emit", "rooms": [a2_id], "event": "to a2", "args": []}))
        .await;
    assert_eq!(s.clients.wait("n2", 1).await, vec![json!(["to n2"])]);
    assert_eq!(s.clients.wait("a2", 1).await, vec![json!(["to a2"])]);

    s.except_reaches_the_others(&nodes[1], &mut n).await;
    s.binary_reaches_every_member(&nodes[1]).await;
    n.run(json!({"cmd": "emitbin", "rooms": ["r"], "event": "bin", "bytes": [3, 4]}))
        .await;
    for (name, _) in &s.members {
        assert_eq!(
            s.clients.wait(name, 1).await,
            vec![json!(["bin", {"bytes": {"bin": [3, 4]}}])],
            "{name}"
        );
    }

    s.broadcast_acks_both_ways(&nodes[0], &mut n).await;
    s.fetch_sockets_both_ways(&nodes, &mut n).await;
    s.join_and_leave_both_ways(&nodes, (1, 0), &mut n).await;

    // serverSideEmit both ways, with acks, and without.
    Scenario::server_side_emits_both_ways(&nodes, &mut n).await;
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

    s.disconnect_both_ways(&nodes, &mut n).await;
    let ok = eventually_async("room channel unsubscribed", || {
        let (url, channel) = (redis.url.clone(), room_channel.clone());
        async move { subscribers(&url, &channel).await == 0 }
    });
    ok.await;
    n.script.kill().await;
}
