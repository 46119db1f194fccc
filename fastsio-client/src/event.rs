//! [`RawEvent`]: an event as received, its arguments still raw JSON.

use bytes::Bytes;
use fastsio_protocol::sio::EventArgs;
use serde::de::DeserializeOwned;

/// An event from the server: its name, raw JSON arguments and binary attachments.
#[derive(Debug, Clone)]
pub struct RawEvent {
    pub(crate) args: EventArgs,
    pub(crate) attachments: Vec<Bytes>,
    pub(crate) ack: Option<u64>,
}

impl RawEvent {
    /// The event's name.
    pub fn name(&self) -> String {
        self.args
            .get(0)
            .and_then(|n| serde_json::from_str(n).ok())
            .unwrap_or_default()
    }

    /// The arguments after the name: one reads as itself, several as a tuple, none as `()`.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.args.deserialize(1)
    }

    /// The raw JSON arguments, the name first.
    pub fn args(&self) -> &EventArgs {
        &self.args
    }

    /// The binary attachments, in placeholder order (`{"_placeholder":true,"num":N}`).
    pub fn attachments(&self) -> &[Bytes] {
        &self.attachments
    }

    /// Whether the server asked for an ack.
    pub fn wants_ack(&self) -> bool {
        self.ack.is_some()
    }
}
