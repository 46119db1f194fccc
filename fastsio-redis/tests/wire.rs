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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_is_survived() {
    // Needs a Redis of our own to restart.
    if std::env::var("REDIS_URL").is_ok() {
        common::skip(
            "a_redis_restart_is_survived: REDIS_URL is set; it restarts its own redis-server",
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
    a.io.to("r").emit_raw("before", &()).unwrap();
    assert_eq!(next(&mut b1).await, r#"42["before"]"#);
    assert_eq!(next(&mut a1).await, r#"42["before"]"#);

    drop(redis);
    // Redis down: local delivery goes on, cluster operations fail with an error.
    a.io.to("r").emit_raw("during", &()).unwrap();
    assert_eq!(next(&mut a1).await, r#"42["during"]"#);
    let ops = a.io.of("/").unwrap();
    assert!(ops.server_count().await.is_err());

    // Same port again.
    let _again = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .map(KillOnDrop)
        .expect("restart redis-server");
    wait_for_servers(&a, 2).await;
    wait_for_servers(&b, 2).await;
    b.io.to("r").emit_raw("after", &()).unwrap();
    assert_eq!(next(&mut a1).await, r#"42["after"]"#);
    assert_eq!(next(&mut b1).await, r#"42["after"]"#);
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
