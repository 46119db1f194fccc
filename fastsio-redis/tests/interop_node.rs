//! Interop with a node socket.io@4 server on @socket.io/redis-adapter@8 (npm, pinned in
//! `tests/node/package-lock.json`) sharing one Redis with a fastsio node.

mod common;

use std::time::Duration;

use common::node::{NodeServer, ensure_npm, raw_client};
use common::{client, next, node, prefix, redis, wait_for_servers};
use fastsio_tests::ws::WsEvent;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fastsio_and_node_servers_share_one_cluster() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    let mut n = NodeServer::start(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;
    assert_eq!(n.run(json!({"cmd": "count"})).await, json!({"count": 2}));

    let mut a1 = client(&a, &["r"]).await;
    let mut a2 = client(&a, &[]).await;
    let mut n1 = raw_client(&n, Some("r")).await;
    let mut n2 = raw_client(&n, None).await;

    // fastsio → node: to a room, to all, except.
    a.io.to("r")
        .emit_raw("from rust", &json!({"x": [1, "y"]}))
        .unwrap();
    for c in [&mut a1, &mut n1] {
        assert_eq!(next(c).await, r#"42["from rust",{"x":[1,"y"]}]"#);
    }
    a.io.except("r").emit_raw("not r", &()).unwrap();
    for c in [&mut a2, &mut n2] {
        assert_eq!(next(c).await, r#"42["not r"]"#);
    }

    // node → fastsio.
    let sent = n
        .run(json!({"cmd": "emit", "rooms": ["r"], "event": "from node", "args": [1, "two"]}))
        .await;
    assert_eq!(sent, json!({"ok": true}));
    for c in [&mut a1, &mut n1] {
        assert_eq!(next(c).await, r#"42["from node",1,"two"]"#);
    }
    n.run(json!({"cmd": "emit", "except": ["r"], "event": "all but r", "args": [{"k": null}]}))
        .await;
    for c in [&mut a2, &mut n2] {
        assert_eq!(next(c).await, r#"42["all but r",{"k":null}]"#);
    }

    // node → fastsio with binary.
    n.run(json!({"cmd": "emitbin", "rooms": ["r"], "event": "bin", "bytes": [1, 2, 3]}))
        .await;
    for c in [&mut a1, &mut n1] {
        assert_eq!(
            next(c).await,
            r#"451-["bin",{"bytes":{"_placeholder":true,"num":0}}]"#
        );
        let frame = tokio::time::timeout(Duration::from_secs(5), c.ws.next())
            .await
            .unwrap();
        assert_eq!(frame, WsEvent::Binary(vec![1u8, 2, 3].into()));
    }

    // node fetches fastsio's sockets.
    let fetched = n.run(json!({"cmd": "fetch", "rooms": ["r"]})).await;
    let ids: Vec<&str> = fetched["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&a1.sid.as_str()), "{fetched}");
    assert!(ids.contains(&n1.sid.as_str()), "{fetched}");
    assert_eq!(ids.len(), 2, "{fetched}");

    // fastsio fetches node's sockets.
    let fetched =
        a.io.of("/")
            .unwrap()
            .to("r")
            .fetch_remote_sockets()
            .await
            .unwrap();
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert_eq!(fetched[0].id, n1.sid);
    assert!(fetched[0].rooms.iter().any(|r| &**r == "r"));
    assert_eq!(fetched[0].data, json!({"node": "node"}));
    assert_eq!(fetched[0].handshake["query"]["room"], "r");

    // node makes fastsio's sockets join a room.
    n.run(json!({"cmd": "join", "rooms": ["r"], "room": "joined"}))
        .await;
    let a1_socket =
        a.io.sockets()
            .into_iter()
            .find(|s| s.id().to_string() == a1.sid)
            .unwrap();
    fastsio_tests::server::eventually("a1 joined from node", || {
        a1_socket.rooms().iter().any(|r| &**r == "joined")
    })
    .await;

    // fastsio makes node's sockets join a room, node sees it.
    a.io.to("r").join("from-rust");
    let mut joined = false;
    for _ in 0..100 {
        let fetched = n.run(json!({"cmd": "fetch", "rooms": ["from-rust"]})).await;
        if fetched["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == json!(n1.sid))
        {
            joined = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(joined, "n1 joined the room fastsio named");

    // Acks: node asks everyone, a fastsio client answers.
    let ack = tokio::spawn(async move {
        let answer = n
            .run(
                json!({"cmd": "ack", "rooms": ["r"], "event": "q", "args": ["?"], "timeout": 2000}),
            )
            .await;
        (n, answer)
    });
    for (c, name) in [(&mut a1, "a1"), (&mut n1, "n1")] {
        let question = next(c).await;
        let rest = &question["42".len()..];
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(&rest[id.len()..], r#"["q","?"]"#);
        c.ws.send_text(&format!(r#"43{id}["{name}"]"#)).await;
    }
    let (mut n, answer) = ack.await.unwrap();
    let mut acks: Vec<String> = answer["acks"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    acks.sort();
    assert_eq!(acks, ["a1", "n1"]);

    // Acks: fastsio asks everyone, a node client answers.
    let ops = a.io.of("/").unwrap().to("r");
    let acks = tokio::spawn(async move {
        ops.timeout(Duration::from_secs(2))
            .emit_raw_with_ack::<_, String>("q2", &())
            .await
    });
    for (c, name) in [(&mut a1, "a1"), (&mut n1, "n1")] {
        let question = next(c).await;
        let rest = &question["42".len()..];
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        c.ws.send_text(&format!(r#"43{id}["{name}"]"#)).await;
    }
    let acks = acks.await.unwrap().unwrap();
    assert_eq!(acks.local[0].1.as_ref().unwrap(), "a1");
    assert_eq!(acks.remote.len(), 1, "{:?}", acks.remote);
    assert_eq!(acks.remote[0].as_ref().unwrap(), "n1");

    // Server-side emits, both ways, with and without acks.
    a.cluster.on_server_side_emit(|ev| {
        ev.wants_ack
            .then(|| json!({"from": "rust", "event": ev.event, "got": ev.args}))
    });
    a.cluster
        .server_side_emit("/", "from rust", vec![json!("hi")])
        .await
        .unwrap();
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = n.run(json!({"cmd": "received"})).await;
        if seen["received"].as_array().is_some_and(|r| !r.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, json!({"received": [["hi"]]}));
    let answers = a
        .cluster
        .server_side_emit_with_ack("/", "from rust", vec![json!(7)])
        .await
        .unwrap();
    assert_eq!(answers, vec![json!({"from": "node", "got": [7]})]);
    let answer = n
        .run(json!({"cmd": "sseack", "event": "from node", "args": [1, 2]}))
        .await;
    assert_eq!(
        answer,
        json!({"answers": [{"from": "rust", "event": "from node", "got": [1, 2]}]})
    );

    // allRooms both ways.
    let rooms = n.run(json!({"cmd": "allRooms"})).await;
    let rooms: Vec<&str> = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    for room in ["r", "joined", "from-rust", a2.sid.as_str(), n2.sid.as_str()] {
        assert!(rooms.contains(&room), "{room} in {rooms:?}");
    }
    let rooms = a.cluster.all_rooms("/").await.unwrap();
    for room in ["r", "joined", "from-rust", a2.sid.as_str(), n2.sid.as_str()] {
        assert!(rooms.contains(room), "{room} in {rooms:?}");
    }

    // fastsio disconnects node's sockets outside "r".
    a.io.except("r").disconnect();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while n2.ws.next_text().await != "41" {}
    })
    .await;
    assert!(closed.is_ok(), "n2 disconnected by fastsio");

    n.script.kill().await;
}
