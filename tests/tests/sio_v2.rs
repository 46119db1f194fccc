//! The official socket.io-client 2.x (npm `socket.io-client@2.5.0`, aliased
//! `socket.io-client-v2`; Engine.IO 3, Socket.IO protocol 4) against a fastsio server built with
//! `.allow_eio3(true)`: connect (polling with the upgrade, and WebSocket only), events, acks
//! both ways, binary both ways, namespaces, connect refusals.
//!
//! Each test builds a server, runs `tests/js/sio_v2.cjs <scenario> <url>` and checks both what
//! the client reports (its JSON result line) and what the server saw.

use std::time::Duration;

use bytes::Bytes;
use fastsio::extract::Handshake;
use fastsio::prelude::*;
use fastsio_tests::reports::{Log, log, record};
use fastsio_tests::routes::{fail, greet, sum};
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::{ensure_npm, run_node};
use serde_json::{Value, json};

/// A script's bound: generous (npm may install on first use), the script bounds itself at 15 s.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// socket.io 2.x clients ping the server (Engine.IO 3) at the interval the handshake gives:
/// a short one, so that the connect tests see pongs.
fn builder() -> fastsio::ServerBuilder {
    Server::builder()
        .allow_eio3(true)
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_secs(2))
}

async fn scenario(server: &TestServer, name: &str) -> Value {
    let out = run_node("sio_v2.cjs", &[name, &server.http("")], SCRIPT_TIMEOUT).await;
    out.passed()
}

/// `/` greets every socket with `welcome {token, eio, transport}` from the opening request's
/// query string (socket.io 2.x has no auth payload), and records the socket ids.
fn welcome_server(ids: &Log<String>) -> Io {
    let welcome = {
        let ids = ids.clone();
        move |socket: SocketRef, Handshake(req): Handshake| {
            ids.lock().unwrap().push(socket.id().to_string());
            let query = |name| req.query_param(name).as_deref().unwrap_or("?").to_string();
            let greeting = json!({
                "token": query("token"),
                "eio": query("EIO"),
                "transport": query("transport"),
            });
            socket.emit_raw("welcome", &greeting).unwrap();
            std::future::ready(())
        }
    };
    builder()
        .routes(Routes::new("/").on_connect(welcome))
        .build()
        .unwrap()
}

#[tokio::test]
async fn v2_client_connects_over_polling_and_upgrades() {
    let ids = log();
    let io = welcome_server(&ids);
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "connect").await;
    assert_eq!(
        result["welcome"],
        json!({"token": "abc", "eio": "3", "transport": "polling"}),
        "{result}"
    );
    assert_eq!(result["transport"], "websocket", "{result}");
    assert!(result["id"].is_string(), "{result}");
    // The server answered the client's pings (every 300 ms, as the handshake told it).
    assert!(result["pongs"].as_u64().unwrap() >= 2, "{result}");
    assert_eq!(ids.lock().unwrap().len(), 1);
    eventually("connection closed", || io.connection_count() == 0).await;
    assert!(io.sockets().is_empty());
}

#[tokio::test]
async fn v2_client_connects_over_websocket_only() {
    let ids = log();
    let io = welcome_server(&ids);
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "websocket").await;
    assert_eq!(
        result["welcome"],
        json!({"token": "abc", "eio": "3", "transport": "websocket"}),
        "{result}"
    );
    assert_eq!(result["transport"], "websocket");
    assert!(result["pongs"].as_u64().unwrap() >= 2, "{result}");
    assert_eq!(ids.lock().unwrap().len(), 1);
    eventually("connection closed", || io.connection_count() == 0).await;
}

#[tokio::test]
async fn v2_client_exchanges_events() {
    let notes: Log<Value> = log();
    let io = builder()
        .routes(
            Routes::new("/")
                .on("note", record(&notes))
                .on("greet", greet),
        )
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "events").await;
    assert_eq!(result["greeting"], json!(["hello v2", 42]));
    assert_eq!(
        *notes.lock().unwrap(),
        [json!({"text": "from v2", "list": [1, 2, 3]})]
    );
}

#[tokio::test]
async fn v2_client_acks_both_ways() {
    let io = builder()
        .routes(Routes::new("/").on("sum", sum).on("fail", fail))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    // Install first: the wait for the client to connect below is bounded.
    tokio::task::spawn_blocking(ensure_npm).await.unwrap();
    let client = tokio::spawn({
        let url = server.http("");
        async move { run_node("sio_v2.cjs", &["ack", &url], SCRIPT_TIMEOUT).await }
    });

    eventually("the client connected", || io.sockets().len() == 1).await;
    let socket = io.sockets().remove(0);
    let answer: Value = socket
        .emit_raw_with_ack("question", &json!({"x": 21}), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(answer, json!({"answer": 42}));
    assert_eq!(socket.pending_acks(), 0);
    socket.emit_raw("done", &()).unwrap();

    let out = client.await.unwrap();
    out.assert_ok();
    let result = out.json();
    assert_eq!(result["sum"], json!([42]), "{result}");
    assert_eq!(
        result["fail"],
        json!([{"error": {"code": "nope", "message": "refused"}}])
    );
    assert_eq!(result["questions"], json!([{"x": 21}]));
}

#[tokio::test]
async fn v2_client_binary_round_trips_byte_for_byte() {
    let received: Log<Vec<Bytes>> = log();
    let blob = {
        let received = received.clone();
        move |socket: SocketRef, args: RawArgs| {
            received.lock().unwrap().push(args.attachments.clone());
            let attachments = args.attachments.clone();
            socket.emit_binary("blob-back", &args, attachments).unwrap();
            std::future::ready(())
        }
    };
    async fn blob_ack(args: RawArgs) -> RawArgs {
        args
    }
    let io = builder()
        .routes(Routes::new("/").on("blob", blob).on("blob-ack", blob_ack))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "binary").await;

    let expected: Vec<u8> = (0..=255).chain([0, 255]).collect();
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].len(), 1);
    assert_eq!(received[0][0].as_ref(), expected.as_slice());
    // The client compared the bytes itself; check what it reported too.
    assert_eq!(
        result["back"],
        json!([{"label": "raw"}, {"bytes": expected}])
    );
    assert_eq!(result["acked"], json!([{"bytes": expected}, "tail"]));
}

#[tokio::test]
async fn v2_client_uses_a_custom_namespace_apart_from_the_main_one() {
    let [main, admin] = fastsio_tests::routes::main_and_admin();
    let io = builder().routes(main).routes(admin).build().unwrap();
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "namespace").await;
    assert_eq!(result["hello"], json!(["/admin"]), "{result}");
    assert_eq!(result["whoamiRoot"], json!(["/"]));
    assert_eq!(result["whoamiAdmin"], json!(["/admin"]));
    assert_eq!(result["rootEvents"], json!([]), "{result}");
    // socket.io-client 2.x names a namespace's socket `<nsp>#<engine id>`.
    assert!(
        result["adminId"].as_str().unwrap().starts_with("/admin#"),
        "{result}"
    );
    // As socket.io v3/v4 with `allowEIO3` does, an unknown namespace is refused with
    // `{"message": "Invalid namespace"}` (socket.io 2.x sent the bare string).
    assert_eq!(result["nopeConnected"], false);
    assert_eq!(result["unknown"], json!([{"message": "Invalid namespace"}]));
}

#[tokio::test]
async fn v2_client_sees_connect_refusals_as_the_reference_server_sends_them() {
    async fn check(Handshake(req): Handshake) -> Result<(), ConnectError> {
        match req.query_param("token").as_deref() {
            Some("secret") => Ok(()),
            Some(_) => {
                Err(ConnectError::new("bad token").with_data(json!({"reason": "token mismatch"})))
            }
            None => Err(ConnectError::new("no token")),
        }
    }
    async fn whoami(socket: SocketRef) -> Ack<String> {
        Ack(socket.ns().to_string())
    }
    let io = builder()
        .routes(
            Routes::new("/secure")
                .on_connect(check)
                .on("whoami", whoami),
        )
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "refused").await;
    assert_eq!(result["whoami"], json!(["/secure"]), "{result}");
    // socket.io (v3/v4, `allowEIO3`) answers a protocol-4 client's refused CONNECT with
    // `err.data || err.message` as the ERROR payload (lib/namespace.ts, `_add`), and
    // socket.io 2.x did the same; the client's "error" listener gets that value. Only v5
    // clients get `{"message", "data"}`.
    assert_eq!(
        result["wrong"],
        json!([{"reason": "token mismatch"}]),
        "{result}"
    );
    assert_eq!(result["missing"], json!(["no token"]), "{result}");
}
