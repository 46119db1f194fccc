//! Errors of the Socket.IO layer: [`ConnectError`], [`EmitError`], [`BuildError`].

use serde::Serialize;

use crate::engine::SendError;
use crate::extract::ExtractError;
use crate::handler::AckErrorBody;

/// A refused connection: the client's `connect_error` gets `{"message", "data"?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectError {
    /// Shown by socket.io-client as `err.message`.
    pub message: String,
    /// Shown as `err.data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl ConnectError {
    /// A refusal with a message.
    pub fn new(message: impl Into<String>) -> Self {
        ConnectError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds `data`.
    pub fn with_data(mut self, data: impl Serialize) -> Self {
        self.data = serde_json::to_value(data).ok();
        self
    }
}

impl From<ExtractError> for ConnectError {
    fn from(e: ExtractError) -> Self {
        ConnectError::new(e.0.message.clone()).with_data(serde_json::json!({
            "code": e.0.code,
            "details": e.0.details,
        }))
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectError {}

/// An emit that could not go out.
#[derive(Debug)]
pub enum EmitError {
    /// The arguments could not be serialised.
    Encode(serde_json::Error),
    /// The socket's connection is closed or its queue full.
    Send(SendError),
    /// A cluster operation failed.
    Adapter(crate::adapter::AdapterError),
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmitError::Encode(e) => write!(f, "could not encode the emit: {e}"),
            EmitError::Send(e) => write!(f, "could not send: {e}"),
            EmitError::Adapter(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for EmitError {}

/// An emit that failed inside a handler answers the client's ack with code `emit_failed`, so
/// `socket.emit(..)?` works in handlers returning `Result<_, AckErrorBody>`.
///
/// ```
/// use fastsio_core::{SocketRef, handler::{Ack, AckErrorBody}};
/// async fn relay(socket: SocketRef) -> Result<Ack<&'static str>, AckErrorBody> {
///     socket.emit_raw("relayed", &"hello")?;
///     Ok(Ack("sent"))
/// }
/// ```
impl From<EmitError> for AckErrorBody {
    fn from(e: EmitError) -> Self {
        AckErrorBody::new("emit_failed", e.to_string())
    }
}

impl From<serde_json::Error> for EmitError {
    fn from(e: serde_json::Error) -> Self {
        EmitError::Encode(e)
    }
}

impl From<SendError> for EmitError {
    fn from(e: SendError) -> Self {
        EmitError::Send(e)
    }
}

/// A server configuration that cannot work, found by `build()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid server configuration: {}", self.0)
    }
}

impl std::error::Error for BuildError {}
