//! The client's errors: [`ConnectError`], [`EmitError`], [`AckError`], [`EngineError`].

use std::fmt;

use serde_json::Value;

/// Why the Engine.IO connection could not be opened or broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// The URL is not an `http(s)://` or `ws(s)://` URL with a host (or is `https` without the
    /// `tls` feature).
    InvalidUrl(String),
    /// TCP, HTTP or WebSocket failed.
    Io(String),
    /// The TLS handshake failed (an untrusted certificate, say).
    Tls(String),
    /// The server answered with an HTTP error status.
    Status(u16, String),
    /// The server sent something that is not Engine.IO v4.
    Protocol(String),
    /// A message or body bigger than the client's `max_incoming`.
    TooLarge(usize),
    /// The handshake was not answered within `connect_timeout`.
    Timeout,
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::InvalidUrl(u) => write!(f, "invalid url: {u}"),
            EngineError::Io(e) => write!(f, "connection failed: {e}"),
            EngineError::Tls(e) => write!(f, "TLS failed: {e}"),
            EngineError::Status(code, body) => write!(f, "HTTP {code}: {body}"),
            EngineError::Protocol(e) => write!(f, "protocol error: {e}"),
            EngineError::TooLarge(n) => write!(f, "message of {n} bytes or more is over the limit"),
            EngineError::Timeout => f.write_str("the server did not answer the handshake in time"),
        }
    }
}

impl std::error::Error for EngineError {}

/// Why [`SocketBuilder::connect`](crate::SocketBuilder::connect) failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectError {
    /// The server refused the namespace (`connect_error`): its message and data.
    Refused {
        /// The `message` of the server's `connect_error`.
        message: String,
        /// The `data` of the server's `connect_error` (`null` when absent).
        data: Value,
    },
    /// The connection could not be established within `connect_timeout` (or at all, with
    /// reconnection off); the last transport error, if any.
    Timeout(Option<EngineError>),
    /// The manager gave up: the reconnection policy's `attempts` all failed
    /// (socket.io-client's `reconnect_failed`). Final.
    ReconnectFailed {
        /// How many reconnection attempts were made.
        attempts: u32,
        /// The last attempt's error.
        last: Option<EngineError>,
    },
    /// The manager was closed.
    Closed,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Refused { message, .. } => write!(f, "connection refused: {message}"),
            ConnectError::Timeout(Some(e)) => write!(f, "could not connect in time: {e}"),
            ConnectError::Timeout(None) => f.write_str("could not connect in time"),
            ConnectError::ReconnectFailed {
                attempts,
                last: Some(e),
            } => write!(f, "gave up reconnecting after {attempts} attempts: {e}"),
            ConnectError::ReconnectFailed {
                attempts,
                last: None,
            } => {
                write!(f, "gave up reconnecting after {attempts} attempts")
            }
            ConnectError::Closed => f.write_str("the client was closed"),
        }
    }
}

impl std::error::Error for ConnectError {}

/// Why an emit was not sent nor buffered.
#[derive(Debug)]
pub enum EmitError {
    /// The arguments could not be serialised.
    Encode(serde_json::Error),
    /// The connection's send queue, or the buffer of emits made while disconnected, is full.
    Full,
    /// A message of the packet (its JSON text, or a binary attachment) is bigger than the
    /// server's `maxPayload` (from its handshake; on polling, binary counts as base64): the
    /// server would close the connection on it, so it is not sent.
    TooLarge {
        /// The message's size in bytes, as the transport in use would send it.
        size: usize,
        /// The server's `maxPayload`.
        max: usize,
    },
    /// The socket was disconnected by the user or the server and will not reconnect.
    Closed,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::Encode(e) => write!(f, "could not encode the emit: {e}"),
            EmitError::Full => f.write_str("send queue full"),
            EmitError::TooLarge { size, max } => write!(
                f,
                "a message of {size} bytes is over the server's maxPayload ({max} bytes)"
            ),
            EmitError::Closed => f.write_str("socket closed"),
        }
    }
}

impl std::error::Error for EmitError {}

impl From<serde_json::Error> for EmitError {
    fn from(e: serde_json::Error) -> Self {
        EmitError::Encode(e)
    }
}

/// Why an emit with ack got no usable ack.
#[derive(Debug)]
pub enum AckError {
    /// The emit failed.
    Emit(EmitError),
    /// No ack within the timeout.
    Timeout,
    /// The ack's arguments do not fit the expected type.
    Decode(serde_json::Error),
}

impl fmt::Display for AckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AckError::Emit(e) => write!(f, "{e}"),
            AckError::Timeout => f.write_str("ack timed out"),
            AckError::Decode(e) => write!(f, "ack does not fit the expected type: {e}"),
        }
    }
}

impl std::error::Error for AckError {}

impl From<EmitError> for AckError {
    fn from(e: EmitError) -> Self {
        AckError::Emit(e)
    }
}
