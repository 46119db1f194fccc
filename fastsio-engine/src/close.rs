//! [`CloseReason`]: why a session ended.

/// Why an Engine.IO session closed (node's reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The client closed it (close packet, WebSocket close, connection gone).
    TransportClose,
    /// The transport failed: I/O error, oversized message, overlapping polls, full queue.
    TransportError,
    /// No pong (v4) or ping (v3) in time.
    PingTimeout,
    /// The client sent something that is not Engine.IO.
    ParseError,
    /// The server closed it.
    ForcedClose,
    /// The server is shutting down.
    ServerShutdown,
}

impl CloseReason {
    /// Node's wording ("transport close", "ping timeout", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShutdown => "server shutting down",
        }
    }

    /// Whether the client asked for the close (a pending poll then gets a noop, not a close
    /// packet).
    pub(crate) fn by_client(self) -> bool {
        self == CloseReason::TransportClose
    }

    /// Whether the server decided the close (what was queued is still delivered).
    pub(crate) fn by_server(self) -> bool {
        matches!(self, CloseReason::ForcedClose | CloseReason::ServerShutdown)
    }

    /// Whether a polling session closed this way still answers one poll that was not waiting
    /// yet (server close: what was queued and a close packet; client close: a noop).
    pub(crate) fn answers_last_poll(self) -> bool {
        self.by_server() || self.by_client()
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
