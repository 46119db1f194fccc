//! The runnable examples (`examples/src/<name>.rs`, one per section of the seed README) served
//! in-process and driven by the official socket.io-client@4 (`tests/js/examples.mjs`): each test
//! starts exactly the server its example's `main` runs, runs the example's scenario, and asserts
//! on what the client reports (and, where the example exposes it, on what the server saw).

use std::time::Duration;

use fastsio_examples::{
    axum as axum_example, current_user, injection, middleware, routers, simple, typed_di,
};
use fastsio_tests::http::request;
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::{ScriptOutput, run_node, run_python};
use http::Method;
use serde_json::{Value, json};

/// Generous bound on a whole script run (the script bounds itself at 15 s; the first run may
/// also install the npm packages).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `scenario` of `examples.mjs` against `base` and returns its `details`.
async fn scenario(name: &str, base: &str) -> Value {
    let out: ScriptOutput = run_node("examples.mjs", &[name, base], SCRIPT_TIMEOUT).await;
    let result = out.passed();
    assert_eq!(result["scenario"], name);
    result["details"].clone()
}

/// Runs `scenario` of `tests/py/examples.py` (python-socketio) and returns its `details`.
async fn python_scenario(name: &str, base: &str) -> Value {
    let out: ScriptOutput = run_python("examples.py", &[name, base], SCRIPT_TIMEOUT).await;
    let result = out.passed();
    assert_eq!(result["scenario"], name);
    result["details"].clone()
}

fn code(error: &Value) -> &Value {
    &error["code"]
}

#[tokio::test]
async fn simple_answers_each_message_to_its_sender() {
    let io = simple::socket_io().unwrap();
    let server = TestServer::start(io.service()).await;

    // CORS for any origin (`cors_allowed_origins="*"`): a polling handshake from elsewhere.
    let handshake = request(
        Method::GET,
        &server.http("/socket.io/?EIO=4&transport=polling"),
        &[("origin", "https://elsewhere.example")],
        "",
    )
    .await;
    assert_eq!(handshake.status, 200);
    assert_eq!(handshake.headers["access-control-allow-origin"], "*");

    let details = scenario("simple", &server.http("")).await;
    assert_eq!(
        details["responses"],
        json!(["Received: hello", r#"Received: {"n":1}"#])
    );
    // The disconnect handler has run for both clients: nobody is left.
    eventually("both clients are disconnected", || io.sockets().is_empty()).await;
}

/// The seed's own ecosystem: python-socketio against the same server.
#[tokio::test]
async fn simple_answers_python_socketio_too() {
    let io = simple::socket_io().unwrap();
    let server = TestServer::start(io.service()).await;
    let d = python_scenario("simple", &server.http("")).await;
    assert_eq!(
        d["responses"],
        json!([
            "Received: hello from python",
            "Received: [1,2]",
            "Received: b"
        ])
    );
    assert_eq!(
        d["a_events"],
        json!([
            ["response", "Received: hello from python"],
            ["response", "Received: [1,2]"]
        ])
    );
}

#[tokio::test]
async fn typed_di_validates_injects_and_acks() {
    let io = typed_di::socket_io().unwrap();
    let server = TestServer::start(io.service()).await;
    let d = scenario("typed-di", &server.http("")).await;
    assert_eq!(d["welcome"]["user"], "ada");
    assert_eq!(d["welcome"]["client"], "examples");
    assert_eq!(d["noAuth"]["data"]["code"], "validation_failed");
    assert_eq!(d["badAuth"]["data"]["code"], "validation_failed");
    assert_eq!(d["joinAck"], json!({"ok": true, "room": "lobby"}));
    assert_eq!(d["sendAck"], json!({"delivered": 2, "total": 1}));
    assert_eq!(code(&d["invalidJoin"]), "validation_failed");
    assert!(d["invalidJoin"]["details"]["room"].is_array(), "{d}");
    assert_eq!(code(&d["invalidSend"]), "validation_failed");
}

#[tokio::test]
async fn typed_di_works_with_python_socketio() {
    let io = typed_di::socket_io().unwrap();
    let server = TestServer::start(io.service()).await;
    let d = python_scenario("typed-di", &server.http("")).await;
    assert_eq!(d["welcome"]["user"], "py");
    assert_eq!(d["welcome"]["motd"], "be kind");
    assert_eq!(d["join"], json!({"ok": true, "room": "snakes"}));
    assert_eq!(d["joined"], json!({"room": "snakes"}));
    assert_eq!(d["send"], json!({"delivered": 1, "total": 1}));
    assert_eq!(
        d["new_message"],
        json!({"text": "hiss", "room": "snakes", "from": "py"})
    );
    assert_eq!(code(&d["invalid"]["error"]), "validation_failed");
    assert!(d["refusal"].is_string());
}

#[tokio::test]
async fn axum_serves_http_routes_and_socket_io_on_one_port() {
    let io = axum_example::socket_io().unwrap();
    let server = TestServer::start_http(axum_example::app(&io)).await;
    let d = scenario("axum", &server.http("")).await;
    assert_axum_details(&d);
    // fastsio's own `serve` tells the handshake who connected.
    assert_eq!(d["hello"]["remote_ip"], "127.0.0.1");
}

/// Serves the example exactly as its `main` does (`axum::serve` with connect info) on a free
/// port, runs the scenario, then shuts the server down; returns the scenario's details.
async fn run_under_axum_serve() -> Value {
    let io = axum_example::socket_io().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(axum_example::serve(listener, io.clone(), async {
        let _ = stopped.await;
    }));
    let d = scenario("axum", &base).await;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("the server stops once told to")
        .unwrap()
        .unwrap();
    d
}

#[tokio::test]
async fn axum_example_runs_under_axum_serve() {
    assert_axum_details(&run_under_axum_serve().await);
}

/// Under `axum::serve` with `into_make_service_with_connect_info`, handshakes know the peer
/// (the `axum` feature reads axum's `ConnectInfo<SocketAddr>`).
#[tokio::test]
async fn axum_serve_tells_the_handshake_who_connected() {
    let d = run_under_axum_serve().await;
    assert_eq!(d["hello"]["remote_ip"], "127.0.0.1");
}

fn assert_axum_details(d: &Value) {
    // HTTP routes, answered by axum on the Socket.IO port.
    assert_eq!(d["index"]["status"], 200);
    assert_eq!(d["index"]["body"], json!({"message": "FastAPI + fastsio"}));
    assert_eq!(d["index"]["contentType"], "application/json");
    assert_eq!(d["health"]["body"], json!({"status": "ok"}));
    assert_eq!(
        d["statsBefore"]["body"],
        json!({"connections": 0, "sockets": 0})
    );
    assert_eq!(
        d["statsDuring"]["body"],
        json!({"connections": 1, "sockets": 1})
    );
    assert_eq!(
        d["statsAfter"]["body"],
        json!({"connections": 0, "sockets": 0})
    );
    // Unknown paths fall through to axum's 404; the Socket.IO path is the engine's (a request
    // without its query is an Engine.IO error, not a 404).
    assert_eq!(d["missing"]["status"], 404);
    assert_eq!(d["engineError"]["status"], 400);
    assert!(d["engineError"]["body"]["message"].is_string(), "{d}");
    // Socket.IO itself.
    assert_eq!(d["hello"]["message"], "Welcome!");
    assert_eq!(d["pong"], "pong");
}

#[tokio::test]
async fn middleware_rejections_reach_the_client() {
    let log = middleware::AuditLog::default();
    let io = middleware::socket_io_with(log.clone()).unwrap();
    let server = TestServer::start(io.service()).await;
    let d = scenario("middleware", &server.http("")).await;

    // Before hook, limited to two events of `/`: the free event passes, the others are refused.
    assert_eq!(d["anonPing"], "pong");
    assert_eq!(
        d["anonJoin"],
        json!({"code": "unauthorized", "message": "Authentication required"})
    );
    assert_eq!(code(&d["anonSend"]), "unauthorized");

    // Through the hook: the rate limit counts every send_message (validation runs after it).
    assert_eq!(d["join"], json!({"status": "joined"}));
    let sends = d["sends"].as_array().unwrap();
    assert_eq!(sends.len(), middleware::RATE_LIMIT + 1);
    assert_eq!(code(&sends[0]["error"]), "validation_failed");
    assert_eq!(sends[1], json!({"status": "sent", "length": 3}));
    assert_eq!(sends[2], json!({"status": "sent", "length": 3}));
    assert_eq!(code(&sends[3]["error"]), "rate_limited");
    assert_eq!(d["afterLimitPing"], "pong");

    // Connect check on /admin: refusals carry their message and data.
    let refused = json!({"message": "unauthorized", "data": {"code": "unauthorized"}});
    assert_eq!(d["noToken"], refused);
    assert_eq!(d["wrongToken"], refused);

    // After hook on admin_action: sees successes and failures, and leaves them unchanged.
    assert_eq!(d["action"], json!({"done": "restart"}));
    assert_eq!(code(&d["invalidAction"]), "validation_failed");
    let admin = d["adminId"].as_str().unwrap();
    let expected = json!([
        {"event": "admin_action", "sid": admin, "outcome": "ok"},
        {"event": "admin_action", "sid": admin, "outcome": "validation_failed"},
    ]);
    assert_eq!(d["audit"], expected);
    assert_eq!(serde_json::to_value(log.entries()).unwrap(), expected);
}

#[tokio::test]
async fn routers_serve_their_own_namespaces_on_one_server() {
    let io = routers::socket_io().unwrap();
    let server = TestServer::start(io.service()).await;
    let d = scenario("routers", &server.http("")).await;
    assert_eq!(d["delivered"], 2);
    let relayed = json!({"from": d["aliceId"], "text": "hello"});
    assert_eq!(d["relayed"], json!([relayed, relayed]));
    assert_eq!(code(&d["invalid"]), "validation_failed");
    assert_eq!(d["stillServed"], 2);
    assert_eq!(d["banAck"], json!({"banned": 1}));
    assert_eq!(d["notice"], json!({"reason": "spam"}));
    assert_eq!(d["reason"], "io server disconnect");
    assert_eq!(d["banNobody"], json!({"banned": 0}));
    assert_eq!(code(&d["invalidBan"]), "validation_failed");
    eventually("only alice's socket was left, then none", || {
        io.of("/chat").is_some_and(|chat| chat.sockets().is_empty())
    })
    .await;
}

#[tokio::test]
async fn injection_reaches_every_extractor() {
    let io = injection::socket_io().unwrap();
    let server = TestServer::start(io.service()).await;
    let d = scenario("injection", &server.http("")).await;
    let sid = d["sid"].as_str().unwrap();

    // Connect: SocketRef, SocketId, Io, Handshake, State, Valid<Auth<T>>.
    let on_connect = &d["onConnect"];
    assert_eq!(on_connect["sid"], sid);
    assert_eq!(on_connect["same_socket"], true);
    assert_eq!(on_connect["ns"], "/");
    assert_eq!(on_connect["method"], "GET");
    assert_eq!(on_connect["tag"], "t1");
    assert_eq!(on_connect["app"], "injection");
    assert_eq!(on_connect["name"], "ada");
    assert_eq!(on_connect["connections"], 1);
    assert_eq!(d["badLogin"]["data"]["code"], "validation_failed");
    assert!(d["badLogin"]["data"]["details"]["name"].is_array(), "{d}");
    assert_eq!(d["noLogin"]["data"]["code"], "validation_failed");

    // Events: the parts extractors...
    assert_eq!(
        d["parts"],
        json!({"sid": sid, "same_socket": true, "event": "parts", "tag": "t1",
               "app": "injection", "name": "ada", "sockets": 1})
    );
    // ...the payload extractors...
    assert_eq!(d["data"], json!({"point": {"x": 2, "y": 3}, "sum": 5}));
    assert_eq!(code(&d["badData"]), "validation_failed");
    assert_eq!(
        d["tuple"],
        json!({"text": "ab", "n": 3, "repeated": "ababab"})
    );
    assert_eq!(d["valid"], json!({"email": "ada@example.com", "age": 36}));
    assert_eq!(code(&d["invalid"]), "validation_failed");
    assert!(d["invalid"]["details"]["email"].is_array(), "{d}");
    assert!(d["invalid"]["details"]["age"].is_array(), "{d}");
    assert_eq!(
        d["bin"],
        json!({"count": 2, "lengths": [3, 1], "sums": [6, 255]})
    );
    assert_eq!(
        d["raw"],
        json!({"json": {"a": 1}, "bytes": [9, 8], "rest": 0})
    );
    // ...state (whole and a FromRef part), middleware extensions, Option and Result.
    assert_eq!(
        d["state"],
        json!([{"app": "injection", "count": 1}, {"app": "injection", "count": 2}])
    );
    assert_eq!(d["extension"], json!([1, 2]));
    assert_eq!(
        d["optional"],
        json!([
            {"missing_session": false, "extension": null, "profile": "ada", "number": 7},
            {"missing_session": false, "extension": null, "profile": "ada", "number": null},
        ])
    );
    assert_eq!(
        d["result"],
        json!([{"ok": 5}, {"error": "validation_failed"}])
    );

    // A dynamic namespace: NsParam<T> and Auth<T>.
    assert_eq!(d["entered"], json!({"room": 42, "guest": "bob"}));
    assert_eq!(d["where"], json!({"room": 42, "ns": "/room/42"}));
    assert_eq!(d["badRoom"]["data"]["code"], "validation_failed");
    assert_eq!(d["noGuest"]["data"]["code"], "validation_failed");

    // Disconnect: Reason, with the session still readable.
    let leaver = d["leaverId"].as_str().unwrap();
    let recorded: Vec<&Value> = d["disconnects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["sid"] == leaver)
        .collect();
    assert_eq!(
        recorded,
        [&json!({"sid": leaver, "reason": "client namespace disconnect", "name": "cy"})]
    );
}

#[tokio::test]
async fn current_user_extractor_loads_once_per_event_and_fails_typed() {
    let io = current_user::socket_io().unwrap();
    let server = TestServer::start(io.service()).await;
    let d = scenario("current-user", &server.http("")).await;

    // The typed errors of the extractor, as ack errors.
    assert_eq!(code(&d["noToken"]), "unauthenticated", "{d}");
    assert_eq!(code(&d["unknown"]), "unknown_token", "{d}");
    assert_eq!(code(&d["forbidden"]), "forbidden", "{d}");
    // The user, looked up from the handshake's token in the state's store.
    assert_eq!(d["me"], json!({"name": "ada", "admin": true}));
    assert_eq!(d["first"]["by"], "ada");
    assert_eq!(d["first"]["text"], "hello");
    // `post` asks for the user twice (its `before` hook and the handler): one lookup per event.
    let lookups = |v: &Value| v["lookups"].as_u64().unwrap();
    assert_eq!(lookups(&d["second"]) - lookups(&d["first"]), 1, "{d}");
    // A payload of the wrong type: the field and the reason, no buffer position.
    assert_eq!(code(&d["badPayload"]), "validation_failed");
    assert_eq!(
        d["badPayload"]["message"],
        "invalid payload: invalid type: map, expected a string"
    );
}
