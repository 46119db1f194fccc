//! [`RedisCluster`]: this node's membership of the cluster, shared by the adapters of every
//! namespace.

use std::collections::BTreeSet;
use std::sync::Arc;

use fastsio::adapter::{Adapter, AdapterError};
use serde_json::json;

use crate::adapter::RedisAdapter;
use crate::channels::Channels;
use crate::config::RedisConfig;
use crate::membership::Serves;
use crate::namespaces::Served;
use crate::node::Node;
use crate::requests;
use crate::subscriber::Subscriptions;
use crate::wire::{request_type, rooms_from_json};

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

pub(crate) struct Inner {
    pub(crate) node: Node,
    pub(crate) channels: Channels,
    pub(crate) subscriptions: Subscriptions,
}

impl RedisCluster {
    /// Joins the cluster on the Redis `config` names (must run inside a tokio runtime: it
    /// starts the subscriber and publisher tasks, which reconnect on their own). Fails only
    /// on a malformed URL; an unreachable Redis leaves local delivery working and cluster
    /// operations failing until it is back.
    pub fn new(config: RedisConfig) -> Result<RedisCluster, AdapterError> {
        let channels = Channels::new(&config.prefix);
        let (node, servers) = Node::start(config, false)?;
        let (subscriptions, control) = Subscriptions::new();
        let inner = Arc::new(Inner {
            node,
            channels,
            subscriptions,
        });
        crate::subscriber::start(servers, Arc::downgrade(&inner), control);
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
        &self.inner.node.uid
    }

    /// Every room with a socket in namespace `nsp`, on any server (node's `allRooms`).
    pub async fn all_rooms(&self, nsp: &str) -> Result<BTreeSet<String>, AdapterError> {
        let local = self.inner.node.namespaces.get(nsp);
        let mut rooms: BTreeSet<String> = local
            .map(|s| s.rooms.rooms().iter().map(|r| r.to_string()).collect())
            .unwrap_or_default();
        let uid = &self.inner.node.uid;
        let responses = requests::request(&*self.inner, nsp, |request_id| {
            json!({"uid": uid, "requestId": request_id, "type": request_type::ALL_ROOMS})
                .to_string()
                .into_bytes()
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

impl Serves for Inner {
    fn serve(&self, nsp: &str, served: Served) {
        if self.node.namespaces.insert(nsp, served) {
            self.subscriptions.subscribe(nsp);
        }
    }

    fn unserve(&self, nsp: &str, adapter: u64) {
        if self.node.namespaces.remove(nsp, adapter) {
            self.subscriptions.unsubscribe(nsp);
        }
    }
}
