//! [`RedisEngine`]: engines on several nodes serve each other's sessions through Redis
//! pub/sub, so that no sticky sessions are needed (node's `@socket.io/cluster-engine`
//! `RedisEngine` as the model).

mod config;
mod listener;
mod message;
mod pending;
mod takeovers;

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use fastsio::adapter::AdapterError;
use fastsio::engine::{ClusterFuture, LocalSessions, SessionCluster, Sid};
use http::{Request, Response};

pub use config::RedisEngineConfig;

use crate::connection::Commands;
use crate::error::err;
use crate::publisher::{Outbox, Publish};
use crate::servers::Servers;
use message::{Body, Message};
use pending::{Pending, Waiting};
use takeovers::TakeOvers;

/// The cluster engine on Redis: give it to
/// [`ServerBuilder::session_cluster`](fastsio::ServerBuilder::session_cluster) on every node,
/// and a load balancer may send any request of any session to any node.
///
/// - A polling request (GET or POST) for a session another node holds is forwarded to it
///   through Redis and answered there, as if it had come straight to it: order and
///   heartbeats are the holder's.
/// - A session opened by polling connects after a short delay
///   ([`RedisEngineConfig::connect_delay`]), or as soon as it upgrades: a WebSocket upgrade
///   that lands on another node meanwhile moves the session there. A later upgrade to another
///   node is refused; the client stays on polling, forwarded.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use fastsio::prelude::*;
/// use fastsio_redis::{RedisCluster, RedisConfig, RedisEngine, RedisEngineConfig};
/// let url = "redis://127.0.0.1:6379";
/// let cluster = RedisCluster::new(RedisConfig::new(url))?;
/// let io = Server::builder()
///     .adapter(cluster.adapters())
///     .session_cluster(RedisEngine::new(RedisEngineConfig::new(url))?)
///     .build()?;
/// # let _ = io; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisEngine {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: RedisEngineConfig,
    /// This node's id on the wire.
    pub(crate) uid: String,
    outbox: Outbox,
    pub(crate) pending: Pending,
    pub(crate) takeovers: TakeOvers,
    /// The engine this node serves other nodes' requests with.
    pub(crate) local: OnceLock<Weak<dyn LocalSessions>>,
    pub(crate) subscribed: std::sync::atomic::AtomicBool,
}

impl RedisEngine {
    /// An engine link on Redis at `config.url` (inside a tokio runtime: it starts its
    /// subscriber and publisher tasks, which reconnect on their own). Fails only on a
    /// malformed URL.
    pub fn new(config: RedisEngineConfig) -> Result<RedisEngine, AdapterError> {
        let client = redis::Client::open(config.url.as_str()).map_err(err)?;
        let servers = Servers::Single(client.clone());
        let commands = Arc::new(Commands::new(servers, config.response_timeout));
        let uid = crate::wire::random_id(6);
        let inner = Arc::new(Inner {
            // Forwarded requests and their answers: each waits on the other, so none lingers.
            outbox: Outbox::start(
                commands,
                Publish::Classic(uid.clone()),
                config.max_queued,
                Duration::ZERO,
            ),
            uid,
            pending: Pending::new(config.max_pending),
            takeovers: TakeOvers::default(),
            local: OnceLock::new(),
            subscribed: Default::default(),
            config,
        });
        listener::start(client, Arc::downgrade(&inner));
        Ok(RedisEngine { inner })
    }

    /// This node's id on the wire.
    pub fn uid(&self) -> &str {
        &self.inner.uid
    }

    /// Whether this node's subscriptions are in place (other nodes' requests reach it).
    pub fn is_subscribed(&self) -> bool {
        self.inner
            .subscribed
            .load(std::sync::atomic::Ordering::Acquire)
    }
}

impl Inner {
    /// The channel of messages to `node`, or to every node.
    pub(crate) fn channel(&self, node: Option<&str>) -> String {
        match node {
            Some(node) => format!("{}#{node}#", self.config.channel_prefix),
            None => format!("{}#", self.config.channel_prefix),
        }
    }

    pub(crate) fn send(&self, request_id: u64, recipient: Option<&str>, body: Body) {
        let message = Message {
            sender: self.uid.clone(),
            request_id,
            recipient: recipient.map(str::to_string),
            body,
        };
        self.outbox
            .publish_detached(self.channel(recipient), message.encode());
    }

    /// Asks every node; the first answer of the one holding the session, within the
    /// response timeout.
    async fn ask(&self, body: Body) -> Option<(Waiting<'_>, Body)> {
        let mut waiting = self.pending.open()?;
        self.send(waiting.id, None, body);
        let first = tokio::time::timeout(self.config.response_timeout, waiting.answers.recv())
            .await
            .ok()??;
        Some((waiting, first))
    }
}

impl SessionCluster for RedisEngine {
    fn attach(&self, local: Weak<dyn LocalSessions>) {
        if self.inner.local.set(local).is_err() {
            tracing::warn!("redis engine: one RedisEngine serves one server; ignoring another");
        }
    }

    fn forward(&self, sid: Sid, request: Request<Bytes>) -> ClusterFuture<Option<Response<Bytes>>> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let (mut waiting, first) = inner.ask(Body::Forward { sid, request }).await?;
            let answer = match first {
                Body::Accepted => {
                    tokio::time::timeout(inner.config.answer_timeout, waiting.answers.recv())
                        .await
                        .ok()??
                }
                answer => answer,
            };
            match answer {
                Body::Answer(response) => Some(response),
                _ => None,
            }
        })
    }

    fn take_over(&self, sid: Sid) -> ClusterFuture<bool> {
        let inner = self.inner.clone();
        Box::pin(async move {
            // The listener adopts the session when it arrives, then says `Accepted`.
            let adopted = matches!(
                inner.ask(Body::TakeOver { sid }).await,
                Some((_, Body::Accepted))
            );
            // Without an answer in time, what waited is left to whoever holds the session.
            inner.takeovers.end(sid);
            adopted
        })
    }

    fn connect_delay(&self) -> Duration {
        self.inner.config.connect_delay
    }
}
