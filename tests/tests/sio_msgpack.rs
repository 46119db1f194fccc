//! The msgpack parser (`Parser::MsgPack`): the official socket.io-client@4 with
//! socket.io-msgpack-parser over WebSocket and over polling (`tests/js/sio_msgpack.mjs`), and
//! raw WebSocket and polling clients sending msgpack packets, well-formed and malformed.

use std::time::Duration;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use bytes::Bytes;
use fastsio::prelude::*;
use fastsio::protocol::Parser;
use fastsio_tests::http::{get, post};
use fastsio_tests::payloads::{big_buffer, every_byte, placeholder};
use fastsio_tests::reports::recv;
use fastsio_tests::routes::{bin_back, bin_echo, bin_info, echo};
use fastsio_tests::run_node;
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::ws::{WsClient, WsEvent};
use rmpv::Value as Mp;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::unbounded_channel;
use validator::Validate;

/// Bound on a whole script run (the script bounds itself at 15 s; the first run may also
/// install the npm packages).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

fn builder() -> fastsio::ServerBuilder {
    Server::builder()
        .parser(Parser::MsgPack)
        .ping_interval(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
}

#[derive(Deserialize)]
struct Creds {
    token: String,
}

async fn check_token(socket: SocketRef, Auth(creds): Auth<Creds>) -> Result<(), ConnectError> {
    if creds.token != "s3cret" {
        return Err(ConnectError::new("unauthorized")
            .with_data(json!({ "reason": "bad token", "got": creds.token })));
    }
    socket
        .emit_raw("welcome", &json!({ "sid": socket.id() }))
        .unwrap();
    Ok(())
}

async fn whoami(socket: SocketRef) -> Ack<Value> {
    Ack(serde_json::from_str(socket.auth()).unwrap())
}

#[derive(Deserialize, Validate)]
struct Sum {
    a: i64,
    #[validate(range(min = 0))]
    b: i64,
}

async fn sum(Valid(s): Valid<Sum>) -> Ack<i64> {
    Ack(s.a + s.b)
}

async fn join(socket: SocketRef, Data(room): Data<String>) -> Ack<String> {
    socket.join(room.as_str());
    Ack(room)
}

#[derive(Deserialize)]
struct Shout {
    room: String,
    msg: String,
}

async fn shout(socket: SocketRef, io: Io, Data(s): Data<Shout>) -> Ack<usize> {
    let from = socket.id().to_string();
    Ack(io.to(s.room).emit_raw("shouted", &(s.msg, from)).unwrap())
}

/// Asks every socket in the room and acks with their answers (the text of each).
async fn poll_room(io: Io, Data(room): Data<String>) -> Ack<Vec<Value>> {
    let acks = io
        .to(room)
        .timeout(Duration::from_secs(5))
        .emit_raw_with_ack::<_, (String, Value)>("poll", &"q?")
        .await
        .unwrap();
    Ack(acks
        .into_values()
        .map(|ack| {
            let (text, bin) = ack.unwrap();
            json!([text, bin])
        })
        .collect())
}

async fn refuse_all() -> Result<(), ConnectError> {
    Err(ConnectError::new("private").with_data(json!({ "code": 42 })))
}

async fn client_scenario(transport: &str) -> Value {
    let (bins_tx, mut bins_rx) = unbounded_channel::<Vec<Bytes>>();
    let (asked_tx, mut asked_rx) = unbounded_channel::<Value>();
    let ask_client = move |socket: SocketRef| {
        let tx = asked_tx.clone();
        async move {
            let reply: Value = socket
                .emit_raw_with_ack("question", &(1, "two"), Duration::from_secs(5))
                .await
                .expect("the client's ack");
            let _ = tx.send(reply.clone());
            Ack(reply)
        }
    };
    let io = builder()
        .routes(
            Routes::new("/")
                .on_connect(check_token)
                .on("whoami", whoami)
                .on("echo", echo)
                .on("sum", sum)
                .on("bin-info", bin_info(bins_tx))
                .on("bin-echo", bin_echo)
                .on("bin-back", bin_back)
                .on("ask-client", ask_client)
                .on("join", join)
                .on("shout", shout)
                .on("poll-room", poll_room),
        )
        .routes(
            Routes::new("/admin")
                .on_connect(check_token)
                .on("whoami", |socket: SocketRef| async move {
                    Ack(socket.ns().to_string())
                }),
        )
        .routes(Routes::new("/private").on_connect(refuse_all))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let out = run_node(
        "sio_msgpack.mjs",
        &[transport, &server.http("")],
        SCRIPT_TIMEOUT,
    )
    .await;
    let details = out.passed()["details"].clone();

    assert_eq!(details["transport"], transport);
    assert_eq!(
        details["refusedAuth"],
        json!({ "message": "unauthorized", "data": { "reason": "bad token", "got": "nope" } })
    );
    assert_eq!(details["whoami"], json!({ "token": "s3cret" }));
    assert_eq!(details["valid"], 5);
    assert_eq!(
        details["invalid"]["error"]["code"], "validation_failed",
        "{}",
        details["invalid"]
    );
    // What `Bin` handed the handler, byte for byte.
    let (flat, big) = (every_byte(), big_buffer());
    let text = Bytes::from("hello, binary ✓");
    let info = |b: &[u8]| json!([b.len(), b.iter().map(|&x| u64::from(x)).sum::<u64>()]);
    assert_eq!(recv(&mut bins_rx).await, vec![Bytes::from(flat.clone())]);
    assert_eq!(
        recv(&mut bins_rx).await,
        vec![text.clone(), Bytes::from(big.clone()), Bytes::new()]
    );
    assert_eq!(details["flatInfo"], json!([info(&flat)]));
    assert_eq!(
        details["multiInfo"],
        json!([info(&text), info(&big), info(&[])])
    );
    // The client's ack to the server: a value and a Buffer (seen by `R` as its placeholder).
    let asked = json!([{ "got": [1, "two"] }, placeholder(0)]);
    assert_eq!(recv(&mut asked_rx).await, asked);
    assert_eq!(details["serverAsked"], asked);
    assert_eq!(details["questions"], 1);
    assert_eq!(details["adminWhoami"], "/admin");
    assert_eq!(
        details["refusedPrivate"],
        json!({ "message": "private", "data": { "code": 42 } })
    );
    assert_eq!(
        details["refusedUnknown"],
        json!({ "message": "Invalid namespace", "data": null })
    );
    assert_eq!(details["delivered"], 2);
    assert_eq!(
        details["polled"],
        json!([["q? 0", placeholder(0)], ["q? 1", placeholder(0)]])
    );
    assert_eq!(details["outsiderGot"], 0);
    eventually("every connection is gone", || io.connection_count() == 0).await;
    details
}

#[tokio::test]
async fn socket_io_client_with_msgpack_over_websocket() {
    client_scenario("websocket").await;
}

#[tokio::test]
async fn socket_io_client_with_msgpack_over_polling() {
    client_scenario("polling").await;
}

// ---------------------------------------------------------------------------------------------
// Raw msgpack packets
// ---------------------------------------------------------------------------------------------

/// The msgpack map `{type, nsp, data?, id?}`.
fn packet(kind: u8, nsp: &str, data: Option<Mp>, id: Option<u64>) -> Vec<u8> {
    let mut entries = vec![
        (Mp::from("type"), Mp::from(kind)),
        (Mp::from("nsp"), Mp::from(nsp)),
    ];
    entries.extend(data.map(|d| (Mp::from("data"), d)));
    entries.extend(id.map(|id| (Mp::from("id"), Mp::from(id))));
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &Mp::Map(entries)).unwrap();
    out
}

/// The next Socket.IO packet (a binary frame), as a map from its keys.
async fn next_packet(ws: &mut WsClient) -> Vec<(String, Mp)> {
    let frame = match ws.next_skipping_pings().await {
        WsEvent::Binary(b) => b,
        other => panic!("expected a binary packet, got {other:?}"),
    };
    let value = rmpv::decode::read_value(&mut &frame[..]).unwrap();
    let Mp::Map(entries) = value else {
        panic!("not a map: {value}")
    };
    entries
        .into_iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v))
        .collect()
}

fn field<'a>(packet: &'a [(String, Mp)], key: &str) -> Option<&'a Mp> {
    packet.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

async fn connect(server: &TestServer) -> WsClient {
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    assert!(ws.next_text().await.starts_with("0{"));
    ws.send_binary(&packet(0, "/", None, None)).await;
    let reply = next_packet(&mut ws).await;
    assert_eq!(field(&reply, "type"), Some(&Mp::from(0)));
    assert!(field(&reply, "data").and_then(|d| d.as_map()).is_some());
    ws
}

#[tokio::test]
async fn raw_msgpack_events_acks_and_binary() {
    let io = builder()
        .routes(Routes::new("/").on("echo", echo).on("bin-echo", bin_echo))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let mut ws = connect(&server).await;

    let args = Mp::Array(vec![
        Mp::from("echo"),
        Mp::Map(vec![
            (Mp::from("f"), Mp::F32(0.5)),
            (Mp::from("n"), Mp::from(-7)),
        ]),
    ]);
    ws.send_binary(&packet(2, "/", Some(args), Some(3))).await;
    let ack = next_packet(&mut ws).await;
    assert_eq!(field(&ack, "type"), Some(&Mp::from(3)));
    assert_eq!(field(&ack, "id"), Some(&Mp::from(3)));
    assert_eq!(
        field(&ack, "data"),
        Some(&Mp::Array(vec![Mp::Map(vec![
            (Mp::from("f"), Mp::F64(0.5)),
            (Mp::from("n"), Mp::from(-7))
        ])]))
    );

    // bin and ext 8 of type 0 (an ArrayBuffer, as notepack.io writes it) both arrive as
    // attachments and go back as bin.
    let args = Mp::Array(vec![
        Mp::from("bin-echo"),
        Mp::Binary(vec![1, 2, 3]),
        Mp::Ext(0, vec![4, 5, 6]),
    ]);
    ws.send_binary(&packet(2, "/", Some(args), Some(4))).await;
    let ack = next_packet(&mut ws).await;
    assert_eq!(
        field(&ack, "data"),
        Some(&Mp::Array(vec![
            Mp::Binary(vec![1, 2, 3]),
            Mp::Binary(vec![4, 5, 6])
        ]))
    );
    ws.close().await;
}

/// Every malformed packet closes the offending connection; the server keeps serving others.
#[tokio::test]
async fn malformed_msgpack_closes_only_its_connection() {
    let event = |data: Mp| packet(2, "/", Some(data), None);
    let mut deep = Mp::Nil;
    for _ in 0..200 {
        deep = Mp::Array(vec![deep]);
    }
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xc1],
        vec![0x93, 1, 2, 3],
        vec![0x81, 0xa4, b't', b'y', b'p', b'e'],
        vec![0xdf, 0xff, 0xff, 0xff, 0xff],
        [
            packet(2, "/", Some(Mp::Array(vec![Mp::from("a")])), None),
            vec![0],
        ]
        .concat(),
        event(Mp::Array(vec![])),
        event(Mp::Array(vec![Mp::from(1)])),
        event(Mp::Map(vec![])),
        event(Mp::Array(vec![Mp::from("a"), Mp::Ext(5, vec![1])])),
        event(Mp::Array(vec![Mp::from("a"), deep])),
        event(Mp::Array(
            std::iter::once(Mp::from("a"))
                .chain((0..65).map(|_| Mp::Binary(vec![1])))
                .collect(),
        )),
        packet(3, "/", Some(Mp::Array(vec![])), None),
        packet(4, "/", Some(Mp::Map(vec![])), None),
        packet(7, "/", None, None),
        packet(1, "/", Some(Mp::Array(vec![])), None),
        packet(2, "", Some(Mp::Array(vec![Mp::from("a")])), None),
        vec![0x81, 0xa4, b't', b'y', b'p', b'e', 0x02],
    ];
    let io = builder()
        .routes(Routes::new("/").on("echo", echo))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let mut bystander = connect(&server).await;
    let check_bystander = async |ws: &mut WsClient, i: u64| {
        let args = Mp::Array(vec![Mp::from("echo"), Mp::from("still here")]);
        ws.send_binary(&packet(2, "/", Some(args), Some(i))).await;
        let ack = next_packet(ws).await;
        assert_eq!(field(&ack, "id"), Some(&Mp::from(i)));
    };
    for (i, case) in cases.iter().enumerate() {
        let mut ws = connect(&server).await;
        ws.send_binary(case).await;
        ws.expect_closed().await;
        check_bystander(&mut bystander, i as u64).await;
    }
    // A text packet is not the msgpack parser's.
    let mut ws = connect(&server).await;
    ws.send_text(r#"42["echo","json"]"#).await;
    ws.expect_closed().await;
    check_bystander(&mut bystander, 1000).await;
    eventually("only the bystander is left", || io.connection_count() == 1).await;
}

/// Over polling, a packet is a `b`-prefixed base64 record; a malformed one closes the session.
#[tokio::test]
async fn malformed_msgpack_over_polling_closes_the_session() {
    let io = builder()
        .routes(Routes::new("/").on("echo", echo))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let open = get(&server.http("/socket.io/?EIO=4&transport=polling")).await;
    let open: Value = serde_json::from_str(&open.text()[1..]).unwrap();
    let url = server.http(&format!(
        "/socket.io/?EIO=4&transport=polling&sid={}",
        open["sid"].as_str().unwrap()
    ));
    let record = |frame: &[u8]| format!("b{}", BASE64_STANDARD.encode(frame));

    assert!(
        post(&url, record(&packet(0, "/", None, None)))
            .await
            .status
            .is_success()
    );
    let reply = get(&url).await;
    let frame = BASE64_STANDARD
        .decode(reply.text().strip_prefix('b').expect("a binary record"))
        .unwrap();
    let Mp::Map(reply) = rmpv::decode::read_value(&mut &frame[..]).unwrap() else {
        panic!("not a map")
    };
    assert!(reply.contains(&(Mp::from("type"), Mp::from(0))));
    assert_eq!(io.connection_count(), 1);

    assert!(post(&url, record(&[0x92, 0xc1])).await.status.is_success());
    eventually("the session is closed", || io.connection_count() == 0).await;
}
