//! [`RedisConfig`]: where Redis is and how the channels are named.

use std::time::Duration;

/// How to reach Redis and how to name the channels: one Redis server ([`new`](Self::new)), or
/// a Redis Cluster ([`cluster`](Self::cluster)).
///
/// ```
/// use std::time::Duration;
/// use fastsio_redis::RedisConfig;
/// let config = RedisConfig::new("redis://127.0.0.1:6379")
///     .prefix("chat")
///     .request_timeout(Duration::from_secs(2));
/// assert_eq!(config.prefix, "chat");
/// ```
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// The Redis URL (`redis://host:port/db`); for a cluster, its first node.
    pub url: String,
    /// The nodes of a Redis Cluster to start from (`redis://host:port` each), empty for a
    /// single Redis server: see [`RedisConfig::cluster`].
    pub cluster_nodes: Vec<String>,
    /// The channel prefix (node's `key` option), `socket.io` by default.
    pub prefix: String,
    /// How long a request to other nodes waits for their answers, 5 s by default.
    pub request_timeout: Duration,
    /// How many messages may wait to be published to Redis, 16 384 by default. Beyond (a
    /// burst faster than Redis takes it, or Redis unreachable), a cluster operation fails at
    /// once with an error: a broadcast still reaches this node's sockets, and the failure is
    /// logged, but the other nodes miss it.
    pub max_queued: usize,
    /// The largest message the classic adapter's subscriber reads, in bytes (a broadcast's
    /// payload with its binaries, a request, a response; counted with its channel name and
    /// framing), 16 MiB by default. A larger one
    /// fails the subscriber's connection: the failure is logged, the subscriber reconnects and
    /// resubscribes, and messages published meanwhile are missed.
    pub max_message_size: usize,
    /// How long, at most, a batch of messages waits for more before it is published while
    /// the stream is busy, 1 ms by default (tokio's timers count in milliseconds: a wait can
    /// last up to one more). Only while the last batch held several messages does a batch
    /// wait, and only until half as many are waiting: a message on a quiet node goes at once,
    /// the first one after a burst waits this long at most. Fewer, larger batches cost Redis
    /// fewer reads and writes, as each batch is one read for Redis and one write to every
    /// subscribing node. Zero publishes each batch as soon as the last one is answered.
    pub publish_linger: Duration,
}

impl RedisConfig {
    /// The defaults, with this URL.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            cluster_nodes: Vec::new(),
            prefix: "socket.io".into(),
            request_timeout: Duration::from_secs(5),
            max_queued: 16_384,
            max_message_size: 16 << 20,
            publish_linger: Duration::from_millis(1),
        }
    }

    /// The defaults, on the Redis Cluster these nodes belong to (a few of its masters are
    /// enough: the others are discovered). Commands go to the master of their key's slot and
    /// follow `MOVED`/`ASK`; `PUBSUB NUMSUB` is summed over every node; classic pub/sub
    /// listens on one node (it reaches every node), the next listed one when that one fails;
    /// sharded pub/sub subscribes each channel on its slot's master and follows it through
    /// resharding and failover.
    ///
    /// ```
    /// use fastsio_redis::RedisConfig;
    /// let config = RedisConfig::cluster(["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"]);
    /// assert_eq!(config.url, "redis://10.0.0.1:7000");
    /// assert_eq!(config.cluster_nodes.len(), 2);
    /// ```
    pub fn cluster<S: Into<String>>(nodes: impl IntoIterator<Item = S>) -> Self {
        let cluster_nodes: Vec<String> = nodes.into_iter().map(Into::into).collect();
        let url = cluster_nodes.first().cloned().unwrap_or_default();
        RedisConfig {
            cluster_nodes,
            ..RedisConfig::new(url)
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

    /// Sets how many messages may wait to be published (see [`RedisConfig::max_queued`]).
    pub fn max_queued(mut self, messages: usize) -> Self {
        self.max_queued = messages;
        self
    }

    /// Sets the largest message read (see [`RedisConfig::max_message_size`]).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets how long a batch may wait for more while the stream is busy (see
    /// [`RedisConfig::publish_linger`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use fastsio_redis::RedisConfig;
    /// let config = RedisConfig::new("redis://127.0.0.1:6379").publish_linger(Duration::ZERO);
    /// assert!(config.publish_linger.is_zero());
    /// ```
    pub fn publish_linger(mut self, linger: Duration) -> Self {
        self.publish_linger = linger;
        self
    }
}
