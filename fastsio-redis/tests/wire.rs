//! What goes on the wire, read by a plain Redis subscriber: the channels and msgpack shapes of
//! `@socket.io/redis-adapter` 8.x; and what happens when Redis restarts.

mod common;

use std::time::Duration;

use common::{client, next, node, prefix, redis, wait_for_servers};
use futures_util::StreamExt;
use rmpv::Value as Mp;

fn get<'a>(map: &'a Mp, key: &str) -> &'a Mp {
    map.as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key} in {map}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_use_node_channels_and_msgpack_shapes() {
    let Some(redis) = redis().await else { return };
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    let client_ = redis::Client::open(redis.url.as_str()).unwrap();
    let mut pubsub = client_.get_async_pubsub().await.unwrap();
    pubsub.psubscribe(format!("{prefix}#/#*")).await.unwrap();
    let mut messages = pubsub.into_on_message();

    a.io.to("r")
        .except("x")
        .emit_raw("e", &(1, "two", serde_json::json!({"k": true})))
        .unwrap();
    let msg = tokio::time::timeout(Duration::from_secs(5), messages.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(msg.get_channel_name(), format!("{prefix}#/#r#"));
    let value = rmpv::decode::read_value(&mut msg.get_payload_bytes()).unwrap();
    let parts = value.as_array().unwrap();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0].as_str(), Some(a.cluster.uid()));
    assert_eq!(a.cluster.uid().len(), 6);
    let packet = &parts[1];
    assert_eq!(get(packet, "type").as_u64(), Some(2));
    assert_eq!(get(packet, "nsp").as_str(), Some("/"));
    let data = get(packet, "data").as_array().unwrap();
    assert_eq!(data[0].as_str(), Some("e"));
    assert_eq!(data[1].as_u64(), Some(1));
    assert_eq!(data[2].as_str(), Some("two"));
    assert_eq!(get(&data[3], "k").as_bool(), Some(true));
    let opts = &parts[2];
    assert_eq!(get(opts, "rooms"), &Mp::Array(vec![Mp::from("r")]));
    assert_eq!(get(opts, "except"), &Mp::Array(vec![Mp::from("x")]));
    assert!(get(opts, "flags").as_map().is_some());

    // Several rooms or none: the namespace's channel.
    a.io.to(["r", "s"]).volatile().emit_raw("f", &()).unwrap();
    let msg = tokio::time::timeout(Duration::from_secs(5), messages.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(msg.get_channel_name(), format!("{prefix}#/#"));
    let value = rmpv::decode::read_value(&mut msg.get_payload_bytes()).unwrap();
    let flags = get(&value.as_array().unwrap()[2], "flags");
    assert_eq!(get(flags, "volatile").as_bool(), Some(true));
}

/// Reads `client`'s frames up to `42["after"]` (or while ticks are below `until`), returning
/// the tick numbers seen.
async fn ticks(client: &mut common::Client, until: Option<u64>, seen: &mut Vec<u64>) {
    loop {
        if until.is_some_and(|u| seen.last().is_some_and(|t| *t >= u)) {
            return;
        }
        let frame = next(client).await;
        if frame == r#"42["after"]"# {
            return;
        }
        let tick = frame
            .strip_prefix(r#"42["tick","#)
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or_else(|| panic!("unexpected {frame}"));
        seen.push(tick.parse().unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_mid_traffic_is_survived() {
    // Needs a Redis of our own to restart.
    if std::env::var("REDIS_URL").is_ok() {
        common::skip(
            "a_redis_restart_mid_traffic_is_survived: REDIS_URL is set; it restarts its own redis-server",
        );
        return;
    }
    let Some(redis) = redis().await else { return };
    let port: u16 = redis.url.rsplit(':').next().unwrap().parse().unwrap();
    let prefix = prefix();
    let a = node(&redis.url, &prefix).await;
    let b = node(&redis.url, &prefix).await;
    wait_for_servers(&a, 2).await;
    let mut a1 = client(&a, &["r"]).await;
    let mut b1 = client(&b, &["r"]).await;

    // Node a emits to "r" all along, while Redis goes down and comes back.
    const TICKS: u64 = 300;
    let ticker = tokio::spawn({
        let io = a.io.clone();
        async move {
            for i in 0..TICKS {
                io.to("r").emit_raw("tick", &i).unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    let mut on_a = Vec::new();
    ticks(&mut a1, Some(30), &mut on_a).await;
    drop(redis);
    // Redis down: local delivery goes on, cluster operations fail with an error.
    ticks(&mut a1, Some(150), &mut on_a).await;
    let ops = a.io.of("/").unwrap();
    assert!(ops.server_count().await.is_err());

    // Same port again.
    let _again = std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .map(KillOnDrop)
        .expect("restart redis-server");
    wait_for_servers(&a, 2).await;
    wait_for_servers(&b, 2).await;
    ticker.await.unwrap();
    b.io.to("r").emit_raw("after", &()).unwrap();

    // a1 got every tick, in order; b1 got ticks in order (those published while Redis was
    // down may be lost), then the message sent after the restart.
    ticks(&mut a1, None, &mut on_a).await;
    assert_eq!(on_a, (0..TICKS).collect::<Vec<_>>());
    let mut on_b = Vec::new();
    ticks(&mut b1, None, &mut on_b).await;
    assert!(on_b.windows(2).all(|w| w[0] < w[1]), "{on_b:?}");
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
