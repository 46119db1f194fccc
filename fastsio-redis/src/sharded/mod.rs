//! [`ShardedRedisCluster`]: the cluster over Redis 7 sharded pub/sub, wire-compatible with
//! node's `createShardedAdapter` (`@socket.io/redis-adapter` 8.x, `subscriptionMode:
//! "static" | "dynamic" | "dynamic-private"`): per namespace, one channel for every message
//! (`{prefix}#{nsp}#`), one for the answers to each server (`{prefix}#{nsp}#{uid}#`) and, in
//! the dynamic modes, one per room (`{prefix}#{nsp}#{room}#`), `SPUBLISH`ed, `SSUBSCRIBE`d,
//! servers counted with `PUBSUB SHARDNUMSUB`; messages are socket.io-adapter's cluster
//! messages (`{uid, nsp, type, data}`), in msgpack.

mod adapter;
mod incoming;
mod links;
mod message;
mod mode;
mod request;
mod server_side;
mod subscriber;
mod subscriptions;

use std::sync::Arc;

use fastsio::adapter::AdapterError;

use crate::config::RedisConfig;
use crate::membership::Serves;
use crate::namespaces::Served;
use crate::node::Node;

pub use adapter::ShardedRedisAdapter;
pub use mode::SubscriptionMode;

use subscriptions::Subscriptions;

/// One node's membership of a cluster on Redis 7 sharded pub/sub, the counterpart of node's
/// `createShardedAdapter(pub, sub, { subscriptionMode })`: fastsio and node servers with the
/// same channel prefix ([`RedisConfig::prefix`], node's `channelPrefix`) and the same
/// [`SubscriptionMode`] form one cluster. It talks to one Redis 7 server, or to a Redis
/// Cluster ([`RedisConfig::cluster`]): there each channel is published to and subscribed on
/// the master of its slot, and followed when its slot moves or its master fails over. Cheap
/// to clone; give [`adapters`](Self::adapters) to the server builder.
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
    pub(crate) node: Node,
    pub(crate) mode: SubscriptionMode,
    pub(crate) subscriptions: Arc<Subscriptions>,
}

impl ShardedRedisCluster {
    /// Joins the cluster on the Redis `config` names in [`SubscriptionMode::Static`] (inside a
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
        let (node, servers) = Node::start(config, true)?;
        let inner = Arc::new(Shared {
            node,
            mode,
            subscriptions: Arc::default(),
        });
        subscriber::start(servers, Arc::downgrade(&inner), inner.subscriptions.clone());
        Ok(ShardedRedisCluster { inner })
    }

    /// The adapter factory for [`ServerBuilder::adapter`](fastsio::ServerBuilder::adapter).
    pub fn adapters(&self) -> impl Fn() -> ShardedRedisAdapter + Send + Sync + 'static {
        let inner = self.inner.clone();
        move || ShardedRedisAdapter::new(inner.clone())
    }

    /// This node's uid on the wire.
    pub fn uid(&self) -> &str {
        &self.inner.node.uid
    }

    /// Whether this node's subscriptions for namespace `nsp` are in place.
    pub fn is_subscribed(&self, nsp: &str) -> bool {
        let inner = &self.inner;
        inner.subscriptions.is_confirmed(&inner.channel(nsp))
            && inner
                .subscriptions
                .is_confirmed(&inner.response_channel(nsp, &inner.node.uid))
    }
}

impl Shared {
    /// `{prefix}#{nsp}#`: every message of a namespace.
    pub(crate) fn channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.node.config.prefix)
    }

    /// `{prefix}#{nsp}#{uid}#`: the answers to server `uid`.
    pub(crate) fn response_channel(&self, nsp: &str, uid: &str) -> String {
        format!("{}#{nsp}#{uid}#", self.node.config.prefix)
    }

    /// `{prefix}#{nsp}#{room}#`: broadcasts to one room alone, in the dynamic modes.
    pub(crate) fn room_channel(&self, nsp: &str, room: &str) -> String {
        format!("{}#{nsp}#{room}#", self.node.config.prefix)
    }
}

impl Serves for Shared {
    fn serve(&self, nsp: &str, served: Served) {
        if self.node.namespaces.insert(nsp, served) {
            self.subscriptions.want(self.channel(nsp));
            self.subscriptions
                .want(self.response_channel(nsp, &self.node.uid));
        }
    }

    fn unserve(&self, nsp: &str, adapter: u64) {
        if self.node.namespaces.remove(nsp, adapter) {
            self.subscriptions.unwant(&self.channel(nsp));
            self.subscriptions
                .unwant(&self.response_channel(nsp, &self.node.uid));
        }
    }
}

impl Drop for Shared {
    /// Wakes the subscriber task, which then finds the cluster gone and stops.
    fn drop(&mut self) {
        self.subscriptions.wake();
    }
}
