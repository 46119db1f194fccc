//! What a handler's return value becomes: [`IntoAck`], [`Ack`], [`AckReply`] and the error
//! convention ([`IntoAckError`], [`AckErrorBody`]).

use std::borrow::Cow;

use bytes::Bytes;
use serde::Serialize;

use crate::engine::Str;
use crate::protocol::into_args;

/// An ack about to be sent: its arguments as JSON text (comma-separated, no brackets) and their
/// attachments, or an error.
///
/// The text is a shared [`Str`]: an ack that relays what the client sent
/// ([`RawArgs`](crate::extract::RawArgs)) points into the received packet instead of copying it.
/// Build one from a `String` with `.into()`.
#[derive(Debug, Clone, PartialEq)]
pub enum AckReply {
    /// Acknowledge with these arguments.
    Args {
        /// `arg1,arg2,...` as JSON.
        json: Str,
        /// Binary attachments the arguments' placeholders refer to.
        attachments: Vec<Bytes>,
    },
    /// Acknowledge with `{"error": {...}}` as the single argument.
    Error(AckErrorBody),
}

impl AckReply {
    /// An ack with no arguments.
    pub fn empty() -> Self {
        AckReply::Args {
            json: Str::default(),
            attachments: Vec::new(),
        }
    }

    /// An ack with `value`'s arguments (tuples spread, `()` none); a value that cannot be
    /// serialised becomes an `internal` error.
    pub fn args<T: Serialize + ?Sized>(value: &T) -> Self {
        let mut out = Vec::new();
        match into_args(value, &mut out) {
            Ok(_) => AckReply::Args {
                json: String::from_utf8(out)
                    .expect("serde_json writes UTF-8")
                    .into_boxed_str()
                    .into(),
                attachments: Vec::new(),
            },
            Err(e) => AckReply::Error(AckErrorBody::new("internal", format!("ack encoding: {e}"))),
        }
    }

    /// The arguments' JSON text as sent (between the brackets).
    pub fn to_json(&self) -> Cow<'_, str> {
        match self {
            AckReply::Args { json, .. } => Cow::Borrowed(json.as_str()),
            AckReply::Error(body) => Cow::Owned(
                serde_json::to_string(&ErrorEnvelope { error: body }).unwrap_or_else(|_| {
                    r#"{"error":{"code":"internal","message":"error encoding"}}"#.into()
                }),
            ),
        }
    }
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: &'a AckErrorBody,
}

/// The error an ack carries: `{"error": {"code", "message", "details"?}}` — fastsio's
/// documented convention, since Socket.IO has no protocol-level ack error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AckErrorBody {
    /// A stable machine-readable code (`validation_failed`, `rate_limited`, `internal`, ...).
    pub code: Cow<'static, str>,
    /// A human-readable message.
    pub message: String,
    /// Anything else worth telling the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl AckErrorBody {
    /// An error with a code and message.
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        AckErrorBody {
            code: code.into(),
            message: message.into(),
            details: None,
        }
    }

    /// Adds details.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// A value a handler returns to acknowledge with.
///
/// `()` acknowledges with no arguments, [`Ack<T>`] with `T` (tuples spread into several
/// arguments), `Result<A, E>` with `A`'s ack or `E`'s error body.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a fastsio event handler",
    note = "return `()`, `Ack<T>` with `T: Serialize`, or `Result<Ack<T>, E>` where `E: IntoAckError`"
)]
pub trait IntoAck {
    /// The reply.
    fn into_ack(self) -> AckReply;
}

impl IntoAck for () {
    fn into_ack(self) -> AckReply {
        AckReply::empty()
    }
}

impl IntoAck for AckReply {
    fn into_ack(self) -> AckReply {
        self
    }
}

/// Acknowledge with a value: `Ok(Ack(Joined { room }))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ack<T>(pub T);

impl<T: Serialize> IntoAck for Ack<T> {
    fn into_ack(self) -> AckReply {
        AckReply::args(&self.0)
    }
}

impl<A: IntoAck, E: IntoAckError> IntoAck for Result<A, E> {
    fn into_ack(self) -> AckReply {
        match self {
            Ok(a) => a.into_ack(),
            Err(e) => AckReply::Error(e.into_ack_error()),
        }
    }
}

/// An error a handler returns, sent to the client as the ack's error body.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent to the client as an ack error",
    note = "implement `IntoAckError` for it (a code and a message), or map it to `AckErrorBody`"
)]
pub trait IntoAckError {
    /// The codes this error may produce, for the API contract (the AsyncAPI document and the
    /// TypeScript declarations list them). Empty (the default) leaves the code any string.
    const CODES: &'static [&'static str] = &[];

    /// The body.
    fn into_ack_error(self) -> AckErrorBody;
}

impl IntoAckError for AckErrorBody {
    fn into_ack_error(self) -> AckErrorBody {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_encode_per_convention() {
        assert_eq!(().into_ack().to_json(), "");
        assert_eq!(Ack((1, "a")).into_ack().to_json(), r#"1,"a""#);
        let err: Result<Ack<u8>, AckErrorBody> = Err(AckErrorBody::new("nope", "no way"));
        assert_eq!(
            err.into_ack().to_json(),
            r#"{"error":{"code":"nope","message":"no way"}}"#
        );
    }
}
