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
}

impl RedisConfig {
    /// The defaults, with this URL.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            prefix: "socket.io".into(),
            request_timeout: Duration::from_secs(5),
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
}
