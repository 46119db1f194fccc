//! [`WsError`]: why a client's frames were refused.

use std::fmt;

/// A protocol violation in the frames a client sent: the connection must end (RFC 6455, 7.1.7,
/// "fail the WebSocket connection"). Its message is `websocket: ` and the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WsError {
    /// A reserved bit of a frame's first byte was set (no extension is negotiated).
    ReservedBits,
    /// A client frame was not masked.
    Unmasked,
    /// A frame, or the fragments of a message so far, went over the decoder's `max_payload`.
    TooLong,
    /// A ping or pong was fragmented or carried more than 125 bytes.
    BadControl,
    /// A close frame was fragmented, too long, or held a bad status code or a reason that is not
    /// UTF-8.
    BadClose,
    /// A text or binary frame came while a fragmented message was being gathered.
    NewInsideFragmented,
    /// A continuation frame came with no fragmented message to continue.
    StrayContinuation,
    /// A frame had an opcode RFC 6455 does not define.
    UnknownOpcode,
    /// A text message was not UTF-8.
    NotUtf8,
}

impl WsError {
    /// What the client did wrong, in a few words.
    pub fn reason(self) -> &'static str {
        match self {
            WsError::ReservedBits => "reserved bits set",
            WsError::Unmasked => "unmasked frame from a client",
            WsError::TooLong => "message too long",
            WsError::BadControl => "bad control frame",
            WsError::BadClose => "bad close frame",
            WsError::NewInsideFragmented => "new message inside a fragmented one",
            WsError::StrayContinuation => "continuation outside a fragmented message",
            WsError::UnknownOpcode => "unknown opcode",
            WsError::NotUtf8 => "text message not UTF-8",
        }
    }
}

impl fmt::Display for WsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "websocket: {}", self.reason())
    }
}

impl std::error::Error for WsError {}
