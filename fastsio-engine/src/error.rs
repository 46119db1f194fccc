//! [`HandshakeError`]: why an Engine.IO request is refused, with node's codes and messages.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use http_body_util::Full;

/// A refused Engine.IO request. The body is node's JSON `{"code":N,"message":"..."}`, so
/// clients and tools written against node see the same errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeError {
    /// Code 0: the `transport` parameter is missing, unknown or disabled.
    UnknownTransport,
    /// Code 1: no session has this `sid` (never had, or it closed).
    UnknownSid,
    /// Code 2: a handshake must be a `GET`.
    BadHandshakeMethod,
    /// Code 3: the request does not fit the session (wrong transport, overlapping polls, ...).
    BadRequest,
    /// Code 4: refused by the `allow_request` hook (HTTP 403).
    Forbidden,
    /// Code 5: the `EIO` parameter is missing or names a revision this server does not serve.
    UnsupportedProtocolVersion,
}

impl HandshakeError {
    /// Node's numeric code.
    pub fn code(self) -> u8 {
        match self {
            HandshakeError::UnknownTransport => 0,
            HandshakeError::UnknownSid => 1,
            HandshakeError::BadHandshakeMethod => 2,
            HandshakeError::BadRequest => 3,
            HandshakeError::Forbidden => 4,
            HandshakeError::UnsupportedProtocolVersion => 5,
        }
    }

    /// Node's message.
    pub fn message(self) -> &'static str {
        match self {
            HandshakeError::UnknownTransport => "Transport unknown",
            HandshakeError::UnknownSid => "Session ID unknown",
            HandshakeError::BadHandshakeMethod => "Bad handshake method",
            HandshakeError::BadRequest => "Bad request",
            HandshakeError::Forbidden => "Forbidden",
            HandshakeError::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The HTTP status: 403 for `Forbidden`, 400 otherwise.
    pub fn status(self) -> StatusCode {
        match self {
            HandshakeError::Forbidden => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        let body = format!(
            r#"{{"code":{},"message":"{}"}}"#,
            self.code(),
            self.message()
        );
        Response::builder()
            .status(self.status())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("static response parts are valid")
    }
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for HandshakeError {}
