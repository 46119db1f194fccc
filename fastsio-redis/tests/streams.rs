//! Connection state recovery across nodes through a Redis stream (`RedisStreams`): a
//! socket.io-client@4 whose connection to node A drops comes back to node B with the same id,
//! its rooms and every event it missed exactly once and in order; broadcasts through the
//! stream reach each member on either node exactly once, with the same offset everywhere; a
//! socket is recovered once, and only from an offset still in the stream.
//! With a node socket.io@4 server on `@socket.io/redis-streams-adapter` on the same stream, a
//! socket lost on fastsio is recovered on node, and node's broadcasts reach fastsio's sockets.

mod common;

use std::time::Duration;

use common::node::{Script, ensure_npm};
use common::{Node, client, next, prefix, redis};
use fastsio::RecoveryConfig;
use fastsio::prelude::*;
use fastsio_redis::{RedisCluster, RedisConfig, RedisStreams, StreamsConfig};
use fastsio_tests::recovery::emit_missed;
use fastsio_tests::run_node;
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::ws::WsClient;
use serde_json::{Value, json};

/// Bound on a whole script run (the script bounds itself at 20 s; the first run may also
/// install the npm packages).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Names of the test's own stream, session keys and channels on the shared Redis.
struct Names {
    prefix: String,
    stream: String,
    records: String,
}

fn names() -> Names {
    let prefix = prefix();
    Names {
        stream: format!("{prefix}-stream"),
        records: format!("{prefix}-session:"),
        prefix,
    }
}

/// A node with the streams adapter and recovery on, and its routes.
async fn node(url: &str, names: &Names, routes: Routes) -> (Node, RedisStreams) {
    let cluster = RedisCluster::new(
        RedisConfig::new(url)
            .prefix(&names.prefix)
            .request_timeout(Duration::from_secs(2)),
    )
    .unwrap();
    let streams = RedisStreams::new(
        &cluster,
        StreamsConfig::default()
            .stream_name(&names.stream)
            .record_key_prefix(&names.records),
    )
    .unwrap();
    let io = Server::builder()
        .ping_interval(Duration::from_secs(20))
        .connection_state_recovery(RecoveryConfig::default())
        .adapter(streams.adapters())
        .routes(routes)
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    eventually("subscribed to Redis", || cluster.is_subscribed("/")).await;
    eventually("reading the stream", || streams.is_reading()).await;
    let node = Node {
        io,
        server,
        cluster,
    };
    (node, streams)
}

async fn redis_connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Polls Redis (every 10 ms, at most 5 s) until `check` holds for the reply to `cmd`.
async fn until_redis(
    conn: &mut redis::aio::MultiplexedConnection,
    cmd: &redis::Cmd,
    what: &str,
    check: impl Fn(usize) -> bool,
) {
    for _ in 0..500 {
        let n: usize = cmd.query_async(conn).await.unwrap();
        if check(n) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

/// On a fresh connection: join `r`, emit `welcome`. `emit_missed(sid)` waits until a lost
/// session is kept in Redis, emits what that socket misses (to it, to `r`, to everyone) and
/// must not get back (another room, all but `r`, a volatile emit), and answers once the six
/// emits are in the stream; `emit_after` emits to `r`.
fn routes(url: &str, names: &Names) -> Routes {
    let (url, stream, sessions) = (url.to_string(), names.stream.clone(), names.records.clone());
    let on_connect = |socket: SocketRef| async move {
        if !socket.recovered() {
            socket.join("r");
            socket.emit_raw("welcome", &()).unwrap();
        }
    };
    let emit_missed = move |io: Io, Data(sid): Data<String>| {
        let (url, stream, sessions) = (url.clone(), stream.clone(), sessions.clone());
        async move {
            let mut conn = redis_connection(&url).await;
            let mut exists = redis::cmd("EVAL");
            exists
                .arg("return #redis.call('KEYS', ARGV[1])")
                .arg(0)
                .arg(format!("{sessions}*"));
            until_redis(&mut conn, &exists, "the lost session is kept", |n| n >= 1).await;
            let mut len = redis::cmd("XLEN");
            len.arg(&stream);
            let before: usize = len.query_async(&mut conn).await.unwrap();
            emit_missed(&io, &sid);
            until_redis(&mut conn, &len, "the emits are in the stream", |n| {
                n >= before + 6
            })
            .await;
            Ack(true)
        }
    };
    let emit_after = |io: Io| async move {
        io.to("r").emit_raw("after", &"to-room").unwrap();
        Ack(true)
    };
    Routes::new("/")
        .on_connect(on_connect)
        .on("emit_missed", emit_missed)
        .on("emit_after", emit_after)
}

/// Checks the `details` of `sio_recovery_nodes.mjs`: the session came back with its id, and
/// the client got the `missed` emits named, in order, then the room emit `after`.
fn assert_recovered(details: &Value, missed: &[&str]) {
    assert_eq!(details["recovered"], true, "{details}");
    assert_eq!(details["firstId"], details["secondId"]);
    let mut events: Vec<Value> = missed.iter().map(|m| json!(["missed", m])).collect();
    events.push(json!(["after", "to-room"]));
    assert_eq!(details["events"], Value::Array(events));
}

async fn recovers_on_another_node(transport: &str) {
    let Some(redis) = redis().await else { return };
    let names = names();
    let (a, _sa) = node(&redis.url, &names, routes(&redis.url, &names)).await;
    let (b, _sb) = node(&redis.url, &names, routes(&redis.url, &names)).await;
    let out = run_node(
        "sio_recovery_nodes.mjs",
        &[&a.server.http(""), &b.server.http(""), transport],
        SCRIPT_TIMEOUT,
    )
    .await;
    out.assert_ok();
    let result = out.json();
    assert_eq!(result["ok"], true, "{}", out.stdout);
    let details = &result["details"];
    assert_eq!(details["reason"], "forced close");
    // `after` goes to room `r` on node B: the room came back with the session.
    assert_recovered(details, &["to-socket", "to-room", "to-all"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_lost_on_one_node_is_recovered_on_another_over_websocket() {
    recovers_on_another_node("websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_lost_on_one_node_is_recovered_on_another_over_polling() {
    recovers_on_another_node("polling").await;
}

/// A frame `42[...]` split into the event with its arguments, and its offset.
fn event(frame: &str) -> (Value, String) {
    let mut items: Vec<Value> = serde_json::from_str(&frame["42".len()..]).unwrap();
    let offset = items.pop().unwrap();
    let offset = offset.as_str().expect("an offset last").to_string();
    assert!(
        offset
            .split_once('-')
            .is_some_and(|(ms, seq)| { ms.parse::<u64>().is_ok() && seq.parse::<u64>().is_ok() }),
        "a stream id: {offset}"
    );
    (Value::Array(items), offset)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_through_the_stream_reach_each_member_once_with_one_offset() {
    let Some(redis) = redis().await else { return };
    let names = names();
    let (a, _sa) = node(&redis.url, &names, Routes::new("/")).await;
    let (b, _sb) = node(&redis.url, &names, Routes::new("/")).await;
    let mut a1 = client(&a, &["r"]).await;
    let mut a2 = client(&a, &[]).await;
    let mut b1 = client(&b, &["r"]).await;
    let mut b2 = client(&b, &["r", "x"]).await;

    let expect = async |clients: Vec<&mut common::Client>, want: Value| {
        let mut offsets = Vec::new();
        for c in clients {
            let (got, offset) = event(&next(c).await);
            assert_eq!(got, want);
            offsets.push(offset);
        }
        offsets.dedup();
        assert_eq!(offsets.len(), 1, "one entry, one offset: {offsets:?}");
    };
    a.io.emit_raw("all", &1).unwrap();
    expect(vec![&mut a1, &mut a2, &mut b1, &mut b2], json!(["all", 1])).await;
    b.io.to("r").emit_raw("room", &"from b").unwrap();
    expect(vec![&mut a1, &mut b1, &mut b2], json!(["room", "from b"])).await;
    a.io.to("r").except("x").emit_raw("except", &()).unwrap();
    expect(vec![&mut a1, &mut b1], json!(["except"])).await;
    a.io.to(["r", "x"]).emit_raw("multi", &()).unwrap();
    expect(vec![&mut a1, &mut b1, &mut b2], json!(["multi"])).await;
    b.io.to(a2.sid.as_str()).emit_raw("to a2", &()).unwrap();
    expect(vec![&mut a2], json!(["to a2"])).await;
    // A volatile broadcast goes through the stream too, without an offset.
    a.io.to("r").volatile().emit_raw("volatile", &()).unwrap();
    for c in [&mut a1, &mut b1, &mut b2] {
        assert_eq!(next(c).await, r#"42["volatile"]"#);
    }
    // Nothing else arrived: the next frame of each is this marker.
    b.io.emit_raw("end", &()).unwrap();
    expect(vec![&mut a1, &mut a2, &mut b1, &mut b2], json!(["end"])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_broadcasts_still_reach_this_nodes_sockets() {
    // A loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let cluster = RedisCluster::new(
        RedisConfig::new(&url)
            .prefix(prefix())
            .request_timeout(Duration::from_secs(1)),
    )
    .unwrap();
    let streams = RedisStreams::new(&cluster, StreamsConfig::default()).unwrap();
    let io = Server::builder()
        .connection_state_recovery(RecoveryConfig::default())
        .adapter(streams.adapters())
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let node = Node {
        io,
        server,
        cluster,
    };
    let mut c = client(&node, &["r"]).await;
    assert!(!streams.is_reading());
    node.io.to("r").emit_raw("news", &1).unwrap();
    assert_eq!(next(&mut c).await, r#"42["news",1]"#);
    let socket = node.io.sockets().pop().unwrap();
    socket.emit_raw("direct", &2).unwrap();
    assert_eq!(next(&mut c).await, r#"42["direct",2]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_server_on_the_streams_adapter_shares_the_stream_and_the_records() {
    let Some(redis) = redis().await else { return };
    if !ensure_npm().await {
        return;
    }
    let names = names();
    let (a, _sa) = node(&redis.url, &names, routes(&redis.url, &names)).await;
    let mut server = Script::start(
        "streams_server.mjs",
        &[&redis.url, &names.stream, &names.records, &names.prefix],
    );
    let port = server.ready().await["ready"]
        .as_u64()
        .expect("the node server is ready");
    let node_url = format!("http://127.0.0.1:{port}");
    let mut member = client(&a, &["r"]).await;

    // Lost on fastsio, recovered on node.
    let out = run_node(
        "sio_recovery_nodes.mjs",
        &[&a.server.http(""), &node_url, "websocket"],
        SCRIPT_TIMEOUT,
    )
    .await;
    out.assert_ok();
    let details = &out.json()["details"];
    // Node replays volatile broadcasts too (its restoreSession does not look at the flags).
    assert_recovered(details, &["to-socket", "to-room", "volatile", "to-all"]);

    // After its own welcome, what node broadcast to `r` and to everyone reached the member on
    // fastsio, in order; the volatile one may not (it is dropped for a socket with something
    // still queued, as it may be right after `to-room`).
    let mut got = Vec::new();
    while got.len() < 4 {
        let frame = next(&mut member).await;
        if frame != r#"42["missed","volatile"]"# {
            got.push(event(&frame).0);
        }
    }
    assert_eq!(
        got,
        [
            json!(["welcome"]),
            json!(["missed", "to-room"]),
            json!(["missed", "to-all"]),
            json!(["after", "to-room"]),
        ]
    );
    a.io.emit_raw("end", &()).unwrap();
    assert_eq!(event(&next(&mut member).await).0, json!(["end"]));
    server.kill().await;
}

/// Opens a raw Socket.IO connection to `node` with this CONNECT auth; returns the client and
/// the CONNECT reply (`{"sid", "pid"}`).
async fn raw_connect(node: &Node, auth: &str) -> (WsClient, Value) {
    let mut ws = WsClient::connect(&node.server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text(&format!("40{auth}")).await;
    let reply = ws.next_text().await;
    let reply = serde_json::from_str(reply.strip_prefix("40").expect("a CONNECT reply")).unwrap();
    (ws, reply)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_is_recovered_once_and_only_from_an_offset_in_the_stream() {
    let Some(redis) = redis().await else { return };
    let names = names();
    let (a, _sa) = node(&redis.url, &names, routes(&redis.url, &names)).await;
    let (b, _sb) = node(&redis.url, &names, routes(&redis.url, &names)).await;
    let mut conn = redis_connection(&redis.url).await;
    let mut sessions = redis::cmd("EVAL");
    sessions
        .arg("return #redis.call('KEYS', ARGV[1])")
        .arg(0)
        .arg(format!("{}*", names.records));

    // Two sockets on A, each with the offset of its welcome; both connections drop.
    let mut lost = Vec::new();
    for _ in 0..2 {
        let (mut ws, reply) = raw_connect(&a, "").await;
        let (welcome, offset) = event(&next_text(&mut ws).await);
        assert_eq!(welcome, json!(["welcome"]));
        lost.push((reply, offset));
        ws.close().await;
    }
    until_redis(&mut conn, &sessions, "both sessions are kept", |n| n == 2).await;

    // An offset that is not in the stream: a fresh session (the kept one is taken anyway, as
    // in node).
    let (reply, _) = &lost[0];
    let claim = json!({"pid": reply["pid"], "offset": "1-1"}).to_string();
    let (_ws, fresh) = raw_connect(&b, &claim).await;
    assert_ne!(fresh["sid"], reply["sid"]);

    // The offset of its last event: recovered on B, once.
    let (reply, offset) = &lost[1];
    let claim = json!({"pid": reply["pid"], "offset": offset}).to_string();
    let (_ws, recovered) = raw_connect(&b, &claim).await;
    assert_eq!(recovered["sid"], reply["sid"]);
    let (_ws, again) = raw_connect(&b, &claim).await;
    assert_ne!(again["sid"], reply["sid"], "a session is recovered once");
    until_redis(&mut conn, &sessions, "no session is left", |n| n == 0).await;
}

async fn next_text(ws: &mut WsClient) -> String {
    tokio::time::timeout(Duration::from_secs(5), ws.next_text())
        .await
        .expect("a message within 5 s")
}
