//! [`SessionCluster`]: the hook through which engines on several nodes serve each other's
//! sessions, so that a load balancer without sticky sessions can send any request anywhere.
//!
//! When a request names a session this engine does not hold, the engine asks its
//! [`SessionCluster`]: a polling request (GET or POST) is forwarded to the node that holds the
//! session, which answers it as if it had come straight to it; a WebSocket upgrade takes the
//! session over when its node can still hand it over. A session opened by polling is handed
//! over only while its connection is delayed: the layer above hears of it
//! ([`EngineHandler::on_open`](super::EngineHandler::on_open)) after
//! [`SessionCluster::connect_delay`], or as soon as it upgrades, so that the upgrade that
//! follows most handshakes can move it to the node the WebSocket landed on before any state
//! exists above Engine.IO. Later upgrades to another node are refused: the client stays on
//! polling, which is forwarded.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};

use super::{Packet, ProtocolVersion, RequestInfo, Sid};

/// The future the cluster hooks return.
pub type ClusterFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// How engines on several nodes reach each other (`fastsio_redis::RedisEngine` does it over
/// Redis pub/sub). Set it with [`EngineConfig::cluster`](super::EngineConfig::cluster).
pub trait SessionCluster: Send + Sync + 'static {
    /// Called once, when the engine is created: the handle through which this node serves
    /// what other nodes forward to it.
    fn attach(&self, local: Weak<dyn LocalSessions>);

    /// A polling request (GET or POST, its body read) for session `sid`, which this node does
    /// not hold: the answer of the node that does, or `None` when no node answers.
    fn forward(&self, sid: Sid, request: Request<Bytes>) -> ClusterFuture<Option<Response<Bytes>>>;

    /// A WebSocket upgrade of session `sid`, which this node does not hold: asks the node
    /// holding it to hand it over, and [adopts](LocalSessions::adopt) it. True once the
    /// session is held here; false when no node holds it or it cannot move.
    ///
    /// The adoption happens in the order of the cluster's messages: requests other nodes
    /// forwarded for the session after this node asked for it and before it arrived are
    /// served here once it has (the node that handed it over no longer answers them).
    fn take_over(&self, sid: Sid) -> ClusterFuture<bool>;

    /// How long the connection of a session opened by polling is delayed, waiting for its
    /// upgrade (node's `delayedConnectionTimeout`, 300 ms by default).
    fn connect_delay(&self) -> Duration {
        Duration::from_millis(300)
    }
}

/// What an engine offers the [`SessionCluster`]: its own sessions, for other nodes.
pub trait LocalSessions: Send + Sync {
    /// Answers a polling request another node forwarded, if this node holds session `sid`
    /// (`None` otherwise): the answer is the one the request would have had here.
    fn serve(&self, sid: Sid, request: Request<Bytes>) -> Option<ClusterFuture<Response<Bytes>>>;

    /// Hands session `sid` over to another node, if this node holds it.
    fn hand_over(&self, sid: Sid) -> TakeOver;

    /// Registers a session another node handed over (false if it is already here, or
    /// [`max_connections`](super::EngineConfig::max_connections) are open).
    fn adopt(&self, moved: HandOver) -> bool;
}

/// The answer of a node to a take-over.
#[derive(Debug)]
pub enum TakeOver {
    /// This node does not hold the session.
    NotHere,
    /// This node holds it and keeps it (its connection is no longer delayed).
    Refused,
    /// The session, removed from this node.
    Moved(Box<HandOver>),
}

/// A session moved from one node to another while its connection was delayed.
#[derive(Debug, Clone)]
pub struct HandOver {
    /// The session id.
    pub sid: Sid,
    /// The client's protocol revision.
    pub version: ProtocolVersion,
    /// Whether the client takes binary frames (no `b64` in its query).
    pub supports_binary: bool,
    /// The opening request.
    pub request: RequestInfo,
    /// The messages the client sent during the delay ([`Packet::Message`] and
    /// [`Packet::Binary`]), in order.
    pub packets: Vec<Packet>,
}

/// A [`SessionCluster`] in the engine's settings.
#[derive(Clone)]
pub struct ClusterLink(pub(crate) Arc<dyn SessionCluster>);

impl ClusterLink {
    /// Wraps a cluster.
    pub fn new(cluster: impl SessionCluster) -> Self {
        ClusterLink(Arc::new(cluster))
    }
}

impl fmt::Debug for ClusterLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClusterLink(..)")
    }
}
