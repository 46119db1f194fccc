//! [`ExtractError`]: an argument could not be built; the client gets an error ack.

use serde::de::DeserializeOwned;

use crate::handler::{AckErrorBody, IntoAckError};
use crate::protocol::EventArgs;

/// Why an extractor failed. The client receives it as an ack error (`code`, `message`), so a
/// bad payload is answered, never dropped silently.
///
/// Any [`IntoAckError`] converts into it, so a custom extractor fails with its own typed error
/// through `?` or `.into()`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractError(pub AckErrorBody);

impl<E: IntoAckError> From<E> for ExtractError {
    fn from(e: E) -> Self {
        ExtractError(e.into_ack_error())
    }
}

impl ExtractError {
    /// A value does not deserialise into the handler's type: `validation_failed`, with the path
    /// of the field that failed and serde's reason (`text: invalid type: integer `5`, expected
    /// a string`). `what` names the value (`payload`, `auth`).
    pub fn deserialize(what: &str, path: &str, e: &serde_json::Error) -> Self {
        let reason = reason(e);
        let message = match path {
            "" | "." => format!("invalid {what}: {reason}"),
            path => format!("invalid {what}: {path}: {reason}"),
        };
        let details = serde_json::json!({ "path": path, "reason": reason });
        ExtractError(AckErrorBody::new("validation_failed", message).with_details(details))
    }
}

/// serde_json's message without its "at line 1 column 11" suffix, which counts characters in
/// fastsio's internal buffer, not in anything the client sent.
fn reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(reason) => reason.to_string(),
        None => text,
    }
}

/// Deserialises `json` into `T`, or explains which field failed and why.
pub(crate) fn from_json<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, ExtractError> {
    serde_json::from_str(json).map_err(|_| explain::<T>(what, json))
}

/// The event's payload (the arguments after the name) as `T`: the fast path deserialises
/// straight from the arguments; only a failure runs again to find the failing field.
pub(crate) fn from_args<T: DeserializeOwned>(args: &EventArgs) -> Result<T, ExtractError> {
    args.deserialize(1).map_err(|_| match args.len() {
        0 | 1 => explain::<T>("payload", "null"),
        2 => explain::<T>("payload", args.get(1).unwrap_or("null")),
        _ => explain::<T>("payload", &format!("[{}]", args.tail(1))),
    })
}

/// Deserialises again, tracking the path, for the error message (the cold path).
fn explain<T: DeserializeOwned>(what: &str, json: &str) -> ExtractError {
    let mut de = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => ExtractError::deserialize(what, &e.path().to_string(), e.inner()),
        Ok(_) => ExtractError(AckErrorBody::new(
            "validation_failed",
            format!("invalid {what}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Todo {
        text: String,
        tags: Vec<String>,
    }

    #[test]
    fn messages_name_the_field_not_the_buffer_position() {
        let e = from_json::<Todo>("payload", r#"{"text": 5, "tags": []}"#).unwrap_err();
        assert_eq!(
            e.0.message,
            "invalid payload: text: invalid type: integer `5`, expected a string"
        );
        let e = from_json::<Todo>("payload", r#"{"text": "a", "tags": ["x", 1]}"#).unwrap_err();
        assert_eq!(
            e.0.message,
            "invalid payload: tags[1]: invalid type: integer `1`, expected a string"
        );
        let e = from_json::<Todo>("payload", r#"{"text": "a"}"#).unwrap_err();
        assert_eq!(e.0.message, "invalid payload: missing field `tags`");
        assert!(!e.0.message.contains("line"));
    }
}
