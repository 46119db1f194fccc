//! [`ShardedRedisCluster`]: the cluster over Redis 7 sharded pub/sub, wire-compatible with
//! node's `createShardedAdapter` (`@socket.io/redis-adapter` 8.x, `subscriptionMode:
//! "static" | "dynamic" | "dynamic-private"`): per namespace, one channel for every message
//! (`{prefix}#{nsp}#`), one for the answers to each server (`{prefix}#{nsp}#{uid}#`) and, in
//! the dynamic modes, one per room (`{prefix}#{nsp}#{room}#`), `SPUBLISH`ed, `SSUBSCRIBE`d,
//! servers counted with `PUBSUB SHARDNUMSUB`; messages are socket.io-adapter's cluster
//! messages (`{uid, nsp, type, data}`), in msgpack.

mod adapter;
mod incoming;
mod message;
mod mode;
mod request;
mod server_side;
mod subscriber;
mod subscriptions;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use fastsio::adapter::AdapterError;
use serde_json::Value as Json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::cluster::Served;
use crate::config::RedisConfig;
use crate::connection::Commands;
use crate::error::err;
use crate::publisher::Outbox;
use crate::server_side::ServerSideHandler;
use crate::wire::random_id;

pub use adapter::ShardedRedisAdapter;
pub use mode::SubscriptionMode;

use subscriptions::Subscriptions;

/// At most this many cluster requests wait for Redis at once; beyond, they fail at once.
const MAX_IN_FLIGHT: usize = 1024;
/// Responses buffered per pending request.
const RESPONSE_BUFFER: usize = 256;

/// One node's membership of a cluster on Redis 7 sharded pub/sub, the counterpart of node's
/// `createShardedAdapter(pub, sub, { subscriptionMode })`: fastsio and node servers with the
/// same channel prefix ([`RedisConfig::prefix`], node's `channelPrefix`) and the same
/// [`SubscriptionMode`] form one cluster. It talks to one Redis 7 server (a Redis Cluster's
/// `MOVED` redirections are not followed). Cheap to clone; give [`adapters`](Self::adapters)
/// to the server builder.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use fastsio::prelude::*;
/// use fastsio_redis::{RedisConfig, ShardedRedisCluster};
/// let cluster = ShardedRedisCluster::new(RedisConfig::new("redis://127.0.0.1:6379"))?;
/// let io = Server::builder().adapter(cluster.adapters()).build()?;
/// io.to("r").emit_raw("hello", &"every node")?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ShardedRedisCluster {
    pub(crate) inner: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) config: RedisConfig,
    pub(crate) mode: SubscriptionMode,
    pub(crate) uid: String,
    pub(crate) commands: Arc<Commands>,
    pub(crate) outbox: Outbox,
    pub(crate) subscriptions: Arc<Subscriptions>,
    pub(crate) server_side: Mutex<Option<ServerSideHandler>>,
    namespaces: Mutex<HashMap<String, Served>>,
    pending: Mutex<HashMap<String, mpsc::Sender<Json>>>,
    in_flight: Arc<Semaphore>,
    adapter_ids: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ShardedRedisCluster {
    /// Joins the cluster on Redis at `config.url` in [`SubscriptionMode::Static`] (inside a
    /// tokio runtime: it starts the subscriber and publisher tasks, which reconnect on their
    /// own). Fails only on a malformed URL.
    pub fn new(config: RedisConfig) -> Result<ShardedRedisCluster, AdapterError> {
        ShardedRedisCluster::with_mode(config, SubscriptionMode::Static)
    }

    /// Joins the cluster in subscription mode `mode`.
    pub fn with_mode(
        config: RedisConfig,
        mode: SubscriptionMode,
    ) -> Result<ShardedRedisCluster, AdapterError> {
        let client = redis::Client::open(config.url.as_str()).map_err(err)?;
        let commands = Arc::new(Commands::new(client.clone(), config.request_timeout));
        let inner = Arc::new(Shared {
            mode,
            uid: random_id(6),
            outbox: Outbox::start(commands.clone(), "SPUBLISH", config.max_queued),
            config,
            commands,
            subscriptions: Arc::default(),
            server_side: Mutex::new(None),
            namespaces: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            adapter_ids: AtomicU64::new(0),
        });
        subscriber::start(client, Arc::downgrade(&inner), inner.subscriptions.clone())?;
        Ok(ShardedRedisCluster { inner })
    }

    /// The adapter factory for [`ServerBuilder::adapter`](fastsio::ServerBuilder::adapter).
    pub fn adapters(&self) -> impl Fn() -> ShardedRedisAdapter + Send + Sync + 'static {
        let inner = self.inner.clone();
        move || ShardedRedisAdapter::new(inner.clone())
    }

    /// This node's uid on the wire.
    pub fn uid(&self) -> &str {
        &self.inner.uid
    }

    /// Whether this node's subscriptions for namespace `nsp` are in place.
    pub fn is_subscribed(&self, nsp: &str) -> bool {
        let inner = &self.inner;
        inner.subscriptions.is_confirmed(&inner.channel(nsp))
            && inner
                .subscriptions
                .is_confirmed(&inner.response_channel(nsp, &inner.uid))
    }
}

impl Shared {
    pub(crate) fn next_adapter_id(&self) -> u64 {
        self.adapter_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// `{prefix}#{nsp}#`: every message of a namespace.
    pub(crate) fn channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.config.prefix)
    }

    /// `{prefix}#{nsp}#{uid}#`: the answers to server `uid`.
    pub(crate) fn response_channel(&self, nsp: &str, uid: &str) -> String {
        format!("{}#{nsp}#{uid}#", self.config.prefix)
    }

    /// `{prefix}#{nsp}#{room}#`: broadcasts to one room alone, in the dynamic modes.
    pub(crate) fn room_channel(&self, nsp: &str, room: &str) -> String {
        format!("{}#{nsp}#{room}#", self.config.prefix)
    }

    pub(crate) fn serve(&self, nsp: &str, served: Served) {
        let previous = lock(&self.namespaces).insert(nsp.to_string(), served);
        if previous.is_none() {
            self.subscriptions.want(self.channel(nsp));
            self.subscriptions
                .want(self.response_channel(nsp, &self.uid));
        }
    }

    pub(crate) fn unserve(&self, nsp: &str, adapter: u64) {
        let mut namespaces = lock(&self.namespaces);
        if namespaces.get(nsp).is_some_and(|s| s.adapter == adapter) {
            namespaces.remove(nsp);
            drop(namespaces);
            self.subscriptions.unwant(&self.channel(nsp));
            self.subscriptions
                .unwant(&self.response_channel(nsp, &self.uid));
        }
    }

    pub(crate) fn served(&self, nsp: &str) -> Option<Served> {
        lock(&self.namespaces).get(nsp).cloned()
    }

    pub(crate) fn permit(&self) -> Result<OwnedSemaphorePermit, AdapterError> {
        self.in_flight
            .clone()
            .try_acquire_owned()
            .map_err(|_| err("too many cluster operations waiting for Redis"))
    }

    /// How many servers serve namespace `nsp`: `PUBSUB SHARDNUMSUB {prefix}#{nsp}#`.
    pub(crate) async fn server_count(&self, nsp: &str) -> Result<usize, AdapterError> {
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg("SHARDNUMSUB").arg(self.channel(nsp));
        let (_, n): (String, usize) = self.commands.query(&cmd).await?;
        Ok(n)
    }

    /// Routes the responses to `request_id` to the returned receiver until the guard drops.
    pub(crate) fn register(&self, request_id: &str) -> (mpsc::Receiver<Json>, Pending<'_>) {
        let (tx, rx) = mpsc::channel(RESPONSE_BUFFER);
        lock(&self.pending).insert(request_id.to_string(), tx);
        let guard = Pending {
            inner: self,
            id: request_id.to_string(),
        };
        (rx, guard)
    }

    /// Hands a response (its `data`, with its `type`) to the request waiting for it.
    pub(crate) fn dispatch_response(&self, request_id: &str, response: Json) {
        let tx = lock(&self.pending).get(request_id).cloned();
        if let Some(tx) = tx
            && tx.try_send(response).is_err()
        {
            tracing::warn!("sharded redis adapter: response buffer full, dropping a response");
        }
    }

    pub(crate) fn server_side_handler(&self) -> Option<ServerSideHandler> {
        lock(&self.server_side).clone()
    }
}

impl Drop for Shared {
    /// Wakes the subscriber task, which then finds the cluster gone and stops.
    fn drop(&mut self) {
        self.subscriptions.wake();
    }
}

/// Forgets a pending request when dropped.
pub(crate) struct Pending<'a> {
    inner: &'a Shared,
    id: String,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        lock(&self.inner.pending).remove(&self.id);
    }
}
