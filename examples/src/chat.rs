//! The chat demo: rooms, messages, validation, rate limiting, on `/chat`, with a web page.
//!
//! The contract (what clients can rely on) is in the README's "Chat demo" section; every
//! handler below is one line of it.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router as Http;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use fastsio::contract::AsyncApi;
use fastsio::middleware::{MiddlewareScope, RateLimit};
use fastsio::prelude::*;
use fastsio::{BuildError, EmitError, Room};
use fastsio_redis::{RedisCluster, RedisConfig, RedisEngine, RedisEngineConfig};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

/// The auth payload: `{"name": ..}`, 1 to 32 characters once trimmed.
#[derive(Deserialize, Validate, JsonSchema)]
pub struct Login {
    /// The name others see: 1 to 32 characters, spaces around it do not count.
    #[validate(custom(function = "trimmed_name"))]
    #[schemars(length(min = 1))]
    name: String,
}

fn trimmed_name(name: &str) -> Result<(), ValidationError> {
    if (1..=32).contains(&name.trim().chars().count()) {
        Ok(())
    } else {
        Err(ValidationError::new("length")
            .with_message("a name has 1 to 32 characters (spaces around it do not count)".into()))
    }
}

/// The name a socket connected with, kept in its session.
#[derive(Clone)]
struct Name(Arc<str>);

#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("welcome")]
struct Welcome {
    name: String,
    sid: String,
}

#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("user_joined")]
struct UserJoined<'a> {
    room: &'a str,
    name: &'a str,
}

#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("user_left")]
struct UserLeft<'a> {
    room: &'a str,
    name: &'a str,
}

#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("new_message")]
struct NewMessage<'a> {
    room: &'a str,
    name: &'a str,
    text: &'a str,
}

#[derive(Deserialize, Validate, JsonSchema)]
struct RoomRequest {
    #[validate(length(min = 1, max = 64))]
    room: String,
}

#[derive(Deserialize, Validate, JsonSchema)]
struct MessageRequest {
    room: String,
    #[validate(length(min = 1, max = 1000))]
    text: String,
}

#[derive(Serialize, JsonSchema)]
struct RoomAck {
    ok: bool,
    room: String,
}

impl RoomAck {
    /// The ack of a `join_room` or `leave_room` that went through.
    fn ok(room: String) -> Ack<RoomAck> {
        Ack(RoomAck { ok: true, room })
    }
}

#[derive(Serialize, JsonSchema)]
struct Sent {
    ok: bool,
}

#[derive(Serialize, JsonSchema)]
struct RoomList {
    rooms: Vec<String>,
}

/// What a chat handler can fail with, as ack errors.
#[derive(Debug)]
pub enum ChatError {
    /// `send_message` to a room the sender is not in.
    NotInRoom(String),
    /// A broadcast could not be encoded.
    Emit(EmitError),
}

impl From<EmitError> for ChatError {
    fn from(e: EmitError) -> Self {
        ChatError::Emit(e)
    }
}

impl IntoAckError for ChatError {
    const CODES: &'static [&'static str] = &["not_in_room", "internal"];

    fn into_ack_error(self) -> AckErrorBody {
        match self {
            ChatError::NotInRoom(room) => {
                AckErrorBody::new("not_in_room", format!("join {room:?} before sending to it"))
            }
            ChatError::Emit(e) => AckErrorBody::new("internal", e.to_string()),
        }
    }
}

/// The rooms a socket joined (not its own id room), sorted.
fn joined_rooms(socket: &SocketRef) -> Vec<Room> {
    let own = Room::from(socket.id().as_str());
    let mut rooms: Vec<Room> = socket.rooms().into_iter().filter(|r| *r != own).collect();
    rooms.sort();
    rooms
}

/// Tells the others in `room` that `name` left it; returns how many sockets that reached.
fn announce_left(socket: &SocketRef, room: &str, name: &str) -> Result<usize, EmitError> {
    socket.to(room).emit(&UserLeft { room, name })
}

#[connect]
async fn on_connect(socket: SocketRef, Valid(Auth(login)): Valid<Auth<Login>>) {
    let name = login.name.trim().to_string();
    socket.insert(Name(name.as_str().into()));
    let _ = socket.emit(&Welcome {
        name,
        sid: socket.id().to_string(),
    });
}

#[event("join_room")]
async fn join_room(
    socket: SocketRef,
    Session(Name(name)): Session<Name>,
    Valid(req): Valid<RoomRequest>,
) -> Result<Ack<RoomAck>, ChatError> {
    socket.join(req.room.as_str());
    socket.to(req.room.as_str()).emit(&UserJoined {
        room: &req.room,
        name: &name,
    })?;
    Ok(RoomAck::ok(req.room))
}

#[event("leave_room")]
async fn leave_room(
    socket: SocketRef,
    Session(Name(name)): Session<Name>,
    Valid(req): Valid<RoomRequest>,
) -> Result<Ack<RoomAck>, ChatError> {
    let room = Room::from(req.room.as_str());
    if socket.rooms().contains(&room) {
        socket.leave(room);
        announce_left(&socket, &req.room, &name)?;
    }
    Ok(RoomAck::ok(req.room))
}

#[event("send_message")]
async fn send_message(
    socket: SocketRef,
    Session(Name(name)): Session<Name>,
    Valid(req): Valid<MessageRequest>,
) -> Result<Ack<Sent>, ChatError> {
    if !socket.rooms().contains(&Room::from(req.room.as_str())) {
        return Err(ChatError::NotInRoom(req.room));
    }
    socket.within(req.room.as_str()).emit(&NewMessage {
        room: &req.room,
        name: &name,
        text: &req.text,
    })?;
    Ok(Ack(Sent { ok: true }))
}

#[event("list_rooms")]
async fn list_rooms(socket: SocketRef) -> Ack<RoomList> {
    Ack(RoomList {
        rooms: joined_rooms(&socket)
            .iter()
            .map(|r| r.to_string())
            .collect(),
    })
}

#[disconnect]
async fn on_disconnect(socket: SocketRef, Session(Name(name)): Session<Name>) {
    for room in joined_rooms(&socket) {
        let _ = announce_left(&socket, &room, &name);
    }
}

/// The chat's routes.
#[derive(Router)]
#[router(
    namespace = "/chat",
    connect = on_connect,
    disconnect = on_disconnect,
    events(join_room, leave_room, send_message, list_rooms),
    emits(Welcome, UserJoined, UserLeft, NewMessage),
    middleware(RateLimit::per_second(20).events(["send_message"]))
)]
pub struct Chat;

/// The chat's API contract, served at `/asyncapi` (page), `/asyncapi.json` and
/// `/asyncapi.yaml`; the page's script comes from the example's npm packages, not a CDN.
pub fn asyncapi() -> AsyncApi {
    AsyncApi::new()
        .title("fastsio chat")
        .version("1.0.0")
        .description("Rooms and messages on namespace `/chat`: join a room, talk in it, leave it.")
        .script_url("/asyncapi/standalone.js")
        .stylesheet_url("/asyncapi/default.min.css")
}

/// What `examples/chat` does, as its command line asks.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve the chat and its page (the default).
    Serve,
    /// `--typescript`: print the chat's TypeScript declarations ([`typescript`]) to stdout and
    /// exit without serving.
    PrintTypeScript,
}

impl Command {
    /// Reads the arguments after the program's name.
    pub fn from_args<I: IntoIterator<Item = S>, S: AsRef<str>>(args: I) -> Command {
        if args.into_iter().any(|a| a.as_ref() == "--typescript") {
            Command::PrintTypeScript
        } else {
            Command::Serve
        }
    }
}

/// The chat's declarations for a TypeScript `socket.io-client` frontend, as
/// `chat --typescript` prints them.
pub fn typescript() -> Result<String, BuildError> {
    Ok(socket_io()?.typescript().unwrap_or_default().to_owned())
}

/// The chat's Socket.IO server, on one node.
pub fn socket_io() -> Result<Io, BuildError> {
    Server::builder().router(Chat).asyncapi(asyncapi()).build()
}

/// The chat's Socket.IO server as one node of a cluster on Redis: every chat process on the
/// same Redis (and prefix) forms one chat, wherever its members are connected. Its engine is a
/// [`RedisEngine`] (channels `{prefix}-engine#`), so no sticky sessions are needed: a
/// round-robin load balancer may send any request to any node.
pub fn clustered_socket_io(redis: RedisConfig) -> Result<Io, Box<dyn std::error::Error>> {
    let engine = RedisEngine::new(
        RedisEngineConfig::new(&redis.url).channel_prefix(format!("{}-engine", redis.prefix)),
    )?;
    let cluster = RedisCluster::new(redis)?;
    Ok(Server::builder()
        .router(Chat)
        .asyncapi(asyncapi())
        .adapter(cluster.adapters())
        .session_cluster(engine)
        .build()?)
}

fn static_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("chat")
}

async fn file(path: PathBuf, content_type: &'static str) -> impl IntoResponse {
    match tokio::fs::read(&path).await {
        Ok(body) => (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            format!(
                "{} is missing ({e}): run scripts/chat.sh, which installs the client bundle",
                path.display()
            ),
        )
            .into_response(),
    }
}

/// The web page, its assets and the socket.io client bundle; Socket.IO itself is layered in
/// front by [`service`].
pub fn pages() -> Http {
    let page = |name: &'static str, content_type: &'static str| {
        get(move || file(static_dir().join("static").join(name), content_type))
    };
    Http::new()
        .route("/", page("index.html", "text/html; charset=utf-8"))
        .route("/app.js", page("app.js", "text/javascript; charset=utf-8"))
        .route("/style.css", page("style.css", "text/css; charset=utf-8"))
        .route(
            "/socket.io.min.js",
            get(|| {
                file(
                    static_dir().join("node_modules/socket.io-client/dist/socket.io.min.js"),
                    "text/javascript; charset=utf-8",
                )
            }),
        )
        .route(
            "/asyncapi/standalone.js",
            get(|| {
                file(
                    static_dir()
                        .join("node_modules/@asyncapi/react-component/browser/standalone/index.js"),
                    "text/javascript; charset=utf-8",
                )
            }),
        )
        .route(
            "/asyncapi/default.min.css",
            get(|| {
                file(
                    static_dir()
                        .join("node_modules/@asyncapi/react-component/styles/default.min.css"),
                    "text/css; charset=utf-8",
                )
            }),
        )
}

/// Everything the chat serves on one port: Socket.IO at `/socket.io/`, the page elsewhere.
pub fn service(io: &Io) -> fastsio::service::EngineService<fastsio::SioHandler, Http> {
    tower_layer::Layer::layer(&io.layer(), pages())
}
