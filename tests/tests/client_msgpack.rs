//! fastsio-client with the msgpack parser (`Parser::MsgPack`) against a fastsio server with
//! `Parser::MsgPack` and node's socket.io 4 with socket.io-msgpack-parser
//! (`tests/js-server/server.mjs --msgpack`), on polling, WebSocket and the upgrade: typed
//! events and acks both ways, binary both ways (inline MessagePack `bin`), `connect_error`.

use bytes::Bytes;
use fastsio::prelude::*;
use fastsio_client::{ConnectError, Manager, Parser, RawEvent, Reconnection, Socket, Transport};
use fastsio_tests::ScriptServer;
use fastsio_tests::client_app::{Echo, Echoed, Greet, WAIT, routes};
use fastsio_tests::server::TestServer;
use serde_json::json;
use tokio::sync::mpsc::unbounded_channel;

async fn start_fastsio() -> TestServer {
    let io = Server::builder()
        .parser(Parser::MsgPack)
        .routes(routes("/"))
        .build()
        .unwrap();
    TestServer::start(io.service()).await
}

fn manager(url: &str, transports: &[Transport]) -> Manager {
    Manager::builder(url)
        .parser(Parser::MsgPack)
        .transports(transports.iter().copied())
        .reconnection(Reconnection::disabled())
        .connect_timeout(WAIT)
        .build()
        .unwrap()
}

const TRANSPORTS: [&[Transport]; 3] = [
    &[Transport::Polling],
    &[Transport::WebSocket],
    &[Transport::Polling, Transport::WebSocket],
];

/// Events, acks both ways and binary both ways, on each transport.
async fn events_acks_and_binary(url: &str) {
    for transports in TRANSPORTS {
        let (greets, mut greeted) = unbounded_channel();
        let (bins, mut binned) = unbounded_channel();
        let socket: Socket = manager(url, transports)
            .socket("/")
            .auth(json!({"name": "m"}))
            .on(move |_socket, greet: Greet| {
                let _ = greets.send(greet.text.clone());
                async move { format!("answer to {}", greet.text) }
            })
            .on_raw("bin", move |_socket, event: RawEvent| {
                let _ = bins.send(event.attachments().to_vec());
                async {}
            })
            .connect()
            .await
            .unwrap();
        let hi = tokio::time::timeout(WAIT, greeted.recv()).await.unwrap();
        assert_eq!(hi.as_deref(), Some("hi m"), "{transports:?}");
        let ack = socket.emit_with_ack(&Echo { n: 42 }, WAIT).await.unwrap();
        assert_eq!(ack, Echoed { n: 42 }, "{transports:?}");
        let answer: String = socket
            .emit_raw_with_ack("ask_back", &(), WAIT)
            .await
            .unwrap();
        assert_eq!(answer, "answer to question", "{transports:?}");
        let files = vec![
            Bytes::from_static(&[1, 2, 3]),
            Bytes::from_static(&[0xff; 300]),
        ];
        let placeholders =
            json!([{"_placeholder": true, "num": 0}, {"_placeholder": true, "num": 1}]);
        let (args, _) = socket
            .emit_binary_with_ack("bin", &placeholders, files, WAIT)
            .await
            .unwrap();
        assert_eq!(args.deserialize::<usize>(0).unwrap(), 2, "{transports:?}");
        let back = tokio::time::timeout(WAIT, binned.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            back,
            vec![
                Bytes::from_static(&[3, 2, 1]),
                Bytes::from_static(&[0xff; 300])
            ],
            "{transports:?}"
        );
        socket.disconnect();
    }
}

/// A refused namespace gives the server's message and data.
async fn a_refusal_carries_message_and_data(url: &str) {
    for transports in TRANSPORTS {
        let refused = manager(url, transports)
            .socket("/")
            .auth(json!({"name": "bad"}))
            .connect()
            .await;
        match refused {
            Err(ConnectError::Refused { message, data }) => {
                assert_eq!(message, "not allowed", "{transports:?}");
                assert_eq!(data, json!({"code": 7}), "{transports:?}");
            }
            other => panic!("{transports:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn msgpack_events_acks_and_binary_with_fastsio() {
    let server = start_fastsio().await;
    events_acks_and_binary(&server.http("")).await;
}

#[tokio::test]
async fn msgpack_refusal_with_fastsio() {
    let server = start_fastsio().await;
    a_refusal_carries_message_and_data(&server.http("")).await;
}

#[tokio::test]
async fn msgpack_events_acks_and_binary_with_node() {
    let server = ScriptServer::node_with("server.mjs", &["--msgpack"]).await;
    events_acks_and_binary(&format!("http://127.0.0.1:{}", server.port)).await;
}

#[tokio::test]
async fn msgpack_refusal_with_node() {
    let server = ScriptServer::node_with("server.mjs", &["--msgpack"]).await;
    a_refusal_carries_message_and_data(&format!("http://127.0.0.1:{}", server.port)).await;
}
