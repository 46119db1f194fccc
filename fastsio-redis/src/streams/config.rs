//! [`StreamsConfig`]: the stream, its bounds and the recovery record keys.

use std::time::Duration;

/// How [`RedisStreams`](super::RedisStreams) names its stream and recovery record keys, and how much
/// it keeps and reads at once. The defaults are those of node's
/// `@socket.io/redis-streams-adapter`, so both kinds of server share one stream.
///
/// ```
/// use fastsio_redis::StreamsConfig;
/// let config = StreamsConfig::default().stream_name("chat").max_len(50_000);
/// assert_eq!(config.stream_name, "chat");
/// assert_eq!(config.record_key_prefix, "sio:session:");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsConfig {
    /// The stream every node adds its broadcasts to (node's `streamName`), `socket.io` by
    /// default.
    pub stream_name: String,
    /// About how many entries the stream keeps (`XADD MAXLEN ~`, node's `maxLen`), 10 000 by
    /// default: a client can be recovered while the entries after its offset are still there.
    pub max_len: usize,
    /// Entries read per `XREAD` or `XRANGE` (node's `readCount`), 100 by default.
    pub read_count: usize,
    /// How long one `XREAD` waits for new entries (node's `blockTimeInMs`), 5 s by default.
    pub block: Duration,
    /// The prefix of the key a recovery record is kept under, followed by its private id
    /// (node's `sessionKeyPrefix`), `sio:session:` by default.
    pub record_key_prefix: String,
    /// The most `XRANGE` calls one recovery makes (100 by default, as node): a socket whose
    /// missed entries are not all read by then is not recovered.
    pub max_restore_reads: usize,
    /// Broadcasts and recovery records waiting to be written to Redis (1024 by default);
    /// beyond, a broadcast reaches this node's sockets only, without an offset, and a record
    /// is not kept.
    pub queue: usize,
}

impl Default for StreamsConfig {
    fn default() -> Self {
        StreamsConfig {
            stream_name: "socket.io".into(),
            max_len: 10_000,
            read_count: 100,
            block: Duration::from_secs(5),
            record_key_prefix: "sio:session:".into(),
            max_restore_reads: 100,
            queue: 1024,
        }
    }
}

impl StreamsConfig {
    /// Sets the stream name.
    pub fn stream_name(mut self, name: impl Into<String>) -> Self {
        self.stream_name = name.into();
        self
    }

    /// Sets about how many entries the stream keeps.
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Sets the prefix of the recovery record keys (node's `sessionKeyPrefix`).
    pub fn record_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.record_key_prefix = prefix.into();
        self
    }

    /// The former name of [`record_key_prefix`](Self::record_key_prefix).
    #[deprecated(note = "renamed `record_key_prefix`")]
    pub fn session_key_prefix(self, prefix: impl Into<String>) -> Self {
        self.record_key_prefix(prefix)
    }
}
