//! A Redis adapter for fastsio, wire-compatible with node's `@socket.io/redis-adapter` 8.x:
//! the same channels (`{prefix}#{nsp}#`, `{prefix}#{nsp}#{room}#`, `{prefix}-request#{nsp}#`,
//! `{prefix}-response#{nsp}#`), the same msgpack shapes (`[uid, packet, opts]` for broadcasts)
//! and JSON requests, the same request type numbers.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use fastsio::prelude::*;
//! use fastsio_redis::{RedisCluster, RedisConfig};
//! let cluster = RedisCluster::new(RedisConfig::new("redis://127.0.0.1:6379"))?;
//! let io = Server::builder()
//!     .adapter({
//!         let cluster = cluster.clone();
//!         move || cluster.adapter("/")
//!     })
//!     .build()?;
//! // Messages from other nodes reach this node's sockets through the server handle.
//! cluster.attach(io.clone());
//! # Ok(()) }
//! ```
//!
//! Two gaps of the `Adapter` trait are worked around here: the adapter factory is not told its
//! namespace (so [`RedisCluster::adapter`] takes it), and an adapter has no handle on its
//! namespace's sockets (so the server handle is given with [`RedisCluster::attach`], and
//! messages from other nodes are re-emitted through `io.of(nsp).local()`). Until `attach`,
//! messages from other nodes are dropped.
//!
//! Beyond the trait, [`RedisCluster`] offers node's `serverSideEmit` (with and without ack),
//! `allRooms`, and a `fetchSockets` that also lists node servers' sockets (whose ids are not
//! fastsio [`Sid`]s).
//!
//! Failures: with Redis down, local delivery goes on; cluster operations fail with an
//! [`AdapterError`] (connection refused, or the request timeout); requests to other servers
//! fail when not every server answers within the request timeout; broadcast acks return what
//! arrived in time. The subscriber reconnects and resubscribes on its own; publishes waiting
//! for Redis are capped (1024), and so is each request's response buffer (256).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use fastsio::BroadcastOperators;
use fastsio::Io;
use fastsio::Room;
use fastsio::ack::AckResponse;
use fastsio::adapter::{
    Adapter, AdapterError, AdapterFuture, BroadcastOptions, LocalAdapter, RemoteAcks, RemoteSocket,
};
use fastsio::engine::Sid;
use fastsio::protocol::{EncodedPacket, EventArgs};
use futures_util::StreamExt;
use rand::Rng;
use redis::aio::MultiplexedConnection;
use rmpv::Value as Mp;
use serde::ser::SerializeTuple;
use serde_json::{Value as Json, json};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Request types, numbered as in `@socket.io/redis-adapter`.
mod request_type {
    pub const SOCKETS: u64 = 0;
    pub const ALL_ROOMS: u64 = 1;
    pub const REMOTE_JOIN: u64 = 2;
    pub const REMOTE_LEAVE: u64 = 3;
    pub const REMOTE_DISCONNECT: u64 = 4;
    pub const REMOTE_FETCH: u64 = 5;
    pub const SERVER_SIDE_EMIT: u64 = 6;
    pub const BROADCAST: u64 = 7;
    pub const BROADCAST_CLIENT_COUNT: u64 = 8;
    pub const BROADCAST_ACK: u64 = 9;
}

/// At most this many cluster requests wait for Redis at once; beyond, they fail at once.
const MAX_IN_FLIGHT: usize = 1024;
/// At most this many messages wait to be published; beyond, publishing fails at once.
const MAX_QUEUED: usize = 1024;
/// At most this many messages go in one pipelined round trip to Redis.
const MAX_BATCH: usize = 256;
/// Responses buffered per pending request.
const RESPONSE_BUFFER: usize = 256;
/// Pause between reconnection attempts of the subscriber.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// How to reach Redis and how to name the channels.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// The Redis URL (`redis://host:port/db`).
    pub url: String,
    /// The channel prefix (node's `key` option), `socket.io` by default.
    pub prefix: String,
    /// How long a request to other nodes waits for their answers, 5 s by default.
    pub request_timeout: Duration,
}

impl RedisConfig {
    /// The defaults, with this URL.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            prefix: "socket.io".into(),
            request_timeout: Duration::from_secs(5),
        }
    }

    /// Sets the channel prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets the request timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

/// A socket's public data as other nodes see it (`socket.data` in node): insert it in the
/// socket's extensions (`socket.insert(SocketData(json!({...})))`).
#[derive(Debug, Clone, Default)]
pub struct SocketData(pub Json);

/// A socket of another server, as [`RedisCluster::fetch_sockets`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSocket {
    /// Its id (a fastsio [`Sid`] or a node socket id).
    pub id: String,
    /// Its rooms.
    pub rooms: Vec<String>,
    /// Its handshake, as its server describes it.
    pub handshake: Json,
    /// Its public data (`socket.data`; [`SocketData`] on fastsio).
    pub data: Json,
}

/// One node's membership of the cluster: its uid, its Redis connections, the namespaces it
/// serves. Cheap to clone.
#[derive(Clone)]
pub struct RedisCluster {
    inner: Arc<Inner>,
}

struct Inner {
    config: RedisConfig,
    client: redis::Client,
    uid: String,
    io: Mutex<Option<Io>>,
    namespaces: Mutex<HashMap<String, Arc<LocalAdapter>>>,
    subscribe: mpsc::Sender<String>,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    pending: Mutex<HashMap<String, mpsc::Sender<Json>>>,
    in_flight: Arc<Semaphore>,
    outbox: mpsc::Sender<Outgoing>,
    subscribed: Mutex<BTreeSet<String>>,
    server_side: Mutex<Option<ServerSideHandler>>,
}

type ServerSideHandler = Arc<dyn Fn(ServerSideEvent) -> Option<Json> + Send + Sync>;

/// An event another server sent with `serverSideEmit` (node) or
/// [`RedisCluster::server_side_emit`].
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSideEvent {
    /// The namespace it was sent on.
    pub nsp: String,
    /// The event name.
    pub event: String,
    /// Its arguments.
    pub args: Vec<Json>,
    /// Whether the sender waits for an answer (the handler's return value).
    pub wants_ack: bool,
}

fn err(msg: impl std::fmt::Display) -> AdapterError {
    AdapterError(format!("redis: {msg}"))
}

fn random_id(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

impl RedisCluster {
    /// Joins the cluster on Redis at `config.url` (must run inside a tokio runtime: it
    /// starts the subscriber, which reconnects on its own). Fails only on a malformed URL;
    /// an unreachable Redis leaves local delivery working and cluster operations failing.
    pub fn new(config: RedisConfig) -> Result<RedisCluster, AdapterError> {
        let client = redis::Client::open(config.url.as_str()).map_err(err)?;
        let (tx, rx) = mpsc::channel(64);
        let (outbox, outbox_rx) = mpsc::channel(MAX_QUEUED);
        let inner = Arc::new(Inner {
            config,
            client,
            uid: random_id(6),
            io: Mutex::new(None),
            namespaces: Mutex::new(HashMap::new()),
            subscribe: tx,
            conn: tokio::sync::Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            outbox,
            subscribed: Mutex::new(BTreeSet::new()),
            server_side: Mutex::new(None),
        });
        tokio::spawn(subscriber(Arc::downgrade(&inner), rx));
        tokio::spawn(publisher(Arc::downgrade(&inner), outbox_rx));
        Ok(RedisCluster { inner })
    }

    /// This node's uid on the wire.
    pub fn uid(&self) -> &str {
        &self.inner.uid
    }

    /// The adapter for namespace `nsp` (call it from the server's adapter factory).
    pub fn adapter(&self, nsp: &str) -> RedisAdapter {
        let local = Arc::new(LocalAdapter::new());
        self.inner
            .namespaces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(nsp.to_string(), local.clone());
        if self.inner.subscribe.try_send(nsp.to_string()).is_err() {
            tracing::warn!(
                nsp,
                "redis adapter: subscription queue full, will subscribe on reconnect"
            );
        }
        RedisAdapter {
            local,
            nsp: nsp.to_string(),
            cluster: self.inner.clone(),
        }
    }

    /// Gives the cluster the server handle through which messages from other nodes reach
    /// this node's sockets. Until then, they are dropped.
    pub fn attach(&self, io: Io) {
        *self.inner.io.lock().unwrap_or_else(|e| e.into_inner()) = Some(io);
    }

    /// Forgets the server handle (it breaks the reference cycle server → adapter → server).
    pub fn detach(&self) {
        self.inner
            .io
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// Handles events other servers send with `serverSideEmit`; when the sender asks for an
    /// ack, the handler's return value is the answer (`null` for `None`). It runs on the
    /// subscriber task: it must not block.
    pub fn on_server_side_emit(
        &self,
        handler: impl Fn(ServerSideEvent) -> Option<Json> + Send + Sync + 'static,
    ) {
        *self
            .inner
            .server_side
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(handler));
    }

    /// Sends an event to the other servers of namespace `nsp` (node's `serverSideEmit`).
    pub async fn server_side_emit(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<(), AdapterError> {
        let mut data = vec![Json::String(event.to_string())];
        data.extend(args);
        let body = json!({
            "uid": self.inner.uid,
            "type": request_type::SERVER_SIDE_EMIT,
            "data": data,
        });
        self.inner
            .publish(
                self.inner.request_channel(nsp),
                body.to_string().into_bytes(),
            )
            .await
    }

    /// Sends an event to the other servers of `nsp` and collects one answer from each, within
    /// the request timeout (an error names how many answered).
    pub async fn server_side_emit_with_ack(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<Vec<Json>, AdapterError> {
        let mut data = vec![Json::String(event.to_string())];
        data.extend(args);
        let responses = self
            .inner
            .request(nsp, |request_id, uid| {
                json!({
                    "uid": uid,
                    "requestId": request_id,
                    "type": request_type::SERVER_SIDE_EMIT,
                    "data": data,
                })
            })
            .await?;
        Ok(responses
            .into_iter()
            .map(|mut r| r.get_mut("data").map(Json::take).unwrap_or(Json::Null))
            .collect())
    }

    /// The sockets of the other servers of `nsp` in any of `rooms` (all if empty) and in none
    /// of `except`, whatever their id format: unlike [`Adapter::fetch_remote_sockets`], whose
    /// [`RemoteSocket::id`] is a fastsio [`Sid`], this also lists node servers' sockets (20
    /// character ids).
    pub async fn fetch_sockets(
        &self,
        nsp: &str,
        rooms: &[&str],
        except: &[&str],
    ) -> Result<Vec<ClusterSocket>, AdapterError> {
        let responses = self
            .inner
            .request(nsp, |request_id, uid| {
                json!({
                    "uid": uid,
                    "requestId": request_id,
                    "type": request_type::REMOTE_FETCH,
                    "opts": {"rooms": rooms, "except": except},
                })
            })
            .await?;
        Ok(responses
            .iter()
            .filter_map(|r| r.get("sockets").and_then(Json::as_array))
            .flatten()
            .filter_map(|s| {
                Some(ClusterSocket {
                    id: s.get("id")?.as_str()?.to_string(),
                    rooms: json_rooms(s.get("rooms")),
                    handshake: s.get("handshake").cloned().unwrap_or(Json::Null),
                    data: s.get("data").cloned().unwrap_or(Json::Null),
                })
            })
            .collect())
    }

    /// Every room with a socket in namespace `nsp`, on any server (node's `allRooms`).
    pub async fn all_rooms(&self, nsp: &str) -> Result<BTreeSet<String>, AdapterError> {
        let mut rooms: BTreeSet<String> = self
            .inner
            .namespaces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(nsp)
            .map(|a| a.rooms().iter().map(|r| r.to_string()).collect())
            .unwrap_or_default();
        let responses = self
            .inner
            .request(nsp, |request_id, uid| {
                json!({"uid": uid, "requestId": request_id, "type": request_type::ALL_ROOMS})
            })
            .await?;
        for response in responses {
            rooms.extend(json_rooms(response.get("rooms")));
        }
        Ok(rooms)
    }

    /// Whether this node's subscriptions for `nsp` are in place.
    pub fn is_subscribed(&self, nsp: &str) -> bool {
        self.inner
            .subscribed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(nsp)
    }
}

/// The [`Adapter`] of one namespace: local rooms in a [`LocalAdapter`], other nodes through
/// Redis.
pub struct RedisAdapter {
    local: Arc<LocalAdapter>,
    nsp: String,
    cluster: Arc<Inner>,
}

impl Inner {
    fn channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.config.prefix)
    }

    fn request_channel(&self, nsp: &str) -> String {
        format!("{}-request#{nsp}#", self.config.prefix)
    }

    fn response_channel(&self, nsp: &str) -> String {
        format!("{}-response#{nsp}#", self.config.prefix)
    }

    fn io(&self) -> Option<Io> {
        self.io.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn serves(&self, nsp: &str) -> bool {
        self.namespaces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(nsp)
    }

    async fn connection(&self) -> Result<MultiplexedConnection, AdapterError> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Ok(conn.clone());
        }
        let conn = tokio::time::timeout(
            self.config.request_timeout,
            self.client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| err("timed out connecting to Redis"))?
        .map_err(|e| err(format!("cannot connect to Redis: {e}")))?;
        *slot = Some(conn.clone());
        Ok(conn)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, AdapterError> {
        let mut conn = self.connection().await?;
        let result = tokio::time::timeout(self.config.request_timeout, cmd.query_async(&mut conn))
            .await
            .map_err(|_| err("timed out waiting for Redis"));
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                self.conn.lock().await.take();
                Err(err(e))
            }
            Err(e) => {
                self.conn.lock().await.take();
                Err(e)
            }
        }
    }

    /// Queues a message for the publisher: messages are published in the order they are
    /// queued (so a node's broadcasts reach the others in order), pipelined in batches.
    fn enqueue(&self, channel: String, payload: Vec<u8>) -> Result<Published, AdapterError> {
        let (done, published) = oneshot::channel();
        self.outbox
            .try_send(Outgoing {
                channel,
                payload,
                done,
            })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => err("too many messages waiting for Redis"),
                mpsc::error::TrySendError::Closed(_) => err("the publisher has stopped"),
            })?;
        Ok(published)
    }

    async fn publish(&self, channel: String, payload: Vec<u8>) -> Result<(), AdapterError> {
        wait_published(self.enqueue(channel, payload)?).await
    }

    /// Publishes in the background (for answers to other nodes); failures are logged by the
    /// publisher.
    fn publish_detached(&self, channel: String, payload: Vec<u8>) {
        if let Err(e) = self.enqueue(channel, payload) {
            tracing::warn!(error = %e, "redis adapter: dropping a response");
        }
    }

    async fn run_pipe(&self, pipe: redis::Pipeline) -> Result<(), AdapterError> {
        let mut conn = self.connection().await?;
        let result = tokio::time::timeout(
            self.config.request_timeout,
            pipe.query_async::<()>(&mut conn),
        )
        .await;
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                self.conn.lock().await.take();
                Err(err(e))
            }
            Err(_) => {
                self.conn.lock().await.take();
                Err(err("timed out waiting for Redis"))
            }
        }
    }

    async fn server_count(&self, nsp: &str) -> Result<usize, AdapterError> {
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg("NUMSUB").arg(self.request_channel(nsp));
        let (_, n): (String, usize) = self.run(cmd).await?;
        Ok(n)
    }

    /// Publishes a JSON request and waits for one response from each other server, within
    /// the request timeout.
    async fn request(
        &self,
        nsp: &str,
        body: impl FnOnce(&str, &str) -> Json,
    ) -> Result<Vec<Json>, AdapterError> {
        let _permit = self
            .in_flight
            .clone()
            .try_acquire_owned()
            .map_err(|_| err("too many cluster operations waiting for Redis"))?;
        let others = self.server_count(nsp).await?.saturating_sub(1);
        if others == 0 {
            return Ok(Vec::new());
        }
        let request_id = random_id(6);
        let (mut rx, _guard) = self.register(&request_id);
        let body = body(&request_id, &self.uid);
        self.publish(self.request_channel(nsp), body.to_string().into_bytes())
            .await?;
        let deadline = tokio::time::Instant::now() + self.config.request_timeout;
        let mut responses = Vec::with_capacity(others);
        while responses.len() < others {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(r)) => responses.push(r),
                _ => {
                    return Err(err(format!(
                        "timeout reached: only {} responses received out of {others}",
                        responses.len()
                    )));
                }
            }
        }
        Ok(responses)
    }

    fn register(&self, request_id: &str) -> (mpsc::Receiver<Json>, PendingGuard<'_>) {
        let (tx, rx) = mpsc::channel(RESPONSE_BUFFER);
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(request_id.to_string(), tx);
        (
            rx,
            PendingGuard {
                inner: self,
                id: request_id.to_string(),
            },
        )
    }
}

struct Outgoing {
    channel: String,
    payload: Vec<u8>,
    done: oneshot::Sender<Result<(), AdapterError>>,
}

type Published = oneshot::Receiver<Result<(), AdapterError>>;

async fn wait_published(published: Published) -> Result<(), AdapterError> {
    published
        .await
        .unwrap_or_else(|_| Err(err("the publisher has stopped")))
}

/// Publishes queued messages in order, as many per round trip as are waiting.
async fn publisher(inner: Weak<Inner>, mut outbox: mpsc::Receiver<Outgoing>) {
    while let Some(first) = outbox.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match outbox.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let Some(this) = inner.upgrade() else { return };
        let mut pipe = redis::pipe();
        for m in &batch {
            pipe.cmd("PUBLISH").arg(&m.channel).arg(&m.payload).ignore();
        }
        let result = this.run_pipe(pipe).await;
        drop(this);
        if let Err(e) = &result {
            tracing::warn!(error = %e, messages = batch.len(), "redis adapter: publish failed");
        }
        for m in batch {
            let _ = m.done.send(result.clone());
        }
    }
}

struct PendingGuard<'a> {
    inner: &'a Inner,
    id: String,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.inner
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

// ---------------------------------------------------------------------------------------------
// Packets: fastsio's encoded text ⇄ socket.io-parser packet objects in msgpack.

/// A Socket.IO packet decoded from fastsio's encoded form.
struct ParsedPacket {
    data: Json,
}

/// Reads `4<type>[<n>-][<nsp>,][<id>]<json>` back, putting the attachments in the placeholders'
/// place.
fn parse_encoded(packet: &EncodedPacket) -> Option<(ParsedPacket, Vec<Bytes>)> {
    let text: &str = &packet.text;
    let rest = text.strip_prefix('4')?;
    let mut chars = rest.char_indices();
    let (_, kind) = chars.next()?;
    let mut rest = &rest[kind.len_utf8()..];
    if kind == '5' || kind == '6' {
        let dash = rest.find('-')?;
        rest = &rest[dash + 1..];
    }
    if rest.starts_with('/') {
        let comma = rest.find(',')?;
        rest = &rest[comma + 1..];
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest = &rest[digits..];
    let data: Json = serde_json::from_str(rest).ok()?;
    Some((ParsedPacket { data }, packet.attachments.clone()))
}

fn json_to_mp(v: &Json, attachments: &[Bytes]) -> Mp {
    match v {
        Json::Null => Mp::Nil,
        Json::Bool(b) => Mp::Boolean(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Mp::from(i)
            } else if let Some(u) = n.as_u64() {
                Mp::from(u)
            } else {
                Mp::F64(n.as_f64().unwrap_or(0.0))
            }
        }
        Json::String(s) => Mp::from(s.as_str()),
        Json::Array(items) => Mp::Array(items.iter().map(|i| json_to_mp(i, attachments)).collect()),
        Json::Object(map) => {
            if map.get("_placeholder") == Some(&Json::Bool(true))
                && let Some(num) = map.get("num").and_then(Json::as_u64)
                && let Some(bytes) = attachments.get(num as usize)
            {
                return Mp::Binary(bytes.to_vec());
            }
            Mp::Map(
                map.iter()
                    .map(|(k, v)| (Mp::from(k.as_str()), json_to_mp(v, attachments)))
                    .collect(),
            )
        }
    }
}

/// msgpack → JSON, binary values moved to `bins` and replaced by Socket.IO placeholders
/// (`{"_placeholder": true, "num": n}`); `None` for what JSON cannot hold (ext types).
fn mp_to_json(v: &Mp, bins: &mut Vec<Bytes>) -> Option<Json> {
    Some(match v {
        Mp::Nil => Json::Null,
        Mp::Boolean(b) => Json::Bool(*b),
        Mp::Integer(i) => {
            if let Some(x) = i.as_i64() {
                json!(x)
            } else {
                json!(i.as_u64()?)
            }
        }
        Mp::F32(f) => json!(f),
        Mp::F64(f) => json!(f),
        Mp::String(s) => Json::String(s.as_str()?.to_string()),
        Mp::Array(items) => Json::Array(
            items
                .iter()
                .map(|i| mp_to_json(i, bins))
                .collect::<Option<_>>()?,
        ),
        Mp::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let key = match k {
                    Mp::String(s) => s.as_str()?.to_string(),
                    other => mp_to_json(other, bins)?.to_string(),
                };
                map.insert(key, mp_to_json(v, bins)?);
            }
            Json::Object(map)
        }
        Mp::Binary(b) => {
            bins.push(Bytes::copy_from_slice(b));
            json!({"_placeholder": true, "num": bins.len() - 1})
        }
        Mp::Ext(..) => return None,
    })
}

fn encode_mp(v: &Mp) -> Vec<u8> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, v).expect("writing to a Vec cannot fail");
    out
}

fn map(entries: Vec<(&str, Mp)>) -> Mp {
    Mp::Map(entries.into_iter().map(|(k, v)| (Mp::from(k), v)).collect())
}

fn rooms_mp(rooms: &[Room]) -> Mp {
    Mp::Array(rooms.iter().map(|r| Mp::from(&**r)).collect())
}

fn rooms_json(rooms: &[Room]) -> Json {
    Json::Array(rooms.iter().map(|r| Json::String(r.to_string())).collect())
}

/// The options object other nodes read: `{rooms, except, flags}`.
fn opts_mp(opts: &BroadcastOptions, timeout: Option<Duration>) -> Mp {
    let mut flags = Vec::new();
    if opts.volatile {
        flags.push((Mp::from("volatile"), Mp::Boolean(true)));
    }
    if let Some(t) = timeout {
        flags.push((Mp::from("timeout"), Mp::from(t.as_millis() as u64)));
    }
    map(vec![
        ("rooms", rooms_mp(&opts.rooms)),
        ("except", rooms_mp(&opts.except)),
        ("flags", Mp::Map(flags)),
    ])
}

fn packet_mp(nsp: &str, packet: &EncodedPacket) -> Option<Mp> {
    let (parsed, attachments) = parse_encoded(packet)?;
    Some(map(vec![
        ("type", Mp::from(2)),
        ("data", json_to_mp(&parsed.data, &attachments)),
        ("nsp", Mp::from(nsp)),
    ]))
}

/// Spreads a list of values as the event's arguments.
struct Args(Vec<Json>);

impl serde::Serialize for Args {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(self.0.len())?;
        for v in &self.0 {
            t.serialize_element(v)?;
        }
        t.end()
    }
}

fn json_rooms(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| match r {
                    Json::String(s) => Some(s.clone()),
                    Json::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `io.of(nsp)` restricted to this node and to the `{rooms, except}` of `opts`.
fn local_ops(io: &Io, nsp: &str, opts: Option<&Json>) -> Option<BroadcastOperators> {
    let mut ops = io.of(nsp)?.local();
    let rooms = json_rooms(opts.and_then(|o| o.get("rooms")));
    let except = json_rooms(opts.and_then(|o| o.get("except")));
    if !rooms.is_empty() {
        ops = ops.to(rooms);
    }
    if !except.is_empty() {
        ops = ops.except(except);
    }
    Some(ops)
}

/// `[event, ...args]` → `(event, args)`.
fn split_event(data: &Json) -> Option<(String, Vec<Json>)> {
    let items = data.as_array()?;
    let event = items.first()?.as_str()?.to_string();
    Some((event, items[1..].to_vec()))
}

// ---------------------------------------------------------------------------------------------
// The subscriber: one pub/sub connection, reconnected forever, dispatching by channel.

async fn subscriber(inner: Weak<Inner>, mut new_ns: mpsc::Receiver<String>) {
    loop {
        let Some(this) = inner.upgrade() else { return };
        let client = this.client.clone();
        drop(this);
        match client.get_async_pubsub().await {
            Err(e) => {
                tracing::warn!(error = %e, "redis adapter: cannot subscribe, retrying");
            }
            Ok(pubsub) => {
                let (mut sink, mut stream) = pubsub.split();
                let namespaces: Vec<String> = match inner.upgrade() {
                    Some(this) => this
                        .namespaces
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .keys()
                        .cloned()
                        .collect(),
                    None => return,
                };
                let mut ok = true;
                for nsp in namespaces {
                    ok &= subscribe_ns(&inner, &mut sink, &nsp).await;
                }
                while ok {
                    tokio::select! {
                        nsp = new_ns.recv() => match nsp {
                            Some(nsp) => ok = subscribe_ns(&inner, &mut sink, &nsp).await,
                            None => return,
                        },
                        msg = stream.next() => match msg {
                            None => break,
                            Some(msg) => {
                                let Some(this) = inner.upgrade() else { return };
                                this.on_message(msg.get_channel_name(), msg.get_payload_bytes());
                            }
                        },
                    }
                }
                tracing::warn!("redis adapter: subscription lost, reconnecting");
            }
        }
        if let Some(this) = inner.upgrade() {
            this.subscribed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

async fn subscribe_ns(inner: &Weak<Inner>, sink: &mut redis::aio::PubSubSink, nsp: &str) -> bool {
    let Some(this) = inner.upgrade() else {
        return false;
    };
    let pattern = format!("{}*", this.channel(nsp));
    let response = this.response_channel(nsp);
    let channels = vec![
        this.request_channel(nsp),
        response.clone(),
        format!("{response}{}#", this.uid),
    ];
    let result = async {
        sink.psubscribe(pattern).await?;
        sink.subscribe(channels).await
    }
    .await;
    match result {
        Ok(()) => {
            this.subscribed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(nsp.to_string());
            true
        }
        Err(e) => {
            tracing::warn!(nsp, error = %e, "redis adapter: subscribe failed");
            false
        }
    }
}

impl Inner {
    fn on_message(self: &Arc<Self>, channel: &str, payload: &[u8]) {
        let prefix = &self.config.prefix;
        if let Some(rest) = channel.strip_prefix(&format!("{prefix}-request#")) {
            if let Some(nsp) = rest.strip_suffix('#')
                && self.serves(nsp)
            {
                self.on_request(nsp, payload);
            }
        } else if channel.starts_with(&format!("{prefix}-response#")) {
            self.on_response(payload);
        } else if channel.starts_with(&format!("{prefix}#")) {
            self.on_broadcast(payload);
        }
    }

    fn on_broadcast(&self, payload: &[u8]) {
        let Ok(Mp::Array(parts)) = rmpv::decode::read_value(&mut &payload[..]) else {
            tracing::debug!("redis adapter: malformed broadcast");
            return;
        };
        let [uid, packet, opts] = parts.as_slice() else {
            return;
        };
        if uid.as_str() == Some(self.uid.as_str()) {
            return;
        }
        let mut bins = Vec::new();
        let (Some(packet), Some(opts)) =
            (mp_to_json(packet, &mut bins), mp_to_json(opts, &mut bins))
        else {
            tracing::debug!("redis adapter: unreadable broadcast");
            return;
        };
        let nsp = packet.get("nsp").and_then(Json::as_str).unwrap_or("/");
        if !self.serves(nsp) {
            return;
        }
        let Some((event, args)) = packet.get("data").and_then(split_event) else {
            return;
        };
        let Some(io) = self.io() else {
            tracing::warn!("redis adapter: no server attached, dropping a remote broadcast");
            return;
        };
        let Some(mut ops) = local_ops(&io, nsp, Some(&opts)) else {
            return;
        };
        if opts.pointer("/flags/volatile") == Some(&Json::Bool(true)) {
            ops = ops.volatile();
        }
        if !bins.is_empty() {
            // No binary broadcast on `BroadcastOperators`: one encode per socket.
            for socket in ops.sockets() {
                if let Err(e) = socket.emit_binary(&event, &Args(args.clone()), bins.clone()) {
                    tracing::debug!(error = %e, "redis adapter: remote binary emit failed");
                }
            }
        } else if let Err(e) = ops.emit_raw(&event, &Args(args)) {
            tracing::warn!(error = %e, "redis adapter: remote broadcast failed");
        }
    }

    fn on_request(self: &Arc<Self>, nsp: &str, payload: &[u8]) {
        let request = if payload.first() == Some(&b'{') {
            serde_json::from_slice::<Json>(payload).ok()
        } else {
            rmpv::decode::read_value(&mut &payload[..])
                .ok()
                .and_then(|v| {
                    let mut bins = Vec::new();
                    mp_to_json(&v, &mut bins).filter(|_| bins.is_empty())
                })
        };
        let Some(request) = request else {
            tracing::debug!("redis adapter: malformed or binary request ignored");
            return;
        };
        if request.get("uid").and_then(Json::as_str) == Some(self.uid.as_str()) {
            return;
        }
        let Some(kind) = request.get("type").and_then(Json::as_u64) else {
            return;
        };
        let request_id = request.get("requestId").cloned().unwrap_or(Json::Null);
        let nsp = nsp.to_string();
        let Some(io) = self.io() else {
            tracing::warn!("redis adapter: no server attached, ignoring a request");
            return;
        };
        let respond = |body: Json| {
            self.publish_detached(self.response_channel(&nsp), body.to_string().into_bytes());
        };
        match kind {
            request_type::SOCKETS => {
                let Some(ops) = local_ops(&io, &nsp, Some(&json!({"rooms": request.get("rooms")})))
                else {
                    return;
                };
                let ids: Vec<String> = ops.sockets().iter().map(|s| s.id().to_string()).collect();
                respond(json!({"requestId": request_id, "sockets": ids}));
            }
            request_type::ALL_ROOMS => {
                let rooms = self
                    .namespaces
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&nsp)
                    .map(|a| a.rooms())
                    .unwrap_or_default();
                respond(json!({"requestId": request_id, "rooms": rooms_json(&rooms)}));
            }
            request_type::REMOTE_JOIN
            | request_type::REMOTE_LEAVE
            | request_type::REMOTE_DISCONNECT => {
                let targeted = request.get("opts").is_some();
                let ops = if targeted {
                    local_ops(&io, &nsp, request.get("opts"))
                } else {
                    let Some(sid) = request.get("sid").and_then(Json::as_str) else {
                        return;
                    };
                    let Ok(sid) = sid.parse::<Sid>() else { return };
                    if io
                        .of(&nsp)
                        .and_then(|o| o.local().to(sid).sockets().pop())
                        .is_none()
                    {
                        return;
                    }
                    io.of(&nsp).map(|o| o.local().to(sid))
                };
                let Some(ops) = ops else { return };
                let rooms = if targeted {
                    json_rooms(request.get("rooms"))
                } else {
                    json_rooms(Some(&json!([request.get("room")])))
                };
                match kind {
                    request_type::REMOTE_JOIN => ops.join(rooms),
                    request_type::REMOTE_LEAVE => ops.leave(rooms),
                    _ => ops.disconnect(),
                }
                if !targeted {
                    respond(json!({"requestId": request_id}));
                }
            }
            request_type::REMOTE_FETCH => {
                let Some(ops) = local_ops(&io, &nsp, request.get("opts")) else {
                    return;
                };
                let sockets: Vec<Json> = ops.sockets().iter().map(describe_socket).collect();
                respond(json!({"requestId": request_id, "sockets": sockets}));
            }
            request_type::SERVER_SIDE_EMIT => {
                let handler = self
                    .server_side
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                let Some((event, args)) = request.get("data").and_then(split_event) else {
                    return;
                };
                let wants_ack = !request_id.is_null();
                let answer = handler.and_then(|h| {
                    h(ServerSideEvent {
                        nsp: nsp.clone(),
                        event,
                        args,
                        wants_ack,
                    })
                });
                if wants_ack {
                    respond(json!({
                        "type": request_type::SERVER_SIDE_EMIT,
                        "requestId": request_id,
                        "data": answer.unwrap_or(Json::Null),
                    }));
                }
            }
            request_type::BROADCAST => {
                let Some(ops) = local_ops(&io, &nsp, request.get("opts")) else {
                    return;
                };
                let Some((event, args)) = request.pointer("/packet/data").and_then(split_event)
                else {
                    return;
                };
                let sockets = ops.sockets();
                respond(json!({
                    "type": request_type::BROADCAST_CLIENT_COUNT,
                    "requestId": request_id,
                    "clientCount": sockets.len(),
                }));
                let timeout = request
                    .pointer("/opts/flags/timeout")
                    .and_then(Json::as_u64)
                    .map(Duration::from_millis)
                    .unwrap_or(self.config.request_timeout);
                // One emit per socket, so each ack is relayed as soon as it arrives.
                let args = Arc::new(Args(args));
                for socket in sockets {
                    let Some(ops) = io.of(&nsp) else { return };
                    let ops = ops.local().to(socket.id()).timeout(timeout);
                    let (this, nsp, event, args) =
                        (self.clone(), nsp.clone(), event.clone(), args.clone());
                    let request_id = request_id.clone();
                    tokio::spawn(async move {
                        let Ok(acks) = ops.emit_raw_with_ack::<_, Json>(&event, &*args).await
                        else {
                            return;
                        };
                        for (_, ack) in acks.local {
                            let Ok(value) = ack else { continue };
                            let body = map(vec![
                                ("type", Mp::from(request_type::BROADCAST_ACK)),
                                ("requestId", json_to_mp(&request_id, &[])),
                                ("packet", json_to_mp(&value, &[])),
                            ]);
                            this.publish_detached(this.response_channel(&nsp), encode_mp(&body));
                        }
                    });
                }
            }
            _ => tracing::debug!(kind, "redis adapter: unknown request type ignored"),
        }
    }

    fn on_response(&self, payload: &[u8]) {
        let response = if payload.first() == Some(&b'{') {
            serde_json::from_slice::<Json>(payload).ok()
        } else {
            rmpv::decode::read_value(&mut &payload[..])
                .ok()
                .and_then(|v| {
                    let mut bins = Vec::new();
                    mp_to_json(&v, &mut bins).filter(|_| bins.is_empty())
                })
        };
        let Some(response) = response else { return };
        let Some(id) = response.get("requestId").and_then(Json::as_str) else {
            return;
        };
        let tx = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned();
        if let Some(tx) = tx
            && tx.try_send(response).is_err()
        {
            tracing::warn!("redis adapter: response buffer full, dropping a response");
        }
    }
}

/// `{id, handshake, rooms, data}` as node's `fetchSockets` answers.
fn describe_socket(socket: &fastsio::SocketRef) -> Json {
    let request = socket.request();
    let headers: serde_json::Map<String, Json> = request
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), Json::String(v.to_str().ok()?.to_string()))))
        .collect();
    let query: serde_json::Map<String, Json> = request
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), Json::String(v.to_string()))
        })
        .collect();
    let auth: Json = serde_json::from_str(socket.auth()).unwrap_or(json!({}));
    json!({
        "id": socket.id().to_string(),
        "handshake": {
            "headers": headers,
            "time": "",
            "address": request.remote_addr.map(|a| a.ip().to_string()).unwrap_or_default(),
            "xdomain": headers.contains_key("origin"),
            "secure": false,
            "issued": 0,
            "url": request.uri.to_string(),
            "query": query,
            "auth": auth,
        },
        "rooms": rooms_json(&socket.rooms()),
        "data": socket.get::<SocketData>().map(|d| d.0).unwrap_or(json!({})),
    })
}

// ---------------------------------------------------------------------------------------------
// The adapter.

impl RedisAdapter {
    fn permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AdapterError> {
        self.cluster
            .in_flight
            .clone()
            .try_acquire_owned()
            .map_err(|_| err("too many cluster operations waiting for Redis"))
    }

    fn request_opts(opts: &BroadcastOptions) -> Json {
        json!({"rooms": rooms_json(&opts.rooms), "except": rooms_json(&opts.except)})
    }

    /// Publishes a request that nobody answers (join, leave, disconnect), queued now so it
    /// keeps its order with this node's broadcasts.
    fn fire(&self, body: Json) -> Option<AdapterFuture<'static, ()>> {
        let queued = self.cluster.enqueue(
            self.cluster.request_channel(&self.nsp),
            body.to_string().into_bytes(),
        );
        Some(Box::pin(async move { wait_published(queued?).await }))
    }
}

impl Adapter for RedisAdapter {
    fn add_all(&self, sid: Sid, rooms: &[Room]) {
        self.local.add_all(sid, rooms)
    }
    fn del(&self, sid: Sid, rooms: &[Room]) {
        self.local.del(sid, rooms)
    }
    fn del_all(&self, sid: Sid) {
        self.local.del_all(sid)
    }
    fn socket_rooms(&self, sid: Sid) -> Vec<Room> {
        self.local.socket_rooms(sid)
    }
    fn rooms(&self) -> Vec<Room> {
        self.local.rooms()
    }
    fn for_each_target(&self, opts: &BroadcastOptions, f: &mut dyn FnMut(Sid)) {
        self.local.for_each_target(opts, f)
    }

    fn broadcast_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        // Queued now, in emit order; the future only reports the outcome.
        let queued = packet_mp(&self.nsp, &packet)
            .ok_or_else(|| err("unreadable packet"))
            .and_then(|packet| {
                let msg = Mp::Array(vec![
                    Mp::from(self.cluster.uid.as_str()),
                    packet,
                    opts_mp(&opts, None),
                ]);
                let mut channel = self.cluster.channel(&self.nsp);
                if let [room] = opts.rooms.as_slice() {
                    channel.push_str(room);
                    channel.push('#');
                }
                self.cluster.enqueue(channel, encode_mp(&msg))
            });
        Some(Box::pin(async move { wait_published(queued?).await }))
    }

    fn broadcast_with_ack_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
        timeout: Duration,
    ) -> Option<AdapterFuture<'static, RemoteAcks>> {
        let cluster = self.cluster.clone();
        let nsp = self.nsp.clone();
        let permit = self.permit();
        Some(Box::pin(async move {
            let _permit = permit?;
            let deadline = tokio::time::Instant::now() + timeout;
            let servers = cluster.server_count(&nsp).await?;
            if servers <= 1 {
                return Ok(RemoteAcks::default());
            }
            let packet = packet_mp(&nsp, &packet).ok_or_else(|| err("unreadable packet"))?;
            let request_id = random_id(6);
            let (mut rx, _guard) = cluster.register(&request_id);
            let body = map(vec![
                ("uid", Mp::from(cluster.uid.as_str())),
                ("requestId", Mp::from(request_id.as_str())),
                ("type", Mp::from(request_type::BROADCAST)),
                ("packet", packet),
                ("opts", opts_mp(&opts, Some(timeout))),
            ]);
            cluster
                .publish(cluster.request_channel(&nsp), encode_mp(&body))
                .await?;
            let mut acks = RemoteAcks::default();
            let mut counts = 0;
            while counts < servers - 1 || acks.responses.len() < acks.expected {
                let Ok(Some(response)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
                    break;
                };
                match response.get("type").and_then(Json::as_u64) {
                    Some(request_type::BROADCAST_CLIENT_COUNT) => {
                        counts += 1;
                        acks.expected += response
                            .get("clientCount")
                            .and_then(Json::as_u64)
                            .unwrap_or(0) as usize;
                    }
                    Some(request_type::BROADCAST_ACK) => {
                        let value = response.get("packet").cloned().unwrap_or(Json::Null);
                        if let Ok(args) = EventArgs::parse(format!("[{value}]").into()) {
                            acks.responses.push(AckResponse {
                                args,
                                attachments: Vec::new(),
                            });
                        }
                    }
                    _ => {}
                }
            }
            Ok(acks)
        }))
    }

    fn fetch_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, Vec<RemoteSocket>>> {
        let cluster = self.cluster.clone();
        let nsp = self.nsp.clone();
        let permit = self.permit();
        Some(Box::pin(async move {
            let _permit = permit?;
            let servers = cluster.server_count(&nsp).await?;
            if servers <= 1 {
                return Ok(Vec::new());
            }
            let request_id = random_id(6);
            let (mut rx, _guard) = cluster.register(&request_id);
            let body = json!({
                "uid": cluster.uid,
                "requestId": request_id,
                "type": request_type::REMOTE_FETCH,
                "opts": Self::request_opts(&opts),
            });
            cluster
                .publish(cluster.request_channel(&nsp), body.to_string().into_bytes())
                .await?;
            let deadline = tokio::time::Instant::now() + cluster.config.request_timeout;
            let mut sockets = Vec::new();
            for _ in 1..servers {
                let response = match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(r)) => r,
                    _ => {
                        return Err(err(
                            "timeout reached while waiting for fetchSockets response",
                        ));
                    }
                };
                let Some(list) = response.get("sockets").and_then(Json::as_array) else {
                    continue;
                };
                for s in list {
                    let Some(id) = s.get("id").and_then(Json::as_str) else {
                        continue;
                    };
                    let Ok(id) = id.parse::<Sid>() else {
                        tracing::warn!(
                            id,
                            "redis adapter: a remote socket id is not a fastsio Sid, skipped"
                        );
                        continue;
                    };
                    sockets.push(RemoteSocket {
                        id,
                        rooms: json_rooms(s.get("rooms"))
                            .into_iter()
                            .map(Room::from)
                            .collect(),
                        handshake: s.get("handshake").cloned().unwrap_or(Json::Null),
                        data: s.get("data").cloned().unwrap_or(Json::Null),
                    });
                }
            }
            Ok(sockets)
        }))
    }

    fn add_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.fire(json!({
            "uid": self.cluster.uid,
            "type": request_type::REMOTE_JOIN,
            "opts": Self::request_opts(&opts),
            "rooms": rooms_json(&rooms),
        }))
    }

    fn del_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.fire(json!({
            "uid": self.cluster.uid,
            "type": request_type::REMOTE_LEAVE,
            "opts": Self::request_opts(&opts),
            "rooms": rooms_json(&rooms),
        }))
    }

    fn disconnect_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.fire(json!({
            "uid": self.cluster.uid,
            "type": request_type::REMOTE_DISCONNECT,
            "opts": Self::request_opts(&opts),
            "close": false,
        }))
    }

    fn server_count(&self) -> AdapterFuture<'static, usize> {
        let cluster = self.cluster.clone();
        let nsp = self.nsp.clone();
        Box::pin(async move { cluster.server_count(&nsp).await })
    }
}
