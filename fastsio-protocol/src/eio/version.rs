//! [`ProtocolVersion`]: the Engine.IO protocol revisions the server speaks.

/// An Engine.IO protocol revision, chosen per session by the `EIO` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// Engine.IO 3 (socket.io 2.x clients): length-prefixed polling payloads, client-initiated
    /// heartbeat. Served only when enabled in the configuration.
    V3,
    /// Engine.IO 4 (socket.io 3.x and 4.x clients): `\x1e`-separated polling payloads,
    /// server-initiated heartbeat.
    V4,
}

impl ProtocolVersion {
    /// Reads the `EIO` query value.
    pub fn from_query(value: &str) -> Option<Self> {
        match value {
            "3" => Some(ProtocolVersion::V3),
            "4" => Some(ProtocolVersion::V4),
            _ => None,
        }
    }
}
