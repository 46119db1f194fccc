//! Connection state recovery across nodes, through a Redis stream, as node's
//! `@socket.io/redis-streams-adapter` does it: [`RedisStreams`] and its
//! [`RedisStreamsAdapter`].

mod adapter;
mod config;
mod entry;
mod held;
mod reader;
mod restore;
mod session;
mod writer;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use fastsio::adapter::{AdapterError, LocalNamespace};
use tokio::sync::mpsc;

pub use adapter::RedisStreamsAdapter;
pub use config::StreamsConfig;

use crate::RedisCluster;
use crate::connection::Commands;
use crate::servers::Servers;
use writer::Job;

/// This node on a Redis stream: every broadcast is an entry of the stream
/// ([`StreamsConfig::stream_name`]), read back by every node, and its entry id is the offset
/// connection state recovery gives the client; a lost session is one key per private id, with
/// an expiry. A client whose connection dropped can so come back to any node. Give
/// [`adapters`](Self::adapters) to the server builder, with recovery on.
///
/// Entries, their fields (`uid`, `nsp`, `type`, `data`) and session keys are those of node's
/// `@socket.io/redis-streams-adapter` 0.3 with its defaults. The other cluster operations
/// (acks of broadcasts, `fetch_sockets`, `join`/`leave`/`disconnect` on selections,
/// `server_count`) go through the [`RedisCluster`] it is made from, among fastsio nodes.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use fastsio::prelude::*;
/// use fastsio::RecoveryConfig;
/// use fastsio_redis::{RedisCluster, RedisConfig, RedisStreams, StreamsConfig};
/// let cluster = RedisCluster::new(RedisConfig::new("redis://127.0.0.1:6379"))?;
/// let streams = RedisStreams::new(&cluster, StreamsConfig::default())?;
/// let io = Server::builder()
///     .connection_state_recovery(RecoveryConfig::default())
///     .adapter(streams.adapters())
///     .build()?;
/// io.to("room").emit_raw("news", &"every node, recoverable")?;
/// # Ok(()) }
/// ```
///
/// Failures: with Redis down, broadcasts reach this node's sockets only, without an offset
/// (after the request timeout at most), sessions are not kept and recoveries fail (the client
/// connects afresh); the reader reconnects on its own and goes on from the last entry it read.
/// Waiting writes are capped ([`StreamsConfig::queue`]).
#[derive(Clone)]
pub struct RedisStreams {
    cluster: RedisCluster,
    shared: Arc<Shared>,
}

/// What the adapters of one node share.
pub(crate) struct Shared {
    config: StreamsConfig,
    uid: String,
    commands: Arc<Commands>,
    jobs: mpsc::Sender<Job>,
    namespaces: Mutex<HashMap<String, LocalNamespace>>,
    /// Whether the reader follows the stream (its last read succeeded).
    reading: AtomicBool,
}

impl Shared {
    fn namespaces(&self) -> MutexGuard<'_, HashMap<String, LocalNamespace>> {
        self.namespaces.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn namespace(&self, nsp: &str) -> Option<LocalNamespace> {
        self.namespaces().get(nsp).cloned()
    }
}

impl RedisStreams {
    /// Follows the stream on the Redis `cluster` uses (a server or a Redis Cluster, where the
    /// stream and each session key live on the master of their slot), under `cluster`'s uid
    /// (must run inside a tokio runtime: it starts the reader and writer tasks). Fails only on
    /// a malformed URL.
    pub fn new(
        cluster: &RedisCluster,
        config: StreamsConfig,
    ) -> Result<RedisStreams, AdapterError> {
        let settings = &cluster.inner.node.config;
        let servers = Servers::open(settings)?;
        let uid = cluster.uid().to_string();
        let commands = Arc::new(Commands::new(servers.clone(), settings.request_timeout));
        let shared = Arc::new(Shared {
            jobs: writer::start(commands.clone(), &config, uid.clone()),
            commands,
            uid,
            namespaces: Mutex::new(HashMap::new()),
            reading: AtomicBool::new(false),
            config,
        });
        reader::start(servers, Arc::downgrade(&shared), &shared.config);
        Ok(RedisStreams {
            cluster: cluster.clone(),
            shared,
        })
    }

    /// The adapter factory for [`ServerBuilder::adapter`](fastsio::ServerBuilder::adapter):
    /// every namespace, dynamic ones included, follows the stream when it is created.
    pub fn adapters(&self) -> impl Fn() -> RedisStreamsAdapter + Send + Sync + 'static {
        let (cluster, shared) = (self.cluster.inner.clone(), self.shared.clone());
        move || RedisStreamsAdapter::new(&cluster, shared.clone())
    }

    /// Whether this node follows the stream: it knows where the stream ended when it started
    /// and its last read succeeded. Broadcasts of other nodes added before it first does are
    /// not delivered here.
    pub fn is_reading(&self) -> bool {
        self.shared.reading.load(Ordering::Relaxed)
    }
}
