//! [`ExtractError`]: an argument could not be built; the client gets an error ack.

use crate::handler::AckErrorBody;

/// Why an extractor failed. The client receives it as an ack error (`code`, `message`), so a
/// bad payload is answered, never dropped silently.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractError(pub AckErrorBody);

impl ExtractError {
    /// The payload does not deserialise into the handler's type: `validation_failed`, with
    /// serde's message and where in the payload it failed.
    pub fn payload(e: serde_json::Error) -> Self {
        ExtractError(
            AckErrorBody::new("validation_failed", format!("invalid payload: {e}"))
                .with_details(serde_json::json!({"line": e.line(), "column": e.column()})),
        )
    }
}

impl std::fmt::Display for ExtractError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)
    }
}

impl std::error::Error for ExtractError {}
