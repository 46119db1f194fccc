//! Several fastsio nodes on one Redis: broadcasts, server count, remote sockets, acks.

mod common;

use std::time::Duration;

use common::{calls, client, next, node, prefix, redis, serve, wait_for_servers};
use fastsio_redis::{RedisCluster, RedisConfig, SocketData};
use fastsio_tests::redis::own_redis;
use fastsio_tests::server::{eventually, eventually_async};
use fastsio_tests::sio::ack_id;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_reach_every_node_with_rooms_and_except() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    let b = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;

    let mut a1 = client(&a, &["r"]).await;
    let mut a2 = client(&a, &[]).await;
    let mut b1 = client(&b, &["r"]).await;
    let mut b2 = client(&b, &["r", "x"]).await;

    // To everyone, from either node.
    a.io.emit_raw("all", &1).unwrap();
    for c in [&mut a1, &mut a2, &mut b1, &mut b2] {
        assert_eq!(next(c).await, r#"42["all",1]"#);
    }
    b.io.emit_raw("all", &("from b", 2)).unwrap();
    for c in [&mut a1, &mut a2, &mut b1, &mut b2] {
        assert_eq!(next(c).await, r#"42["all","from b",2]"#);
    }

    // One room (published on the room's own channel).
    a.io.to("r")
        .emit_raw("room", &json!({"k": [1, 2.5, null]}))
        .unwrap();
    for c in [&mut a1, &mut b1, &mut b2] {
        assert_eq!(next(c).await, r#"42["room",{"k":[1,2.5,null]}]"#);
    }

    // Except, across nodes.
    a.io.to("r").except("x").emit_raw("except", &()).unwrap();
    for c in [&mut a1, &mut b1] {
        assert_eq!(next(c).await, r#"42["except"]"#);
    }

    // Several rooms: each socket once.
    a.io.to(["r", "x"]).emit_raw("multi", &()).unwrap();
    for c in [&mut a1, &mut b1, &mut b2] {
        assert_eq!(next(c).await, r#"42["multi"]"#);
    }

    // Except a socket id of another node.
    b.io.except(a1.sid.as_str())
        .emit_raw("not a1", &())
        .unwrap();
    for c in [&mut a2, &mut b1, &mut b2] {
        assert_eq!(next(c).await, r#"42["not a1"]"#);
    }

    // Local only.
    a.io.of("/")
        .unwrap()
        .local()
        .emit_raw("local", &())
        .unwrap();
    for c in [&mut a1, &mut a2] {
        assert_eq!(next(c).await, r#"42["local"]"#);
    }

    // Nothing else arrived: the next frame of each is this marker.
    b.io.emit_raw("end", &()).unwrap();
    for c in [&mut a1, &mut a2, &mut b1, &mut b2] {
        assert_eq!(next(c).await, r#"42["end"]"#);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_count_counts_the_nodes_of_the_namespace() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 1).await;
    let _b = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;
    let c = node(&redis.url, &prefix).await;
    wait_for_servers(&c, 3).await;
    // Another prefix is another cluster.
    let other = node(&redis.url, &common::prefix()).await;
    wait_for_servers(&other, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_sockets_are_fetched_joined_left_and_disconnected() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    let b = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;
    let _a1 = client(&a, &["r"]).await;
    let b1 = client(&b, &["r"]).await;
    let mut b2 = client(&b, &["x"]).await;
    let b1_socket =
        b.io.sockets()
            .into_iter()
            .find(|s| s.id().to_string() == b1.sid)
            .unwrap();
    b1_socket.insert(SocketData(json!({"name": "b1"})));

    let ops = a.io.of("/").unwrap();
    let all = ops.fetch_remote_sockets().await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let in_r = ops.clone().to("r").fetch_remote_sockets().await.unwrap();
    assert_eq!(in_r.len(), 1);
    assert_eq!(in_r[0].id, b1.sid);
    assert_eq!(in_r[0].data, json!({"name": "b1"}));
    let mut rooms: Vec<String> = in_r[0].rooms.iter().map(|r| r.to_string()).collect();
    rooms.sort();
    let mut expected = vec!["r".to_string(), b1.sid.clone()];
    expected.sort();
    assert_eq!(rooms, expected);
    assert!(in_r[0].handshake["url"].as_str().unwrap().contains("EIO=4"));

    // Join and leave, on the other node.
    ops.clone().to("r").join("joined");
    eventually("b1 joined remotely", || {
        b1_socket.rooms().iter().any(|r| &**r == "joined")
    })
    .await;
    ops.clone().to("joined").leave("joined");
    eventually("b1 left remotely", || {
        !b1_socket.rooms().iter().any(|r| &**r == "joined")
    })
    .await;

    // Disconnect, on the other node.
    ops.clone().to("x").disconnect();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let frame = b2.ws.next_text().await;
            if frame == "41" {
                return;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "b2 was disconnected");
    eventually("b2 gone", || b.io.sockets().len() == 1).await;
    eventually_async("a sees one remote socket", || {
        let ops = ops.clone();
        async move { ops.fetch_remote_sockets().await.map(|s| s.len()).ok() == Some(1) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_acks_are_collected_from_every_node() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    let b = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;
    let mut a1 = client(&a, &[]).await;
    let mut b1 = client(&b, &[]).await;
    let mut b2 = client(&b, &[]).await;

    let acks = tokio::spawn({
        let ops = a.io.of("/").unwrap();
        async move {
            ops.timeout(Duration::from_secs(2))
                .emit_raw_with_ack::<_, String>("who", &"q")
                .await
        }
    });
    for (c, name) in [(&mut a1, "a1"), (&mut b1, "b1")] {
        let question = next(c).await;
        let rest = &question["42".len()..];
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(&rest[id.len()..], r#"["who","q"]"#);
        c.ws.send_text(&format!(r#"43{id}["{name}"]"#)).await;
    }
    // b2 gets the question and does not answer.
    assert!(next(&mut b2).await.ends_with(r#"["who","q"]"#));
    let acks = acks.await.unwrap().unwrap();
    assert_eq!(acks.local.len(), 1);
    assert_eq!(acks.local[0].1.as_ref().unwrap(), "a1");
    assert_eq!(acks.remote.len(), 2, "{:?}", acks.remote);
    assert_eq!(acks.remote[0].as_ref().unwrap(), "b1");
    assert!(acks.remote[1].is_err());
}

#[tokio::test]
async fn redis_down_keeps_local_delivery_and_fails_cluster_operations() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cluster = fastsio_redis::RedisCluster::new(
        fastsio_redis::RedisConfig::new(format!("redis://127.0.0.1:{port}"))
            .request_timeout(Duration::from_secs(1)),
    )
    .unwrap();
    let io = fastsio::Server::builder()
        .adapter(cluster.adapters())
        .build()
        .unwrap();
    let server = fastsio_tests::server::TestServer::start(io.service()).await;
    let node = common::Node {
        io: io.clone(),
        server,
        cluster,
    };
    let mut c = client(&node, &["r"]).await;
    assert_eq!(io.to("r").emit_raw("still", &1).unwrap(), 1);
    assert_eq!(next(&mut c).await, r#"42["still",1]"#);
    let ops = io.of("/").unwrap();
    let e = ops.server_count().await.unwrap_err();
    assert!(e.to_string().contains("redis"), "{e}");
    let e = ops.fetch_remote_sockets().await.unwrap_err();
    assert!(e.to_string().contains("redis"), "{e}");
    // Acks: the local one arrives, the cluster part reports the error.
    let acks = tokio::spawn({
        let ops = ops.clone();
        async move {
            ops.timeout(Duration::from_secs(1))
                .emit_raw_with_ack::<_, i32>("q", &())
                .await
        }
    });
    let question = next(&mut c).await;
    let id = ack_id(&question);
    c.ws.send_text(&format!("43{id}[7]")).await;
    assert!(acks.await.unwrap().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_emits_and_all_rooms_span_the_nodes() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    let b = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    b.cluster.on_server_side_emit({
        let received = received.clone();
        move |ev| {
            received.lock().unwrap().push(ev.clone());
            ev.wants_ack.then(|| json!({"from": "b", "got": ev.args}))
        }
    });
    a.cluster
        .server_side_emit("/", "hello", vec![json!(1), json!("x")])
        .await
        .unwrap();
    eventually("b received the server-side event", || {
        received.lock().unwrap().len() == 1
    })
    .await;
    let ev = received.lock().unwrap()[0].clone();
    assert_eq!(
        (ev.nsp.as_str(), ev.event.as_str(), ev.args, ev.wants_ack),
        ("/", "hello", vec![json!(1), json!("x")], false)
    );
    let answers = a
        .cluster
        .server_side_emit_with_ack("/", "question", vec![json!(42)])
        .await
        .unwrap();
    assert_eq!(answers, vec![json!({"from": "b", "got": [42]})]);

    let _a1 = client(&a, &["ra"]).await;
    let _b1 = client(&b, &["rb"]).await;
    let rooms = a.cluster.all_rooms("/").await.unwrap();
    assert!(rooms.contains("ra") && rooms.contains("rb"), "{rooms:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_makes_requests_time_out_with_an_error() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    // A "server" that subscribes to the request channel (so it is counted) and never answers.
    let silent = redis::Client::open(redis.url.as_str()).unwrap();
    let mut silent = silent.get_async_pubsub().await.unwrap();
    silent
        .subscribe(format!("{prefix}-request#/#"))
        .await
        .unwrap();
    wait_for_servers(&a, 2).await;
    let started = std::time::Instant::now();
    let e =
        a.io.of("/")
            .unwrap()
            .fetch_remote_sockets()
            .await
            .unwrap_err();
    assert!(e.to_string().contains("timeout"), "{e}");
    // The nodes' request timeout is 2 s.
    assert!(started.elapsed() >= Duration::from_millis(1900));
    let e = a.cluster.all_rooms("/").await.unwrap_err();
    assert!(
        e.to_string().contains("0 responses received out of 1"),
        "{e}"
    );
    // Broadcast acks do not fail: the silent server's sockets are simply not counted.
    let acks =
        a.io.of("/")
            .unwrap()
            .timeout(Duration::from_millis(300))
            .emit_raw_with_ack::<_, i32>("q", &())
            .await
            .unwrap();
    assert!(acks.remote.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_nodes_broadcasts_arrive_in_order_on_other_nodes() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    let b = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;
    let mut b1 = client(&b, &["r"]).await;
    for i in 0..500 {
        a.io.to("r").emit_raw("n", &i).unwrap();
    }
    // A join request queued after the broadcasts lands after them too.
    a.io.to("r").join("later");
    a.io.to("later").emit_raw("joined", &()).unwrap();
    for i in 0..500 {
        assert_eq!(next(&mut b1).await, format!(r#"42["n",{i}]"#));
    }
    let b1_socket =
        b.io.sockets()
            .into_iter()
            .find(|s| s.id().to_string() == b1.sid)
            .unwrap();
    eventually("b1 joined", || {
        b1_socket.rooms().iter().any(|r| &**r == "later")
    })
    .await;
}

/// Node `a`, whose batches wait at most a linger for more while its stream is busy, and node
/// `b` with a client in room "r", on a Redis of their own (its command counts are theirs).
struct LingerPair {
    redis: fastsio_tests::redis::TestRedis,
    a: common::Node,
    _b: common::Node,
    on_b: common::Client,
}

async fn linger_pair(linger: Duration) -> Option<LingerPair> {
    let redis = own_redis(&[]).await?;
    let prefix = prefix();
    let config = RedisConfig::new(&redis.url)
        .prefix(&prefix)
        .request_timeout(Duration::from_secs(2))
        .publish_linger(linger);
    let cluster = RedisCluster::new(config).unwrap();
    let adapters = cluster.adapters();
    let a = serve(cluster, adapters, |c| c.is_subscribed("/")).await;
    let b = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;
    let on_b = client(&b, &["r"]).await;
    Some(LingerPair {
        redis,
        a,
        _b: b,
        on_b,
    })
}

// One thread: the emits of a loop are all queued before the publisher runs, as one batch.
#[tokio::test]
async fn a_busy_stream_holds_a_batch_until_half_the_last_is_waiting() {
    let Some(mut pair) = linger_pair(Duration::from_secs(30)).await else {
        return;
    };
    let (a, url, on_b) = (&pair.a, pair.redis.url.as_str(), &mut pair.on_b);
    let emit = |i: u32| {
        a.io.to("r").emit_raw("n", &i).unwrap();
    };
    let base = calls(url, "publish").await;
    (0..10).for_each(emit);
    for i in 0..10 {
        assert_eq!(next(on_b).await, format!(r#"42["n",{i}]"#));
    }
    assert_eq!(calls(url, "publish").await - base, 10);
    // After a batch of 10, four messages wait for a fifth (the linger is far longer than
    // this test): Redis has not seen them.
    (10..14).for_each(emit);
    assert_eq!(calls(url, "publish").await - base, 10);
    emit(14);
    for i in 10..15 {
        assert_eq!(next(on_b).await, format!(r#"42["n",{i}]"#));
    }
    assert_eq!(calls(url, "publish").await - base, 15);
}

#[tokio::test]
async fn a_message_after_a_burst_goes_once_the_linger_is_over() {
    let Some(mut pair) = linger_pair(Duration::from_millis(200)).await else {
        return;
    };
    let (a, on_b) = (&pair.a, &mut pair.on_b);
    for i in 0..10 {
        a.io.to("r").emit_raw("n", &i).unwrap();
    }
    for i in 0..10 {
        assert_eq!(next(on_b).await, format!(r#"42["n",{i}]"#));
    }
    // Alone after a batch of 10: it waits for company, then goes on its own.
    a.io.to("r").emit_raw("n", &10).unwrap();
    assert_eq!(next(on_b).await, r#"42["n",10]"#);
    // The stream is quiet now: the next one goes at once, in order.
    a.io.to("r").emit_raw("n", &11).unwrap();
    assert_eq!(next(on_b).await, r#"42["n",11]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_namespaces_join_the_cluster_and_a_dropped_server_leaves_it() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let start = || async {
        let cluster = fastsio_redis::RedisCluster::new(
            fastsio_redis::RedisConfig::new(&redis.url).prefix(&prefix),
        )
        .unwrap();
        let io = fastsio::Server::builder()
            .routes(fastsio::Routes::new("/room/{id}"))
            .adapter(cluster.adapters())
            .build()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn({
            let io = io.clone();
            async move {
                io.serve(listener, async {
                    let _ = stopped.await;
                })
                .await
            }
        });
        (io, cluster, addr, stop, served)
    };
    let connect = |addr: std::net::SocketAddr| async move {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let mut ws = fastsio_tests::ws::WsClient::connect(&url).await;
        ws.next_text().await;
        ws.send_text("40/room/7,").await;
        assert!(ws.next_text().await.starts_with("40/room/7,"));
        ws
    };
    let (a, a_cluster, a_addr, _a_stop, _a_served) = start().await;
    let (b, b_cluster, b_addr, b_stop, b_served) = start().await;
    let mut a1 = connect(a_addr).await;
    let mut b1 = connect(b_addr).await;
    eventually("both nodes serve /room/7", || {
        a_cluster.is_subscribed("/room/7") && b_cluster.is_subscribed("/room/7")
    })
    .await;

    // The namespace was created by a client, on each node: broadcasts span both.
    a.of("/room/7").unwrap().emit_raw("hi", &1).unwrap();
    for ws in [&mut a1, &mut b1] {
        assert_eq!(ws.next_text().await, r#"42/room/7,["hi",1]"#);
    }
    let ops = a.of("/room/7").unwrap();
    assert_eq!(ops.server_count().await.unwrap(), 2);

    // Dropping node b (server, handle, cluster) ends its subscriptions: no cycle keeps it.
    drop(b1);
    b.close();
    let _ = b_stop.send(());
    b_served.await.unwrap().unwrap();
    drop((b, b_cluster));
    eventually_async("b left the cluster", || {
        let ops = ops.clone();
        async move { ops.server_count().await.ok() == Some(1) }
    })
    .await;
}
