//! The subscriber connections of the classic and sharded adapters: credentials from the URL;
//! each namespace subscribed once; and a node that receives a bad frame (malformed, or over
//! the size bound) drops the connection, reconnects, resubscribes and keeps serving.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Node, calls, client, next, prefix, redis, serve, wait_for_servers};
use fastsio::{Routes, Server};
use fastsio_redis::{RedisCluster, RedisConfig, ShardedRedisCluster, SubscriptionMode};
use fastsio_tests::redis::own_redis;
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::ws::WsClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

/// A node of a classic cluster on `url`, reading messages of at most `max_message_size` bytes.
async fn node_on(url: &str, prefix: &str, max_message_size: usize) -> Node {
    let config = RedisConfig::new(url)
        .prefix(prefix)
        .request_timeout(Duration::from_secs(2))
        .max_message_size(max_message_size);
    let cluster = RedisCluster::new(config).unwrap();
    let adapters = cluster.adapters();
    serve(cluster, adapters, |c| c.is_subscribed("/")).await
}

/// A node of a sharded cluster (dynamic mode: a channel per room) on `url`.
async fn sharded_node_on(url: &str, prefix: &str) -> Node<ShardedRedisCluster> {
    let config = RedisConfig::new(url)
        .prefix(prefix)
        .request_timeout(Duration::from_secs(2));
    let cluster = ShardedRedisCluster::with_mode(config, SubscriptionMode::Dynamic).unwrap();
    let adapters = cluster.adapters();
    serve(cluster, adapters, |c| c.is_subscribed("/")).await
}

/// A redis-server of our own where only `alice` (password `s3cret`) may log in; its URL.
async fn acl_redis() -> Option<(fastsio_tests::redis::TestRedis, String)> {
    let acl = [
        "--user", "default", "off", "--user", "alice", "on", ">s3cret", "~*", "&*", "+@all",
    ];
    let redis = own_redis(&acl).await?;
    let port = redis.port.expect("a redis-server of our own");
    Some((redis, format!("redis://alice:s3cret@127.0.0.1:{port}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscriber_authenticates_with_the_urls_username_and_password() {
    let Some((_redis, url)) = acl_redis().await else {
        return;
    };
    let prefix = prefix();
    let a = node_on(&url, &prefix, 1 << 20).await;
    let b = node_on(&url, &prefix, 1 << 20).await;
    wait_for_servers(&a, 2).await;
    let mut on_b = client(&b, &["r"]).await;
    a.io.to("r").emit_raw("hello", &"b").unwrap();
    assert_eq!(next(&mut on_b).await, r#"42["hello","b"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sharded_subscriber_authenticates_and_follows_room_channels() {
    let Some((_redis, url)) = acl_redis().await else {
        return;
    };
    let prefix = prefix();
    let a = sharded_node_on(&url, &prefix).await;
    let b = sharded_node_on(&url, &prefix).await;
    wait_for_servers(&a, 2).await;
    // The room's channel is subscribed as its first member joins on b: sent again until
    // that subscription is in place.
    let mut on_b = client(&b, &["r"]).await;
    let mut got = String::new();
    for _ in 0..100 {
        a.io.to("r").emit_raw("hello", &"b").unwrap();
        if let Ok(frame) =
            tokio::time::timeout(Duration::from_millis(100), on_b.ws.next_text()).await
        {
            got = frame;
            break;
        }
    }
    assert_eq!(got, r#"42["hello","b"]"#);
}

// One thread: "/" is served before the subscriber task first runs, so it is both in the
// subscriber's first round and in its queue of changes.
#[tokio::test]
async fn each_namespace_is_subscribed_once() {
    // A Redis of our own: its command counts are this node's alone.
    let Some(redis) = own_redis(&[]).await else {
        return;
    };
    let config = RedisConfig::new(&redis.url).request_timeout(Duration::from_secs(2));
    let cluster = RedisCluster::new(config).unwrap();
    let io = Server::builder()
        .adapter(cluster.adapters())
        .routes(Routes::new("/room/{id}"))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    // "/room/1" is served once a client asks for it: the subscriptions of one connection are sent and confirmed in order, so once
    // "/room/1"'s are confirmed, Redis has run every command sent for "/" before them.
    eventually("/ subscribed", || cluster.is_subscribed("/")).await;
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text("40/room/1,").await;
    assert!(ws.next_text().await.starts_with("40/room/1,{"));
    eventually("/room/1 subscribed", || cluster.is_subscribed("/room/1")).await;
    // Per namespace: one PSUBSCRIBE (its broadcasts) and one SUBSCRIBE (requests, responses).
    assert_eq!(calls(&redis.url, "psubscribe").await, 2);
    assert_eq!(calls(&redis.url, "subscribe").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_frame_drops_the_subscription_which_comes_back_and_serves() {
    let Some(redis) = redis().await else { return };
    let upstream: SocketAddr = redis
        .url
        .trim_start_matches("redis://")
        .parse()
        .expect("a loopback address");
    let injector = Injector::start(upstream).await;
    let prefix = prefix();
    let a = node_on(&redis.url, &prefix, 1 << 20).await;
    let b = node_on(&injector.url(), &prefix, 4096).await;
    wait_for_servers(&a, 2).await;
    let mut on_b = client(&b, &["r"]).await;
    a.io.to("r").emit_raw("before", &()).unwrap();
    assert_eq!(next(&mut on_b).await, r#"42["before"]"#);

    let oversized = b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$5000\r\nxxxx".to_vec();
    let malformed = b"*3\r\n$3\r\nget\r\n$1\r\nc\r\n$1\r\nx\r\n".to_vec();
    for (round, bad) in [malformed, oversized].into_iter().enumerate() {
        injector.inject(bad);
        eventually("the subscriber reconnected", || {
            injector.subscribers.load(Ordering::SeqCst) >= round + 2
        })
        .await;
        eventually("subscribed again", || b.cluster.is_subscribed("/")).await;
        a.io.to("r").emit_raw("after", &round).unwrap();
        assert_eq!(next(&mut on_b).await, format!(r#"42["after",{round}]"#));
    }
    // A message near the bound still passes.
    let text = "x".repeat(3000);
    a.io.to("r").emit_raw("large", &text).unwrap();
    assert_eq!(next(&mut on_b).await, format!(r#"42["large","{text}"]"#));
}

/// A loopback proxy to Redis that can write bytes of its own to the subscriber connections
/// (those that sent `PSUBSCRIBE`), as a broken server would.
struct Injector {
    port: u16,
    /// How many connections subscribed so far.
    subscribers: Arc<AtomicUsize>,
    bad: broadcast::Sender<Vec<u8>>,
}

impl Injector {
    async fn start(upstream: SocketAddr) -> Injector {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let subscribers = Arc::new(AtomicUsize::new(0));
        let (bad, _) = broadcast::channel(4);
        let (counted, sender) = (subscribers.clone(), bad.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (counted, injected) = (counted.clone(), sender.subscribe());
                tokio::spawn(relay(client, upstream, counted, injected));
            }
        });
        Injector {
            port,
            subscribers,
            bad,
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Writes `bytes` to the subscriber connections, between two of Redis's frames (the
    /// connections are idle when a test calls this).
    fn inject(&self, bytes: Vec<u8>) {
        self.bad.send(bytes).unwrap();
    }
}

/// Relays one connection; once it subscribed, writes what is injected to the client.
async fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    subscribers: Arc<AtomicUsize>,
    mut injected: broadcast::Receiver<Vec<u8>>,
) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let (subscribed, mut is_subscriber) = tokio::sync::watch::channel(false);
    let upward = async move {
        let mut buf = vec![0; 16 * 1024];
        while let Ok(n @ 1..) = from_client.read(&mut buf).await {
            let sent = &buf[..n];
            if sent.windows(10).any(|w| w == b"PSUBSCRIBE") && !*subscribed.borrow() {
                subscribers.fetch_add(1, Ordering::SeqCst);
                subscribed.send_replace(true);
            }
            if to_server.write_all(sent).await.is_err() {
                break;
            }
        }
    };
    let downward = async move {
        let mut buf = vec![0; 16 * 1024];
        loop {
            tokio::select! {
                read = from_server.read(&mut buf) => match read {
                    Ok(n @ 1..) => {
                        if to_client.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    _ => break,
                },
                bad = injected.recv() => match bad {
                    Ok(bad) if *is_subscriber.borrow_and_update() => {
                        if to_client.write_all(&bad).await.is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => break,
                },
            }
        }
    };
    // Either direction ending ends the connection, as a server dropping it would.
    tokio::select! {
        () = upward => {}
        () = downward => {}
    }
}
