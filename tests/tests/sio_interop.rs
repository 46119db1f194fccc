//! The official socket.io-client (npm, v4) against fastsio servers: transports and the upgrade,
//! namespaces (static, dynamic, unknown), auth, acks both ways (values, errors, bad payloads,
//! timeouts), binary both ways, rooms and broadcasts across ten clients, disconnections and
//! shutdown, and bursts of emits either way.
//!
//! Each test builds the server its scenario of `tests/js/sio_interop.mjs` needs, runs the script
//! and asserts on both what the client reports and what the server saw.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use bytes::Bytes;
use fastsio::ack::AckError;
use fastsio::prelude::*;
use fastsio_tests::payloads::{big_buffer, every_byte};
use fastsio_tests::reports::{drain, recv};
use fastsio_tests::routes::{bin_back, bin_echo, bin_info, echo};
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::{ScriptOutput, run_node};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

/// Generous bound on a whole script run (the script bounds itself at 15 s; the first run may
/// also install the npm packages).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

fn builder() -> fastsio::ServerBuilder {
    Server::builder()
        .ping_interval(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
}

/// Starts the script for `scenario` against a fresh server for `io`.
async fn spawn_scenario(io: &Io, scenario: &str) -> JoinHandle<ScriptOutput> {
    let server = TestServer::start(io.service()).await;
    let (scenario, base) = (scenario.to_string(), server.http(""));
    tokio::spawn(
        async move { run_node("sio_interop.mjs", &[&scenario, &base], SCRIPT_TIMEOUT).await },
    )
}

/// Waits for the script, checks it succeeded, and returns its `details`.
async fn finish(script: JoinHandle<ScriptOutput>) -> Value {
    let out = script.await.expect("the script task panicked");
    out.passed()["details"].clone()
}

async fn run_scenario(io: &Io, scenario: &str) -> Value {
    finish(spawn_scenario(io, scenario).await).await
}

// ---------------------------------------------------------------------------------------------
// 1. Transports
// ---------------------------------------------------------------------------------------------

async fn notify(socket: SocketRef, Data(v): Data<Value>) {
    socket.emit_raw("notified", &(v, socket.id())).unwrap();
}

/// Connects with `scenario`'s transports; checks the sid the client sees is the server's.
async fn transport_scenario(scenario: &str) -> Value {
    let (tx, mut sids) = unbounded_channel::<String>();
    let welcome = move |socket: SocketRef| {
        let tx = tx.clone();
        async move {
            socket
                .emit_raw("welcome", &json!({ "sid": socket.id() }))
                .unwrap();
            let _ = tx.send(socket.id().to_string());
        }
    };
    let io = builder()
        .ping_interval(Duration::from_millis(100))
        .ping_timeout(Duration::from_millis(500))
        .routes(
            Routes::new("/")
                .on_connect(welcome)
                .on("echo", echo)
                .on("notify", notify),
        )
        .build()
        .unwrap();
    let details = run_scenario(&io, scenario).await;
    assert_eq!(details["sid"], recv(&mut sids).await.as_str());
    assert_eq!(details["heartbeatsSeen"], 3);
    assert!(drain(&mut sids).is_empty(), "a single connection expected");
    eventually("the socket is gone", || io.sockets().is_empty()).await;
    details
}

#[tokio::test]
async fn transport_websocket_only() {
    let details = transport_scenario("transport-websocket").await;
    assert_eq!(details["initialTransport"], "websocket");
    assert_eq!(details["finalTransport"], "websocket");
}

#[tokio::test]
async fn transport_polling_only() {
    let details = transport_scenario("transport-polling").await;
    assert_eq!(details["initialTransport"], "polling");
    assert_eq!(details["finalTransport"], "polling");
}

#[tokio::test]
async fn transport_polling_upgrades_to_websocket() {
    let details = transport_scenario("transport-upgrade").await;
    assert_eq!(details["initialTransport"], "polling");
    assert_eq!(details["finalTransport"], "websocket");
}

// ---------------------------------------------------------------------------------------------
// 2. Namespaces
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn namespaces_static_dynamic_and_unknown() {
    async fn whoami(socket: SocketRef) -> Ack<String> {
        Ack(socket.ns().to_string())
    }
    async fn param(socket: SocketRef) -> Ack<Option<String>> {
        Ack(socket.ns_param("id").map(String::from))
    }
    let io = builder()
        .routes(Routes::new("/").on("whoami", whoami))
        .routes(Routes::new("/admin").on("whoami", whoami))
        .routes(Routes::new("/room/{id}").on("param", param))
        .build()
        .unwrap();
    let details = run_scenario(&io, "namespaces").await;

    assert_eq!(details["whoami"], json!({ "/": "/", "/admin": "/admin" }));
    assert_eq!(
        details["params"],
        json!({ "/room/42": "42", "/room/abc": "abc" })
    );
    let sids: BTreeSet<&str> = details["sids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(sids.len(), 4, "one distinct sid per namespace: {sids:?}");
    let invalid = json!({ "message": "Invalid namespace", "data": null });
    assert_eq!(
        details["refused"],
        json!({ "/nope": invalid, "/room": invalid, "/room/1/2": invalid })
    );
    assert!(io.of("/nope").is_none(), "a refused namespace was created");
    for ns in ["/admin", "/room/42", "/room/abc"] {
        let ops = io.of(ns).unwrap_or_else(|| panic!("{ns} missing"));
        eventually(&format!("{ns} emptied"), || ops.sockets().is_empty()).await;
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Auth
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn auth_accepts_the_right_token_and_refuses_with_message_and_data() {
    #[derive(Deserialize)]
    struct Creds {
        token: String,
    }
    async fn check(Auth(creds): Auth<Creds>) -> Result<(), ConnectError> {
        if creds.token == "s3cret" {
            Ok(())
        } else {
            Err(ConnectError::new("unauthorized")
                .with_data(json!({ "reason": "bad token", "got": creds.token })))
        }
    }
    async fn whoami(socket: SocketRef) -> Ack<Value> {
        Ack(serde_json::from_str(socket.auth()).unwrap())
    }
    let io = builder()
        .routes(Routes::new("/").on_connect(check).on("whoami", whoami))
        .build()
        .unwrap();
    let details = run_scenario(&io, "auth").await;

    assert_eq!(details["seen"], json!({ "token": "s3cret", "user": "ada" }));
    assert_eq!(
        details["wrong"],
        json!({ "message": "unauthorized", "data": { "reason": "bad token", "got": "guess" } })
    );
    // No auth at all: `Auth<Creds>` cannot be extracted.
    let missing = &details["missing"];
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .starts_with("auth is required"),
        "{missing}"
    );
    assert_eq!(missing["data"]["code"], "validation_failed", "{missing}");
    eventually("every socket is gone", || io.sockets().is_empty()).await;
}

// ---------------------------------------------------------------------------------------------
// 4. Acks both ways
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, PartialEq)]
struct Answer {
    answer: i64,
    echoed: Value,
}

#[tokio::test]
async fn acks_both_ways_values_errors_bad_payloads_and_timeouts() {
    #[derive(Deserialize)]
    struct Sum {
        a: i64,
        b: i64,
    }
    async fn sum(Data(s): Data<Sum>) -> Ack<i64> {
        Ack(s.a + s.b)
    }
    async fn divmod(Data((a, b)): Data<(i64, i64)>) -> Ack<(i64, i64)> {
        Ack((a / b, a % b))
    }
    async fn noop() {}
    async fn fail(Data(_): Data<Value>) -> Result<Ack<()>, AckErrorBody> {
        Err(AckErrorBody::new("forbidden", "not allowed").with_details(json!({ "hint": 1 })))
    }

    let (answers_tx, mut answers) = unbounded_channel::<Result<(Answer, String), AckError>>();
    let ask_me = move |socket: SocketRef, Data(q): Data<i64>| {
        let tx = answers_tx.clone();
        async move {
            let reply = socket
                .emit_raw_with_ack::<_, (Answer, String)>(
                    "question",
                    &json!({ "q": q }),
                    Duration::from_secs(5),
                )
                .await;
            let ack = match &reply {
                Ok((answer, _)) => json!({ "answer": answer.answer }),
                Err(e) => json!({ "error": e.to_string() }),
            };
            let _ = tx.send(reply);
            Ack(ack)
        }
    };
    let (silent_tx, mut silent) = unbounded_channel::<Result<Value, AckError>>();
    let ask_silent = move |socket: SocketRef| {
        let tx = silent_tx.clone();
        async move {
            let reply = socket
                .emit_raw_with_ack::<_, Value>("silent", &"anyone?", Duration::from_millis(300))
                .await;
            let outcome = match &reply {
                Err(AckError::Timeout) => "timeout".to_string(),
                other => format!("{other:?}"),
            };
            let _ = tx.send(reply);
            Ack(json!({ "outcome": outcome, "pending": socket.pending_acks() }))
        }
    };
    let (binary_tx, mut binary_acks) = unbounded_channel::<Result<Value, AckError>>();
    let ask_bin = move |socket: SocketRef| {
        let tx = binary_tx.clone();
        async move {
            let reply = socket
                .emit_raw_with_ack::<_, Value>("question-bin", &(), Duration::from_secs(5))
                .await;
            let ok = reply.is_ok();
            let _ = tx.send(reply);
            Ack(ok)
        }
    };
    async fn fallback(Event(name): Event, args: RawArgs) -> Ack<Value> {
        let args: Vec<Value> = args
            .iter()
            .map(|a| serde_json::from_str(a).unwrap())
            .collect();
        Ack(json!([name.to_string(), args]))
    }
    let io = builder()
        .routes(
            Routes::new("/")
                .on("sum", sum)
                .on("divmod", divmod)
                .on("noop", noop)
                .on("fail", fail)
                .on("ask-me", ask_me)
                .on("ask-bin", ask_bin)
                .on("ask-silent", ask_silent)
                .fallback(fallback),
        )
        .build()
        .unwrap();
    let details = run_scenario(&io, "acks").await;

    // Client → server.
    assert_eq!(details["sum"], 5);
    assert_eq!(details["divmod"], json!([3, 2]), "a tuple ack spreads");
    assert_eq!(details["noop"], json!([]), "`()` acks with no arguments");
    assert_eq!(
        details["fail"],
        json!({ "error": { "code": "forbidden", "message": "not allowed", "details": { "hint": 1 } } })
    );
    for case in ["wrongType", "missingField"] {
        assert_eq!(
            details[case]["error"]["code"], "validation_failed",
            "{case}: {}",
            details[case]
        );
        assert!(details[case]["error"]["message"].is_string(), "{case}");
    }
    // Server → client, decoded on the Rust side.
    let (answer, extra) = recv(&mut answers).await.expect("the client's ack");
    assert_eq!(
        answer,
        Answer {
            answer: 42,
            echoed: json!({ "q": 6 })
        }
    );
    assert_eq!(extra, "extra");
    assert_eq!(details["serverAsked"], json!({ "answer": 42 }));
    assert_eq!(details["questions"], 1);
    // A binary ack from the client (BINARY_ACK + attachment) is reassembled and resolves the
    // wait; `R` sees the placeholder, the bytes travel in `AckResponse::attachments`.
    let binary = recv(&mut binary_acks)
        .await
        .expect("the client's binary ack");
    assert_eq!(binary, json!({ "_placeholder": true, "num": 0 }));
    assert_eq!(details["serverAskedBinary"], true);
    // Server → client that never acks.
    let unanswered = recv(&mut silent).await;
    assert!(
        matches!(unanswered, Err(AckError::Timeout)),
        "{unanswered:?}"
    );
    assert_eq!(
        details["serverTimedOut"],
        json!({ "outcome": "timeout", "pending": 0 })
    );
    assert_eq!(details["silent"], 1, "the client got the event it ignored");
    // Events without a handler of their own.
    assert_eq!(
        details["fallback"],
        json!(["no-such-handler", [1, { "two": 2 }]])
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Binary
// ---------------------------------------------------------------------------------------------

async fn binary_scenario(scenario: &str) -> Value {
    let (tx, mut received) = unbounded_channel::<Vec<Bytes>>();
    let io = builder()
        .routes(
            Routes::new("/")
                .on("bin-info", bin_info(tx))
                .on("bin-echo", bin_echo)
                .on("bin-back", bin_back),
        )
        .build()
        .unwrap();
    let details = run_scenario(&io, scenario).await;

    // What the handler got through `Bin`, byte for byte.
    let (flat, big) = (every_byte(), big_buffer());
    assert_eq!(recv(&mut received).await, vec![Bytes::from(flat.clone())]);
    assert_eq!(
        recv(&mut received).await,
        vec![
            Bytes::from("hello, binary ✓"),
            Bytes::from(big),
            Bytes::new()
        ]
    );
    assert_eq!(
        recv(&mut received).await,
        Vec::<Bytes>::new(),
        "no attachments"
    );
    assert!(drain(&mut received).is_empty());
    assert_eq!(
        details["flatInfo"],
        json!([[256, flat.iter().map(|&x| u64::from(x)).sum::<u64>()]])
    );
    details
}

#[tokio::test]
async fn binary_both_ways_over_websocket() {
    let details = binary_scenario("binary-websocket").await;
    assert_eq!(details["finalTransport"], "websocket");
}

#[tokio::test]
async fn binary_both_ways_over_polling() {
    let details = binary_scenario("binary-polling").await;
    assert_eq!(details["finalTransport"], "polling");
}

// ---------------------------------------------------------------------------------------------
// 6. Rooms and broadcasts
// ---------------------------------------------------------------------------------------------

const CLIENTS: usize = 10;

/// Client i's rooms, as in the script: 0–2 in a, 3–5 in b, 6–7 in both, 8–9 in none.
fn rooms_of(i: usize) -> &'static [&'static str] {
    match i {
        0..3 => &["a"],
        3..6 => &["b"],
        6..8 => &["a", "b"],
        _ => &[],
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct Who {
    i: usize,
}

#[derive(Debug, Deserialize)]
struct PollReply {
    i: usize,
    question: String,
}

#[tokio::test]
async fn rooms_and_broadcasts_across_ten_clients() {
    async fn hello(socket: SocketRef, Auth(who): Auth<Who>) {
        socket.insert(who);
    }
    let (joined_tx, mut joined) = unbounded_channel::<usize>();
    let join = move |socket: SocketRef, Data(rooms): Data<Vec<String>>| {
        let tx = joined_tx.clone();
        async move {
            socket.join(rooms);
            let _ = tx.send(socket.get::<Who>().expect("set on connect").i);
            let rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
            Ack(rooms)
        }
    };
    let io = builder()
        .routes(Routes::new("/").on_connect(hello).on("join", join))
        .build()
        .unwrap();
    let script = spawn_scenario(&io, "rooms").await;

    let mut seen = BTreeSet::new();
    while seen.len() < CLIENTS {
        assert!(
            seen.insert(recv(&mut joined).await),
            "a client joined twice"
        );
    }
    let by_index: HashMap<usize, SocketRef> = io
        .sockets()
        .into_iter()
        .map(|s| (s.get::<Who>().unwrap().i, s))
        .collect();
    assert_eq!(by_index.len(), CLIENTS);
    let sid_of = |i: usize| by_index[&i].id().to_string();

    // The return value counts the local sockets each emit was queued for.
    assert_eq!(io.to(["a", "b"]).emit_raw("to-ab", &"x").unwrap(), 8);
    assert_eq!(io.except("a").emit_raw("except-a", &"y").unwrap(), 5);
    assert_eq!(io.to("b").except("a").emit_raw("b-not-a", &()).unwrap(), 3);
    assert_eq!(by_index[&0].to("a").emit_raw("from-0", &0).unwrap(), 4);
    assert_eq!(
        by_index[&3]
            .broadcast()
            .emit_raw("from-3", &(3, "z"))
            .unwrap(),
        9
    );

    // Broadcast acks: one per target socket, each socket once.
    for (rooms, question, expected) in [
        (vec!["a"], "q1", vec![0, 1, 2, 6, 7]),
        (vec!["a", "b"], "q2", (0..8).collect()),
    ] {
        let replies = io
            .to(rooms.clone())
            .timeout(Duration::from_secs(5))
            .emit_raw_with_ack::<_, PollReply>("poll", &question)
            .await
            .unwrap();
        let mut acked = Vec::new();
        for (sid, reply) in replies.local {
            let reply = reply.unwrap_or_else(|e| panic!("{rooms:?}: ack from {sid}: {e}"));
            assert_eq!(
                sid.to_string(),
                sid_of(reply.i),
                "ack from the wrong socket"
            );
            assert_eq!(reply.question, question);
            acked.push(reply.i);
        }
        acked.sort();
        assert_eq!(acked, expected, "acks collected from {rooms:?}");
    }
    assert_eq!(io.emit_raw("done", &()).unwrap(), CLIENTS);
    let details = finish(script).await;

    // Exactly what each client received, in order.
    let clients = details.as_array().unwrap();
    assert_eq!(clients.len(), CLIENTS);
    for client in clients {
        let i = client["i"].as_u64().unwrap() as usize;
        assert_eq!(client["sid"], sid_of(i).as_str());
        let (in_a, in_b) = (rooms_of(i).contains(&"a"), rooms_of(i).contains(&"b"));
        let mut expected = Vec::new();
        if in_a || in_b {
            expected.push(json!(["to-ab", "x"]));
        }
        if !in_a {
            expected.push(json!(["except-a", "y"]));
        }
        if in_b && !in_a {
            expected.push(json!(["b-not-a"]));
        }
        if in_a && i != 0 {
            expected.push(json!(["from-0", 0]));
        }
        if i != 3 {
            expected.push(json!(["from-3", 3, "z"]));
        }
        if in_a {
            expected.push(json!(["poll", "q1"]));
        }
        if in_a || in_b {
            expected.push(json!(["poll", "q2"]));
        }
        assert_eq!(client["got"], json!(expected), "client {i}");
    }
    eventually("every socket is gone", || io.sockets().is_empty()).await;
}

// ---------------------------------------------------------------------------------------------
// 7. Disconnections
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
struct Name {
    name: String,
}

type Left = (String, String, DisconnectReason);

/// "/" and "/chat" alike: named sockets, a "watchers" room told who left and why.
fn presence_routes(path: &str, left: UnboundedSender<Left>) -> Routes {
    async fn hello(socket: SocketRef, Auth(name): Auth<Name>) {
        socket.insert(name);
    }
    async fn watch(socket: SocketRef) {
        socket.join("watchers");
    }
    async fn ping() -> Ack<&'static str> {
        Ack("pong")
    }
    async fn kick_me(socket: SocketRef) {
        socket.disconnect();
    }
    let bye = move |socket: SocketRef, Reason(reason): Reason| {
        let left = left.clone();
        async move {
            let name = socket.get::<Name>().expect("set on connect").name;
            let _ = socket
                .to("watchers")
                .emit_raw("left", &(&name, socket.ns(), reason.as_str()));
            let _ = left.send((name, socket.ns().to_string(), reason));
        }
    };
    Routes::new(path)
        .on_connect(hello)
        .on("watch", watch)
        .on("ping", ping)
        .on("kick-me", kick_me)
        .on_disconnect(bye)
}

async fn disconnect_scenario(scenario: &str) {
    let (tx, mut left) = unbounded_channel::<Left>();
    let io = builder()
        .routes(presence_routes("/", tx.clone()))
        .routes(presence_routes("/chat", tx))
        .build()
        .unwrap();
    let details = run_scenario(&io, scenario).await;

    assert_eq!(details["kickedReason"], "io server disconnect");
    assert_eq!(details["chatReason"], "io client disconnect");
    assert_eq!(details["mainReason"], "io client disconnect");

    // What the disconnect handlers saw (the watcher's own departure aside).
    let expected = BTreeMap::from([
        ("kicked", ("/", DisconnectReason::ServerNamespaceDisconnect)),
        (
            "chat",
            ("/chat", DisconnectReason::ClientNamespaceDisconnect),
        ),
        (
            "chat-again",
            ("/chat", DisconnectReason::ClientNamespaceDisconnect),
        ),
        ("main", ("/", DisconnectReason::ClientNamespaceDisconnect)),
        ("dropped", ("/", DisconnectReason::TransportClose)),
    ]);
    let mut seen = BTreeMap::new();
    while seen.len() < expected.len() {
        let (name, ns, reason) = recv(&mut left).await;
        if name != "watcher" {
            assert!(
                seen.insert(name.clone(), (ns, reason)).is_none(),
                "{name} left twice"
            );
        }
    }
    let seen: BTreeMap<&str, (&str, DisconnectReason)> = seen
        .iter()
        .map(|(name, (ns, reason))| (name.as_str(), (ns.as_str(), *reason)))
        .collect();
    assert_eq!(seen, expected);
    // The script waited for the watchers to be told each of these, with the same reasons.
    let notices: BTreeMap<&str, (&str, &str)> = details["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap(),
                (n["nsp"].as_str().unwrap(), n["reason"].as_str().unwrap()),
            )
        })
        .collect();
    let expected_notices: BTreeMap<&str, (&str, &str)> = expected
        .iter()
        .map(|(name, (ns, reason))| (*name, (*ns, reason.as_str())))
        .collect();
    assert_eq!(notices, expected_notices);

    let chat = io.of("/chat").unwrap();
    eventually("every socket is gone", || {
        io.sockets().is_empty() && chat.sockets().is_empty()
    })
    .await;
}

#[tokio::test]
async fn disconnections_over_websocket() {
    disconnect_scenario("disconnects-websocket").await;
}

#[tokio::test]
async fn disconnections_over_polling() {
    disconnect_scenario("disconnects-polling").await;
}

#[tokio::test]
async fn server_shutdown_disconnects_every_client() {
    let (tx, mut left) = unbounded_channel::<Left>();
    let io = builder().routes(presence_routes("/", tx)).build().unwrap();
    let script = spawn_scenario(&io, "shutdown").await;
    eventually("both clients connected", || io.sockets().len() == 2).await;
    io.close();
    let details = finish(script).await;

    assert_eq!(
        details,
        json!({ "websocket": "transport close", "polling": "transport close" })
    );
    let mut reasons = vec![recv(&mut left).await, recv(&mut left).await];
    reasons.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        reasons,
        vec![
            (
                "polling".to_string(),
                "/".to_string(),
                DisconnectReason::ServerShuttingDown
            ),
            (
                "websocket".to_string(),
                "/".to_string(),
                DisconnectReason::ServerShuttingDown
            ),
        ]
    );
    eventually("every connection is gone", || io.connection_count() == 0).await;
}

// ---------------------------------------------------------------------------------------------
// 8. Bursts. Both tests fail with the default limits: a client burst overflows the socket's
//    event queue (`max_pending_events`, 256: over polling one POST carries the whole burst) and
//    a handler's burst overflows the session's outgoing queue (`max_buffered_frames`, 1024); the
//    overflow closes the connection in both cases. node's server serves both.
// ---------------------------------------------------------------------------------------------

/// What the script sends or asks for at once.
const BURST: usize = 2_000;

/// A client emitting in a loop (`Promise.all` over 2000 `emitWithAck`) must get every ack, as
/// it does from node's server, with the default limits.
#[tokio::test]
async fn a_burst_of_client_emits_is_served() {
    let io = builder()
        .routes(Routes::new("/").on("echo", echo))
        .build()
        .unwrap();
    let details = run_scenario(&io, "client-burst").await;
    assert_eq!(details, json!({ "polling": BURST, "websocket": BURST }));
}

/// A handler emitting in a loop (replaying a history, say) must reach the client, with the
/// default limits.
#[tokio::test]
async fn a_burst_of_server_emits_is_delivered() {
    async fn flood(socket: SocketRef, Data(n): Data<usize>) -> Ack<usize> {
        Ack((0..n)
            .filter(|i| socket.emit_raw("item", i).is_ok())
            .count())
    }
    let io = builder()
        .routes(Routes::new("/").on("flood", flood))
        .build()
        .unwrap();
    let details = run_scenario(&io, "server-burst").await;
    assert_eq!(details, json!({ "queued": BURST, "received": BURST }));
}
