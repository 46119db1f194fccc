//! Socket.IO v5 over raw WebSockets on loopback: connect, namespaces, events, acks, binary,
//! rooms, ordering, errors, and a table of malformed packets.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use fastsio::prelude::*;
use fastsio_tests::routes::{echo, fail, sum};
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::sio::{connect, join_ns};
use fastsio_tests::ws::{WsClient, WsEvent};
use serde_json::{Value, json};

async fn start(io: &Io) -> TestServer {
    TestServer::start(io.service()).await
}

fn builder() -> fastsio::ServerBuilder {
    Server::builder()
        .ping_interval(Duration::from_secs(10))
        .connect_timeout(Duration::from_millis(500))
}

#[tokio::test]
async fn connect_replies_with_only_a_sid_and_unknown_namespaces_are_refused() {
    let io = builder().routes(Routes::new("/")).build().unwrap();
    let server = start(&io).await;
    let (mut ws, sid) = connect(&server, "/").await;
    assert_eq!(sid.len(), 22);
    ws.send_text("40/nope,").await;
    assert_eq!(
        ws.next_text().await,
        r#"44/nope,{"message":"Invalid namespace"}"#
    );
    ws.send_text("40/nope").await;
    assert_eq!(
        ws.next_text().await,
        r#"44/nope,{"message":"Invalid namespace"}"#
    );
    assert_eq!(io.sockets().len(), 1);
    assert_eq!(io.sockets()[0].id().as_str(), sid);
}

#[tokio::test]
async fn a_connection_without_connect_is_closed_after_the_timeout() {
    let io = builder().build().unwrap();
    let server = start(&io).await;
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.expect_closed().await;
    eventually("connection freed", || io.connection_count() == 0).await;
}

#[tokio::test]
async fn connect_handlers_can_refuse_with_message_and_data() {
    #[derive(serde::Deserialize)]
    struct Token {
        token: String,
    }
    async fn check(Auth(t): Auth<Token>) -> Result<(), ConnectError> {
        if t.token == "ok" {
            Ok(())
        } else {
            Err(ConnectError::new("bad token").with_data(json!({"code": "denied"})))
        }
    }
    let io = builder()
        .routes(Routes::new("/secure").on_connect(check))
        .build()
        .unwrap();
    let server = start(&io).await;
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text(r#"40/secure,{"token":"no"}"#).await;
    assert_eq!(
        ws.next_text().await,
        r#"44/secure,{"message":"bad token","data":{"code":"denied"}}"#
    );
    ws.send_text(r#"40/secure,{"nothing":1}"#).await;
    let refused = ws.next_text().await;
    assert!(
        refused.starts_with(r#"44/secure,{"message":"invalid auth"#),
        "{refused}"
    );
    ws.send_text(r#"40/secure,{"token":"ok"}"#).await;
    assert!(ws.next_text().await.starts_with(r#"40/secure,{"sid":""#));
}

#[tokio::test]
async fn emits_from_the_connect_handler_follow_the_connect_reply() {
    async fn greet(socket: SocketRef) {
        socket.emit_raw("welcome", &("hi", 1)).unwrap();
    }
    let io = builder()
        .routes(Routes::new("/").on_connect(greet))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    assert_eq!(ws.next_text().await, r#"42["welcome","hi",1]"#);
}

#[tokio::test]
async fn acks_carry_values_errors_and_extraction_failures() {
    async fn boom() {
        panic!("handler bug");
    }
    let io = builder()
        .routes(
            Routes::new("/")
                .on("sum", sum)
                .on("fail", fail)
                .on("boom", boom)
                .on("echo", echo),
        )
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    ws.send_text(r#"421["sum",{"a":2,"b":3}]"#).await;
    assert_eq!(ws.next_text().await, "431[5]");
    ws.send_text(r#"422["sum",{"a":"x"}]"#).await;
    let reply = ws.next_text().await;
    assert!(
        reply.starts_with(r#"432[{"error":{"code":"validation_failed","message":"#),
        "{reply}"
    );
    ws.send_text(r#"423["fail"]"#).await;
    assert_eq!(
        ws.next_text().await,
        r#"433[{"error":{"code":"nope","message":"refused"}}]"#
    );
    ws.send_text(r#"424["boom"]"#).await;
    assert_eq!(
        ws.next_text().await,
        r#"434[{"error":{"code":"internal","message":"internal error"}}]"#
    );
    ws.send_text(r#"42999["echo",[1,{"x":null}]]"#).await;
    assert_eq!(ws.next_text().await, r#"43999[[1,{"x":null}]]"#);
    ws.send_text(r#"42["echo",1]"#).await;
    ws.send_text(r#"425["echo","after"]"#).await;
    assert_eq!(ws.next_text().await, r#"435["after"]"#);
}

#[tokio::test]
async fn events_are_handled_in_arrival_order() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = {
        let seen = seen.clone();
        move |Data(n): Data<u32>| {
            let seen = seen.clone();
            async move {
                if n % 3 == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                seen.lock().unwrap().push(n);
            }
        }
    };
    let io = builder()
        .routes(Routes::new("/").on("n", record))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    for n in 0..30 {
        ws.send_text(&format!(r#"42["n",{n}]"#)).await;
    }
    eventually("all handled", || seen.lock().unwrap().len() == 30).await;
    assert_eq!(*seen.lock().unwrap(), (0..30).collect::<Vec<_>>());
}

#[tokio::test]
async fn binary_events_are_reassembled_and_relayed() {
    async fn sizes(socket: SocketRef, Bin(parts): Bin) -> Ack<Vec<usize>> {
        socket
            .emit_binary(
                "back",
                &json!({"_placeholder": true, "num": 0}),
                vec![parts[0].clone()],
            )
            .unwrap();
        Ack(parts.iter().map(Bytes::len).collect())
    }
    let io = builder()
        .routes(Routes::new("/").on("sizes", sizes))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    ws.send_text(r#"452-7["sizes",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        .await;
    ws.send_binary(&[1, 2, 3]).await;
    ws.send_binary(&[4; 10]).await;
    assert_eq!(
        ws.next_text().await,
        r#"451-["back",{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(ws.next().await, WsEvent::Binary(vec![1, 2, 3].into()));
    assert_eq!(ws.next_text().await, "437[[3,10]]");
}

#[tokio::test]
async fn max_rooms_per_socket_refuses_joins_beyond_the_limit() {
    async fn join(
        socket: SocketRef,
        Data(rooms): Data<Vec<String>>,
    ) -> Result<Ack<usize>, AckErrorBody> {
        socket
            .try_join(rooms)
            .map_err(|e| AckErrorBody::new("too_many_rooms", e.to_string()))?;
        Ok(Ack(socket.rooms().len()))
    }
    let io = builder()
        .configure(|c| c.max_rooms_per_socket = Some(2))
        .routes(Routes::new("/").on("join", join))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    ws.send_text(r#"421["join",["a","b"]]"#).await;
    assert_eq!(ws.next_text().await, "431[3]");
    ws.send_text(r#"422["join",["a"]]"#).await;
    assert_eq!(ws.next_text().await, "432[3]");
    ws.send_text(r#"423["join",["c"]]"#).await;
    assert_eq!(
        ws.next_text().await,
        r#"433[{"error":{"code":"too_many_rooms","message":"a socket may be in at most 2 rooms"}}]"#
    );
    assert_eq!(io.sockets()[0].rooms().len(), 3);
}

#[tokio::test]
async fn a_binary_packet_holds_at_most_max_payload_of_attachments() {
    async fn sizes(Bin(parts): Bin) -> Ack<usize> {
        Ack(parts.len())
    }
    let io = builder()
        .max_payload(1000)
        .routes(Routes::new("/").on("sizes", sizes))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    ws.send_text(r#"452-1["sizes",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        .await;
    ws.send_binary(&[0; 900]).await;
    ws.send_binary(&[0; 900]).await;
    assert_eq!(ws.next_text().await, "431[2]");
    let (mut greedy, _) = connect(&server, "/").await;
    greedy
        .send_text(r#"453-1["sizes",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]"#)
        .await;
    greedy.send_binary(&[0; 900]).await;
    greedy.send_binary(&[0; 900]).await;
    greedy.expect_closed().await;
}

#[tokio::test]
async fn server_acks_resolve_and_time_out_without_leaving_waiters() {
    let io = builder().routes(Routes::new("/")).build().unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    let socket = io.sockets().remove(0);
    let asked = tokio::spawn({
        let socket = socket.clone();
        async move {
            socket
                .emit_raw_with_ack::<_, (String, u8)>("q", &"why", Duration::from_secs(5))
                .await
        }
    });
    let question = ws.next_text().await;
    let id: u64 = question["42".len()..question.find('[').unwrap()]
        .parse()
        .unwrap();
    assert_eq!(&question[question.find('[').unwrap()..], r#"["q","why"]"#);
    ws.send_text(&format!(r#"43{id}["because",7]"#)).await;
    assert_eq!(asked.await.unwrap().unwrap(), ("because".to_string(), 7));
    let timed_out = socket
        .emit_raw_with_ack::<_, Value>("q", &(), Duration::from_millis(50))
        .await;
    assert!(matches!(timed_out, Err(fastsio::ack::AckError::Timeout)));
    assert_eq!(socket.pending_acks(), 0);
}

#[tokio::test]
async fn a_socket_in_several_target_rooms_receives_once() {
    async fn join(socket: SocketRef, Data(rooms): Data<Vec<String>>) {
        socket.join(rooms);
    }
    let io = builder()
        .routes(Routes::new("/").on("join", join))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut both, _) = connect(&server, "/").await;
    let (mut only_a, _) = connect(&server, "/").await;
    let (mut none, _) = connect(&server, "/").await;
    both.send_text(r#"421["join",["a","b"]]"#).await;
    assert_eq!(both.next_text().await, "431[]");
    only_a.send_text(r#"421["join",["a"]]"#).await;
    assert_eq!(only_a.next_text().await, "431[]");
    assert_eq!(io.to(["a", "b"]).emit_raw("hello", &1).unwrap(), 2);
    assert_eq!(io.except("b").emit_raw("not-b", &()).unwrap(), 2);
    assert_eq!(io.emit_raw("last", &()).unwrap(), 3);
    assert_eq!(both.next_text().await, r#"42["hello",1]"#);
    assert_eq!(both.next_text().await, r#"42["last"]"#);
    assert_eq!(only_a.next_text().await, r#"42["hello",1]"#);
    assert_eq!(only_a.next_text().await, r#"42["not-b"]"#);
    assert_eq!(only_a.next_text().await, r#"42["last"]"#);
    assert_eq!(none.next_text().await, r#"42["not-b"]"#);
    assert_eq!(none.next_text().await, r#"42["last"]"#);
}

#[tokio::test]
async fn socket_broadcasts_leave_out_the_sender_and_namespaces_stay_apart() {
    async fn shout(socket: SocketRef, Data(text): Data<String>) {
        socket.broadcast().emit_raw("shout", &text).unwrap();
    }
    let io = builder()
        .routes(Routes::new("/").on("shout", shout))
        .routes(Routes::new("/other").on("shout", shout))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut a, _) = connect(&server, "/").await;
    let (mut b, _) = connect(&server, "/").await;
    let (mut c, _) = connect(&server, "/other").await;
    a.send_text(r#"42["shout","hey"]"#).await;
    assert_eq!(b.next_text().await, r#"42["shout","hey"]"#);
    c.send_text(r#"42/other,["shout","there"]"#).await;
    a.send_text(r#"421["shout","again"]"#).await;
    assert_eq!(a.next_text().await, "431[]");
    assert_eq!(b.next_text().await, r#"42["shout","again"]"#);
}

#[tokio::test]
async fn dynamic_namespaces_expose_their_params() {
    async fn which(socket: SocketRef) -> Ack<String> {
        Ack(socket.ns_param("id").unwrap_or_default().to_string())
    }
    let io = builder()
        .routes(Routes::new("/room/{id}").on("which", which))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/room/42").await;
    ws.send_text(r#"42/room/42,1["which"]"#).await;
    assert_eq!(ws.next_text().await, r#"43/room/42,1["42"]"#);
    let sid = join_ns(&mut ws, "/room/7").await;
    assert_eq!(io.of("/room/7").unwrap().sockets()[0].id().as_str(), sid);
    ws.send_text("40/room/").await;
    assert_eq!(
        ws.next_text().await,
        r#"44/room/,{"message":"Invalid namespace"}"#
    );
}

#[tokio::test]
async fn dynamic_namespaces_are_bounded() {
    let io = builder()
        .configure(|c| c.max_dynamic_namespaces = 2)
        .routes(Routes::new("/room/{id}"))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/room/1").await;
    join_ns(&mut ws, "/room/2").await;
    ws.send_text("40/room/3,").await;
    assert_eq!(
        ws.next_text().await,
        r#"44/room/3,{"message":"Invalid namespace"}"#
    );
    join_ns(&mut ws, "/").await;
}

#[tokio::test]
async fn disconnects_both_ways_run_the_disconnect_handler() {
    let reasons = Arc::new(std::sync::Mutex::new(Vec::new()));
    let on_disconnect = {
        let reasons = reasons.clone();
        move |Reason(r): Reason| {
            let reasons = reasons.clone();
            async move { reasons.lock().unwrap().push(r) }
        }
    };
    let io = builder()
        .routes(Routes::new("/").on_disconnect(on_disconnect.clone()))
        .routes(Routes::new("/x").on_disconnect(on_disconnect))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    join_ns(&mut ws, "/x").await;
    ws.send_text("41/x,").await;
    eventually("client namespace disconnect", || {
        reasons.lock().unwrap().len() == 1
    })
    .await;
    io.sockets()[0].disconnect();
    assert_eq!(ws.next_text().await, "41");
    eventually("server namespace disconnect", || {
        reasons.lock().unwrap().len() == 2
    })
    .await;
    let (mut other, _) = connect(&server, "/").await;
    io.close();
    other.expect_closed().await;
    eventually("shutdown", || reasons.lock().unwrap().len() == 3).await;
    assert_eq!(
        *reasons.lock().unwrap(),
        vec![
            DisconnectReason::ClientNamespaceDisconnect,
            DisconnectReason::ServerNamespaceDisconnect,
            DisconnectReason::ServerShuttingDown
        ]
    );
}

#[tokio::test]
async fn the_fallback_sees_events_without_handlers() {
    async fn any(Event(name): Event, Data(v): Data<Value>) -> Ack<(String, Value)> {
        Ack((name.to_string(), v))
    }
    let io = builder()
        .routes(Routes::new("/").fallback(any))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    ws.send_text(r#"421["wh\"at",{"k":1}]"#).await;
    assert_eq!(ws.next_text().await, r#"431["wh\"at",{"k":1}]"#);
}

#[tokio::test]
async fn routers_on_one_namespace_merge_and_clashes_fail_the_build() {
    let dup_event = Server::builder()
        .routes(Routes::new("/").on("a", echo).on("a", echo))
        .build();
    assert!(
        dup_event
            .err()
            .unwrap()
            .to_string()
            .contains("two handlers")
    );
    let across = Server::builder()
        .routes(Routes::new("/x").on("a", echo))
        .routes(Routes::new("/x").on("a", echo))
        .build();
    assert!(
        across
            .err()
            .unwrap()
            .to_string()
            .contains(r#"event "a" has handlers in two routers on namespace "/x""#)
    );
    let bad_path = Server::builder().routes(Routes::new("x")).build();
    assert!(bad_path.is_err());

    async fn other(Data(v): Data<Value>) -> Ack<(&'static str, Value)> {
        Ack(("other", v))
    }
    let io = builder()
        .routes(Routes::new("/x").on("echo", echo))
        .routes(Routes::new("/x").on("other", other))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/x").await;
    ws.send_text(r#"42/x,1["echo",1]"#).await;
    assert_eq!(ws.next_text().await, "43/x,1[1]");
    ws.send_text(r#"42/x,2["other",2]"#).await;
    assert_eq!(ws.next_text().await, r#"43/x,2["other",2]"#);
}

#[tokio::test]
async fn handler_errors_without_an_ack_follow_the_no_ack_policy() {
    async fn fail() -> Result<(), AckErrorBody> {
        Err(AckErrorBody::new("nope", "refused"))
    }
    /// A client of a server with `policy` that has just sent a failing event without ack.
    async fn failed_with(policy: fastsio::NoAckPolicy) -> (TestServer, WsClient) {
        let io = builder()
            .no_ack_policy(policy)
            .routes(Routes::new("/").on("fail", fail).on("echo", echo))
            .build()
            .unwrap();
        let server = start(&io).await;
        let (mut ws, _) = connect(&server, "/").await;
        ws.send_text(r#"42["fail"]"#).await;
        (server, ws)
    }

    let (_server, mut ws) = failed_with(fastsio::NoAckPolicy::EmitException).await;
    assert_eq!(
        ws.next_text().await,
        r#"42["exception",{"error":{"code":"nope","message":"refused"},"event":"fail"}]"#
    );

    let (_server, mut ws) = failed_with(fastsio::NoAckPolicy::Disconnect).await;
    assert_eq!(ws.next_text().await, "41");

    let (_server, mut ws) = failed_with(fastsio::NoAckPolicy::Log).await;
    ws.send_text(r#"421["echo","logged only"]"#).await;
    assert_eq!(ws.next_text().await, r#"431["logged only"]"#);
}

/// Every malformed packet closes the offending connection; the server keeps serving others.
#[tokio::test]
async fn malformed_packets_close_only_their_connection() {
    let cases: &[&[&str]] = &[
        &["4"],
        &["4abc"],
        &["47"],
        &["49[]"],
        &["42{}"],
        &["42"],
        &["42[]"],
        &["42[1]"],
        &["42[null]"],
        &["42[\"a\",}"],
        &["42[\"a\""],
        &["42\"a\""],
        &["42abc[\"a\"]"],
        &["42-1[\"a\"]"],
        &["4212345678901234567[\"a\"]"],
        &["42[\"a\"]x"],
        &["43[]"],
        &["431{}"],
        &["431"],
        &["44{\"message\":\"x\"}"],
        &["45[\"a\"]"],
        &["45x-[\"a\"]"],
        &["45-[\"a\"]"],
        &["4565-[\"a\"]"],
        &["4599999999999999999-[\"a\"]"],
        &["46[\"a\"]"],
        &["451-[\"a\",{\"_placeholder\":true,\"num\":0}]", "42[\"b\"]"],
        &["40[]"],
        &["40\"x\""],
        &["40{bad"],
        &["401{}"],
        &["41{}"],
        &["411"],
        &["42/a\u{1},[\"a\"]"],
        &["2probe"],
        &["0"],
        &["x"],
        &["41/x,5"],
        &["42[\"a\",\u{0}]"],
        &["4\u{1F600}"],
        // Arguments that are not JSON, deep inside the array: the split checks every value.
        &["42[\"echo\",01]"],
        &["42[\"echo\",1.]"],
        &["42[\"echo\",-]"],
        &["42[\"echo\",tru]"],
        &["42[\"echo\",{\"k\":1,}]"],
        &["42[\"echo\",{1:2}]"],
        &["42[\"echo\",[1,2]"],
        &["42[\"echo\",[[{\"k\":[}]]]]"],
        &["42[\"echo\",\"\\x\"]"],
        &["42[\"echo\",\"\\u12g4\"]"],
        &["42[\"echo\",\"tab\there\"]"],
        &["42[\"echo\",1,]"],
        &["431[1,]"],
    ];
    assert!(cases.len() >= 40);
    let io = builder()
        .routes(Routes::new("/").on("echo", echo))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut bystander, _) = connect(&server, "/").await;
    for (i, frames) in cases.iter().enumerate() {
        let (mut ws, _) = connect(&server, "/").await;
        for frame in *frames {
            ws.send_text(frame).await;
        }
        ws.expect_closed().await;
        bystander
            .send_text(&format!(r#"42{i}["echo","still here"]"#))
            .await;
        assert_eq!(
            bystander.next_text().await,
            format!(r#"43{i}["still here"]"#),
            "after {frames:?}"
        );
    }
    let (mut ws, _) = connect(&server, "/").await;
    ws.send_binary(&[1, 2, 3]).await;
    ws.expect_closed().await;
    eventually("only the bystander is left", || io.connection_count() == 1).await;
}

#[tokio::test]
async fn a_full_handler_queue_pauses_the_connection_instead_of_dropping_events() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let slow = {
        let (gate, started) = (gate.clone(), started.clone());
        move |Data(n): Data<u32>| {
            let (gate, started) = (gate.clone(), started.clone());
            async move {
                started.fetch_add(1, Ordering::SeqCst);
                gate.acquire().await.unwrap().forget();
                Ack(n)
            }
        }
    };
    let io = builder()
        .configure(|c| c.max_pending_events = 4)
        .routes(Routes::new("/").on("slow", slow))
        .build()
        .unwrap();
    let server = start(&io).await;
    let (mut ws, _) = connect(&server, "/").await;
    for n in 0..40 {
        ws.send_text(&format!(r#"42{n}["slow",{n}]"#)).await;
    }
    eventually("the first handler runs", || {
        started.load(Ordering::SeqCst) == 1
    })
    .await;
    gate.add_permits(40);
    for n in 0..40 {
        assert_eq!(
            ws.next_skipping_pings().await,
            WsEvent::Text(format!("43{n}[{n}]"))
        );
    }
    assert_eq!(started.load(Ordering::SeqCst), 40);
}
