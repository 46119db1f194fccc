//! The seed README's "Available Types for Injection", all of them and the rest of fastsio's
//! extractors in one place. Every handler acknowledges (or, for connect handlers, emits) what it
//! extracted, so a client can see each injection at work.
//!
//! | extractor | handler here |
//! | --- | --- |
//! | [`SocketRef`], [`SocketId`], [`Io`], [`Handshake`], [`Event`], [`State<T>`], [`Session<T>`] | `parts` |
//! | [`Valid<Auth<T>>`](Valid) | connect on `/` |
//! | [`Auth<T>`], [`NsParam<T>`] | connect on `/room/{id}` (a dynamic namespace), `where` |
//! | [`Reason`] | disconnect on `/` (read back with `disconnects`) |
//! | [`Data<T>`], [`Data<(A, B)>`](Data), [`Valid<T>`](Valid), [`Bin`], [`RawArgs`] | `data`, `tuple`, `valid`, `bin`, `raw` |
//! | [`State<T>`] of a part (`FromRef`) | `state` |
//! | [`Extension<T>`] set by a middleware | `extension` |
//! | `Option<E>` | `optional` |
//! | `Result<E, ExtractError>` | `result` |

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use fastsio::BuildError;
use fastsio::extract::{Extension, ExtractError};
use fastsio::handler::{AckReply, BoxFuture, EventContext};
use fastsio::middleware::{Middleware, MiddlewareScope, Next};
use fastsio::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use validator::Validate;

/// The app state.
#[derive(Clone)]
pub struct AppState {
    pub name: &'static str,
    pub counter: Counter,
    pub disconnects: Disconnects,
}

impl Default for AppState {
    fn default() -> Self {
        AppState {
            name: "injection",
            counter: Counter::default(),
            disconnects: Disconnects::default(),
        }
    }
}

/// A part of the state: how many times `state` ran.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl FromRef<AppState> for Counter {
    fn from_ref(state: &AppState) -> Counter {
        state.counter.clone()
    }
}

/// A part of the state: what the disconnect handler saw.
#[derive(Clone, Default)]
pub struct Disconnects(Arc<Mutex<Vec<Value>>>);

impl FromRef<AppState> for Disconnects {
    fn from_ref(state: &AppState) -> Disconnects {
        state.disconnects.clone()
    }
}

/// The validated auth payload of `/`.
#[derive(Deserialize, Validate, JsonSchema)]
pub struct Login {
    #[validate(length(min = 1, max = 16))]
    pub name: String,
}

/// The auth payload of `/room/{id}` (typed, not validated).
#[derive(Deserialize, JsonSchema)]
pub struct Guest {
    pub guest: String,
}

/// Kept in the socket's session from connect on.
#[derive(Clone)]
struct Profile {
    name: String,
}

/// Never stored: `Option<Session<Missing>>` is `None`.
#[derive(Clone)]
struct Missing;

/// Attached to `extension` events by [`Stamp`].
#[derive(Clone, Copy)]
struct RequestNo(u64);

/// A middleware numbering the events it sees, for the `Extension` extractor.
#[derive(Default)]
struct Stamp(AtomicU64);

impl Middleware for Stamp {
    fn on_event(&self, mut cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        cx.extensions.insert(RequestNo(n));
        next.run(cx)
    }
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct Point {
    x: i64,
    y: i64,
}

#[derive(Deserialize, Validate, JsonSchema)]
struct Signup {
    #[validate(email)]
    email: String,
    #[validate(range(min = 18, max = 150))]
    age: u32,
}

/// `Valid<Auth<T>>`, `SocketRef`, `SocketId`, `Io`, `Handshake` and `State<T>` at connect:
/// reported in a `connected` event.
#[connect]
async fn on_connect(
    socket: SocketRef,
    sid: SocketId,
    io: Io,
    environ: Handshake,
    State(app): State<AppState>,
    Valid(Auth(login)): Valid<Auth<Login>>,
) {
    socket.insert(Profile {
        name: login.name.clone(),
    });
    let _ = socket.emit_raw(
        "connected",
        &json!({
            "sid": sid.as_str(),
            "same_socket": socket.id() == sid.0,
            "ns": socket.ns(),
            "method": environ.method.as_str(),
            "tag": environ.query_param("tag"),
            "app": app.name,
            "name": login.name,
            "connections": io.connection_count(),
        }),
    );
}

/// `Reason` (with `SocketId`, `Session<T>` and a `State<T>` part): recorded, read back by
/// `disconnects`.
#[disconnect]
async fn on_disconnect(
    sid: SocketId,
    Reason(reason): Reason,
    Session(profile): Session<Profile>,
    State(Disconnects(log)): State<Disconnects>,
) {
    log.lock().unwrap_or_else(|e| e.into_inner()).push(json!({
        "sid": sid.as_str(),
        "reason": reason.as_str(),
        "name": profile.name,
    }));
}

/// Every argument that only looks at the socket and the event.
#[event("parts")]
async fn parts(
    socket: SocketRef,
    sid: SocketId,
    io: Io,
    environ: Handshake,
    Event(event): Event,
    State(app): State<AppState>,
    Session(profile): Session<Profile>,
) -> Ack<Value> {
    Ack(json!({
        "sid": sid.as_str(),
        "same_socket": socket.id() == sid.0,
        "event": event.as_str(),
        "tag": environ.query_param("tag"),
        "app": app.name,
        "name": profile.name,
        "sockets": io.sockets().len(),
    }))
}

/// `Data<T>`: one argument, deserialised into `T`.
#[event("data")]
async fn data(Data(point): Data<Point>) -> Ack<Value> {
    Ack(json!({"point": point, "sum": point.x + point.y}))
}

/// `Data<(A, B)>`: several arguments.
#[event("tuple")]
async fn tuple(Data((text, n)): Data<(String, u32)>) -> Ack<Value> {
    Ack(json!({"text": text, "n": n, "repeated": text.repeat(n.min(8) as usize)}))
}

/// `Valid<T>`: deserialised, then checked against its `validator` rules.
#[event("valid")]
async fn valid(Valid(signup): Valid<Signup>) -> Ack<Value> {
    Ack(json!({"email": signup.email, "age": signup.age}))
}

/// `Bin`: the binary attachments.
#[event("bin")]
async fn bin(Bin(attachments): Bin) -> Ack<Value> {
    Ack(json!({
        "count": attachments.len(),
        "lengths": attachments.iter().map(|b| b.len()).collect::<Vec<_>>(),
        "sums": attachments.iter().map(|b| b.iter().map(|&x| u64::from(x)).sum::<u64>()).collect::<Vec<_>>(),
    }))
}

/// `RawArgs`: the arguments untouched (binary included), acknowledged back as they came.
#[event("raw")]
async fn raw(args: RawArgs) -> RawArgs {
    args
}

/// `State<T>` for the whole state and for a part of it (`Counter: FromRef<AppState>`).
#[event("state")]
async fn state(State(app): State<AppState>, State(Counter(n)): State<Counter>) -> Ack<Value> {
    Ack(json!({"app": app.name, "count": n.fetch_add(1, Ordering::Relaxed) + 1}))
}

/// `Extension<T>`: set by the [`Stamp`] middleware, which runs on this event only.
#[event("extension")]
async fn extension(Extension(RequestNo(n)): Extension<RequestNo>) -> Ack<u64> {
    Ack(n)
}

/// `Option<E>`: a failed extraction becomes `None` instead of an error ack.
#[event("optional")]
async fn optional(
    missing: Option<Session<Missing>>,
    stamp: Option<Extension<RequestNo>>,
    profile: Option<Session<Profile>>,
    number: Option<Data<u32>>,
) -> Ack<Value> {
    Ack(json!({
        "missing_session": missing.is_some(),
        "extension": stamp.map(|Extension(RequestNo(n))| n),
        "profile": profile.map(|Session(p)| p.name),
        "number": number.map(|Data(n)| n),
    }))
}

/// `Result<E, ExtractError>`: the handler sees why the extraction failed.
#[event("result")]
async fn result(number: Result<Data<u32>, ExtractError>) -> Ack<Value> {
    match number {
        Ok(Data(n)) => Ack(json!({"ok": n})),
        Err(ExtractError(e)) => Ack(json!({"error": e.code})),
    }
}

/// What the disconnect handler has recorded so far.
#[event("disconnects")]
async fn disconnects(State(Disconnects(log)): State<Disconnects>) -> Ack<Vec<Value>> {
    Ack(log.lock().unwrap_or_else(|e| e.into_inner()).clone())
}

/// The main namespace.
#[derive(Router)]
#[router(
    namespace = "/",
    state = AppState,
    connect = on_connect,
    disconnect = on_disconnect,
    events(parts, data, tuple, valid, bin, raw, state, extension, optional, result, disconnects),
    middleware(Stamp::default().events(["extension"]))
)]
pub struct Main;

/// `Auth<T>` and `NsParam<T>` at connect on a dynamic namespace: reported in an `entered`
/// event. A path whose `{id}` is not a number is refused (`NsParam<u32>` does not fit).
#[connect]
async fn room_connect(socket: SocketRef, NsParam(id): NsParam<u32>, Auth(guest): Auth<Guest>) {
    let _ = socket.emit_raw("entered", &json!({"room": id, "guest": guest.guest}));
}

/// `NsParam<T>` in an event.
#[event("where")]
async fn room_where(socket: SocketRef, NsParam(id): NsParam<u32>) -> Ack<Value> {
    Ack(json!({"room": id, "ns": socket.ns()}))
}

/// `/room/{id}`: each `/room/<number>` is its own namespace.
#[derive(Router)]
#[router(
    namespace = "/room/{id}",
    state = AppState,
    connect = room_connect,
    events(room_where)
)]
pub struct Rooms;

/// The server, with its state.
pub fn socket_io_with(state: AppState) -> Result<Io, BuildError> {
    Server::builder()
        .router(Main)
        .router(Rooms)
        .asyncapi(fastsio::contract::AsyncApi::new().title("injection example"))
        .with_state(state)
        .build()
}

/// The server, with a fresh state.
pub fn socket_io() -> Result<Io, BuildError> {
    socket_io_with(AppState::default())
}
