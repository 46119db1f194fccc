//! The middleware chain over real sockets: scopes and their order, short-circuits, after-hook
//! replacement, composition with validation, the built-ins, and connect refusals.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastsio::extract::Extension;
use fastsio::handler::{AckReply, BoxFuture, EventContext};
use fastsio::middleware::{
    Logging, Middleware, MiddlewareScope, Next, RateLimit, RequireAuth, Timeout, after, before,
};
use fastsio::prelude::*;
use fastsio_tests::server::TestServer;
use fastsio_tests::sio::connect_packet;
use fastsio_tests::ws::WsClient;
use serde::Deserialize;
use serde_json::{Value, json};
use validator::Validate;

type Trace = Arc<Mutex<Vec<String>>>;

/// Records entering and leaving.
struct Mark(&'static str, Trace);

impl Middleware for Mark {
    fn on_event(&self, cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        let (name, trace) = (self.0, self.1.clone());
        trace.lock().unwrap().push(format!("{name}>"));
        Box::pin(async move {
            let reply = next.run(cx).await;
            trace.lock().unwrap().push(format!("<{name}"));
            reply
        })
    }
}

fn builder() -> fastsio::ServerBuilder {
    Server::builder().ping_interval(Duration::from_secs(10))
}

async fn connect(server: &TestServer, ns: &str, auth: &str) -> (WsClient, String) {
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text(&format!("{}{auth}", connect_packet(ns))).await;
    let reply = ws.next_text().await;
    (ws, reply)
}

fn ack_of(frame: &str) -> Value {
    let start = frame.find('[').unwrap();
    serde_json::from_str(&frame[start..]).unwrap()
}

#[tokio::test]
async fn scopes_run_global_namespace_router_event_and_unwind_in_reverse() {
    let trace: Trace = Arc::default();
    let handler = {
        let trace = trace.clone();
        move || {
            let trace = trace.clone();
            async move {
                trace.lock().unwrap().push("handler".into());
            }
        }
    };
    let io = builder()
        .middleware(Mark("global1", trace.clone()))
        .middleware(Mark("ns", trace.clone()).namespace("/app"))
        .middleware(Mark("other-ns", trace.clone()).namespace("/other"))
        .middleware(Logging)
        .middleware(Mark("global2", trace.clone()))
        .routes(
            Routes::new("/app")
                .middleware(Mark("router", trace.clone()))
                .middleware(Mark("router-b-only", trace.clone()).events(["b"]))
                .event_middleware("a", Mark("event", trace.clone()))
                .on("a", handler.clone())
                .on("b", handler),
        )
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, _) = connect(&server, "/app", "").await;
    ws.send_text(r#"42/app,1["a"]"#).await;
    assert_eq!(ws.next_text().await, "43/app,1[]");
    assert_eq!(
        *trace.lock().unwrap(),
        [
            "global1>", "global2>", "ns>", "router>", "event>", "handler", "<event", "<router",
            "<ns", "<global2", "<global1"
        ]
    );
    trace.lock().unwrap().clear();
    ws.send_text(r#"42/app,2["b"]"#).await;
    assert_eq!(ws.next_text().await, "43/app,2[]");
    assert_eq!(
        *trace.lock().unwrap(),
        [
            "global1>",
            "global2>",
            "ns>",
            "router>",
            "router-b-only>",
            "handler",
            "<router-b-only",
            "<router",
            "<ns",
            "<global2",
            "<global1"
        ]
    );
}

#[derive(Deserialize, Validate)]
struct Msg {
    #[validate(length(min = 1, max = 5))]
    text: String,
}

#[tokio::test]
async fn before_hooks_short_circuit_and_compose_with_validation() {
    let ran = Arc::new(Mutex::new(Vec::<String>::new()));
    async fn only_joined(socket: SocketRef, Data(v): Data<Value>) -> Result<(), AckErrorBody> {
        if socket.rooms().len() > 1 || v["pass"] == true {
            Ok(())
        } else {
            Err(AckErrorBody::new("not_in_room", "join first"))
        }
    }
    let say = {
        let ran = ran.clone();
        move |Valid(msg): Valid<Msg>| {
            let ran = ran.clone();
            async move {
                ran.lock().unwrap().push(msg.text.clone());
                Ack(msg.text)
            }
        }
    };
    let io = builder()
        .middleware(before(only_joined).events(["say"]))
        .routes(Routes::new("/").on("say", say))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, _) = connect(&server, "/", "").await;
    ws.send_text(r#"421["say",{"text":"hi"}]"#).await;
    assert_eq!(
        ws.next_text().await,
        r#"431[{"error":{"code":"not_in_room","message":"join first"}}]"#
    );
    ws.send_text(r#"422["say",{"text":"far too long","pass":true}]"#)
        .await;
    assert_eq!(
        ack_of(&ws.next_text().await)[0]["error"]["code"],
        "validation_failed"
    );
    ws.send_text(r#"423["say",{"text":"ok","pass":true}]"#)
        .await;
    assert_eq!(ws.next_text().await, r#"433["ok"]"#);
    assert_eq!(*ran.lock().unwrap(), ["ok"]);
}

#[tokio::test]
async fn after_hooks_see_and_replace_the_outcome() {
    async fn soften(outcome: AckReply, Event(name): Event) -> AckReply {
        match outcome {
            AckReply::Error(_) => AckReply::args(&json!({"recovered": name.as_str()})),
            ok => ok,
        }
    }
    async fn fail() -> Result<(), AckErrorBody> {
        Err(AckErrorBody::new("boom", "failed"))
    }
    let io = builder()
        .middleware(after(soften))
        .routes(Routes::new("/").on("fail", fail))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, _) = connect(&server, "/", "").await;
    ws.send_text(r#"421["fail"]"#).await;
    assert_eq!(ws.next_text().await, r#"431[{"recovered":"fail"}]"#);
}

#[derive(Clone)]
struct User(&'static str);

/// Attaches a value for the handler's `Extension` extractor.
struct Attach;

impl Middleware for Attach {
    fn on_event(&self, mut cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        cx.extensions.insert(User("ada"));
        next.run(cx)
    }
}

struct Panics;

impl Middleware for Panics {
    fn on_event(&self, _: EventContext, _: Next) -> BoxFuture<AckReply> {
        panic!("middleware bug")
    }
}

#[tokio::test]
async fn middleware_values_reach_extractors_and_panics_become_internal() {
    async fn who(Extension(User(name)): Extension<User>) -> Ack<&'static str> {
        Ack(name)
    }
    let io = builder()
        .middleware(Attach)
        .middleware(Panics.events(["crash"]))
        .routes(Routes::new("/").on("who", who).on("crash", who))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, _) = connect(&server, "/", "").await;
    ws.send_text(r#"421["who"]"#).await;
    assert_eq!(ws.next_text().await, r#"431["ada"]"#);
    ws.send_text(r#"422["crash"]"#).await;
    assert_eq!(
        ws.next_text().await,
        r#"432[{"error":{"code":"internal","message":"internal error"}}]"#
    );
    ws.send_text(r#"423["who"]"#).await;
    assert_eq!(ws.next_text().await, r#"433["ada"]"#);
}

#[tokio::test]
async fn rate_limit_lets_a_burst_through_and_rejects_the_excess() {
    async fn send() -> Ack<bool> {
        Ack(true)
    }
    let io = builder()
        .routes(
            Routes::new("/")
                .middleware(RateLimit::per_second(20).events(["send"]))
                .on("send", send)
                .on("free", send),
        )
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, _) = connect(&server, "/", "").await;
    let (mut other, _) = connect(&server, "/", "").await;
    for id in 0..21 {
        ws.send_text(&format!(r#"42{id}["send"]"#)).await;
    }
    for id in 0..20 {
        assert_eq!(ws.next_text().await, format!("43{id}[true]"));
    }
    let excess = ack_of(&ws.next_text().await);
    assert_eq!(excess[0]["error"]["code"], "rate_limited");
    ws.send_text(r#"4299["free"]"#).await;
    assert_eq!(ws.next_text().await, "4399[true]");
    other.send_text(r#"421["send"]"#).await;
    assert_eq!(other.next_text().await, "431[true]");
}

#[tokio::test]
async fn timeout_answers_slow_handlers() {
    async fn slow() -> Ack<bool> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ack(true)
    }
    let io = builder()
        .middleware(Timeout(Duration::from_millis(50)))
        .routes(Routes::new("/").on("slow", slow))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, _) = connect(&server, "/", "").await;
    ws.send_text(r#"421["slow"]"#).await;
    assert_eq!(ack_of(&ws.next_text().await)[0]["error"]["code"], "timeout");
}

#[tokio::test]
async fn connect_middleware_refuses_with_data_and_runs_before_the_handler() {
    let connected = Arc::new(Mutex::new(0));
    let on_connect = {
        let connected = connected.clone();
        move || {
            let connected = connected.clone();
            async move {
                *connected.lock().unwrap() += 1;
            }
        }
    };
    let check = RequireAuth::new(|_req, auth| async move {
        let auth: Value = serde_json::from_str(&auth).unwrap_or_default();
        if auth["key"] == "k" {
            Ok(())
        } else {
            Err(ConnectError::new("unauthorized").with_data(json!({"code": "unauthorized"})))
        }
    });
    let io = builder()
        .middleware(check.namespace("/admin"))
        .routes(Routes::new("/admin").on_connect(on_connect))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (_, refused) = connect(&server, "/admin", r#"{"key":"no"}"#).await;
    assert_eq!(
        refused,
        r#"44/admin,{"message":"unauthorized","data":{"code":"unauthorized"}}"#
    );
    assert_eq!(*connected.lock().unwrap(), 0);
    let (_, accepted) = connect(&server, "/admin", r#"{"key":"k"}"#).await;
    assert!(accepted.starts_with(r#"40/admin,{"sid""#), "{accepted}");
    assert_eq!(*connected.lock().unwrap(), 1);
    let (_, root) = connect(&server, "/", "").await;
    assert!(root.starts_with(r#"40{"sid""#), "{root}");
}
