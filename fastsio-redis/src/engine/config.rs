//! [`RedisEngineConfig`]: where Redis is and how long engines wait for each other.

use std::time::Duration;

/// How to reach Redis, and the limits of the [`RedisEngine`](super::RedisEngine).
///
/// ```
/// use std::time::Duration;
/// use fastsio_redis::RedisEngineConfig;
/// let config = RedisEngineConfig::new("redis://127.0.0.1:6379")
///     .channel_prefix("chat-engine")
///     .response_timeout(Duration::from_millis(500));
/// assert_eq!(config.connect_delay, Duration::from_millis(300));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisEngineConfig {
    /// The Redis URL (`redis://host:port/db`).
    pub url: String,
    /// The channel prefix (node's `channelPrefix`), `engine.io` by default: messages to
    /// every node go to `{prefix}#`, to one node to `{prefix}#{node id}#`.
    pub channel_prefix: String,
    /// How long a node waits for the node holding a session to take a forwarded request or a
    /// take-over (node's `responseTimeout`, 1 s by default). Without an answer, the request
    /// gets HTTP 400 "Session ID unknown", as on a single node.
    pub response_timeout: Duration,
    /// How long a node waits for the answer to a forwarded request once it was taken: a poll
    /// is answered within the ping interval (45 s by default, the default ping interval plus
    /// ping timeout).
    pub answer_timeout: Duration,
    /// How long the connection of a session opened by polling waits for its upgrade, which
    /// may move it to another node (node's `delayedConnectionTimeout`, 300 ms by default).
    pub connect_delay: Duration,
    /// Forwarded requests and take-overs waiting for an answer at once (10 000 by default);
    /// beyond, a request for another node's session gets HTTP 400.
    pub max_pending: usize,
    /// Messages waiting to be published (16 384 by default); beyond, the message is dropped
    /// and the request it answers fails.
    pub max_queued: usize,
}

impl RedisEngineConfig {
    /// The defaults, with this URL.
    pub fn new(url: impl Into<String>) -> Self {
        RedisEngineConfig {
            url: url.into(),
            channel_prefix: "engine.io".into(),
            response_timeout: Duration::from_secs(1),
            answer_timeout: Duration::from_secs(45),
            connect_delay: Duration::from_millis(300),
            max_pending: 10_000,
            max_queued: 16_384,
        }
    }

    /// Sets the channel prefix.
    pub fn channel_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.channel_prefix = prefix.into();
        self
    }

    /// Sets how long a node waits for the node holding a session to answer.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Sets how long a node waits for the answer to a forwarded request.
    pub fn answer_timeout(mut self, timeout: Duration) -> Self {
        self.answer_timeout = timeout;
        self
    }

    /// Sets how long a polling session's connection waits for its upgrade.
    pub fn connect_delay(mut self, delay: Duration) -> Self {
        self.connect_delay = delay;
        self
    }
}
