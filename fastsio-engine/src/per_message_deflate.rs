//! [`PerMessageDeflate`]: the WebSocket compression extension (RFC 7692), offered by the client
//! and accepted when the server enables it.

use http::{HeaderMap, header};

/// WebSocket `permessage-deflate`, like node's `perMessageDeflate` option: when on and the
/// client offers the extension, messages of at least `threshold` bytes are sent compressed,
/// and compressed messages from the client are accepted. Off by default (as in node):
/// compression costs CPU and memory per connection.
///
/// Connections that do not negotiate it keep the plain WebSocket path, so enabling it costs
/// nothing to clients that do not ask.
///
/// ```
/// use fastsio_engine::{EngineConfig, PerMessageDeflate};
/// let mut config = EngineConfig::default();
/// assert_eq!(config.per_message_deflate, None);
/// config.per_message_deflate = Some(PerMessageDeflate::default());
/// assert_eq!(PerMessageDeflate::default().threshold, 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerMessageDeflate {
    /// Messages smaller than this many bytes are sent uncompressed (default 1024).
    pub threshold: usize,
}

impl Default for PerMessageDeflate {
    fn default() -> Self {
        PerMessageDeflate { threshold: 1024 }
    }
}

impl PerMessageDeflate {
    /// Whether the WebSocket request offers `permessage-deflate`.
    pub(crate) fn offered(headers: &HeaderMap) -> bool {
        headers
            .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|offer| {
                offer
                    .split(';')
                    .next()
                    .is_some_and(|name| name.trim().eq_ignore_ascii_case("permessage-deflate"))
            })
    }

    /// The settings of the compressing WebSocket, with the engine's size limits.
    pub(crate) fn options(&self, max_payload: usize, read_buffer: usize) -> yawc::Options {
        // yawc refuses a message of its limit or more; ours is the largest one accepted.
        let limit = max_payload.saturating_add(1);
        yawc::Options::default()
            .with_balanced_compression()
            .with_compression_threshold(self.threshold)
            .with_limits(limit, limit)
            .with_read_buffer_capacity(read_buffer)
            .with_utf8()
    }
}
