//! [`RedisCluster`]: this node's membership of the cluster, shared by the adapters of every
//! namespace.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use fastsio::adapter::{Adapter, AdapterError, LocalAdapter, LocalNamespace};
use serde_json::{Value as Json, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::adapter::RedisAdapter;
use crate::channels::Channels;
use crate::config::RedisConfig;
use crate::connection::Commands;
use crate::error::err;
use crate::publisher::Outbox;
use crate::server_side::ServerSideHandler;
use crate::subscriber::Subscriptions;
use crate::wire::{random_id, request_type, rooms_from_json};

/// At most this many cluster requests wait for Redis at once; beyond, they fail at once.
const MAX_IN_FLIGHT: usize = 1024;
/// Responses buffered per pending request.
const RESPONSE_BUFFER: usize = 256;

/// One node's membership of the cluster: its uid on the wire, its Redis connections, the
/// namespaces it serves. Cheap to clone; give [`adapters`](Self::adapters) to the server
/// builder, keep a clone for [server-side emits](Self::server_side_emit) and
/// [`all_rooms`](Self::all_rooms).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use fastsio::prelude::*;
/// use fastsio_redis::{RedisCluster, RedisConfig};
/// let cluster = RedisCluster::new(RedisConfig::new("redis://127.0.0.1:6379"))?;
/// let io = Server::builder().adapter(cluster.adapters()).build()?;
/// // Every node's sockets in room "r", in every namespace's usual API:
/// io.to("r").emit_raw("hello", &"everyone")?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisCluster {
    pub(crate) inner: Arc<Inner>,
}

/// A namespace this node serves.
#[derive(Clone)]
pub(crate) struct Served {
    /// Which adapter registered it (a later one replaces it, an earlier one's drop must not
    /// remove it).
    pub(crate) adapter: u64,
    pub(crate) ns: LocalNamespace,
    pub(crate) rooms: Arc<LocalAdapter>,
}

pub(crate) struct Inner {
    pub(crate) config: RedisConfig,
    pub(crate) channels: Channels,
    pub(crate) uid: String,
    pub(crate) commands: Arc<Commands>,
    pub(crate) outbox: Outbox,
    pub(crate) subscriptions: Subscriptions,
    pub(crate) server_side: Mutex<Option<ServerSideHandler>>,
    namespaces: Mutex<HashMap<String, Served>>,
    pending: Mutex<HashMap<String, mpsc::Sender<Json>>>,
    in_flight: Arc<Semaphore>,
    adapter_ids: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RedisCluster {
    /// Joins the cluster on Redis at `config.url` (must run inside a tokio runtime: it
    /// starts the subscriber and publisher tasks, which reconnect on their own). Fails only
    /// on a malformed URL; an unreachable Redis leaves local delivery working and cluster
    /// operations failing until it is back.
    pub fn new(config: RedisConfig) -> Result<RedisCluster, AdapterError> {
        let client = redis::Client::open(config.url.as_str()).map_err(err)?;
        let commands = Arc::new(Commands::new(client.clone(), config.request_timeout));
        let (subscriptions, control) = Subscriptions::new();
        let inner = Arc::new(Inner {
            channels: Channels::new(&config.prefix),
            uid: random_id(6),
            outbox: Outbox::start(commands.clone(), "PUBLISH", config.max_queued),
            config,
            commands,
            subscriptions,
            server_side: Mutex::new(None),
            namespaces: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            adapter_ids: AtomicU64::new(0),
        });
        crate::subscriber::start(client, Arc::downgrade(&inner), control);
        Ok(RedisCluster { inner })
    }

    /// The adapter factory for [`ServerBuilder::adapter`](fastsio::ServerBuilder::adapter):
    /// every namespace, dynamic ones included, joins the cluster when it is created.
    pub fn adapters(&self) -> impl Fn() -> RedisAdapter + Send + Sync + 'static {
        let inner = self.inner.clone();
        move || RedisAdapter::new(inner.clone())
    }

    /// This node's uid on the wire.
    pub fn uid(&self) -> &str {
        &self.inner.uid
    }

    /// Every room with a socket in namespace `nsp`, on any server (node's `allRooms`).
    pub async fn all_rooms(&self, nsp: &str) -> Result<BTreeSet<String>, AdapterError> {
        let local = self.inner.served(nsp);
        let mut rooms: BTreeSet<String> = local
            .map(|s| s.rooms.rooms().iter().map(|r| r.to_string()).collect())
            .unwrap_or_default();
        let uid = &self.inner.uid;
        let responses = self
            .inner
            .request(nsp, |request_id| {
                json!({"uid": uid, "requestId": request_id, "type": request_type::ALL_ROOMS})
            })
            .await?;
        for response in responses {
            rooms.extend(
                rooms_from_json(response.get("rooms"))
                    .iter()
                    .map(|r| r.to_string()),
            );
        }
        Ok(rooms)
    }

    /// Whether this node's subscriptions for namespace `nsp` are in place (messages for it
    /// from other nodes arrive).
    pub fn is_subscribed(&self, nsp: &str) -> bool {
        self.inner.subscriptions.is_subscribed(nsp)
    }
}

impl Inner {
    pub(crate) fn next_adapter_id(&self) -> u64 {
        self.adapter_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// Starts serving a namespace: other nodes' messages for it reach `served.ns`.
    pub(crate) fn serve(&self, nsp: &str, served: Served) {
        lock(&self.namespaces).insert(nsp.to_string(), served);
        self.subscriptions.subscribe(nsp);
    }

    /// Stops serving a namespace, if `adapter` still serves it.
    pub(crate) fn unserve(&self, nsp: &str, adapter: u64) {
        let mut namespaces = lock(&self.namespaces);
        if namespaces.get(nsp).is_some_and(|s| s.adapter == adapter) {
            namespaces.remove(nsp);
            drop(namespaces);
            self.subscriptions.unsubscribe(nsp);
        }
    }

    pub(crate) fn served(&self, nsp: &str) -> Option<Served> {
        lock(&self.namespaces).get(nsp).cloned()
    }

    pub(crate) fn served_namespaces(&self) -> Vec<String> {
        lock(&self.namespaces).keys().cloned().collect()
    }

    /// A slot for one more cluster operation, or an error when too many wait already.
    pub(crate) fn permit(&self) -> Result<OwnedSemaphorePermit, AdapterError> {
        self.in_flight
            .clone()
            .try_acquire_owned()
            .map_err(|_| err("too many cluster operations waiting for Redis"))
    }

    /// How many servers serve namespace `nsp` (subscribers of its request channel).
    pub(crate) async fn server_count(&self, nsp: &str) -> Result<usize, AdapterError> {
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg("NUMSUB").arg(self.channels.request(nsp));
        let (_, n): (String, usize) = self.commands.query(&cmd).await?;
        Ok(n)
    }

    /// Publishes a JSON request and waits for one response from each other server, within
    /// the request timeout. `body` gets the request id.
    pub(crate) async fn request(
        &self,
        nsp: &str,
        body: impl FnOnce(&str) -> Json,
    ) -> Result<Vec<Json>, AdapterError> {
        let _permit = self.permit()?;
        let others = self.server_count(nsp).await?.saturating_sub(1);
        if others == 0 {
            return Ok(Vec::new());
        }
        let request_id = random_id(6);
        let (mut rx, _pending) = self.register(&request_id);
        let body = body(&request_id);
        self.outbox
            .publish(self.channels.request(nsp), body.to_string().into_bytes())
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

    /// Hands a response to the request waiting for it, if any.
    pub(crate) fn dispatch_response(&self, request_id: &str, response: Json) {
        let tx = lock(&self.pending).get(request_id).cloned();
        if let Some(tx) = tx
            && tx.try_send(response).is_err()
        {
            tracing::warn!("redis adapter: response buffer full, dropping a response");
        }
    }

    pub(crate) fn server_side_handler(&self) -> Option<ServerSideHandler> {
        lock(&self.server_side).clone()
    }
}

/// Forgets a pending request when dropped.
pub(crate) struct Pending<'a> {
    inner: &'a Inner,
    id: String,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        lock(&self.inner.pending).remove(&self.id);
    }
}
