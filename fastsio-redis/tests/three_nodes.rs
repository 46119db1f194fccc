//! The cluster the issue describes: three fastsio nodes and one node socket.io@4 server on
//! @socket.io/redis-adapter@8, on one Redis, with socket.io-client@4 sockets on each.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use common::node::{Clients, NodeServer, ensure_npm};
use common::{Node, node, prefix, redis, wait_for_servers};
use fastsio_tests::server::eventually;
use serde_json::json;

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
            .unwrap()
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
    for (i, node) in nodes.iter().enumerate() {
        let name = ["a", "b", "c"][i];
        node.cluster.on_server_side_emit(move |ev| {
            ev.wants_ack.then(|| json!({"from": name, "got": ev.args}))
        });
    }

    // One member of "r" and one non-member on every server.
    let mut clients = Clients::start();
    let mut members = Vec::new();
    let mut others = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let url = format!("http://{}", node.server.addr);
        let name = ["a", "b", "c"][i];
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
    for (name, _) in members
        .iter()
        .chain(&others)
        .filter(|(n, _)| n.starts_with('n'))
    {
        let hello = clients.wait(name, 1).await;
        assert_eq!(hello[0][0], "hello", "{name}: {hello:?}");
    }

    // A room broadcast from any server reaches every member on every server exactly once,
    // and nobody else: each sender follows it with a marker to everyone (one sender's
    // messages keep their order), so a duplicate would show before the marker.
    for sender in ["a", "b", "c", "n"] {
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

    // Except, from a fastsio node and from the node server.
    nodes[1]
        .io
        .except("r")
        .emit_raw("not r", &"from b")
        .unwrap();
    nodes[1].io.emit_raw("marker", &()).unwrap();
    n.run(json!({"cmd": "emit", "except": ["r"], "event": "not r", "args": ["from n"]}))
        .await;
    n.run(json!({"cmd": "emit", "event": "marker", "args": []}))
        .await;
    for (name, _) in &others {
        let mut got = clients.wait(name, 4).await;
        got.sort_by_key(|v| v.to_string());
        let expected = [
            json!(["marker"]),
            json!(["marker"]),
            json!(["not r", "from b"]),
            json!(["not r", "from n"]),
        ];
        assert_eq!(got, expected, "{name}");
    }
    for (name, _) in &members {
        assert_eq!(
            clients.wait(name, 2).await,
            vec![json!(["marker"]), json!(["marker"])],
            "{name}"
        );
    }

    // Binary from a fastsio node reaches socket.io-client on the other nodes and on the node
    // server as a Buffer.
    let file = json!({"name": "f", "bytes": {"_placeholder": true, "num": 0}});
    nodes[2]
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

    // Broadcast acks, counted across every server.
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

    // fetchSockets: fastsio sees the node server's sockets, and the reverse.
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
    let from_node = fetched.iter().find(|s| s.id == members[3].1).unwrap();
    assert_eq!(from_node.data, json!({"node": "node"}));
    node_fetches(&mut n, "r", &member_ids).await;

    // socketsJoin / socketsLeave across servers, both ways.
    nodes[1].io.to("r").join("j");
    node_fetches(&mut n, "j", &member_ids).await;
    nodes[2].io.to("j").leave("j");
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

    // serverSideEmit both ways, with acks.
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
            json!({"from": "c", "got": [7]}),
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
            json!({"from": "c", "got": ["x"]}),
        ]
    );

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
    n.script.kill().await;
}
