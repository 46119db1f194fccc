//! [`DisconnectReason`]: why a client socket disconnected, in socket.io-client's words.

use std::fmt;

use crate::engine::CloseCause;

/// Why a socket disconnected. Reconnection follows every reason but the two deliberate ones
/// ([`ServerDisconnect`](DisconnectReason::ServerDisconnect) and
/// [`ClientDisconnect`](DisconnectReason::ClientDisconnect)), as in socket.io-client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The server disconnected the socket (`socket.disconnect()` on the server).
    ServerDisconnect,
    /// This client disconnected it ([`Socket::disconnect`](crate::Socket::disconnect)).
    ClientDisconnect,
    /// The server sent no packet for pingInterval + pingTimeout.
    PingTimeout,
    /// The server closed the connection.
    TransportClose,
    /// The connection failed; the error's text.
    TransportError(String),
    /// The server sent a packet that is not valid Socket.IO.
    ParseError,
}

impl DisconnectReason {
    /// socket.io-client's wording (`"io server disconnect"`, `"ping timeout"`...).
    pub fn as_str(&self) -> &'static str {
        match self {
            DisconnectReason::ServerDisconnect => "io server disconnect",
            DisconnectReason::ClientDisconnect => "io client disconnect",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError(_) => "transport error",
            DisconnectReason::ParseError => "parse error",
        }
    }

    /// Whether the client reconnects after it (when reconnection is on).
    pub fn reconnects(&self) -> bool {
        !matches!(
            self,
            DisconnectReason::ServerDisconnect | DisconnectReason::ClientDisconnect
        )
    }

    pub(crate) fn from_cause(cause: &CloseCause) -> Self {
        match cause {
            CloseCause::PingTimeout => DisconnectReason::PingTimeout,
            CloseCause::TransportClose => DisconnectReason::TransportClose,
            CloseCause::TransportError(e) => DisconnectReason::TransportError(e.to_string()),
            CloseCause::ClientClose => DisconnectReason::ClientDisconnect,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectReason::TransportError(e) => write!(f, "transport error: {e}"),
            other => f.write_str(other.as_str()),
        }
    }
}
