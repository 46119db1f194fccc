//! The cluster the issue describes: three fastsio nodes and one node socket.io@4 server on
//! @socket.io/redis-adapter@8, on one Redis, with socket.io-client@4 sockets on each.

mod common;

use common::node::{NodeServer, ensure_npm};
use common::scenario::{NAMES, Scenario, ServerSide};
use common::{node, prefix, redis, wait_for_servers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_fastsio_nodes_and_a_node_server_form_one_cluster() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let prefix = prefix();
    let nodes = [
        node(&redis.url, &prefix).await,
        node(&redis.url, &prefix).await,
        node(&redis.url, &prefix).await,
    ];
    let mut n = NodeServer::start(&redis.url, &prefix).await;
    wait_for_servers(&nodes[0], 4).await;
    for (node, name) in nodes.iter().zip(NAMES) {
        node.cluster.answer_as(name);
    }

    let mut s = Scenario::connect(&nodes, &n).await;
    s.room_broadcasts_reach_each_member_once(&nodes, &mut n)
        .await;
    s.except_reaches_the_others(&nodes[1], &mut n).await;
    s.binary_reaches_every_member(&nodes[2]).await;
    s.broadcast_acks_both_ways(&nodes[0], &mut n).await;
    s.fetch_sockets_both_ways(&nodes, &mut n).await;
    s.join_and_leave_both_ways(&nodes, (1, 2), &mut n).await;
    Scenario::server_side_emits_both_ways(&nodes, &mut n).await;
    s.disconnect_both_ways(&nodes, &mut n).await;
    n.script.kill().await;
}
