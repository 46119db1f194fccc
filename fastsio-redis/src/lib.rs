//! A Redis adapter for fastsio, wire-compatible with node's `@socket.io/redis-adapter` 8.x:
//! fastsio and node socket.io servers on one Redis form one cluster. Same channels
//! (`{prefix}#{nsp}#`, `{prefix}#{nsp}#{room}#`, `{prefix}-request#{nsp}#`,
//! `{prefix}-response#{nsp}#`), same msgpack shapes (`[uid, packet, opts]` for broadcasts,
//! binary attachments as msgpack bin), same JSON requests and request type numbers.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use fastsio::prelude::*;
//! use fastsio_redis::{RedisCluster, RedisConfig};
//! let cluster = RedisCluster::new(RedisConfig::new("redis://127.0.0.1:6379"))?;
//! let io = Server::builder().adapter(cluster.adapters()).build()?;
//! // Broadcasts, `join`/`leave`/`disconnect` on selections, acks, `fetch_remote_sockets` and
//! // `server_count` now span every server of the cluster, in every namespace.
//! io.to("room").emit_raw("news", &"for every node")?;
//! # Ok(()) }
//! ```
//!
//! Beyond the [`Adapter`](fastsio::adapter::Adapter) trait, [`RedisCluster`] offers node's
//! `serverSideEmit` (with and without ack) and `allRooms`.
//!
//! [`ShardedRedisCluster`] is the same on Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`),
//! wire-compatible with node's `createShardedAdapter` in each [`SubscriptionMode`].
//!
//! On a Redis Cluster, give every adapter [`RedisConfig::cluster`] with a few of its nodes:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use fastsio::prelude::*;
//! use fastsio_redis::{RedisConfig, ShardedRedisCluster};
//! let nodes = ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000", "redis://10.0.0.3:7000"];
//! let cluster = ShardedRedisCluster::new(RedisConfig::cluster(nodes))?;
//! let io = Server::builder().adapter(cluster.adapters()).build()?;
//! io.to("room").emit_raw("news", &"through the slot owner of the channel")?;
//! # Ok(()) }
//! ```
//!
//! Failures: with Redis down, local delivery goes on; cluster operations fail with an
//! [`AdapterError`](fastsio::adapter::AdapterError) (connection refused, or the request
//! timeout); requests to other servers fail when not every server answers within the request
//! timeout; broadcast acks return what arrived in time. The subscriber reconnects and
//! resubscribes on its own; messages waiting to be published are capped (1024, beyond which
//! publishing fails at once), and so is each request's response buffer (256).
//!
//! No sticky sessions: [`RedisEngine`] lets every node serve every Engine.IO session, so a
//! plain round-robin load balancer works (node's `@socket.io/cluster-engine`).
//!
//! Connection state recovery across nodes: [`RedisStreams`], on a Redis stream as node's
//! `@socket.io/redis-streams-adapter`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adapter;
mod channels;
mod cluster;
mod config;
mod connection;
mod engine;
mod error;
mod incoming;
mod membership;
mod namespaces;
mod node;
mod publisher;
mod pubsub;
mod remote_socket;
mod request;
mod requests;
mod server_side;
mod servers;
mod sharded;
mod streams;
mod subscriber;
mod subscribers;
mod wire;

pub use adapter::RedisAdapter;
pub use cluster::RedisCluster;
pub use config::RedisConfig;
pub use engine::{RedisEngine, RedisEngineConfig};
pub use remote_socket::SocketData;
pub use server_side::ServerSideEvent;
pub use sharded::{ShardedRedisAdapter, ShardedRedisCluster, SubscriptionMode};
pub use streams::{RedisStreams, RedisStreamsAdapter, StreamsConfig};
