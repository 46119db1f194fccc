//! The official python-socketio `AsyncClient` (PyPI, pinned in tests/py/requirements.txt)
//! against fastsio: connect with auth (accepted and refused), events and acks both ways,
//! binary, rooms, namespaces, and each transport (WebSocket only, polling only, the upgrade).
//!
//! Each test builds a server, runs `tests/py/sio_client.py <scenario> <url>` and checks both
//! what the client reports (its JSON result line) and what the server saw.

use std::time::Duration;

use bytes::Bytes;
use fastsio::extract::Handshake;
use fastsio::prelude::*;
use fastsio_tests::reports::{Log, log, record};
use fastsio_tests::routes::{fail, greet, sum};
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::{ensure_python_venv, run_python};
use serde_json::{Value, json};

/// A script's bound: generous (the venv may be installed on first use), the script bounds
/// itself at 15 s.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

fn builder() -> fastsio::ServerBuilder {
    Server::builder()
        .ping_interval(Duration::from_secs(5))
        .ping_timeout(Duration::from_secs(5))
}

/// Runs a scenario against `server` and returns its result line.
async fn scenario(server: &TestServer, name: &str) -> Value {
    let out = run_python("sio_client.py", &[name, &server.http("")], SCRIPT_TIMEOUT).await;
    out.passed()
}

/// Records every disconnect reason.
fn on_disconnect(
    reasons: &Log<DisconnectReason>,
) -> impl Fn(Reason) -> std::future::Ready<()> + Clone + Send + Sync + 'static {
    let reasons = reasons.clone();
    move |Reason(r): Reason| {
        reasons.lock().unwrap().push(r);
        std::future::ready(())
    }
}

#[derive(Debug, serde::Deserialize)]
struct Credentials {
    token: String,
    user: String,
}

/// `/` accepts `{"token": "secret", "user": U}`, greets with `welcome {"user": U}`, refuses
/// anything else; records the ids of accepted sockets and every auth it was shown.
fn auth_server(accepted: &Log<String>, shown: &Log<String>) -> Io {
    let check = {
        let accepted = accepted.clone();
        let shown = shown.clone();
        move |socket: SocketRef, Auth(c): Auth<Credentials>| {
            let accepted = accepted.clone();
            let shown = shown.clone();
            async move {
                shown.lock().unwrap().push(c.user.clone());
                if c.token != "secret" {
                    return Err(ConnectError::new("bad token")
                        .with_data(json!({"reason": "token mismatch"})));
                }
                accepted.lock().unwrap().push(socket.id().to_string());
                socket
                    .emit_raw("welcome", &json!({"user": c.user}))
                    .unwrap();
                Ok(())
            }
        }
    };
    builder()
        .routes(Routes::new("/").on_connect(check))
        .build()
        .unwrap()
}

#[tokio::test]
async fn python_client_connects_with_auth_and_gets_its_sid() {
    let (accepted, shown) = (log(), log());
    let io = auth_server(&accepted, &shown);
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "auth-ok").await;
    assert_eq!(result["welcome"], json!([{"user": "ana"}]));
    assert_eq!(*shown.lock().unwrap(), ["ana"]);
    // The sid of the CONNECT reply is the server's socket id.
    assert_eq!(*accepted.lock().unwrap(), [result["sid"].as_str().unwrap()]);
    eventually("socket gone after the client left", || {
        io.sockets().is_empty()
    })
    .await;
}

#[tokio::test]
async fn python_client_sees_connect_refusals_with_message_and_data() {
    let (accepted, shown) = (log(), log());
    let io = auth_server(&accepted, &shown);
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "auth-refused").await;
    // The connect_error handler gets the refusal as one argument: {"message", "data"}.
    assert_eq!(
        result["wrong"]["data"],
        json!([{"message": "bad token", "data": {"reason": "token mismatch"}}]),
        "{result}"
    );
    // No auth at all: the Auth extractor refuses, data carrying the error code.
    let missing = &result["missing"]["data"][0];
    let message = missing["message"].as_str().unwrap();
    assert!(message.starts_with("auth is required"), "{missing}");
    assert_eq!(missing["data"]["code"], "validation_failed", "{missing}");
    // The handler ran for the wrong token only; the extractor refused before it the second time.
    assert_eq!(*shown.lock().unwrap(), ["eve"]);
    assert!(accepted.lock().unwrap().is_empty());
    eventually("refused connections closed", || io.connection_count() == 0).await;
    assert!(io.sockets().is_empty());
}

#[tokio::test]
async fn python_client_exchanges_events_both_ways_binary_included() {
    let notes: Log<Value> = log();
    let reasons = log();
    let blobs: Log<(Vec<String>, Vec<Bytes>)> = log();
    let blob = {
        let blobs = blobs.clone();
        move |socket: SocketRef, args: RawArgs| {
            let raw = args.iter().map(str::to_string).collect();
            blobs.lock().unwrap().push((raw, args.attachments.clone()));
            let attachments = args.attachments.clone();
            socket.emit_binary("blob-back", &args, attachments).unwrap();
            std::future::ready(())
        }
    };
    let io = builder()
        .routes(
            Routes::new("/")
                .on("note", record(&notes))
                .on("greet", greet)
                .on("blob", blob)
                .on_disconnect(on_disconnect(&reasons)),
        )
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "events").await;

    assert_eq!(result["greeting"], json!(["hello py", 42]));
    assert_eq!(
        *notes.lock().unwrap(),
        [json!({"text": "from python", "list": [1, 2, 3], "nested": {"ok": true}})]
    );
    let expected: Vec<u8> = (0..=255).chain([0, 255]).collect();
    let blobs = blobs.lock().unwrap().clone();
    assert_eq!(blobs.len(), 1);
    let (raw, attachments) = &blobs[0];
    assert_eq!(raw[0], r#"{"label":"raw"}"#);
    let placeholder: Value = serde_json::from_str(&raw[1]).unwrap();
    assert_eq!(placeholder, json!({"_placeholder": true, "num": 0}));
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].as_ref(), expected.as_slice());
    // The client compared the echoed bytes itself; check what it reported too.
    assert_eq!(
        result["blob_back"],
        json!([{"label": "raw"}, {"bytes": expected}])
    );
    // The client's disconnect() queues a namespace DISCONNECT, but python-engineio closes the
    // WebSocket without waiting for its write loop to flush it, so the server may see either.
    eventually("disconnect handler ran", || {
        !reasons.lock().unwrap().is_empty()
    })
    .await;
    let reasons = reasons.lock().unwrap().clone();
    assert!(
        matches!(
            reasons[..],
            [DisconnectReason::ClientNamespaceDisconnect | DisconnectReason::TransportClose]
        ),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn python_client_acks_both_ways() {
    async fn pair() -> Ack<(&'static str, u8)> {
        Ack(("x", 1))
    }
    let io = builder()
        .routes(
            Routes::new("/")
                .on("sum", sum)
                .on("pair", pair)
                .on("fail", fail),
        )
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    // Install first: the wait for the client to connect below is bounded.
    tokio::task::spawn_blocking(ensure_python_venv)
        .await
        .unwrap();
    let client = tokio::spawn({
        let server_url = server.http("");
        async move { run_python("sio_client.py", &["acks", &server_url], SCRIPT_TIMEOUT).await }
    });

    eventually("the client connected", || io.sockets().len() == 1).await;
    let socket = io.sockets().remove(0);
    let wait = Duration::from_secs(5);
    let answer: Value = socket
        .emit_raw_with_ack("question", &json!({"x": 21}), wait)
        .await
        .unwrap();
    assert_eq!(answer, json!({"answer": 42}));
    // A tuple returned by a Python handler is several ack arguments.
    let tuple: (String, i64) = socket.emit_raw_with_ack("tuple", &(), wait).await.unwrap();
    assert_eq!(tuple, ("a".to_string(), 2));
    assert_eq!(socket.pending_acks(), 0);
    socket.emit_raw("done", &()).unwrap();

    let out = client.await.unwrap();
    out.assert_ok();
    let result = out.json();
    assert_eq!(result["sum"], 42, "{result}");
    assert_eq!(result["pair"], json!(["x", 1]));
    assert_eq!(
        result["fail"],
        json!({"error": {"code": "nope", "message": "refused"}})
    );
    assert_eq!(
        result["bad_payload"]["error"]["code"], "validation_failed",
        "{result}"
    );
    assert_eq!(result["questions"], json!([{"x": 21}, "tuple"]));
}

#[tokio::test]
async fn python_clients_in_rooms_get_room_broadcasts_only() {
    async fn join(socket: SocketRef, Data(room): Data<String>) -> Ack<String> {
        socket.join(room.clone());
        Ack(room)
    }
    async fn shout(socket: SocketRef, Data((room, msg)): Data<(String, String)>) -> Ack<usize> {
        let delivered = socket.to(room).emit_raw("news", &msg).unwrap();
        socket.broadcast().emit_raw("marker", &()).unwrap();
        socket.emit_raw("marker", &()).unwrap();
        Ack(delivered)
    }
    let io = builder()
        .routes(Routes::new("/").on("join", join).on("shout", shout))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "rooms").await;
    assert_eq!(result["joined"], "vip");
    assert_eq!(result["delivered"], 1, "{result}");
    // A (in the room) got the news before the marker; B (the sender, not in it) only the marker.
    assert_eq!(
        result["a"],
        json!([["news", ["hello vip"]], ["marker", []]]),
        "{result}"
    );
    assert_eq!(result["b"], json!([["marker", []]]), "{result}");
    assert_ne!(result["sids"][0], result["sids"][1]);
}

#[tokio::test]
async fn python_client_uses_a_custom_namespace_apart_from_the_main_one() {
    let [main, admin] = fastsio_tests::routes::main_and_admin();
    let io = builder().routes(main).routes(admin).build().unwrap();
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, "namespace").await;
    assert_eq!(result["whoami_root"], "/");
    assert_eq!(result["whoami_admin"], "/admin");
    assert_eq!(result["hello"], json!(["/admin"]));
    assert_eq!(result["root_events"], json!([]), "{result}");
    // One socket per namespace, each with its own id.
    assert!(result["root_sid"].is_string() && result["admin_sid"].is_string());
    assert_ne!(result["root_sid"], result["admin_sid"]);
    assert_eq!(
        result["unknown"]["data"],
        json!([{"message": "Invalid namespace"}])
    );
}

/// `echo` acks its arguments; the connect handler emits `transport` with the transport the
/// connection was opened with; records the opening requests' `transport` query parameter.
fn transport_server(opened: &Log<String>) -> Io {
    async fn echo(args: RawArgs) -> RawArgs {
        args
    }
    let greet = {
        let opened = opened.clone();
        move |socket: SocketRef, Handshake(req): Handshake| {
            let transport = req
                .query_param("transport")
                .as_deref()
                .unwrap_or("?")
                .to_string();
            opened.lock().unwrap().push(transport.clone());
            socket.emit_raw("transport", &transport).unwrap();
            std::future::ready(())
        }
    };
    builder()
        .routes(Routes::new("/").on_connect(greet).on("echo", echo))
        .build()
        .unwrap()
}

async fn transport_scenario(name: &str, opened_with: &str, ends_on: &str, echo_len: usize) {
    let opened = log();
    let io = transport_server(&opened);
    let server = TestServer::start(io.service()).await;
    let result = scenario(&server, name).await;
    assert_eq!(result["opened_with"], json!([opened_with]), "{result}");
    assert_eq!(result["transport"], ends_on, "{result}");
    assert_eq!(result["echo_len"], echo_len, "{result}");
    assert_eq!(*opened.lock().unwrap(), [opened_with]);
    eventually("connection closed", || io.connection_count() == 0).await;
}

#[tokio::test]
async fn python_client_over_websocket_only() {
    transport_scenario("websocket", "websocket", "websocket", 10_000).await;
}

#[tokio::test]
async fn python_client_over_polling_only() {
    transport_scenario("polling", "polling", "polling", 200_000).await;
}

#[tokio::test]
async fn python_client_upgrades_from_polling_to_websocket() {
    transport_scenario("upgrade", "polling", "websocket", 1_000).await;
}
