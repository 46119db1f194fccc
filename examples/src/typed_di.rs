//! The seed README's "With Type Safety and Dependency Injection", nearly line for line: a
//! router, validated payload models, dependencies injected by type (`SocketID`, `Environ`,
//! `Auth`, `AsyncServer` in the seed; [`SocketId`], [`Handshake`], [`Auth<T>`], [`Io`] here),
//! plus what Rust adds: the auth payload is typed, each handler's return value is its typed
//! ack, and app state reaches handlers through [`State<T>`] (`T: FromRef<AppState>`, checked
//! at compile time).
//!
//! ```python
//! @router.on("join_room")
//! async def on_join_room(sid: SocketID, server: AsyncServer, data: JoinRoom):
//!     await server.enter_room(sid, data.room)
//!     await server.emit("joined", {"room": data.room}, to=sid)
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use fastsio::BuildError;
use fastsio::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use validator::Validate;

/// `class Message(BaseModel)`: a chat line for a room.
#[derive(Debug, Deserialize, Serialize, Validate, JsonSchema)]
pub struct Message {
    #[validate(length(min = 1, max = 500))]
    pub text: String,
    #[validate(length(min = 1, max = 64))]
    pub room: String,
}

/// `class JoinRoom(BaseModel)`.
#[derive(Debug, Deserialize, Validate, JsonSchema)]
pub struct JoinRoom {
    #[validate(length(min = 1, max = 64))]
    pub room: String,
}

/// The auth payload every client must send: `io(url, { auth: { user: "ada" } })`. Missing or
/// malformed, the connection is refused (`connect_error` with `data.code` =
/// `validation_failed`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Credentials {
    pub user: String,
}

/// App state, given to the server once with `.with_state(..)`.
#[derive(Clone)]
pub struct AppState {
    /// The message of the day, sent on connect.
    pub motd: Arc<str>,
    /// Counters, readable on their own through `State<Stats>`.
    pub stats: Stats,
}

/// Messages relayed so far (a part of [`AppState`]).
#[derive(Clone, Default)]
pub struct Stats(Arc<AtomicU64>);

impl FromRef<AppState> for Stats {
    fn from_ref(state: &AppState) -> Stats {
        state.stats.clone()
    }
}

/// Sent to a client once connected.
#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("welcome")]
struct Welcome<'a> {
    sid: String,
    user: &'a str,
    motd: &'a str,
    /// The `client` query parameter of the opening request (`Environ` in the seed).
    client: Option<&'a str>,
}

/// `await server.emit("joined", {"room": data.room}, to=sid)`.
#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("joined")]
struct Joined<'a> {
    room: &'a str,
}

/// `await server.emit("new_message", data.model_dump(), room=data.room)`.
#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("new_message")]
struct NewMessage<'a> {
    text: &'a str,
    room: &'a str,
    from: &'a str,
}

/// The ack of `join_room`.
#[derive(Serialize, JsonSchema)]
pub struct JoinAck {
    pub ok: bool,
    pub room: String,
}

/// The ack of `send_message`.
#[derive(Serialize, JsonSchema)]
pub struct SendAck {
    /// Sockets the message went to (the sender included, if in the room).
    pub delivered: usize,
    /// Messages relayed by the server so far.
    pub total: u64,
}

/// The user name a socket connected with.
#[derive(Clone)]
struct User(Arc<str>);

fn internal(e: impl std::fmt::Display) -> AckErrorBody {
    AckErrorBody::new("internal", e.to_string())
}

/// "Connection with automatic dependency injection".
#[connect]
async fn on_connect(
    socket: SocketRef,
    sid: SocketId,
    environ: Handshake,
    Auth(auth): Auth<Credentials>,
    State(state): State<AppState>,
) {
    tracing::info!(sid = %sid.0, user = %auth.user, "connection");
    socket.insert(User(auth.user.as_str().into()));
    let _ = socket.emit(&Welcome {
        sid: sid.to_string(),
        user: &auth.user,
        motd: &state.motd,
        client: environ.query_param("client").as_deref(),
    });
}

/// "Join room with data validation".
#[event("join_room")]
async fn on_join_room(
    sid: SocketId,
    server: Io,
    Valid(data): Valid<JoinRoom>,
) -> Result<Ack<JoinAck>, AckErrorBody> {
    server.to(sid.0).join(data.room.as_str());
    server
        .to(sid.0)
        .emit(&Joined { room: &data.room })
        .map_err(internal)?;
    Ok(Ack(JoinAck {
        ok: true,
        room: data.room,
    }))
}

/// "Send message with validation".
#[event("send_message")]
async fn on_send_message(
    server: Io,
    State(stats): State<Stats>,
    Session(User(from)): Session<User>,
    Valid(data): Valid<Message>,
) -> Result<Ack<SendAck>, AckErrorBody> {
    let delivered = server
        .to(data.room.as_str())
        .emit(&NewMessage {
            text: &data.text,
            room: &data.room,
            from: &from,
        })
        .map_err(internal)?;
    let total = stats.0.fetch_add(1, Ordering::Relaxed) + 1;
    Ok(Ack(SendAck { delivered, total }))
}

/// `router = RouterSIO()` with its three handlers.
#[derive(Router)]
#[router(
    namespace = "/",
    state = AppState,
    connect = on_connect,
    events(on_join_room, on_send_message),
    emits(Welcome, Joined, NewMessage)
)]
pub struct ChatRouter;

/// `sio = AsyncServer(cors_allowed_origins="*"); sio.add_router(router)`.
pub fn socket_io() -> Result<Io, BuildError> {
    Server::builder()
        .cors(fastsio::engine::CorsConfig::any())
        .router(ChatRouter)
        .with_state(AppState {
            motd: "be kind".into(),
            stats: Stats::default(),
        })
        .asyncapi(fastsio::contract::AsyncApi::new().title("typed DI example"))
        .build()
}
