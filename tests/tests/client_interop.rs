//! fastsio-client against a fastsio server, node's socket.io 4 (`tests/js-server/server.mjs`)
//! and python-socketio 5's AsyncServer (`tests/py/server.py`), all with the same contract, over
//! loopback, on each transport: typed events and acks both ways, binary
//! both ways, `on_any`, `connect_error`, namespaces on one connection, 1000 emits in a burst
//! arriving in order, an ack timeout, and a payload that does not fit its type ignored.

use std::time::Duration;

use bytes::Bytes;
use fastsio::prelude::*;
use fastsio_client::{AckError, ConnectError, Manager, RawEvent, Socket, Transport};
use fastsio_tests::ScriptServer;
use fastsio_tests::client_app::{Echo, Echoed, Greet, WAIT, echo, on_connect, routes};
use fastsio_tests::server::TestServer;
use serde_json::json;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

async fn start() -> TestServer {
    let io = Server::builder()
        .routes(routes("/"))
        .routes(routes("/admin"))
        .build()
        .unwrap();
    TestServer::start(io.service()).await
}

fn manager(url: &str, transports: &[Transport]) -> Manager {
    Manager::builder(url)
        .transports(transports.iter().copied())
        .connect_timeout(WAIT)
        .build()
        .unwrap()
}

async fn next<T>(rx: &mut UnboundedReceiver<T>) -> T {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("in time")
        .expect("channel open")
}

const TRANSPORTS: [&[Transport]; 3] = [
    &[Transport::WebSocket],
    &[Transport::Polling],
    &[Transport::Polling, Transport::WebSocket],
];

async fn typed_events_and_acks_both_ways_on_every_transport(url: &str) {
    for transports in TRANSPORTS {
        let (tx, mut greets) = unbounded_channel();
        let (any_tx, mut any) = unbounded_channel();
        let socket = manager(url, transports)
            .socket("/")
            .auth(json!({"name": "ada"}))
            .on(move |_socket, greet: Greet| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(greet.text.clone());
                    format!("answer to {}", greet.text)
                }
            })
            .on_any(move |_socket, event: RawEvent| {
                let _ = any_tx.send(event.name());
                async {}
            })
            .connect()
            .await
            .unwrap();
        assert!(socket.id().is_some());
        assert_eq!(next(&mut greets).await, "hi ada", "{transports:?}");
        assert_eq!(next(&mut any).await, "greet");
        let echoed = socket.emit_with_ack(&Echo { n: 42 }, WAIT).await.unwrap();
        assert_eq!(echoed, Echoed { n: 42 });
        let answer: String = socket
            .emit_raw_with_ack("ask_back", &(), WAIT)
            .await
            .unwrap();
        assert_eq!(answer, "answer to question", "{transports:?}");
        socket.disconnect();
    }
}

async fn binary_travels_both_ways(url: &str) {
    for transports in TRANSPORTS {
        let (tx, mut received) = unbounded_channel();
        let socket = manager(url, transports)
            .socket("/")
            .auth(json!({"name": "bin"}))
            .on_raw("bin", move |_socket, event: RawEvent| {
                let _ = tx.send(event.attachments().to_vec());
                async {}
            })
            .connect()
            .await
            .unwrap();
        let files = vec![
            Bytes::from_static(&[1, 2, 3]),
            Bytes::from(vec![0u8; 70_000]),
        ];
        let placeholders =
            json!([{"_placeholder": true, "num": 0}, {"_placeholder": true, "num": 1}]);
        let (ack, _) = socket
            .emit_binary_with_ack("bin", &placeholders, files, WAIT)
            .await
            .unwrap();
        assert_eq!(ack.get(0), Some("2"));
        let back = next(&mut received).await;
        assert_eq!(back[0], Bytes::from_static(&[3, 2, 1]), "{transports:?}");
        assert_eq!(back[1].len(), 70_000);
        socket.disconnect();
    }
}

async fn a_burst_of_1000_emits_arrives_in_order(url: &str) {
    for transports in TRANSPORTS {
        let (tx, mut numbers) = unbounded_channel();
        let socket = manager(url, transports)
            .socket("/")
            .auth(json!({"name": "burst"}))
            .on_data("n", move |_socket, n: u32| {
                let _ = tx.send(n);
                async {}
            })
            .connect()
            .await
            .unwrap();
        for n in 0..1000u32 {
            socket.emit_raw("relay", &n).unwrap();
        }
        for n in 0..1000u32 {
            let got = tokio::time::timeout(WAIT, numbers.recv()).await;
            assert_eq!(got, Ok(Some(n)), "{transports:?}");
        }
        socket.disconnect();
    }
}

async fn a_refused_namespace_gives_the_servers_message_and_data(url: &str) {
    for transports in TRANSPORTS {
        let refused = manager(url, transports)
            .socket("/")
            .auth(json!({"name": "bad"}))
            .connect()
            .await
            .unwrap_err();
        assert_eq!(
            refused,
            ConnectError::Refused {
                message: "not allowed".into(),
                data: json!({"code": 7})
            }
        );
    }
}

async fn an_ack_that_never_comes_times_out(url: &str) {
    for transports in TRANSPORTS {
        let socket = manager(url, transports)
            .socket("/")
            .auth(json!({"name": "late"}))
            .connect()
            .await
            .unwrap();
        // No server handles `nobody`, so no ack comes.
        let never = socket
            .emit_raw_with_ack::<_, ()>("nobody", &(), Duration::from_millis(200))
            .await;
        assert!(matches!(never, Err(AckError::Timeout)), "{never:?}");
        let echoed = socket.emit_with_ack(&Echo { n: 1 }, WAIT).await.unwrap();
        assert_eq!(echoed.n, 1, "{transports:?}");
        socket.disconnect();
    }
}

async fn a_payload_that_does_not_fit_the_type_is_ignored(url: &str) {
    for transports in TRANSPORTS {
        let (any_tx, mut any) = unbounded_channel();
        let (bad_tx, mut bad) = unbounded_channel();
        let (n_tx, mut numbers) = unbounded_channel();
        let socket = manager(url, transports)
            .socket("/")
            .auth(json!({"name": "typed"}))
            .on_any(move |_socket, event: RawEvent| {
                let _ = any_tx.send(event.name());
                async {}
            })
            // The server's `greet` is `{"text": ..}`, not a number.
            .on_data("greet", move |_socket, n: u32| {
                let _ = bad_tx.send(n);
                async {}
            })
            .on_data("n", move |_socket, n: u32| {
                let _ = n_tx.send(n);
                async {}
            })
            .connect()
            .await
            .unwrap();
        assert_eq!(next(&mut any).await, "greet", "{transports:?}");
        socket.emit_raw("relay", &5).unwrap();
        // Handlers run in arrival order: once `n` is handled, `greet` was.
        assert_eq!(next(&mut numbers).await, 5, "{transports:?}");
        assert!(bad.try_recv().is_err(), "{transports:?}");
        assert!(socket.connected());
        socket.disconnect();
    }
}

#[tokio::test]
async fn namespaces_share_one_connection() {
    let server = start().await;
    let manager = manager(&server.http(""), &[Transport::WebSocket]);
    let root = manager
        .socket("/")
        .auth(json!({"name": "a"}))
        .connect()
        .await
        .unwrap();
    let admin = Manager::socket(&manager, "admin")
        .auth(json!({"name": "b"}))
        .connect()
        .await
        .unwrap();
    assert_eq!(admin.namespace(), "/admin");
    let a = root.emit_with_ack(&Echo { n: 1 }, WAIT).await.unwrap();
    let b = admin.emit_with_ack(&Echo { n: 2 }, WAIT).await.unwrap();
    assert_eq!((a.n, b.n), (1, 2));
    admin.disconnect();
    assert_eq!(root.emit_with_ack(&Echo { n: 3 }, WAIT).await.unwrap().n, 3);
    root.disconnect();
}

#[tokio::test]
async fn the_url_path_names_the_namespace() {
    let server = start().await;
    let socket = Socket::builder(&server.http("/admin"))
        .auth(json!({"name": "c"}))
        .connect()
        .await
        .unwrap();
    assert_eq!(socket.namespace(), "/admin");
    assert_eq!(
        socket.emit_with_ack(&Echo { n: 9 }, WAIT).await.unwrap().n,
        9
    );
    socket.disconnect();
}

#[tokio::test]
async fn the_test_client_expects_typed_events_and_acks() {
    use fastsio_client::testing::{ExpectError, TestClient, TestServer as Served};
    let io = Server::builder()
        .routes(Routes::new("/").on_connect(on_connect).on("echo", echo))
        .build()
        .unwrap();
    let server = Served::start(io.service()).await;
    let mut client = TestClient::connect_with(&server, "/", json!({"name": "t"}))
        .await
        .unwrap();
    let greet: Greet = client.expect_event(WAIT).await.unwrap();
    assert_eq!(greet.text, "hi t");
    let echoed = client
        .socket()
        .emit_with_ack(&Echo { n: 5 }, WAIT)
        .await
        .unwrap();
    assert_eq!(echoed.n, 5);
    let missing = client.expect_raw("never", Duration::from_millis(50)).await;
    assert!(matches!(missing, Err(ExpectError::Timeout(_))));
    let refused = TestClient::connect_with(&server, "/", json!({"name": "bad"})).await;
    assert!(matches!(refused, Err(ConnectError::Refused { .. })));
}

#[tokio::test]
async fn an_in_process_test_server_serves_polling_websocket_and_the_upgrade() {
    use fastsio_client::testing::TestServer as Served;
    let io = Server::builder()
        .routes(Routes::new("/").on_connect(on_connect).on("echo", echo))
        .build()
        .unwrap();
    let server = Served::in_process(io.service());
    assert_eq!(server.addr(), None);
    let cases: [&[Transport]; 3] = [
        &[Transport::Polling],
        &[Transport::WebSocket],
        &[Transport::Polling, Transport::WebSocket],
    ];
    for (n, transports) in cases.into_iter().enumerate() {
        let socket = server
            .manager()
            .transports(transports.iter().copied())
            .build()
            .unwrap()
            .socket("/")
            .auth(json!({"name": "p"}))
            .connect()
            .await
            .unwrap();
        let n = n as u32;
        let echoed = socket.emit_with_ack(&Echo { n }, WAIT).await.unwrap();
        assert_eq!(echoed, Echoed { n }, "{transports:?}");
        socket.disconnect();
    }
}

/// Each scenario against fastsio, node socket.io 4 and python-socketio 5.
macro_rules! against_all {
    ($($scenario:ident),*) => {
        mod fastsio_server {
            $(#[tokio::test]
            async fn $scenario() {
                let server = super::start().await;
                super::$scenario(&server.http("")).await;
            })*
        }
        mod node_server {
            $(#[tokio::test]
            async fn $scenario() {
                let server = super::ScriptServer::node("server.mjs").await;
                super::$scenario(&format!("http://127.0.0.1:{}", server.port)).await;
            })*
        }
        mod python_server {
            $(#[tokio::test]
            async fn $scenario() {
                let server = super::ScriptServer::python("server.py").await;
                super::$scenario(&format!("http://127.0.0.1:{}", server.port)).await;
            })*
        }
    };
}

against_all!(
    typed_events_and_acks_both_ways_on_every_transport,
    binary_travels_both_ways,
    a_burst_of_1000_emits_arrives_in_order,
    a_refused_namespace_gives_the_servers_message_and_data,
    an_ack_that_never_comes_times_out,
    a_payload_that_does_not_fit_the_type_is_ignored
);
