//! The API contract (issue 16): the chat's AsyncAPI document has the fixed shape and
//! constraints, every example's document passes `@asyncapi/parser` 3 with zero errors (JSON and
//! YAML), the routes answer standalone and in axum, Chromium renders the docs page, the
//! TypeScript declarations compile good client programs and reject bad ones under
//! `tsc --strict` (TypeScript 5, socket.io-client 4), each extractor kind has its schema, and
//! a type without a schema is a build error naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use fastsio::contract::{AckValue, AsyncApi, AuthShape, Payload};
use fastsio::extract::{Bin, RawArgs};
use fastsio::prelude::*;
use fastsio::service::serve;
use fastsio_examples::chat;
use fastsio_tests::http::get;
use fastsio_tests::{contract_dir, ensure_chat_bundle, ensure_npm, js_dir, run_contract_node};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use validator::Validate;

fn chat_io() -> Io {
    chat::socket_io().expect("chat builds")
}

/// Follows a `$ref` into the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .expect("the $ref resolves"),
        None => schema,
    }
}

#[test]
fn chat_document_has_the_fixed_shape() {
    let io = chat_io();
    let doc = io.asyncapi().unwrap();
    assert_eq!(doc["asyncapi"], "3.0.0");
    assert_eq!(doc["info"]["title"], "fastsio chat");
    let channel = &doc["channels"]["chat"];
    assert_eq!(channel["address"], "/chat");

    let messages = channel["messages"].as_object().unwrap();
    let payload = |event: &str| resolve(doc, &messages[event]["payload"]);
    let room = &payload("join_room")["properties"]["room"];
    assert_eq!(
        (room["minLength"].as_u64(), room["maxLength"].as_u64()),
        (Some(1), Some(64))
    );
    let text = &payload("send_message")["properties"]["text"];
    assert_eq!(
        (text["minLength"].as_u64(), text["maxLength"].as_u64()),
        (Some(1), Some(1000))
    );
    assert_eq!(payload("connect")["properties"]["name"]["type"], "string");

    let operations = doc["operations"].as_object().unwrap();
    let by_action = |action: &str| -> BTreeMap<String, &Value> {
        operations
            .values()
            .filter(|op| op["action"] == action)
            .map(|op| {
                let r = op["messages"][0]["$ref"].as_str().unwrap();
                let message = doc.pointer(r.trim_start_matches('#')).unwrap();
                (message["name"].as_str().unwrap().to_string(), op)
            })
            .collect()
    };
    let receive = by_action("receive");
    for event in ["join_room", "leave_room", "send_message", "list_rooms"] {
        let op = receive
            .get(event)
            .unwrap_or_else(|| panic!("no receive operation {event}"));
        assert_eq!(op["channel"]["$ref"], "#/channels/chat");
        let reply = op["reply"]["messages"][0]["$ref"]
            .as_str()
            .expect("an ack reply");
        let reply = doc.pointer(reply.trim_start_matches('#')).unwrap();
        let one_of = reply["payload"]["oneOf"].as_array().expect("ack or error");
        let error = resolve(doc, &one_of[1]);
        assert_eq!(error["required"], json!(["error"]), "{event}");
        assert_eq!(
            error["properties"]["error"]["required"],
            json!(["code", "message"])
        );
    }
    let send: BTreeSet<String> = by_action("send").into_keys().collect();
    for event in [
        "welcome",
        "user_joined",
        "user_left",
        "new_message",
        "connect_error",
    ] {
        assert!(send.contains(event), "no send operation {event}: {send:?}");
    }
    assert!(
        receive.contains_key("connect"),
        "the auth payload is described"
    );

    // ChatError lists its codes; the framework's own codes come with them.
    let ack = &messages["send_message_ack"]["payload"]["oneOf"][1];
    let codes = &ack["properties"]["error"]["properties"]["code"]["enum"];
    assert_eq!(
        codes,
        &json!([
            "not_in_room",
            "internal",
            "validation_failed",
            "rate_limited",
            "timeout"
        ])
    );
}

/// The servers of the examples (each has the contract on; `admin` is a binary only).
fn example_documents() -> Vec<(&'static str, Value)> {
    use fastsio_examples::{axum, conformance, injection, middleware, routers, simple, typed_di};
    let all: Vec<(&'static str, Io)> = vec![
        ("chat", chat_io()),
        ("simple", simple::socket_io().unwrap()),
        ("typed_di", typed_di::socket_io().unwrap()),
        ("axum", axum::socket_io().unwrap()),
        ("middleware", middleware::socket_io().unwrap()),
        ("routers", routers::socket_io().unwrap()),
        ("injection", injection::socket_io().unwrap()),
        ("conformance", conformance::socket_io().unwrap()),
    ];
    all.into_iter()
        .map(|(name, io)| (name, io.asyncapi().expect("contract on").clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_document_passes_the_asyncapi_parser() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("asyncapi");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (name, doc) in example_documents() {
        let json = dir.join(format!("{name}.json"));
        std::fs::write(&json, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        files.push(json);
    }
    // The YAML route's text, as served.
    let yaml = dir.join("chat.yaml");
    std::fs::write(&yaml, served_yaml().await).unwrap();
    files.push(yaml);
    let args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let out = run_contract_node("validate.mjs", &args, Duration::from_secs(240)).await;
    out.assert_ok();
    let report = out.json();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["files"].as_array().unwrap().len(), files.len());
}

/// A running server on a free loopback port; dropping `stop` shuts it down.
struct Running {
    base: String,
    _stop: oneshot::Sender<()>,
}

async fn start<S, B>(service: S) -> Running
where
    S: tower_service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve(listener, service, async move {
        let _ = stopped.await;
    }));
    Running { base, _stop: stop }
}

async fn served_yaml() -> String {
    let io = chat_io();
    let server = start(chat::service(&io)).await;
    let yaml = get(&format!("{}asyncapi.yaml", server.base)).await;
    assert_eq!(yaml.status, 200);
    yaml.text().to_string()
}

#[tokio::test]
async fn routes_answer_in_axum_and_standalone() {
    // In axum: the chat's page router with Socket.IO layered in front.
    let io = chat_io();
    let server = start(chat::service(&io)).await;
    let json = get(&format!("{}asyncapi.json", server.base)).await;
    assert_eq!(json.status, 200);
    assert_eq!(&json.json(), io.asyncapi().unwrap());
    let page = get(&format!("{}asyncapi", server.base)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text()
            .contains(r#"<script src="/asyncapi/standalone.js">"#)
    );
    assert!(page.text().contains(r#"url: "/asyncapi.json""#));
    // Other paths still reach the pages.
    assert_eq!(get(&server.base).await.status, 200);

    // Standalone, at a path of one's own; the page's script from the CDN by default.
    let io = Server::builder()
        .router(Kinds)
        .asyncapi(AsyncApi::new().path("/docs/api"))
        .build()
        .unwrap();
    let server = start(io.service()).await;
    let json = get(&format!("{}docs/api.json", server.base)).await;
    assert_eq!(json.status, 200);
    assert_eq!(&json.json(), io.asyncapi().unwrap());
    let page = get(&format!("{}docs/api", server.base)).await;
    assert!(page.text().contains(fastsio::contract::DEFAULT_SCRIPT_URL));
    assert_eq!(
        get(&format!("{}asyncapi.json", server.base)).await.status,
        404
    );
    let yaml = get(&format!("{}docs/api.yaml", server.base)).await;
    assert!(
        yaml.text().starts_with("\"asyncapi\": \"3.0.0\"\n"),
        "{}",
        yaml.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_renders_the_chat_operations() {
    tokio::task::spawn_blocking(|| {
        ensure_npm();
        ensure_chat_bundle();
    })
    .await
    .unwrap();
    let io = chat_io();
    let server = start(chat::service(&io)).await;
    let script = js_dir().join("../browser/asyncapi.mjs");
    let mut args = vec![script.to_str().unwrap().to_string(), server.base.clone()];
    args.extend(
        [
            "fastsio chat",
            "join_room",
            "leave_room",
            "send_message",
            "list_rooms",
            "welcome",
            "user_joined",
            "user_left",
            "new_message",
        ]
        .map(String::from),
    );
    let out = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new("node")
            .args(&args)
            .current_dir(js_dir())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the browser script finishes")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["ok"], true, "{result}");
}

/// `tsc --strict` over `tests/contract/ts`: `good.ts` compiles, and each `bad/*.ts` fails
/// exactly on its lines marked `// error`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_declarations_accept_good_clients_and_reject_bad_ones() {
    let dir = contract_dir();
    std::fs::create_dir_all(dir.join("generated")).unwrap();
    std::fs::write(dir.join("generated/chat.d.ts"), chat::typescript().unwrap()).unwrap();
    let out = run_contract_node(
        "node_modules/typescript/bin/tsc",
        &["-p", "tsconfig.json", "--pretty", "false"],
        Duration::from_secs(120),
    )
    .await;
    assert!(!out.timed_out, "tsc timed out");
    let mut errors: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for line in out.stdout.lines().filter(|l| l.contains("): error TS")) {
        let (file, rest) = line.split_once('(').unwrap();
        let row: usize = rest.split(',').next().unwrap().parse().unwrap();
        errors.entry(file.to_string()).or_default().insert(row);
    }
    let bad_dir = dir.join("ts/bad");
    let mut expected: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for entry in std::fs::read_dir(&bad_dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let marked: BTreeSet<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.ends_with("// error"))
            .map(|(i, _)| i + 1)
            .collect();
        assert!(!marked.is_empty(), "{} marks no error line", path.display());
        let name = format!("ts/bad/{}", path.file_name().unwrap().to_str().unwrap());
        expected.insert(name, marked);
    }
    assert!(expected.len() >= 8, "the bad programs are there");
    assert_eq!(
        errors, expected,
        "tsc output:\n{}{}",
        out.stdout, out.stderr
    );
}

#[test]
fn chat_typescript_flag_prints_the_declarations_instead_of_serving() {
    assert_eq!(
        chat::Command::from_args(["--typescript"]),
        chat::Command::PrintTypeScript
    );
    assert_eq!(
        chat::Command::from_args(Vec::<String>::new()),
        chat::Command::Serve
    );
    let printed = chat::typescript().unwrap();
    assert_eq!(Some(printed.as_str()), chat_io().typescript());
    for name in [
        "ClientToServerEvents",
        "ServerToClientEvents",
        "join_room",
        "new_message",
    ] {
        assert!(printed.contains(name), "{name} is declared:\n{printed}");
    }
}

// ---- the schema of each extractor kind -------------------------------------------------------

#[derive(Deserialize, Validate, JsonSchema)]
struct Signup {
    #[validate(length(min = 3, max = 20))]
    name: String,
    #[validate(range(min = 13, max = 130))]
    age: u8,
    #[validate(email)]
    email: String,
    #[validate(url)]
    homepage: Option<String>,
    #[validate(regex(path = *CODE))]
    code: String,
}

static CODE: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new("^[A-Z]{3}$").unwrap());

/// A colour, as clients send it.
#[derive(Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Colour {
    Red,
    Green,
}

#[derive(Deserialize, JsonSchema)]
struct Token {
    token: String,
}

#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("tick", ack = u32)]
struct Tick {
    n: u64,
}

#[connect]
async fn kinds_connect(Auth(t): Auth<Token>) {
    let _ = t.token;
}

#[event("valid")]
async fn valid(Valid(_s): Valid<Signup>) -> Ack<bool> {
    Ack(true)
}

#[event("data")]
async fn data(Data(c): Data<Colour>) -> Ack<Colour> {
    Ack(c)
}

#[event("tuple")]
async fn tuple(Data((a, b)): Data<(i64, String)>) -> Ack<(i64, String)> {
    Ack((a, b))
}

#[event("bin")]
async fn bin(Bin(_b): Bin) {}

#[event("raw")]
async fn raw(args: RawArgs) -> RawArgs {
    args
}

#[event("optional")]
async fn optional(c: Option<Data<Colour>>) -> Ack<bool> {
    Ack(c.is_some())
}

#[event("nothing")]
async fn nothing(socket: SocketRef) -> Ack<String> {
    Ack(socket.id().to_string())
}

#[derive(Router)]
#[router(
    namespace = "/kinds",
    connect = kinds_connect,
    events(valid, data, tuple, bin, raw, optional, nothing),
    emits(Tick)
)]
struct Kinds;

fn kinds_io() -> Io {
    Server::builder()
        .router(Kinds)
        .asyncapi(AsyncApi::new())
        .build()
        .unwrap()
}

#[test]
fn each_extractor_kind_has_its_schema() {
    let io = kinds_io();
    let contract = io.contract().unwrap();
    let ns = &contract.namespaces[0];
    assert_eq!(ns.path, "/kinds");
    let event = |name: &str| &ns.events.iter().find(|(n, _)| n == name).unwrap().1;
    let schemas = &contract.schemas;
    let args = |p: &Payload| match p {
        Payload::Args(a) => a.iter().map(|s| s.as_value().clone()).collect::<Vec<_>>(),
        other => panic!("not arguments: {other:?}"),
    };

    // Valid<T>: the validator constraints are in the schema.
    assert_eq!(
        args(&event("valid").payload),
        [json!({"$ref": "#/components/schemas/Signup"})]
    );
    let signup = &schemas["Signup"]["properties"];
    assert_eq!(
        (
            signup["name"]["minLength"].as_u64(),
            signup["name"]["maxLength"].as_u64()
        ),
        (Some(3), Some(20))
    );
    assert_eq!(
        (
            signup["age"]["minimum"].as_u64(),
            signup["age"]["maximum"].as_u64()
        ),
        (Some(13), Some(130))
    );
    assert_eq!(signup["email"]["format"], "email");
    assert_eq!(signup["homepage"]["format"], "uri");
    assert_eq!(signup["code"]["pattern"], "^[A-Z]{3}$");

    // Data<T> of an enum, and its ack.
    assert_eq!(
        args(&event("data").payload),
        [json!({"$ref": "#/components/schemas/Colour"})]
    );
    assert_eq!(schemas["Colour"]["enum"], json!(["red", "green"]));
    assert_eq!(
        event("data").ack.value,
        AckValue::Args(vec![
            schemars::json_schema!({"$ref": "#/components/schemas/Colour"})
        ])
    );

    // A tuple is several arguments, for the payload and the ack alike.
    assert_eq!(
        args(&event("tuple").payload),
        [
            json!({"type": "integer", "format": "int64"}),
            json!({"type": "string"})
        ]
    );
    assert!(matches!(&event("tuple").ack.value, AckValue::Args(a) if a.len() == 2));

    assert_eq!(event("bin").payload, Payload::Binary);
    assert_eq!(event("bin").ack.value, AckValue::Empty);
    assert_eq!(event("raw").payload, Payload::Any);
    assert_eq!(event("raw").ack.value, AckValue::Any);
    // Option<E> describes what E reads.
    assert_eq!(
        args(&event("optional").payload),
        args(&event("data").payload)
    );
    assert_eq!(event("nothing").payload, Payload::Nothing);

    assert_eq!(
        ns.auth,
        AuthShape::Schema(schemars::json_schema!({"$ref": "#/components/schemas/Token"}))
    );
    assert_eq!(ns.server_events[0].name, "tick");
    assert!(ns.server_events[0].reply.is_some());

    // In the document: several arguments are one array schema, binary is a binary string.
    let doc = io.asyncapi().unwrap();
    let messages = &doc["channels"]["kinds"]["messages"];
    assert_eq!(messages["tuple"]["payload"]["type"], "array");
    assert_eq!(
        messages["tuple"]["payload"]["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(messages["bin"]["payload"]["format"], "binary");
    assert!(messages["nothing"].get("payload").is_none());

    // In TypeScript: parameters in order, then the ack.
    let ts = io.typescript().unwrap();
    assert!(ts.contains("  tuple: (arg0: number, arg1: string, ack: (...res: [number, string] | [AckError]) => void) => void;"), "{ts}");
    assert!(
        ts.contains("  bin: (data: Binary, ack?: (err?: AckError) => void) => void;"),
        "{ts}"
    );
    assert!(ts.contains("  raw: (...args: unknown[]) => void;"), "{ts}");
    assert!(
        ts.contains("  tick: (payload: Tick, ack: (...res: [number]) => void) => void;"),
        "{ts}"
    );
    assert!(
        ts.contains("export type Colour = \"red\" | \"green\";"),
        "{ts}"
    );
}

#[derive(Deserialize)]
struct NoSchema {
    _x: u8,
}

#[event("untyped")]
async fn untyped(Data(_n): Data<NoSchema>) {}

#[derive(Router)]
#[router(namespace = "/untyped", events(untyped))]
struct Untyped;

/// What `build()` says of `router` with the contract on: it must refuse an untyped payload.
fn untyped_error(router: impl fastsio::handler::IntoRoutes<()>) -> String {
    Server::builder()
        .router(router)
        .asyncapi(AsyncApi::new())
        .build()
        .err()
        .expect("the contract refuses an untyped payload")
        .to_string()
}

#[test]
fn a_type_without_a_schema_is_a_build_error_only_with_the_contract_on() {
    assert!(Server::builder().router(Untyped).build().is_ok());
    let err = untyped_error(Untyped);
    assert!(err.contains("NoSchema"), "{err}");
    assert!(err.contains("\"untyped\""), "{err}");
    assert!(err.contains("derive `schemars::JsonSchema`"), "{err}");
}

#[test]
fn several_namespaces_get_prefixed_declarations() {
    let io = Server::builder()
        .router(Kinds)
        .router(Untyped)
        .routes(Routes::new("/").on("ping", |Data(v): Data<Value>| async move { Ack(v) }))
        .asyncapi(AsyncApi::new())
        .build();
    // `/untyped` has an untyped payload: the contract refuses it.
    assert!(io.is_err());
    let io = Server::builder()
        .router(Kinds)
        .routes(Routes::new("/").on("ping", |Data(v): Data<Value>| async move { Ack(v) }))
        .asyncapi(AsyncApi::new())
        .build()
        .unwrap();
    let ts = io.typescript().unwrap();
    assert!(
        ts.contains("export interface KindsClientToServerEvents {"),
        "{ts}"
    );
    // A closure records no types: its event takes and acks anything.
    assert!(
        ts.contains(
            "export interface MainClientToServerEvents {\n  ping: (...args: unknown[]) => void;"
        ),
        "{ts}"
    );
}

mod renamed {
    //! The extractors under other names: what reads the payload or the auth payload is told by
    //! its type, not by its name.
    use fastsio::extract::{Auth as Credentials, Data as Payload};
    use fastsio::prelude::{Ack, Router, connect, event};

    use super::{Colour, NoSchema, Token};

    #[connect]
    pub async fn renamed_connect(Credentials(t): Credentials<Token>) {
        let _ = t.token;
    }

    #[event("renamed")]
    pub async fn renamed(Payload(c): Payload<Colour>) -> Ack<Colour> {
        Ack(c)
    }

    #[event("renamed_untyped")]
    pub async fn renamed_untyped(Payload(_n): Payload<NoSchema>) {}

    #[derive(Router)]
    #[router(namespace = "/renamed", connect = renamed_connect, events(renamed))]
    pub struct Renamed;

    #[derive(Router)]
    #[router(namespace = "/renamed-untyped", events(renamed_untyped))]
    pub struct RenamedUntyped;
}

#[test]
fn renamed_extractors_are_described_like_the_originals() {
    let io = Server::builder()
        .router(renamed::Renamed)
        .asyncapi(AsyncApi::new())
        .build()
        .unwrap();
    let contract = io.contract().unwrap();
    let ns = &contract.namespaces[0];
    let AuthShape::Schema(auth) = &ns.auth else {
        panic!("the auth payload is not described: {:?}", ns.auth);
    };
    assert_eq!(
        auth.as_value(),
        &json!({"$ref": "#/components/schemas/Token"})
    );
    let (name, event) = &ns.events[0];
    assert_eq!(name, "renamed");
    let Payload::Args(args) = &event.payload else {
        panic!("the payload is not described: {:?}", event.payload);
    };
    assert_eq!(
        args.iter()
            .map(|s| s.as_value().clone())
            .collect::<Vec<_>>(),
        [json!({"$ref": "#/components/schemas/Colour"})]
    );

    // A renamed payload extractor whose type has no schema is untyped, as `Data` is.
    let err = untyped_error(renamed::RenamedUntyped);
    assert!(err.contains("NoSchema"), "{err}");
}
