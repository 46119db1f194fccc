//! A broadcast relayed through Redis reaches clients byte for byte as a local delivery does:
//! key order, large and negative integers, floats, unicode and escapes. For each adapter
//! (classic, sharded, streams) with two fastsio nodes and a node socket.io@4 server on the
//! matching npm adapter, raw WebSocket clients compare the text frames they receive:
//! fastsio → fastsio, fastsio → node (against what node itself sends for the same payload)
//! and node → fastsio (against what node's own client got).

mod common;

use std::time::Duration;

use common::node::{NodeServer, Script, ensure_npm, raw_client};
use common::{Client, Node, client, next, prefix, raw_connect, redis, serve};
use fastsio::RecoveryConfig;
use fastsio::prelude::*;
use fastsio_redis::{
    RedisCluster, RedisConfig, RedisStreams, ShardedRedisCluster, StreamsConfig, SubscriptionMode,
};
use fastsio_tests::server::{TestServer, eventually};
use serde_json::json;
use serde_json::value::RawValue;

/// What fastsio nodes send: every case of the issue, in the form fastsio's own emit writes
/// it (`serde_json`), so that the local delivery is this very text.
fn full() -> String {
    [
        r#"{"room":"r1","name":"ann","text":"hi","2":"b","1":"a","#,
        r#""ints":[9007199254740993,18446744073709551615,-9223372036854775808,-1,0],"#,
        r#""floats":[0.1,1e+300,-0.0,1.0,5e-324,1.7976931348623157e+308,1.5e-7,1.8446744073709552e+19],"#,
        &strings(),
        r#","nested":[[{"z":{}}],[]],"lit":[null,true,false]}"#,
    ]
    .concat()
}

/// What the node server sends: numbers that JavaScript and Rust print alike (see
/// `docs/scaling-out.md` for the ones they do not: integers JavaScript prints with trailing
/// zeros, like 2^63 as `9223372036854776000`, and floats from 1e-6 to 1e-5).
fn from_node() -> String {
    [
        r#"{"room":"r1","name":"ann","text":"hi","2":"b","1":"a","#,
        r#""ints":[9007199254740994,18014398509481984,-9007199254740991,-1,-0],"#,
        r#""floats":[0.1,-2.5,1.5e-7,5e-324,1.2345678901234567e-100],"#,
        &strings(),
        r#","nested":[[{"z":{}}],[]],"lit":[null,true,false]}"#,
    ]
    .concat()
}

/// Strings that need care: line separators, astral characters, escapes, control characters.
fn strings() -> String {
    let text = "\u{2028}\u{2029} 😀 é \\\" \\\\ / \\n\\t\\u0001\\u001f \u{7f}";
    format!(r#""strings":["{text}",""]"#)
}

/// The frame of event `fidelity` with the one argument `json`.
fn frame(json: &str) -> String {
    format!(r#"42["fidelity",{json}]"#)
}

fn emit(node: &Node<impl Sized>, json: &str) {
    let raw = RawValue::from_string(json.to_string()).unwrap();
    node.io.emit_raw("fidelity", &raw).unwrap();
}

/// The node server on the classic or sharded adapter, with a client in room `r`.
async fn node_server(n: &mut NodeServer, a: &Node<impl Sized>, b: &Node<impl Sized>) {
    let mut ca = client(a, &[]).await;
    let mut cb = client(b, &[]).await;
    let mut cn = raw_client(n, Some("r")).await;
    let full = full();

    // fastsio → fastsio and fastsio → node.
    emit(a, &full);
    assert_eq!(next(&mut ca).await, frame(&full), "the local delivery");
    assert_eq!(next(&mut cb).await, frame(&full), "fastsio → fastsio");
    let relayed = next(&mut cn).await;
    let json = format!("[{full}]");
    let cmd = json!({"cmd": "emitjson", "rooms": ["r"], "event": "fidelity", "json": json});
    assert_eq!(n.run(cmd).await, json!({"ok": true}));
    assert_eq!(
        relayed,
        next(&mut cn).await,
        "fastsio → node, as node sends it"
    );

    // node → fastsio.
    let json = format!("[{}]", from_node());
    let cmd = json!({"cmd": "emitjson", "event": "fidelity", "json": json});
    assert_eq!(n.run(cmd).await, json!({"ok": true}));
    let local = next(&mut cn).await;
    assert_eq!(next(&mut ca).await, local, "node → fastsio");
    assert_eq!(next(&mut cb).await, local, "node → fastsio");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_classic_adapter_relays_payloads_byte_for_byte() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let prefix = prefix();
    let a = common::node(&redis.url, &prefix).await;
    let b = common::node(&redis.url, &prefix).await;
    let mut n = NodeServer::start(&redis.url, &prefix).await;
    common::wait_for_servers(&a, 3).await;
    node_server(&mut n, &a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sharded_adapter_relays_payloads_byte_for_byte() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let prefix = prefix();
    let sharded = || async {
        let config = RedisConfig::new(&redis.url)
            .prefix(&prefix)
            .request_timeout(Duration::from_secs(2));
        let cluster = ShardedRedisCluster::with_mode(config, SubscriptionMode::Dynamic).unwrap();
        let adapters = cluster.adapters();
        serve(cluster, adapters, |c| c.is_subscribed("/")).await
    };
    let (a, b) = (sharded().await, sharded().await);
    let mut n = NodeServer::start_sharded(&redis.url, &prefix, "dynamic").await;
    common::wait_for_servers(&a, 3).await;
    node_server(&mut n, &a, &b).await;
}

/// A fastsio node on the streams adapter, with connection state recovery (so that
/// broadcasts carry their offset, as node's do).
async fn streams_node(url: &str, prefix: &str) -> (Node, RedisStreams) {
    let cluster = RedisCluster::new(RedisConfig::new(url).prefix(prefix)).unwrap();
    let config = StreamsConfig::default()
        .stream_name(format!("{prefix}-stream"))
        .record_key_prefix(format!("{prefix}-session:"));
    let streams = RedisStreams::new(&cluster, config).unwrap();
    let io = Server::builder()
        .connection_state_recovery(RecoveryConfig::default())
        .adapter(streams.adapters())
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    eventually("reading the stream", || streams.is_reading()).await;
    let node = Node {
        io,
        server,
        cluster,
    };
    (node, streams)
}

/// The frame of the next `fidelity` event `client` receives.
async fn next_fidelity(client: &mut Client) -> String {
    for _ in 0..4 {
        let frame = next(client).await;
        if frame.starts_with(r#"42["fidelity","#) {
            return frame;
        }
    }
    panic!("no fidelity event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streams_adapter_relays_payloads_byte_for_byte() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let prefix = prefix();
    let (a, _sa) = streams_node(&redis.url, &prefix).await;
    let (b, _sb) = streams_node(&redis.url, &prefix).await;
    let (stream, sessions) = (format!("{prefix}-stream"), format!("{prefix}-session:"));
    let mut server = Script::start(
        "streams_server.mjs",
        &[&redis.url, &stream, &sessions, &prefix],
    );
    let port = server.ready().await["ready"].as_u64().expect("ready");
    let ws = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    // node's sockets join `r` and get `welcome`; fastsio's join no room.
    let mut cn = raw_connect(&ws).await;
    assert!(next(&mut cn).await.starts_with(r#"42["welcome""#));
    let mut ca = client(&a, &[]).await;
    let mut cb = client(&b, &[]).await;
    let full = full();

    // fastsio → fastsio and fastsio → node, each frame with the same offset.
    emit(&a, &full);
    let local = next(&mut ca).await;
    assert!(
        local.starts_with(&frame(&full)[..frame(&full).len() - 1]),
        "{local}"
    );
    assert_eq!(next(&mut cb).await, local, "fastsio → fastsio");
    let relayed = next_fidelity(&mut cn).await;
    let json = format!("[{full}]");
    let emitted = cn_emit(&mut cn, Some("r"), &json).await;
    assert_eq!(
        without_offset(&relayed),
        without_offset(&emitted),
        "fastsio → node, as node sends it"
    );

    // node → fastsio.
    let local = cn_emit(&mut cn, None, &format!("[{}]", from_node())).await;
    assert_eq!(next_fidelity(&mut ca).await, local, "node → fastsio");
    assert_eq!(next_fidelity(&mut cb).await, local, "node → fastsio");
    server.kill().await;
}

/// Has node's socket `cn` ask its server to emit `fidelity` with the arguments `json` to
/// `room`; returns the frame `cn` got (with its offset).
async fn cn_emit(cn: &mut Client, room: Option<&str>, json: &str) -> String {
    let args = serde_json::to_string(&("emit_json", room, json)).unwrap();
    cn.ws.send_text(&format!("421{args}")).await;
    let (mut acked, mut got) = (false, None);
    while !acked || got.is_none() {
        let frame = next(cn).await;
        match frame.as_str() {
            "431[true]" => acked = true,
            _ => got = Some(frame),
        }
    }
    got.unwrap()
}

/// A streams frame without the offset appended as its last argument.
fn without_offset(frame: &str) -> &str {
    &frame[..frame.rfind(',').expect("an offset")]
}
