//! [`RedisConfig`]: where Redis is and how the channels are named.

use std::time::Duration;

/// How to reach Redis and how to name the channels.
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
    /// The Redis URL (`redis://host:port/db`).
    pub url: String,
    /// The channel prefix (node's `key` option), `socket.io` by default.
    pub prefix: String,
    /// How long a request to other nodes waits for their answers, 5 s by default.
    pub request_timeout: Duration,
    /// How many messages may wait to be published to Redis, 16 384 by default. Beyond (a
    /// burst faster than Redis takes it, or Redis unreachable), a cluster operation fails at
    /// once with an error: a broadcast still reaches this node's sockets, and the failure is
    /// logged, but the other nodes miss it.
    pub max_queued: usize,
}

impl RedisConfig {
    /// The defaults, with this URL.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            prefix: "socket.io".into(),
            request_timeout: Duration::from_secs(5),
            max_queued: 16_384,
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
}
